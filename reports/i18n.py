"""Headings, labels and dates of digests in the output script: written once in Cyrillic, transliterated for Latin.

Article titles, sentences and outlet names are data and are never transliterated (they stay as published).
"""

from __future__ import annotations

import datetime as dt

from nlp.normalize import to_latin

SCRIPTS = ("cyrl", "latn")

# Cyrillic source of every fixed string of a digest; `latn` is derived with nlp.normalize.to_latin.
TEXT: dict[str, str] = {
    "org": "Управа за сарадњу с дијаспором и Србима у региону",
    "title_daily": "Дневни преглед медија",
    "title_weekly": "Недељни преглед медија",
    "period": "Период",
    "toc": "Садржај",
    "pinned": "Издвојено",
    "editor_note": "Напомена уредника",
    "empty": "У овом периоду у архиви нема објављених чланака.",
    "sec_directorate": "Управа и директор у медијима",
    "sec_stories_daily": "Главне вести дана",
    "sec_stories_weekly": "Главне вести недеље",
    "sec_topics": "Покривеност по темама",
    "sec_regions": "Покривеност по регионима",
    "sec_foreign": "Страна и регионална штампа",
    "sec_numbers": "Бројке",
    "no_mentions": "Управа и директор нису поменути у овом периоду.",
    "no_stories": "Нема вести које је пренело више медија.",
    "no_topics": "Ниједан чланак није сврстан у теме.",
    "no_regions": "Ниједан чланак није сврстан у регионе.",
    "no_foreign": "Нема чланака страних и регионалних медија о темама Управе.",
    "covered_by": "Објавило {n} {outlets}",
    "articles_n": "{n} {articles}",
    "more": "… и још {n}",
    "original": "оригинал",
    "articles_per_day": "Чланака по дану",
    "articles_per_hour": "Чланака по сату",
    "per_topic": "По темама",
    "per_region": "По регионима",
    "per_group": "По групама медија",
    "current": "Овај период",
    "previous": "Претходни период",
    "change": "Промена",
    "total": "Укупно",
    "day": "Дан",
    "page": "Страна",
    "of": "од",
    "generated": "Направљено",
    "in_period": "у периоду",
    "chart_volume": "Број чланака",
    "subject_daily": "Одјек: дневни преглед медија за {period}",
    "subject_weekly": "Одјек: недељни преглед медија за {period}",
    "web_link": "Архива и претрага",
    "pdf_attached": "PDF верзија је у прилогу.",
    # Taxonomy labels (ids from ../shared/taxonomy.md).
    "office": "Управа",
    "director": "Директор",
    "voting_abroad": "Гласање у иностранству",
    "return_migration": "Повратак и одлив мозгова",
    "serbs_in_region": "Срби у региону",
    "diaspora_bodies": "Тела за дијаспору и Србе у региону",
    "diaspora_organizations": "Организације дијаспоре",
    "language_culture_education": "Језик, култура и образовање",
    "economy_remittances": "Економија и дознаке",
    "status_consular": "Статусна и конзуларна питања",
    "information_media": "Информисање",
    "region": "Регион",
    "europe_russia": "Европа и Русија",
    "overseas_far_east": "Прекоморске земље и Далеки исток",
    "domestic": "Домаћи медији",
    "regional": "Регионални медији",
    "diaspora": "Медији дијаспоре",
    "foreign": "Страни медији",
    "unknown": "Остали",
}

TOPICS = ("voting_abroad", "return_migration", "serbs_in_region", "diaspora_bodies", "diaspora_organizations",
          "language_culture_education", "economy_remittances", "status_consular", "information_media")
REGIONS = ("region", "europe_russia", "overseas_far_east")
GROUPS = ("domestic", "regional", "diaspora", "foreign")

MONTHS_GENITIVE = ("јануара", "фебруара", "марта", "априла", "маја", "јуна", "јула", "августа", "септембра",
                   "октобра", "новембра", "децембра")
MONTHS_SHORT = ("јан", "феб", "мар", "апр", "мај", "јун", "јул", "авг", "сеп", "окт", "нов", "дец")
WEEKDAYS = ("понедељак", "уторак", "среда", "четвртак", "петак", "субота", "недеља")
WEEKDAYS_SHORT = ("пон", "уто", "сре", "чет", "пет", "суб", "нед")
PLURALS = {"outlets": ("медиј", "медија", "медија"), "articles": ("чланак", "чланка", "чланака")}


def check_script(script: str) -> str:
    if script not in SCRIPTS:
        raise ValueError(f"unknown output script {script!r}: use cyrl or latn")
    return script


def in_script(text: str, script: str) -> str:
    """A fixed Cyrillic string in the output script."""
    return to_latin(text) if script == "latn" else text


def t(key: str, script: str, **params) -> str:
    """The fixed string ``key`` in ``script``; ``{n}`` style parameters filled, plural words chosen by ``n``."""
    text = TEXT.get(key, key)
    if "n" in params:
        for word, forms in PLURALS.items():
            params.setdefault(word, plural(int(params["n"]), *forms))
    return in_script(text.format(**params) if params else text, script)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Serbian plural form: 1, 21 → one; 2–4, 22–24 → few; else many (11–14 are many)."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def format_date(day: dt.date, script: str, weekday: bool = False) -> str:
    """16. марта 2026. (optionally with the weekday)."""
    text = f"{day.day}. {MONTHS_GENITIVE[day.month - 1]} {day.year}."
    if weekday:
        text = f"{WEEKDAYS[day.weekday()]}, {text}"
    return in_script(text, script)


def format_short_date(day: dt.date, script: str) -> str:
    """пон 16. 3."""
    return in_script(f"{WEEKDAYS_SHORT[day.weekday()]} {day.day}. {day.month}.", script)


def format_period(kind: str, start: dt.date, end: dt.date, script: str) -> str:
    """The period as leadership reads it: one day with its weekday, or a week with its ISO number."""
    if kind == "daily":
        return format_date(start, script, weekday=True)
    year, week, _ = start.isocalendar()
    first = f"{start.day}. {MONTHS_GENITIVE[start.month - 1]}"
    if start.year != end.year:
        first += f" {start.year}."
    return in_script(f"{first} – {end.day}. {MONTHS_GENITIVE[end.month - 1]} {end.year}. ({week}. недеља)", script)


def format_time(moment: dt.datetime) -> str:
    return moment.strftime("%H:%M")
