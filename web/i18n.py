"""Strings of the web UI: Serbian written once in Cyrillic (Latin derived by transliteration), and English.

Article titles, texts and outlet names are data and are never transliterated.
"""

from __future__ import annotations

import functools
import logging

from nlp.normalize import to_latin
from schemas.taxonomy import load_taxonomy

LOGGER = logging.getLogger(__name__)

LANGUAGES = ("sr-Cyrl", "sr-Latn", "en")
LANGUAGE_NAMES = {"sr-Cyrl": "Ћирилица", "sr-Latn": "Latinica", "en": "English"}

# key: (Serbian Cyrillic, English)
TEXT: dict[str, tuple[str, str]] = {
    "app": ("Одјек", "Odjek"),
    "org": ("Управа за сарадњу с дијаспором и Србима у региону",
            "Directorate for Cooperation with the Diaspora and Serbs in the Region"),
    "search": ("Претрага", "Search"),
    "search_button": ("Тражи", "Search"),
    "query_placeholder": ("нпр. дијаспора \"управа за сарадњу\" -пореска", "e.g. dijaspora \"uprava za saradnju\" -poreska"),
    "query_help": ("Све речи морају бити у тексту; \"фраза\", -искључи, ИЛИ као OR, префикс*, (заграде).",
                   "All words must occur; \"phrase\", -exclude, OR, prefix*, (parentheses)."),
    "sources": ("Извори", "Sources"),
    "digests": ("Прегледи", "Digests"),
    "saved": ("Сачуване претраге", "Saved searches"),
    "admin": ("Администрација", "Administration"),
    "logout": ("Одјава", "Log out"),
    "login": ("Пријава", "Log in"),
    "username": ("Корисничко име", "User name"),
    "password": ("Лозинка", "Password"),
    "login_failed": ("Погрешно име или лозинка.", "Wrong user name or password."),
    "login_blocked": ("Превише неуспелих пријава. Покушајте поново за неколико минута.",
                      "Too many failed logins. Try again in a few minutes."),
    "login_expired": ("Образац је истекао; покушајте поново.", "The form expired; please try again."),
    "results": ("Резултати", "Results"),
    "results_n": ("Пронађено чланака: {n}", "{n} articles found"),
    "results_more": ("Пронађено више од {n} чланака", "More than {n} articles found"),
    "no_results": ("Нема резултата.", "No results."),
    "sort": ("Редослед", "Sort"),
    "ranked_window": ("Редослед по релевантности обухвата {n} најновијих погодака; за све сортирајте по датуму.",
                      "Relevance order covers the newest {n} matches; sort by date to see them all."),
    "sort_relevance": ("по релевантности", "by relevance"),
    "sort_date": ("по датуму", "by date"),
    "filters": ("Филтери", "Filters"),
    "clear_filters": ("Уклони филтере", "Clear filters"),
    "date_from": ("Од", "From"),
    "date_to": ("До", "To"),
    "apply": ("Примени", "Apply"),
    "facet_sources": ("Медиј", "Outlet"),
    "facet_groups": ("Група медија", "Outlet group"),
    "facet_languages": ("Језик", "Language"),
    "facet_topics": ("Тема", "Topic"),
    "facet_regions": ("Регион", "Region"),
    "facet_office": ("Помиње Управу", "Mentions the Directorate"),
    "covered_by": ("Објавило медија: {n}", "Covered by {n} outlets"),
    "export_csv": ("Извоз у CSV", "Export CSV"),
    "save_search": ("Сачувај претрагу", "Save search"),
    "name": ("Назив", "Name"),
    "alert": ("Обавештење", "Alert"),
    "alert_none": ("без обавештења", "no alert"),
    "alert_immediately": ("одмах", "immediately"),
    "alert_hourly": ("сваког сата", "hourly"),
    "alert_daily": ("дневно", "daily"),
    "saved_ok": ("Претрага је сачувана.", "The search was saved."),
    "delete": ("Обриши", "Delete"),
    "open": ("Отвори", "Open"),
    "no_saved": ("Још нема сачуваних претрага.", "No saved searches yet."),
    "no_email": ("Ваш налог нема адресу е-поште: обавештења се не могу слати.",
                 "Your account has no email address: alerts cannot be sent."),
    "prev": ("Претходна", "Previous"),
    "next": ("Следећа", "Next"),
    "page_of": ("Страна {page} од {pages}", "Page {page} of {pages}"),
    "original": ("Оригинал", "Original"),
    "raw_page": ("Преузми сирову страницу", "Download raw page"),
    "labels": ("Ознаке", "Labels"),
    "score": ("оцена", "score"),
    "mentions": ("Помињања", "Mentions"),
    "siblings": ("Иста вест у другим медијима", "The same story elsewhere"),
    "no_siblings": ("Нема других медија са овом вешћу.", "No other outlet carried this story."),
    "published": ("Објављено", "Published"),
    "outlet": ("Медиј", "Outlet"),
    "language": ("Језик", "Language"),
    "back_to_search": ("Назад на претрагу", "Back to search"),
    "articles": ("Чланака", "Articles"),
    "last_article": ("Последњи чланак", "Last article"),
    "group": ("Група", "Group"),
    "enabled": ("Укључен", "Enabled"),
    "kind": ("Врста", "Kind"),
    "period": ("Период", "Period"),
    "status": ("Стање", "Status"),
    "no_digests": ("Још нема прегледа.", "No digests yet."),
    "review": ("Уређивање пре слања", "Review before sending"),
    "users": ("Корисници", "Users"),
    "role": ("Улога", "Role"),
    "audit": ("Дневник радњи", "Audit log"),
    "time": ("Време", "Time"),
    "user": ("Корисник", "User"),
    "address": ("Адреса", "Address"),
    "action": ("Радња", "Action"),
    "detail": ("Детаљ", "Detail"),
    "forbidden": ("Немате право приступа овој страни.", "You may not open this page."),
    "not_found": ("Страна није пронађена.", "Page not found."),
    "bad_request": ("Захтев није исправан.", "Bad request."),
    "csrf_failed": ("Образац је истекао или није с ове стране; покушајте поново.",
                    "The form expired or did not come from this site; please try again."),
    "menu": ("Мени", "Menu"),
    # Digest review (web.routers.review).
    "review_intro": ("Прегледи који чекају уређивање су на врху; пре слања их можете прегледати, изоставити или издвојити чланке и додати напомену.",
                     "Digests waiting for review come first; before sending you can preview them, exclude or pin articles and add a note."),
    "script": ("Писмо", "Script"),
    "script_cyrl": ("ћирилица", "Cyrillic"),
    "script_latn": ("латиница", "Latin"),
    "kind_daily": ("Дневни преглед", "Daily digest"),
    "kind_weekly": ("Недељни преглед", "Weekly digest"),
    "status_held": ("чека уређивање", "held for review"),
    "status_released": ("послат", "released"),
    "status_rendered": ("направљен", "rendered"),
    "released_by": ("пустио {user} у {at}", "released by {user} at {at}"),
    "preview": ("Погледај преглед како ће бити послат", "Preview the digest as it will be sent"),
    "recipients": ("Примаоци", "Recipients"),
    "no_recipients": ("Нема подешених прималаца за {kind}: слање није могуће.",
                      "No recipients are configured for the {kind}: it cannot be sent."),
    "editor_note": ("Напомена уредника", "Editor's note"),
    "save_note": ("Сачувај напомену", "Save note"),
    "release": ("Слање", "Release"),
    "release_button": ("Пусти и пошаљи…", "Release and send…"),
    "release_confirm": ("Преглед ће бити послат овим примаоцима ({n}). Послати?",
                        "The digest will be sent to these recipients ({n}). Send it?"),
    "release_confirm_button": ("Да, пошаљи", "Yes, send it"),
    "release_refused": ("Слање је одбијено: за {kind} нису подешени примаоци (ODJEK_DAILY_RECIPIENTS / ODJEK_WEEKLY_RECIPIENTS). Преглед и даље чека.",
                        "Release refused: no recipients are configured for the {kind} (ODJEK_DAILY_RECIPIENTS / ODJEK_WEEKLY_RECIPIENTS). The digest stays held."),
    "released": ("Послато", "Released"),
    "back_to_digest": ("Назад на преглед", "Back to the digest"),
    "excluded": ("Изостављено", "Excluded"),
    "include_again": ("Врати", "Include again"),
    "digest_items": ("Чланци у прегледу", "Articles in the digest"),
    "pinned": ("издвојено", "pinned"),
    "pin": ("Издвој на врх", "Pin to top"),
    "unpin": ("Поништи издвајање", "Unpin"),
    "exclude": ("Изостави", "Exclude"),
    "delivery_sent": ("послато", "sent"),
    "delivery_written": ("записано у излазну фасциклу", "written to the outbox"),
    "delivery_skipped": ("већ послато", "already sent"),
    "delivery_failed": ("неуспело", "failed"),
    "yes": ("да", "yes"),
    # Query notices (archive.search) by their first words.
    "notice_shortened": ("Упит је скраћен.", "The query was shortened."),
    "notice_plain": ("Упит није исправно написан ({why}); прочитан је као обичне речи.",
                     "The query is malformed ({why}); it was read as plain words."),
    "notice_nowords": ("Упит нема речи за тражење; приказани су сви чланци који одговарају филтерима.",
                       "The query has no words to look for; showing all articles that match the filters."),
    "error_negative": ("Искључивање (-реч) само сужава претрагу: додајте реч коју тражите.",
                       "Exclusions (-word) only narrow a search: add a word to look for."),
    "error_long": ("Упит има превише речи; скратите га.", "The query has too many words; please shorten it."),
    # Source health columns (archive.health.SourceHealth).
    "source_id": ("Извор", "Source"),
    "flagged": ("Упозорење", "Flagged"),
    "flag_reason": ("Разлог", "Reason"),
    "active_path": ("Активни пут", "Active path"),
    "active_reason": ("Зашто тај пут", "Why this path"),
    "discovered_last_run": ("Пронађено (последње)", "Discovered (last run)"),
    "fetched_last_run": ("Преузето (последње)", "Fetched (last run)"),
    "failed_last_run": ("Неуспело (последње)", "Failed (last run)"),
    "new_articles_24h": ("Нових за 24 ч", "New in 24 h"),
    "articles_total": ("Чланака укупно", "Articles in all"),
    "last_success_at": ("Последњи успех", "Last success"),
    "staleness_hours": ("Старост (сати)", "Staleness (hours)"),
    "failing_runs": ("Неуспешних заредом", "Failing runs"),
    "last_error": ("Последња грешка", "Last error"),
    # Filters, chart, export, saved searches, errors (issue 17).
    "search_heading": ("Претрага медија", "Media search"),
    "show_filters": ("Филтери", "Filters"),
    "facet_director": ("Помиње директора", "Mentions the director"),
    "facet_critical": ("Критички интонирано", "Critical coverage"),
    "facet_countries": ("Држава", "Country"),
    "facet_people": ("Особа", "Person"),
    # Diaspora organisations registry (web/orgs.py)
    "facet_orgs": ("Организација", "Organisation"),
    "orgs": ("Организације", "Organisations"),
    "article_orgs": ("Организације из регистра у овом чланку", "Registered organisations named here"),
    "orgs_empty": ("Регистар организација је празан.", "The organisations registry is empty."),
    "org_new": ("Нова организација", "New organisation"),
    "org_edit": ("Измени", "Edit"),
    "org_save": ("Сачувај", "Save"),
    "org_saved": ("Подаци о организацији су сачувани.", "The organisation was saved."),
    "org_deleted": ("Организација је уклоњена из регистра.", "The organisation was removed from the registry."),
    "org_id": ("Ознака (id)", "Id"),
    "org_id_taken": ("Ова ознака већ постоји.", "This id is already taken."),
    "org_name": ("Назив", "Name"),
    "org_names": ("Други називи (писма, језици)", "Other names (scripts, languages)"),
    "org_short_names": ("Скраћенице и кратки називи", "Acronyms and short names"),
    "org_list_hint": ("више вредности одвојити знаком |", "separate several values with |"),
    "org_country": ("Држава (ISO код)", "Country (ISO code)"),
    "org_city": ("Град", "City"),
    "org_city_names": ("Град на другим језицима", "City in other languages"),
    "org_place": ("Седиште", "Seat"),
    "org_type": ("Врста", "Type"),
    "org_website": ("Сајт", "Website"),
    "org_registry_number": ("Регистарски број", "Registry number"),
    "org_articles": ("Чланака", "Articles"),
    "org_coverage": ("Извештавање по недељама", "Coverage per week"),
    "org_coverage_title": ("Чланци који помињу организацију {name}, по недељама",
                           "Articles naming {name}, per week"),
    "org_week_bar": ("Недеља од {day}: {n}", "Week of {day}: {n}"),
    "org_outlets": ("Медији", "Outlets"),
    "org_latest": ("Најновији чланци и реченице", "Latest articles and sentences"),
    "org_no_articles": ("Ниједан чланак још не помиње ову организацију.", "No article names this organisation yet."),
    "org_search_articles": ("Сви чланци у претрази ({n})", "All articles in search ({n})"),
    "org_follow": ("Прати (сачувана претрага)", "Follow (saved search)"),
    "org_type_association": ("Удружење", "Association"),
    "org_type_club": ("Клуб", "Club"),
    "org_type_church_school_community": ("Црквено-школска општина", "Church-school community"),
    "org_type_union": ("Савез / заједница", "Union"),
    "org_type_federation": ("Савез удружења", "Federation"),
    "org_type_media": ("Медиј", "Media"),
    "org_type_council": ("Веће / представничко тело", "Council"),
    "org_type_other": ("Друго", "Other"),
    "active_filters": ("Активни филтери", "Active filters"),
    "remove_filter": ("Уклони филтер: {name}", "Remove filter: {name}"),
    "story_filter": ("Вест: {title}", "Story: {title}"),
    "story_filter_id": ("Вест бр. {n}", "Story no. {n}"),
    "covered_by_link": ("Прикажи све чланке ове вести", "Show every article of this story"),
    "also_searched": ("Тражено и као: {terms}", "Also searched: {terms}"),
    "expansion_off": ("Тражи само како је написано", "Search only as written"),
    "expansion_on": ("Тражи и варијанте имена и појмова", "Also search name and term variants"),
    "expansion_is_off": ("Варијанте имена и појмова нису тражене.", "Name and term variants were not searched."),
    "chart": ("Пажња медија", "Media attention"),
    "chart_title_day": ("Чланака по дану, по групама медија", "Articles per day, by outlet group"),
    "chart_title_week": ("Чланака по недељи, по групама медија", "Articles per week, by outlet group"),
    "chart_title_month": ("Чланака по месецу, по групама медија", "Articles per month, by outlet group"),
    "chart_desc": ("Укупно чланака: {n}; периода на графикону: {buckets}.",
                   "Articles in all: {n}; periods in the chart: {buckets}."),
    "chart_bucket_day": ("Дан", "Day"),
    "chart_bucket_week": ("Недеља (од)", "Week (from)"),
    "chart_bucket_month": ("Месец (од)", "Month (from)"),
    "chart_table": ("Бројеви у табели", "The numbers as a table"),
    "chart_svg": ("Графикон (SVG)", "Chart (SVG)"),
    "chart_csv": ("Низ (CSV)", "Series (CSV)"),
    "chart_undated": ("Без датума: {n}", "Undated: {n}"),
    "top_outlets": ("Медији с највише чланака", "Top outlets"),
    "chart_recent": (("Упит има превише погодака за цео архив: графикон обухвата последњих {n} дана; за дужи "
                      "период изаберите датум почетка."),
                     ("The query matches too much of the archive to chart it all: the chart covers the last {n}"
                      " days; choose a start date for a longer period.")),
    "facet_sample": ("Бројеви у филтерима су из {n} најновијих погодака.",
                     "Filter counts are taken from the newest {n} matches."),
    "total": ("Укупно", "Total"),
    "export": ("Извоз", "Export"),
    "export_xlsx": ("Excel (XLSX)", "Excel (XLSX)"),
    "export_csv_semicolon": ("CSV (;)", "CSV (;)"),
    "export_csv_comma": ("CSV (,)", "CSV (,)"),
    "export_published": ("Објављено", "Published"),
    "export_outlet": ("Медиј", "Outlet"),
    "export_group": ("Група медија", "Outlet group"),
    "export_title": ("Наслов", "Title"),
    "export_language": ("Језик", "Language"),
    "export_topics": ("Теме", "Topics"),
    "export_regions": ("Региони", "Regions"),
    "export_other_labels": ("Остале ознаке", "Other labels"),
    "export_outlet_count": ("Објавило медија", "Outlets covering"),
    "export_url": ("Линк", "Link"),
    "export_odjek_link": ("У Одјеку", "In Odjek"),
    "export_failed": ("Извоз није успео; покушајте поново.", "The export failed; please try again."),
    "saved_ok_named": ("Претрага „{name}” је сачувана.", "The search “{name}” was saved."),
    "saved_deleted": ("Претрага је обрисана.", "The search was deleted."),
    "saved_filters": ("Филтери", "Filters"),
    "no_filters": ("без филтера", "no filters"),
    "query": ("Упит", "Query"),
    "all_articles": ("сви чланци", "all articles"),
    "email": ("Адреса е-поште за обавештења", "Email address for alerts"),
    "email_save": ("Сачувај адресу", "Save address"),
    "email_saved": ("Адреса је сачувана.", "The address was saved."),
    "email_invalid": ("Адреса е-поште није исправна.", "The email address is not valid."),
    "server_error": ("Дошло је до грешке на серверу. Покушајте поново; ако се понови, јавите администратору.",
                     "Something went wrong on the server. Please try again; if it happens again, tell the administrator."),
    "error_title": ("Грешка", "Error"),
    "alert_subject": ("Одјек: нових чланака за „{name}”: {n}", "Odjek: {n} new article(s) for “{name}”"),
    "alert_intro": ("Нови чланци за вашу сачувану претрагу „{name}”", "New articles for your saved search “{name}”"),
    "alert_more": ("… и још {n}; сви су у Одјеку:", "… and {n} more; all of them in Odjek:"),
    "alert_open_search": ("Ваше сачуване претраге у Одјеку", "Your saved searches in Odjek"),
    "alert_footer": ("Ову поруку шаље Одјек јер сте укључили обавештења за ову претрагу.",
                     "Odjek sends this mail because you switched on alerts for this search."),
    "former_director": ("бивши директор", "former director"),
    "press_officer": ("портпарол", "press officer"),
    "operator": ("оператер", "operator"),
}


