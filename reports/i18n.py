"""Headings, labels and dates of digests in the output script: written once in Cyrillic, transliterated for Latin.

Headlines and outlet names of Serbian-language articles follow the output script too (``data_in_script``);
quoted sentences stay exactly as published, and other languages (English, German, Russian) are never touched.
"""

from __future__ import annotations

import datetime as dt
import re

from nlp.normalize import to_latin
from schemas.taxonomy import load_taxonomy

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
    "sec_summary": "Укратко",
    "sec_critical": "Критички написи",
    "sec_outlets": "Медији који су највише писали",
    "sec_directorate": "Управа и директор у медијима",
    "sec_stories_daily": "Главне вести дана",
    "sec_stories_weekly": "Главне вести недеље",
    "sec_topics": "Покривеност по темама",
    "sec_regions": "Покривеност по регионима",
    "sec_foreign": "Страна и регионална штампа",
    "sec_numbers": "Бројке",
    "sec_orgs": "Организације из дијаспоре у медијима",
    "no_orgs": "Ниједна регистрована организација није поменута у овом периоду.",
    "no_mentions": "Управа и директор нису поменути у овом периоду.",
    "no_stories": "Нема вести које је пренело више медија.",
    "no_critical": "Нема критичких написа о Управи и директору.",
    "no_relevant": "Нема чланака о Управи и њеним темама.",
    "sum_office": "Управа поменута",
    "sum_director": "Директор поменут",
    "sum_relevant": "Чланака о темама Управе",
    "sum_collected": "Прикупљено укупно",
    "sum_in_articles": "{n} {articles}",
    "vs_previous": "претходно {n}",
    "sum_critical": "Критички",
    "sum_top": "Највише пренето",
    "sum_foreign": "Страни и регионални медији о Управи",
    "first_outlet": "прво",
    "outlets_n": "{n} {outlets}",
    "stories_n": "{n} {stories}",
    "also_in": "Пренели",
    "critical_badge": "критички",
    "foreign_badge": "страни/регионални",
    "relevant_articles": "Чланака о темама",
    "office_articles": "Помињу Управу",
    "outlet": "Медиј",
    "full_digest_web": "Цео преглед на вебу",
    "email_more": "… и још {n} у целом прегледу",
    "mentions_per_day": "Помињања Управе и директора по дану",
    "relevant_per_hour": "Чланака о темама Управе по сату",
    "relevant_per_day": "Чланака о темама Управе по дану",
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
    "total": "Чланака о темама Управе",
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
    "former_director": "Бивши директор",
}

# Taxonomy ids and their Serbian names: the one data file (schemas/taxonomy.yaml), listed in its order.
TAXONOMY = load_taxonomy()
TOPICS = TAXONOMY.topics
REGIONS = TAXONOMY.regions
GROUPS = TAXONOMY.groups
TEXT.update({label: TAXONOMY.name(label) for group in (TAXONOMY.entities, TOPICS, REGIONS, GROUPS, TAXONOMY.other)
             for label in group})

MONTHS_GENITIVE = ("јануара", "фебруара", "марта", "априла", "маја", "јуна", "јула", "августа", "септембра",
                   "октобра", "новембра", "децембра")
MONTHS_SHORT = ("јан", "феб", "мар", "апр", "мај", "јун", "јул", "авг", "сеп", "окт", "нов", "дец")
WEEKDAYS = ("понедељак", "уторак", "среда", "четвртак", "петак", "субота", "недеља")
WEEKDAYS_SHORT = ("пон", "уто", "сре", "чет", "пет", "суб", "нед")
PLURALS = {"outlets": ("медиј", "медија", "медија"), "articles": ("чланак", "чланка", "чланака"),
           "stories": ("вест", "вести", "вести")}

# Languages written in both scripts: their headlines and outlet names follow the output script.
BISCRIPT_LANGUAGES = {"sr", "cnr", "bs", "sh"}

_LAT_TO_CYR = {"lj": "љ", "nj": "њ", "dž": "џ", "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "đ": "ђ",
               "e": "е", "ž": "ж", "z": "з", "i": "и", "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о",
               "p": "п", "r": "р", "s": "с", "t": "т", "ć": "ћ", "u": "у", "f": "ф", "h": "х", "c": "ц", "č": "ч",
               "š": "ш"}
_LAT_RE = re.compile("|".join(sorted(_LAT_TO_CYR, key=len, reverse=True)), re.IGNORECASE)
# Words with letters Serbian Latin lacks (names, brands, URLs) stay as written.
_WORD_RE = re.compile(r"[^\W\d_]+(?:[.'’][^\W\d_]+)*", re.UNICODE)
_FOREIGN_LETTERS = set("qwxyQWXY")


def _cyr(match: re.Match) -> str:
    found = match.group(0)
    letters = _LAT_TO_CYR[found.lower()]
    if found.isupper() and len(found) > 1 and not found[1:].isupper():
        return letters.capitalize()
    if found[0].isupper():
        return letters.capitalize() if len(found) == 1 or not found.isupper() else letters.upper()
    return letters


def to_cyrillic(text: str) -> str:
    """Serbian Latin to Cyrillic, word by word; words with q, w, x or y (foreign names) and URLs stay."""
    if "://" in text or "www." in text:
        return text

    def word(match: re.Match) -> str:
        token = match.group(0)
        if _FOREIGN_LETTERS & set(token):
            return token
        if token.isupper() and len(token) > 1:
            return _LAT_RE.sub(lambda m: _LAT_TO_CYR[m.group(0).lower()].upper(), token)
        return _LAT_RE.sub(_cyr, token)

    return _WORD_RE.sub(word, text)


def data_in_script(text: str, language: str | None, script: str) -> str:
    """A headline or outlet name in the output script when its language is written in both scripts."""
    if not text or (language or "sr") not in BISCRIPT_LANGUAGES:
        return text
    return to_latin(text) if script == "latn" else to_cyrillic(text)


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
