"""Search filters in the URL: GET parameters to SearchFilters and back (the permalink), facet toggles, chips.

Pure functions over SearchFilters; the search, saved-search and export routes share them.
"""

from __future__ import annotations

import datetime as dt

from archive.search import SearchFilters

FILTER_PARAMS = {"source": "sources", "group": "groups", "language": "languages", "topic": "topics",
                 "region": "regions", "country": "countries", "person": "people", "org": "orgs"}
BOOLEAN_FILTERS = ("office", "director", "critical")  # GET parameter = SearchFilters field, value "1"


def filters_from_params(params, timezone: str | None = None) -> SearchFilters:
    """SearchFilters from GET parameters (bad values are dropped, never an error); dates are days in ``timezone``."""
    data: dict = {field: [v[:100] for v in params.getlist(name) if v][:50] for name, field in FILTER_PARAMS.items()}
    data["date_from"] = params.get("from") or None
    data["date_to"] = params.get("to") or None
    for name in BOOLEAN_FILTERS:
        data[name] = params.get(name) == "1"
    data["cluster_id"] = params.get("cluster") or None
    return SearchFilters.from_dict(data, timezone)


def params_for(q: str, filters: SearchFilters, sort: str = "relevance", **extra) -> list[tuple[str, str]]:
    """GET parameters of a search (the permalink)."""
    out: list[tuple[str, str]] = []
    if q:
        out.append(("q", q))
    for name, field in FILTER_PARAMS.items():
        out += [(name, v) for v in getattr(filters, field)]
    if filters.date_from:
        out.append(("from", filters.date_from.isoformat()))
    if filters.date_to:
        out.append(("to", filters.date_to.isoformat()))
    out += [(name, "1") for name in BOOLEAN_FILTERS if getattr(filters, name)]
    if filters.cluster_id is not None:
        out.append(("cluster", str(filters.cluster_id)))
    if sort != "relevance":
        out.append(("sort", sort))
    out += [(k, str(v)) for k, v in extra.items() if v is not None]
    return out


def toggled(filters: SearchFilters, facet: str, value: str) -> SearchFilters:
    """The filters with one facet value switched on or off."""
    data = filters.to_dict()
    if facet in BOOLEAN_FILTERS:
        data[facet] = not getattr(filters, facet)
    else:
        values = list(getattr(filters, facet))
        values = [v for v in values if v != value] if value in values else values + [value]
        data[facet] = values
    return SearchFilters.from_dict(data, filters.timezone)


def without(filters: SearchFilters, name: str, value: str | None = None) -> SearchFilters:
    """The filters with one value (or a whole filter: dates, story, a switch) removed."""
    if name in ("date_from", "date_to", "cluster_id"):
        data = filters.to_dict()
        data.pop(name, None)
        return SearchFilters.from_dict(data, filters.timezone)
    return toggled(filters, name, value or "")


def active_filters(filters: SearchFilters, label_of, story_title: str | None) -> list[tuple[str, str, str]]:
    """(filter, value, shown text) of every active filter, in the order the facets are listed."""
    out: list[tuple[str, str, str]] = []
    if filters.cluster_id is not None:
        out.append(("cluster_id", str(filters.cluster_id), story_title or ""))
    if filters.date_from:
        out.append(("date_from", filters.date_from.isoformat(), ""))
    if filters.date_to:
        out.append(("date_to", filters.date_to.isoformat(), ""))
    out += [(name, "1", label_of(name, "1")) for name in BOOLEAN_FILTERS if getattr(filters, name)]
    for field in FILTER_PARAMS.values():
        out += [(field, v, label_of(field, v)) for v in getattr(filters, field)]
    return out


BROAD_CHART_DAYS = 31  # the chart of a query with more than COUNT_CAP matches and no start date covers this many


def chart_filters(filters: SearchFilters, broad: bool, today: dt.date) -> tuple[SearchFilters, int | None]:
    """The filters the attention chart counts under, and the days it was limited to (None: not limited).

    A query with more matches than the search counts (a word found in most of the archive) is charted over its
    last BROAD_CHART_DAYS days unless a start date is chosen: one grouped pass over every match of such a word
    would cost seconds at a million articles; the page says so and the date filter widens it.
    """
    if not broad or filters.date_from is not None:
        return filters, None
    data = filters.to_dict()
    end = filters.date_to or today
    data["date_from"] = (end - dt.timedelta(days=BROAD_CHART_DAYS - 1)).isoformat()
    data["date_to"] = end.isoformat()
    return SearchFilters.from_dict(data, filters.timezone), BROAD_CHART_DAYS
