"""Strings of the web UI: Serbian written once in Cyrillic (Latin derived by transliteration), and English.

Article titles, texts and outlet names are data and are never transliterated.
"""

from __future__ import annotations

from nlp.normalize import to_latin

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
    "clusters_unavailable": ("Груписање вести још није доступно.", "Story clustering is not available yet."),
    "published": ("Објављено", "Published"),
    "outlet": ("Медиј", "Outlet"),
    "language": ("Језик", "Language"),
    "back_to_search": ("Назад на претрагу", "Back to search"),
    "health_unavailable": ("Преглед здравља извора још није доступан; приказан је број чланака по извору.",
                           "The source health view is not available yet; showing articles per source."),
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
    "discovered_last_run": ("Пронађено (последње)", "Discovered (last run)"),
    "fetched_last_run": ("Преузето (последње)", "Fetched (last run)"),
    "failed_last_run": ("Неуспело (последње)", "Failed (last run)"),
    "new_articles_24h": ("Нових за 24 ч", "New in 24 h"),
    "articles_total": ("Чланака укупно", "Articles in all"),
    "last_success_at": ("Последњи успех", "Last success"),
    "staleness_hours": ("Старост (сати)", "Staleness (hours)"),
    "failing_runs": ("Неуспешних заредом", "Failing runs"),
    "last_error": ("Последња грешка", "Last error"),
    # Taxonomy (ids from ../shared/taxonomy.md) and outlet groups.
    "office": ("Управа", "Directorate"),
    "director": ("Директор", "Director"),
    "voting_abroad": ("Гласање у иностранству", "Voting abroad"),
    "return_migration": ("Повратак у Србију", "Return migration"),
    "serbs_in_region": ("Срби у региону", "Serbs in the region"),
    "diaspora_bodies": ("Тела за дијаспору", "Diaspora bodies"),
    "diaspora_organizations": ("Организације дијаспоре", "Diaspora organisations"),
    "language_culture_education": ("Језик, култура, образовање", "Language, culture, education"),
    "economy_remittances": ("Економија и дознаке", "Economy and remittances"),
    "status_consular": ("Статус и конзуларна питања", "Status and consular matters"),
    "information_media": ("Информисање и медији", "Information and media"),
    "region": ("Регион", "The region"),
    "europe_russia": ("Европа и Русија", "Europe and Russia"),
    "overseas_far_east": ("Прекоморске земље и Далеки исток", "Overseas and Far East"),
    "domestic": ("домаћи", "domestic"),
    "regional": ("регионални", "regional"),
    "diaspora": ("дијаспора", "diaspora"),
    "foreign": ("страни", "foreign"),
    "press_officer": ("портпарол", "press officer"),
    "operator": ("оператер", "operator"),
}


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