# Taxonomy (ids from ../shared/taxonomy.md), outlet groups and the catch-all: names from the one data file
# (schemas/taxonomy.yaml) the digests read too, so the UI and the digests never name a topic differently.
_TAXONOMY = load_taxonomy()
TAXONOMY_KEYS = (*_TAXONOMY.topics, *_TAXONOMY.regions, *_TAXONOMY.groups, *_TAXONOMY.entities, *_TAXONOMY.other)
TEXT.update({label: (_TAXONOMY.name(label), _TAXONOMY.name(label, "en"))
             for label in (*TAXONOMY_KEYS, *_TAXONOMY.flags)})


def translate(key: str, language: str, **values) -> str:
    """The string for ``key`` in the UI language (unknown keys are shown as they are, e.g. new label ids)."""
    pair = TEXT.get(key)
    if pair is None:
        text = key
    elif language == "en":
        text = pair[1]
    elif language == "sr-Latn":
        text = to_latin(pair[0])
    else:
        text = pair[0]
    return text.format(**values) if values else text


def default_language(ui_language: str, output_script: str) -> str:
    """The UI language from settings: English, or Serbian in the configured script."""
    if ui_language == "en":
        return "en"
    return "sr-Latn" if output_script == "latn" else "sr-Cyrl"


# Why a query was read as plain words (archive.search), in Serbian Cyrillic.
REASONS_SR = {
    "AND without a word after it": "AND без речи после њега",
    "OR without a word on both sides": "OR без речи с обе стране",
    "a misplaced operator": "оператор на погрешном месту",
    "an exclusion without a word": "искључивање без речи",
    "an unclosed parenthesis": "незатворена заграда",
    "an unclosed quotation mark": "незатворени наводници",
    "an unmatched closing parenthesis": "затворена заграда без отворене",
    "empty parentheses": "празне заграде",
}


