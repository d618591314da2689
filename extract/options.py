"""Every knob of extraction in one place; the defaults are the ones measured in docs/extraction.md."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ExtractionOptions:
    """Every knob of extraction in one place; the defaults are the ones measured in docs/extraction.md."""

    # Reader comments are not the article (and the realweb gold counts them as boilerplate).
    include_comments: bool = False
    include_tables: bool = True
    # trafilatura's precision mode drops more boilerplate but also leads and short paragraphs:
    # on realweb it lost recall for less precision gained (F1 0.931 vs 0.932 balanced).
    favor_precision: bool = False
    # When the first pass finds no text at all: a second pass in recall mode, then trafilatura's baseline
    # (JSON-LD articleBody, <article>, paragraphs). Not for merely short text: on realweb, retrying short
    # results only added boilerplate (trafilatura 2.3 already escalates to recall mode internally).
    recall_retry: bool = True
    baseline_fallback: bool = True
    # Put back the standfirst that templates render outside the article container (see recover_lead):
    # +20 true positives and no false one on realweb. The description's first ``lead_prefix_chars``
    # characters must be found in a visible text node whose element is at most ``lead_max_chars`` long.
    recover_lead: bool = True
    lead_prefix_chars: int = 40
    lead_max_chars: int = 1500
    # Cut "related content" tails and drop inline "read also: <headline>" lines (see trim_related).
    trim_related: bool = True
    # Whole-line headings that start a block of links to other stories, in the languages Odjek follows.
    related_headings: tuple[str, ...] = field(default=(
        r"pro[čc]itajte (?:jo[šs]|i|takođe|takodje)", r"povezane? (?:vesti|vijesti|teme|[čc]lanci)",
        r"vi[šs]e (?:vesti|vijesti) (?:iz rubrike|o temi)", r"vezane vesti", r"izdvajamo", r"najčitanije",
        r"preporu[čc]ujemo", r"прочитајте (?:још|и|такође)", r"повезане (?:вести|теме)", r"више вести(?: из рубрике)?",
        r"издвајамо", r"најчитаније", r"препоручујемо",
        r"related(?: articles| stories| posts| content| news)?", r"read (?:more|also|next)",
        r"you (?:may|might) also like", r"more (?:on this (?:story|topic)|stories)", r"most read",
        r"recommended(?: for you| articles)?",
        r"(?:auch )?lesen sie auch", r"auch lesen", r"mehr zum thema", r"weitere (?:beiträge|artikel|meldungen)(?: .{0,40})?",
        r"empfohlene (?:beiträge|artikel)", r"das könnte sie (?:auch )?interessieren", r"schon gelesen\??",
        r"ähnliche (?:beiträge|artikel)", r"verwandte (?:beiträge|artikel)",
        r"читайте (?:также|ещё|еще)", r"по теме", r"похожие (?:новости|статьи)", r"смотрите также",
        r"(?:à )?lire aussi", r"sur le même sujet", r"articles? similaires",
        r"(?:notas|noticias) relacionadas", r"contenido relacionado", r"(?:le|te) puede interesar",
        r"lea también", r"leggi anche", r"articoli correlati"))
    # The heading must come after this share of the text's lines (a tail, not a sub-heading up front).
    related_min_position: float = 0.5
    # Lines that start with one of these and a colon or » and are short are "read also" links, dropped.
    read_also_markers: tuple[str, ...] = field(default=(
        r"pro[čc]itajte (?:jo[šs]|i|takođe)", r"прочитајте (?:још|и|такође)", r"vezano", r"povezano",
        r"(?:auch )?lesen sie (?:auch|hier)", r"auch lesen", r"read (?:also|more)", r"see also",
        r"(?:à )?lire aussi", r"(?:le|te) puede interesar", r"lea también", r"читайте (?:также|ещё|еще)",
        r"leggi anche"))
    read_also_max_chars: int = 200
    # Below this many characters of main text a page is ``too_short`` (a Serbian news brief is ~300).
    min_text_chars: int = 200
    # Larger bodies are not parsed at all (``too_large``); fetching already caps pages at 5 MB.
    max_body_bytes: int = 8_000_000
    # htmldate's extensive search scans the whole text for date-like strings: slow, and on news pages
    # the meta, JSON-LD, <time> and URL dates of the quick search find the date.
    extensive_date_search: bool = False
    # Search the page body for a byline when meta/JSON-LD name no author: trafilatura's author XPaths
    # over a copy of the tree cost ~5 ms a page (a fifth of the budget), so off by default.
    author_from_body: bool = False
    # Dates without a zone (and date-only values, taken at midnight) are local time of the outlet.
    local_timezone: str = "Europe/Belgrade"
    # Characters of text given to the language detector (enough for a stable answer, fast).
    language_sample_chars: int = 1500
    # Not-article rules (see classify_page): a gallery has at least this many images and too little text.
    gallery_min_images: int = 6
    # An index page is not typed as an article, has less main text than this, and either a section-like
    # URL (root, /tag/, /category/, one plain word) or at least ``index_min_teasers`` <article> teasers.
    index_max_chars: int = 2000
    index_min_teasers: int = 6
    # At an article-like URL (an id, a date or a long slug), teasers make a list only when the page's own text
    # is shorter than this: a story followed by related-story teasers is still a story (issue 14: a news
    # article with 18 teaser <article>s and 1,600 characters of text was marked index_page).
    index_teaser_max_chars: int = 600
    # Up to this much text, a page that talks about cookies/consent or errors is a wall or an error page.
    wall_max_chars: int = 1500
    error_patterns: tuple[str, ...] = field(default=(
        r"\b404\b", r"\b410\b", r"not found", r"page (?:does not|doesn't) exist", r"internal server error",
        r"service unavailable", r"nije pronađen", r"stranica ne postoji", r"није пронађен",
        r"страница не постоји", r"nicht gefunden", r"не найден"))
    cookie_patterns: tuple[str, ...] = field(default=(
        r"cookie", r"kolačić", r"колачић", r"consent", r"saglasnost", r"сагласност", r"zustimm",
        r"einwillig", r"согласи", r"privacy settings", r"podešavanja privatnosti"))


DEFAULT_OPTIONS = ExtractionOptions()