def notice_key(message: str | None, language: str = "en") -> tuple[str, dict] | None:
    """Map a notice or error of archive.search to a translatable key and its values."""
    if not message:
        return None
    if message.startswith("The query has no words"):
        return "notice_nowords", {}
    if message.startswith("Exclusions"):
        return "error_negative", {}
    if message.startswith("The query has more than"):
        return "error_long", {}
    if message.startswith("The query was shortened"):
        return "notice_shortened", {}
    if message.startswith("The query has"):
        why = message[len("The query has "):].split(";")[0]
        if language != "en" and why in REASONS_SR:
            why = REASONS_SR[why] if language == "sr-Cyrl" else to_latin(REASONS_SR[why])
        return "notice_plain", {"why": why}
    return None


# Country names (labels of kind "country" are ISO codes): the first name of each country in the region tagger's
# gazetteer (nlp/lexicon/regions.yaml) — its Serbian nominative, written in Latin there — and its English name.
_LATIN_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ", "LJ": "Љ", "NJ": "Њ", "DŽ": "Џ"}
_LATIN_LETTERS = dict(zip("abcčćdđefghijklmnoprsštuvzžABCČĆDĐEFGHIJKLMNOPRSŠTUVZŽ",
                          "абцчћдђефгхијклмнопрсштувзжАБЦЧЋДЂЕФГХИЈКЛМНОПРСШТУВЗЖ"))


def to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic (for names from the gazetteer; digraphs lj, nj, dž are single letters)."""
    out, i = [], 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in _LATIN_DIGRAPHS:
            out.append(_LATIN_DIGRAPHS[pair])
            i += 2
            continue
        out.append(_LATIN_LETTERS.get(text[i], text[i]))
        i += 1
    return "".join(out)


@functools.cache
def _country_names() -> dict[str, tuple[str, str]]:
    from nlp.lexicon import LexiconError, load_lexicon

    try:
        regions = load_lexicon("regions.yaml").get("regions") or {}
    except LexiconError as exc:  # names are a nicety: codes are shown instead
        LOGGER.warning("country names unavailable: %s", exc)
        return {}
    names: dict[str, tuple[str, str]] = {}
    for region in regions.values():
        for code, places in ((region or {}).get("countries") or {}).items():
            serbian_names = places.get("sr") or [code]
            # The English list starts with the Serbian abbreviation where news uses it (SAD): skip such names.
            english = next((n for n in places.get("en") or [] if n not in serbian_names), serbian_names[0])
            names[str(code)] = (to_cyrillic(serbian_names[0]), english)
    return names


def country_name(code: str, language: str) -> str:
    """The country's name in the UI language, or its ISO code when the gazetteer does not name it."""
    pair = _country_names().get(code.upper())
    if pair is None:
        return code
    if language == "en":
        return pair[1]
    return to_latin(pair[0]) if language == "sr-Latn" else pair[0]
