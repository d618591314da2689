"""Story clustering benchmark, and the synthetic syndication corpus shared with ``tests/nlp/test_cluster.py``.

The corpus: stories composed from topic sentence templates filled with story-specific people, places,
organisations and numbers (so distinct stories on one topic share phrasing but not content), then copied
to outlets with controlled edits — sentences dropped or added, the headline rewritten, Cyrillic ↔ Latin
transliteration, an outlet's boilerplate tail. Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from dataclasses import dataclass

SERBIAN_TOPICS: dict[str, dict[str, list[str]]] = {
    "schools": {
        "titles": [
            "{O} šalje {N} udžbenika školama u {C}",
            "Nove knjige za dopunsku nastavu u {C}",
            "{P} u {C}: deca iz dijaspore dobijaju udžbenike",
            "Srpska škola u {C} dobila {N} knjiga",
        ],
        "sentences": [
            "{O} uputila je ove nedelje oko {N} udžbenika za nastavu na srpskom jeziku u {C}, saopšteno je danas.",
            "Paketi su namenjeni učiteljima dopunske nastave u {C} i okolnim mestima, gde nastavu pohađa {M} dece.",
            "„Jezik je najjača veza dece sa otadžbinom“, rekao je {P} tokom posete školi u {C}.",
            "Prema podacima {O}, broj učenika u {C} porastao je za {K} odsto u odnosu na prošlu godinu.",
            "Nastavnica {P2} kaže da deca u {C} najviše vole časove istorije i pesme na ćirilici.",
            "Roditelji iz {C} već {K} godina traže da se otvori još jedno odeljenje dopunske škole.",
            "U pošiljci su i bukvari, čitanke i priručnici za nastavnike, a vrednost donacije je {M} dinara.",
            "{P} je najavio da će {O} u junu organizovati letnji kamp za {N} dece iz {C}.",
            "Škola u {C} radi subotom u prostorijama crkvene opštine, a časove drži {K} nastavnika.",
            "Savet roditelja u {C} zahvalio je {O} na podršci i pozvao {P} da poseti nastavu.",
            "Prvi časovi po novim udžbenicima u {C} biće održani {D}.",
            "Kako je rekao {P2}, udžbenici su prilagođeni deci kojoj srpski nije prvi jezik.",
        ],
    },
    "voting": {
        "titles": [
            "Građani u {C} da se prijave za glasanje do {D}",
            "{O}: rok za upis birača u {C} ističe {D}",
            "Glasanje u inostranstvu: {P} poziva dijasporu u {C}",
            "U {C} otvoreno {K} biračkih mesta",
        ],
        "sentences": [
            "Državljani koji žive u {C} mogu da se prijave za glasanje u inostranstvu najkasnije do {D}.",
            "{O} podseća da je za upis potrebna važeća lična karta ili pasoš, a zahtev se podnosi elektronski.",
            "Na prošlim izborima u {C} glasalo je {N} birača, što je {K} odsto više nego ranije.",
            "{P} je pozvao sve punoletne građane u {C} da provere upis u birački spisak.",
            "U {C} će biti otvoreno {K} biračkih mesta, najviše u prostorijama konzulata i udruženja.",
            "Udruženje iz {C} organizuje besplatan prevoz do biračkog mesta za {M} ljudi.",
            "Prema rečima {P2}, mnogi građani u {C} ne znaju da mogu da glasaju i bez prijave prebivališta.",
            "Republička izborna komisija objaviće konačan broj upisanih birača u {C} do {D}.",
            "{O} je otvorila info liniju na koju su građani iz {C} već poslali {N} pitanja.",
            "Na sastanku u {C} {P} je rekao da je svaki glas iz dijaspore jednako važan.",
            "Prijava je moguća i lično u konzulatu u {C}, radnim danima od devet do {K} časova.",
        ],
    },
    "return": {
        "titles": [
            "Program povratka: {N} stručnjaka vratilo se iz {C}",
            "{P}: odliv mozgova nije sudbina",
            "Novi krug podsticaja za povratak iz {C}",
            "Iz {C} u Srbiju: {P2} otvorio firmu",
        ],
        "sentences": [
            "Prema podacima {O}, iz {C} se u poslednjih godinu dana vratilo {N} stručnjaka.",
            "Program predviđa poreske olakšice od {K} odsto za one koji se vrate i zaposle u Srbiji.",
            "{P} je rekao da je povratak mladih iz {C} prioritet za narednih {K} godina.",
            "Inženjer {P2} vratio se iz {C} i u rodnom mestu zaposlio {K} ljudi.",
            "Za program je ove godine izdvojeno {M} dinara, a prijave traju do {D}.",
            "Najviše zahteva stiglo je iz {C}, a slede Nemačka i Austrija.",
            "{O} organizuje radionice za povratnike iz {C} o pokretanju sopstvenog posla.",
            "Kako kaže {P2}, najveća prepreka za povratak su plate i sporost administracije.",
            "U anketi sprovedenoj u {C}, {K} odsto ispitanika reklo je da razmišlja o povratku.",
            "{P} najavljuje da će {O} do {D} otvoriti kancelariju za podršku povratnicima.",
            "Porodice koje se vrate iz {C} imaju pravo na pomoć od {M} dinara za upis dece u školu.",
        ],
    },
    "culture": {
        "titles": [
            "Dani srpske kulture u {C}",
            "{O} otvara festival u {C}",
            "Izložba o {P2} u {C}",
            "Folklorni ansambl iz {C} slavi {K} godina",
        ],
        "sentences": [
            "Manifestacija Dani srpske kulture počinje u {C} {D} i trajaće {K} dana.",
            "Na programu su koncerti, izložbe i večeri poezije, a organizator je {O}.",
            "{P} je na otvaranju rekao da je kultura most između matice i dijaspore u {C}.",
            "Izložba posvećena delu {P2} biće otvorena u galeriji u {C}, a ulaz je slobodan.",
            "Folklorni ansambl iz {C} okuplja {N} članova i ove godine slavi {K} godina rada.",
            "Festival je prošle godine posetilo {N} ljudi, a organizatori očekuju još veći broj.",
            "{O} je za program u {C} izdvojila {M} dinara.",
            "Kako je rekla {P2}, mladi u {C} sve češće dolaze na probe i uče stare igre.",
            "Završni koncert biće održan {D} u velikoj sali gradske kuće u {C}.",
            "Gosti festivala u {C} biće i pisci iz Srbije i Republike Srpske.",
            "{P} je uručio priznanja za {K} najzaslužnijih članova zajednice u {C}.",
        ],
    },
    "consular": {
        "titles": [
            "Konzularni dani u {C} od {D}",
            "Pasoši za građane u {C}: {O} uvodi nove termine",
            "Red ispred ambasade u {C}, {P} obećava rešenje",
            "Mobilni konzularni tim dolazi u {C}",
        ],
        "sentences": [
            "Konzularni dani u {C} biće održani od {D}, a građani mogu da podnesu zahteve za pasoš i ličnu kartu.",
            "Za termin je potrebno prijaviti se elektronski, a do sada je prijavljeno {N} građana iz {C}.",
            "{P} je rekao da se čekanje na pasoš u {C} skratilo na {K} nedelja.",
            "{O} uvodi dodatne termine subotom jer je potražnja u {C} porasla za {K} odsto.",
            "Građani iz {C} žalili su se da na termin čekaju i po nekoliko meseci.",
            "Mobilni tim obići će i manja mesta oko {C}, gde živi oko {M} naših građana.",
            "Kako je objasnila {P2}, zahtevi za državljanstvo u {C} rešavaju se brže nego ranije.",
            "Taksa za izdavanje pasoša u {C} iznosi {K} evra i plaća se na licu mesta.",
            "{P} je pozvao građane u {C} da ne čekaju poslednji trenutak pred leto.",
            "U konzulatu u {C} od {D} radi i šalter za overu dokumenata.",
        ],
    },
    "economy": {
        "titles": [
            "Doznake iz {C} veće za {K} odsto",
            "{O}: dijaspora poslala {M} evra",
            "Investitori iz {C} u Srbiji: {P} najavljuje forum",
            "Privredni forum dijaspore u {C}",
        ],
        "sentences": [
            "Doznake iz {C} u prvom kvartalu iznosile su {M} evra, što je {K} odsto više nego lane.",
            "{O} navodi da su doznake iz dijaspore i dalje jedan od najvažnijih izvora deviza.",
            "{P} je najavio privredni forum dijaspore koji će biti održan u {C} {D}.",
            "Na forumu u {C} očekuje se {N} privrednika, među kojima i vlasnici velikih firmi.",
            "Kako kaže ekonomista {P2}, novac iz {C} najčešće se troši na stanovanje i školovanje.",
            "Investitori iz {C} uložili su u Srbiju {M} evra i otvorili {K} pogona.",
            "Troškovi slanja novca iz {C} i dalje su visoki, u proseku {K} odsto iznosa.",
            "{O} predlaže da se slanje novca iz {C} pojeftini kroz saradnju sa bankama.",
            "Prema anketi, {K} odsto porodica u unutrašnjosti prima pomoć od rođaka u {C}.",
            "Firma {P2} iz {C} zaposliće {N} radnika u novoj fabrici na jugu Srbije.",
        ],
    },
    "region": {
        "titles": [
            "Srbi u {C} dobijaju novu školu",
            "{P} u {C}: podrška srpskoj zajednici",
            "Zahvalnica {O} za pomoć Srbima u {C}",
            "Obnovljen srpski dom u {C}",
        ],
        "sentences": [
            "Srpska zajednica u {C} dobiće novu zgradu škole, vrednu {M} evra.",
            "{P} je tokom posete {C} razgovarao sa predstavnicima srpskih udruženja i crkvene opštine.",
            "U {C} živi oko {N} Srba, a u školi nastavu na srpskom pohađa {K} učenika.",
            "{O} je finansirala obnovu srpskog doma u {C}, koji je bio zatvoren {K} godina.",
            "Kako je rekla {P2}, zajednica u {C} se bori za očuvanje jezika i ćirilice.",
            "Srpska pravoslavna opština u {C} uručila je zahvalnicu {P} za višegodišnju pomoć.",
            "Radovi na domu u {C} biće završeni do {D}, kada je planirano svečano otvaranje.",
            "Predstavnici zajednice iz {C} zatražili su od {O} pomoć za nabavku knjiga.",
            "{P} je najavio da će {O} i naredne godine podržati projekte u {C}.",
            "Na prijemu u {C} bilo je {N} gostiju, među kojima i predstavnici lokalnih vlasti.",
        ],
    },
}

ENGLISH_TOPICS: dict[str, dict[str, list[str]]] = {
    "diaspora_en": {
        "titles": [
            "Serbian diaspora in {C} urged to register to vote by {D}",
            "{P} visits Serbian community in {C}",
            "{O} pledges support to Serbs in {C}",
        ],
        "sentences": [
            "Serbian citizens living in {C} have until {D} to register for voting abroad, officials said.",
            "{P} told community leaders in {C} that every vote from the diaspora counts.",
            "Around {N} Serbs live in {C}, according to estimates by {O}.",
            "Turnout among voters in {C} was {K} percent at the last election, {P2} said.",
            "{O} will open {K} polling stations in {C}, most of them at consulates and community halls.",
            "Community groups in {C} are organising free transport for some {M} voters.",
            "Critics, including analyst {P2}, say the registration process in {C} is too complicated.",
            "The electoral commission will publish the final number of registered voters in {C} by {D}.",
            "{P} also met representatives of the church community in {C} and discussed language schools.",
            "The programme for {C} has a budget of {M} dinars this year, {O} said in a statement.",
        ],
    },
}

# A small grammar for the story-specific sentences every story also has (real stories share a topic's
# phrasing in a few sentences, not in all of them).
SUBJECTS = ["Predsednik udruženja {P2}", "Gradonačelnik", "Profesorka {P2}", "Predstavnik crkvene opštine",
            "Jedan od osnivača kluba", "Direktor škole", "Sekretar zajednice", "Mladi volonter {P2}",
            "Predsednica saveta roditelja", "Lokalni sveštenik", "Vlasnik restorana {P2}", "Poslanik iz {C}",
            "Novinar lista iz {C}", "Predsednik sportskog društva", "Ugledni lekar {P2}", "Penzionisani inženjer",
            "Studentkinja {P2}", "Koordinator projekta", "Član upravnog odbora", "Istoričar {P2}"]
VERBS = ["podsetio je na", "govorio je o", "upozorio je na", "istakao je", "pohvalio je", "kritikovao je",
         "najavio je", "predstavio je", "zatražio je", "obećao je", "objasnio je", "pomenuo je", "opisao je",
         "naglasio je značaj", "zahvalio je na", "osvrnuo se na", "ukazao je na", "prikazao je", "analizirao je",
         "branio je"]
OBJECTS = ["nedostatak prostorija", "rad nedeljne škole", "obnovu starog doma", "humanitarnu akciju",
           "položaj penzionera", "prošlogodišnji koncert", "novi fudbalski teren", "izdavanje zbornika",
           "troškove prevoza", "saradnju sa opštinom", "kurseve jezika za odrasle", "posetu iz matice",
           "stipendije za studente", "digitalizaciju arhive", "popravku krova crkve", "uslove rada učitelja",
           "planove za leto", "sportski turnir mladih", "podršku starijim sugrađanima", "memorijalni skup"]
ADJUNCTS = ["pred punom salom", "na konferenciji za novinare", "u razgovoru za lokalnu televiziju",
            "posle sastanka sa gostima", "na godišnjoj skupštini", "u pismu članovima",
            "tokom svečane večere", "na otvaranju izložbe", "u prisustvu {K} gostiju", "pre početka programa",
            "na sednici odbora", "u obraćanju mladima", "na tribini u {C}", "prilikom obilaska radova",
            "na pomenu žrtvama", "u gostovanju na radiju", "tokom sajma", "na kraju skupa",
            "na kongresu udruženja", "u izjavi za agenciju"]


def _unique_sentence(rng: random.Random, slots: dict[str, str]) -> str:
    """A story-specific sentence from the grammar, with its own second person."""
    local = dict(slots, P2=f"{rng.choice(FIRST)} {rng.choice(LAST)}", K=str(rng.randrange(20, 400)))
    parts = [rng.choice(SUBJECTS), rng.choice(VERBS), rng.choice(OBJECTS), rng.choice(ADJUNCTS)]
    return _fill(" ".join(parts) + ".", local)


OUTLET_ADDITIONS = [
    "Kako je za naš portal izjavio {P2}, situacija u {C} se popravlja.",
    "Podsetimo, slična akcija u {C} održana je pre {K} godina.",
    "Naši čitaoci iz {C} javljaju da je interesovanje veliko.",
    "Više informacija može se dobiti na telefon konzulata u {C}.",
    "O ovoj temi pisali smo i prošle nedelje, kada je {P2} najavio promene.",
]

BOILERPLATE = [
    "Pratite nas na društvenim mrežama. Sva prava zadržana.",
    "Preuzimanje sadržaja dozvoljeno je uz navođenje izvora i link ka originalnom tekstu.",
    "Pročitajte još: najnovije vesti iz dijaspore i regiona na našem portalu.",
    "Komentari čitalaca objavljuju se posle odobrenja urednika.",
]

FIRST = ["Marko", "Jelena", "Nikola", "Milica", "Dragan", "Ana", "Stefan", "Ivana", "Miloš", "Jovana", "Petar",
         "Snežana", "Đorđe", "Tijana", "Aleksandar", "Vesna", "Nenad", "Gordana", "Vuk", "Ljiljana", "Branko",
         "Dušanka", "Zoran", "Maja", "Goran", "Katarina", "Vladimir", "Tamara", "Bojan", "Nataša", "Radovan",
         "Sanja", "Željko", "Olivera", "Uroš", "Mirjana", "Dejan", "Biljana", "Srđan", "Njegoš"]
LAST = ["Petrović", "Jovanović", "Nikolić", "Marković", "Đorđević", "Stojanović", "Ilić", "Stanković", "Pavlović",
        "Milošević", "Todorović", "Kovačević", "Lukić", "Savić", "Popović", "Živković", "Vasić", "Ristić",
        "Mitrović", "Radovanović", "Obradović", "Simić", "Tomić", "Lazić", "Knežević", "Jokić", "Bošković",
        "Gajić", "Filipović", "Vuković", "Ćirić", "Janković", "Nedeljković", "Zdravković", "Šarić", "Ljubić"]
CITIES = ["Beču", "Čikagu", "Torontu", "Minhenu", "Cirihu", "Parizu", "Štokholmu", "Sidneju", "Melburnu", "Berlinu",
          "Frankfurtu", "Štutgartu", "Grazu", "Linzu", "Londonu", "Njujorku", "Los Anđelesu", "Trstu", "Temišvaru",
          "Skoplju", "Podgorici", "Nikšiću", "Trebinju", "Banjaluci", "Vukovaru", "Rijeci", "Ljubljani",
          "Budimpešti", "Segedinu", "Moskvi", "Solunu", "Atini", "Malmeu", "Oslu", "Kopenhagenu", "Amsterdamu",
          "Briselu", "Rimu", "Milanu", "Madridu"]
CITIES_EN = ["Vienna", "Chicago", "Toronto", "Munich", "Zurich", "Paris", "Stockholm", "Sydney", "Melbourne",
             "Berlin", "Frankfurt", "London", "New York", "Los Angeles", "Trieste", "Oslo", "Copenhagen", "Brussels"]
ORGS = ["Uprava za dijasporu", "Ministarstvo prosvete", "Zavod za udžbenike", "Savez srpskih udruženja",
        "Matica iseljenika", "Srpska zajednica", "Kulturni centar", "Privredna komora", "Koordinacioni odbor",
        "Fondacija Most", "Udruženje Zavičaj", "Narodna banka"]
ORGS_EN = ["the Directorate for the Diaspora", "the Serbian embassy", "the Serbian Community Council",
           "the electoral commission", "the Serbian Cultural Centre", "the Diaspora Business Forum"]
MONTHS = ["januara", "februara", "marta", "aprila", "maja", "juna", "jula", "avgusta", "septembra", "oktobra",
          "novembra", "decembra"]
MONTHS_EN = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December"]

_LAT_TO_CYR_DIGRAPHS = [("Lj", "Љ"), ("LJ", "Љ"), ("lj", "љ"), ("Nj", "Њ"), ("NJ", "Њ"), ("nj", "њ"),
                        ("Dž", "Џ"), ("DŽ", "Џ"), ("dž", "џ")]
_LAT_TO_CYR = str.maketrans({
    "a": "а", "b": "б", "v": "в", "g": "г", "d": "д", "đ": "ђ", "e": "е", "ž": "ж", "z": "з", "i": "и",
    "j": "ј", "k": "к", "l": "л", "m": "м", "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т",
    "ć": "ћ", "u": "у", "f": "ф", "h": "х", "c": "ц", "č": "ч", "š": "ш",
    "A": "А", "B": "Б", "V": "В", "G": "Г", "D": "Д", "Đ": "Ђ", "E": "Е", "Ž": "Ж", "Z": "З", "I": "И",
    "J": "Ј", "K": "К", "L": "Л", "M": "М", "N": "Н", "O": "О", "P": "П", "R": "Р", "S": "С", "T": "Т",
    "Ć": "Ћ", "U": "У", "F": "Ф", "H": "Х", "C": "Ц", "Č": "Ч", "Š": "Ш",
})


def to_cyrillic(text: str) -> str:
    """Serbian Latin → Cyrillic for generated text (digraphs first; fine here, ambiguous in general)."""
    for latin, cyrillic in _LAT_TO_CYR_DIGRAPHS:
        text = text.replace(latin, cyrillic)
    return text.translate(_LAT_TO_CYR)


@dataclass(frozen=True, slots=True)
class SyntheticArticle:
    """One generated article and the story it is a copy of."""

    article_id: int
    story: str
    topic: str
    outlet: str
    published: dt.datetime
    title: str
    text: str
    edits: tuple[str, ...]


def _slots(rng: random.Random, english: bool) -> dict[str, str]:
    """Story-specific fillers: people, a place, an organisation, numbers and a date."""
    month = rng.randrange(12)
    return {
        "P": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "P2": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        "C": rng.choice(CITIES_EN if english else CITIES),
        "O": rng.choice(ORGS_EN if english else ORGS),
        "N": f"{rng.randrange(2, 99)}.{rng.randrange(1000):03d}" if rng.random() < 0.5 else str(rng.randrange(20, 999)),
        "M": f"{rng.randrange(2, 950)} {'million' if english else 'miliona'}",
        "K": str(rng.randrange(2, 60)),
        "D": (f"{rng.randrange(1, 29)} {MONTHS_EN[month]}" if english
              else f"{rng.randrange(1, 29)}. {MONTHS[month]}"),
    }


def _fill(template: str, slots: dict[str, str]) -> str:
    return template.format(**slots)


def _base_story(rng: random.Random, topic: dict[str, list[str]], english: bool, short: bool):
    """A story: a title, its sentences (in order) and its fillers."""
    slots = _slots(rng, english)
    if short:
        sentences = [_fill(t, slots) for t in rng.sample(topic["sentences"], 2)]
    else:
        sentences = [_fill(t, slots) for t in rng.sample(topic["sentences"], rng.randint(4, 7))]
        if not english:
            for _ in range(rng.randint(2, 5)):
                sentences.insert(rng.randrange(1, len(sentences) + 1), _unique_sentence(rng, slots))
    title_index = rng.randrange(len(topic["titles"]))
    return title_index, sentences, slots


def _copy(rng: random.Random, topic, title_index: int, sentences: list[str], slots: dict[str, str],
          english: bool, original: bool) -> tuple[str, str, tuple[str, ...]]:
    """One outlet's copy with random controlled edits (the agency original is unedited)."""
    edits: list[str] = []
    body = list(sentences)
    title_template = topic["titles"][title_index]
    if not original:
        if len(body) >= 5 and rng.random() < 0.5:
            for _ in range(rng.randint(1, 2)):
                body.pop(rng.randrange(len(body)))
            edits.append("dropped")
        if not english and rng.random() < 0.4:
            local = dict(slots, P2=f"{rng.choice(FIRST)} {rng.choice(LAST)}", K=str(rng.randrange(2, 30)))
            for _ in range(rng.randint(1, 2)):
                body.insert(rng.randrange(len(body) + 1), _fill(rng.choice(OUTLET_ADDITIONS), local))
            edits.append("added")
        if rng.random() < 0.5:
            title_template = rng.choice([t for i, t in enumerate(topic["titles"]) if i != title_index])
            edits.append("headline")
    title = _fill(title_template, slots)
    paragraphs = [" ".join(body[i:i + 2]) for i in range(0, len(body), 2)]
    if not english and not original and rng.random() < 0.3:
        paragraphs.append(rng.choice(BOILERPLATE))
        edits.append("boilerplate")
    text = "\n\n".join(paragraphs)
    if not english and rng.random() < 0.35:
        title, text = to_cyrillic(title), to_cyrillic(text)
        edits.append("cyrillic")
    return title, text, tuple(edits)


def synthetic_corpus(n_articles: int, seed: int = 7, *, days: float = 30.0, outlets: int = 24,
                     start: dt.datetime = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)) -> list[SyntheticArticle]:
    """About ``n_articles`` articles: ~45 % singletons, the rest stories copied to 2–6 outlets within 2 days."""
    rng = random.Random(seed)
    topics = [(n, t, False) for n, t in SERBIAN_TOPICS.items()] + [(n, t, True) for n, t in ENGLISH_TOPICS.items()]
    weights = [1.0] * len(SERBIAN_TOPICS) + [0.6] * len(ENGLISH_TOPICS)
    out: list[SyntheticArticle] = []
    story_no = 0
    while len(out) < n_articles:
        story_no += 1
        topic_name, topic, english = rng.choices(topics, weights)[0]
        short = rng.random() < 0.05
        title_index, sentences, slots = _base_story(rng, topic, english, short)
        copies = 1 if rng.random() < 0.45 else rng.randint(2, 6)
        copies = min(copies, n_articles - len(out))
        when = start + dt.timedelta(seconds=rng.uniform(0, days * 86_400))
        chosen = rng.sample(range(outlets), copies)
        for number, outlet in enumerate(chosen):
            title, text, edits = _copy(rng, topic, title_index, sentences, slots, english, original=number == 0)
            published = when + dt.timedelta(seconds=0 if number == 0 else rng.uniform(600, 2 * 86_400))
            out.append(SyntheticArticle(len(out) + 1, f"s{story_no}", topic_name, f"outlet{outlet:02d}", published,
                                        title, text, edits))
    return out


# The benchmark ------------------------------------------------------------------------------------
#
# Every measurement runs in a fresh (spawned) process, so its peak memory is its own: the figure is the
# peak resident set minus the resident set just before the work, after imports and setup. The peak is
# VmHWM, reset before the work through /proc/self/clear_refs; ru_maxrss would not do, since Linux carries
# it over from the parent across fork and exec.


def _reset_peak() -> int:
    """Reset this process's peak resident set and return the current resident set in bytes."""
    from pathlib import Path

    Path("/proc/self/clear_refs").write_text("5")
    return _status_kb("VmRSS") * 1024


def _peak_mb(before: int) -> float:
    """Peak resident set since ``_reset_peak`` above the resident set then, in MiB."""
    return max(0, _status_kb("VmHWM") * 1024 - before) / 2**20


def _status_kb(field: str) -> int:
    from pathlib import Path

    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} missing from /proc/self/status")

ARTICLES_PER_DAY = 1500  # a large monitoring deployment: the 7-day window then holds about 10,000 articles
FULL_SIZE = 100_000
QUICK_SIZE = 10_000
BATCH = 1000
EXACT_SUBSET = 2000


def _corpus(size: int) -> list[SyntheticArticle]:
    """``size`` articles in time order, as an archive would have them: copies published after the
    corpus's last day (the lag tail, nothing but late copies) are cut, so the newest articles mix new
    stories and copies like any day's intake."""
    start = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
    days = size / ARTICLES_PER_DAY
    corpus = synthetic_corpus(int(size * 1.1), seed=2026, days=days * 1.1, start=start)
    end = start + dt.timedelta(days=days * 1.1)
    kept = sorted((a for a in corpus if a.published < end), key=lambda a: (a.published, a.article_id))
    return kept[-size:]


def _bulk_load(url: str, articles: list[SyntheticArticle]) -> dict[int, int]:
    """Insert articles as tagged, straight into the tables (import_lines's per-line transactions are not
    what is measured here); returns synthetic id → archive id."""
    from archive import open_archive
    from archive.db import iso, utcnow

    db = open_archive(url)
    now = iso(utcnow())
    with db.transaction() as tx:
        for source in sorted({a.outlet for a in articles}):
            tx.execute("INSERT INTO sources (id, name, country, languages, grp, config, enabled, updated_at)"
                       " VALUES (?, ?, 'RS', '[\"sr\"]', 'domestic', '{}', 0, ?) ON CONFLICT (id) DO NOTHING",
                       (source, source, now))
        start = int(tx.scalar("SELECT COALESCE(MAX(id), 0) FROM frontier")) + 1
        rows = [(start + n, a) for n, a in enumerate(articles)]
        tx.executemany("INSERT INTO frontier (id, url, canonical_url, source_id, via, state, discovered_at, updated_at)"
                       " VALUES (?, ?, ?, ?, 'import', 'tagged', ?, ?)",
                       [(fid, f"https://{a.outlet}.example/{a.article_id}", f"https://{a.outlet}.example/{a.article_id}",
                         a.outlet, now, now) for fid, a in rows])
        tx.executemany("INSERT INTO articles (id, frontier_id, url, canonical_url, source_id, title, published, text,"
                       " language, content_hash, extracted_at, tagged_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'sr', '', ?, ?)",
                       [(fid, fid, f"https://{a.outlet}.example/{a.article_id}",
                         f"https://{a.outlet}.example/{a.article_id}", a.outlet, a.title, iso(a.published), a.text,
                         now, now) for fid, a in rows])
    db.close()
    return {a.article_id: fid for fid, a in rows}


def _child_cluster(url: str, batch_size: int) -> dict:
    """In a fresh process: run the cluster stage's function over everything pending."""
    from archive import open_archive
    from nlp.cluster import ClusterOptions
    from odjek.stages.cluster import cluster_articles

    db = open_archive(url)
    before = _reset_peak()
    start = time.perf_counter()
    run = cluster_articles(db, ClusterOptions(), batch_size=batch_size)
    seconds = time.perf_counter() - start
    db.close()
    return {"seconds": seconds, "peak_mb": _peak_mb(before), "assigned": run.assigned,
            "new_clusters": run.new_clusters, "rebuilds": run.rebuilds}


def _child_exact(articles: list[SyntheticArticle]) -> dict:
    """In a fresh process: exact Jaccard of every pair of shingle sets, then the same assignment rule."""
    import numpy as np

    from nlp.cluster import ClusterOptions, pair_matches, shingles, signature_words

    options = ClusterOptions()
    before = _reset_peak()
    start = time.perf_counter()
    ordered = sorted(articles, key=lambda a: (a.published, a.article_id))
    words = [signature_words(a.title, a.text, options) for a in ordered]
    sets = [shingles(w, options.shingle_words) if len(w) >= options.min_words else None for w in words]
    window = options.window_days * 86_400
    label: dict[int, int] = {}
    spans: dict[int, list[float]] = {}
    matched_pairs = set()
    for i, a in enumerate(ordered):
        best = None
        t = a.published.timestamp()
        for j in range(i):
            if sets[i] is None or sets[j] is None:
                continue
            inter = len(sets[i] & sets[j])
            if not inter:
                continue
            jac = inter / (len(sets[i]) + len(sets[j]) - inter)
            cont = inter / min(len(sets[i]), len(sets[j]))
            short = min(len(words[i]), len(words[j])) < options.short_words
            same = ordered[j].outlet == a.outlet
            if not pair_matches(np.array([jac]), np.array([cont]), np.array([same]), np.array([short]), options)[0]:
                continue
            matched_pairs.add((ordered[j].article_id, a.article_id))
            cluster = label[ordered[j].article_id]
            first, last = spans[cluster]
            if last < t - window or first > t + window:
                continue
            if best is None or jac > best[0]:
                best = (jac, cluster)
        cluster = best[1] if best else len(spans) + 1
        spans.setdefault(cluster, [t, t])
        spans[cluster][0], spans[cluster][1] = min(spans[cluster][0], t), max(spans[cluster][1], t)
        label[a.article_id] = cluster
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _peak_mb(before), "labels": label,
            "pairs": matched_pairs}


def _child_minhash_subset(articles: list[SyntheticArticle]) -> dict:
    """In a fresh process: the MinHash path (sign + LSH + verify + assign) on the same subset, in memory."""
    from nlp.cluster import ClusterOptions, Engine, Item, Signer

    options = ClusterOptions()
    before = _reset_peak()
    start = time.perf_counter()
    signer = Signer(options)
    items = [Item(a.article_id, a.outlet, a.published.timestamp(), signer.sign(a.title, a.text)) for a in articles]
    assignments = Engine(options).assign(items)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_mb": _peak_mb(before),
            "labels": {a.article_id: a.cluster_id for a in assignments}}


def _child_index_build(url: str, use_datasketch: bool) -> dict:
    """In a fresh process: build an LSH index over all stored signatures, datasketch's or the engine's."""
    from archive import open_archive
    from nlp.cluster import ClusterOptions, Engine, signature_from_blob

    options = ClusterOptions()
    db = open_archive(url)
    rows = db.query("SELECT s.article_id, a.cluster_id, a.source_id, s.signature, s.shingle_count, s.word_count"
                    " FROM article_signatures s JOIN articles a ON a.id = s.article_id")
    signatures = [signature_from_blob(r["signature"], r["shingle_count"], r["word_count"]) for r in rows]
    before = _reset_peak()
    start = time.perf_counter()
    if use_datasketch:
        from datasketch import LeanMinHash, MinHashLSH

        lsh = MinHashLSH(num_perm=options.num_perm, params=options.bands_rows)
        with lsh.insertion_session() as session:
            for r, s in zip(rows, signatures):
                session.insert(r["article_id"], LeanMinHash(seed=options.seed, hashvalues=s.hashvalues),
                               check_duplication=False)
    else:
        Engine(options).add_members([r["article_id"] for r in rows], [r["cluster_id"] for r in rows],
                                    [r["source_id"] for r in rows], signatures)
    seconds = time.perf_counter() - start
    db.close()
    return {"seconds": seconds, "peak_mb": _peak_mb(before), "signatures": len(rows)}


def _in_child(function, *args) -> dict:
    """Run ``function(*args)`` in a spawned process and return its result."""
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(function, args)


def _pair_set(labels: dict[int, int]) -> set[tuple[int, int]]:
    from itertools import combinations

    groups: dict[int, list[int]] = {}
    for article, cluster in labels.items():
        groups.setdefault(cluster, []).append(article)
    return {tuple(sorted(p)) for members in groups.values() for p in combinations(sorted(members), 2)}


def run(quick: bool) -> str:
    """Cluster N synthetic articles from scratch, add a batch of 1,000, and compare with exact Jaccard."""
    import tempfile
    from pathlib import Path

    from nlp.cluster import ClusterOptions, pairwise_scores

    size = QUICK_SIZE if quick else FULL_SIZE
    corpus = _corpus(size + BATCH)
    archive_part, batch = corpus[:size], corpus[size:]
    options = ClusterOptions()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        ids = _bulk_load(url, archive_part)
        scratch = _in_child(_child_cluster, url, 5000)
        ids.update(_bulk_load(url, batch))
        incremental = _in_child(_child_cluster, url, 5000)
        index_engine = _in_child(_child_index_build, url, False)
        index_datasketch = _in_child(_child_index_build, url, True)
        from archive import open_archive

        db = open_archive(url)
        got = {r["id"]: r["cluster_id"] for r in db.query("SELECT id, cluster_id FROM articles")}
        db.close()
    truth = {ids[a.article_id]: a.story for a in corpus}
    precision, recall = pairwise_scores(truth, got)

    subset = sorted(corpus[: EXACT_SUBSET], key=lambda a: (a.published, a.article_id))
    exact = _in_child(_child_exact, subset)
    approx = _in_child(_child_minhash_subset, subset)
    subset_truth = {a.article_id: a.story for a in subset}
    exact_p, exact_r = pairwise_scores(subset_truth, exact["labels"])
    approx_p, approx_r = pairwise_scores(subset_truth, approx["labels"])
    exact_pairs, approx_pairs = _pair_set(exact["labels"]), _pair_set(approx["labels"])
    kept = len(exact_pairs & approx_pairs) / len(exact_pairs) if exact_pairs else 1.0
    pair_count = len(subset) * (len(subset) - 1) // 2
    full_pairs = size * (size - 1) // 2
    extrapolated = exact["seconds"] * full_pairs / pair_count
    stories = len({a.story for a in corpus})
    bands, rows = options.bands_rows

    lines = [
        "## Story clustering (MinHash + LSH)",
        "",
        f"Synthetic syndication corpus (`bench/bench_cluster.py`, seed 2026): {size + BATCH:,} articles, {stories:,}"
        f" stories, {ARTICLES_PER_DAY:,} articles a day over {size / ARTICLES_PER_DAY:.0f} days; copies with"
        " sentences dropped or added, headlines rewritten, about a third transliterated to Cyrillic, boilerplate"
        f" tails. Options: {options.num_perm} permutations, word {options.shingle_words}-shingles,"
        f" {bands} bands × {rows} rows, match at estimated Jaccard ≥ {options.threshold}, window"
        f" {options.window_days:g} days. SQLite archive; each figure from a fresh process (peak memory ="
        " peak resident set minus the resident set before the work).",
        "",
        "| run | articles | time | throughput | peak memory | result |",
        "|---|---:|---:|---:|---:|---|",
        f"| cluster from scratch (stage function, batches of 5,000) | {scratch['assigned']:,} |"
        f" {scratch['seconds']:.1f} s | {scratch['assigned'] / scratch['seconds']:,.0f}/s |"
        f" {scratch['peak_mb']:.0f} MB | {scratch['new_clusters']:,} clusters, {scratch['rebuilds']} index"
        " rebuilds |",
        f"| add a batch of {BATCH:,} to the archive of {size:,} | {incremental['assigned']:,} |"
        f" {incremental['seconds']:.2f} s | {incremental['assigned'] / incremental['seconds']:,.0f}/s |"
        f" {incremental['peak_mb']:.0f} MB | index rebuilt from the archive's signatures, then"
        f" {incremental['new_clusters']:,} new clusters |",
        "",
        f"Over all {size + BATCH:,} articles: pairwise precision {precision:.3f}, recall {recall:.3f} against the"
        " true stories.",
        "",
        f"**Against exact Jaccard** on the first {len(subset):,} articles ({pair_count:,} pairs), same rule"
        " (thresholds, containment, same-outlet and short-text rules, window, assignment order):",
        "",
        "| method | time | peak memory | pairwise precision | pairwise recall |",
        "|---|---:|---:|---:|---:|",
        f"| exact Jaccard, all pairs of shingle sets | {exact['seconds']:.2f} s | {exact['peak_mb']:.0f} MB |"
        f" {exact_p:.3f} | {exact_r:.3f} |",
        f"| MinHash + LSH (signing included) | {approx['seconds']:.2f} s | {approx['peak_mb']:.0f} MB |"
        f" {approx_p:.3f} | {approx_r:.3f} |",
        "",
        f"Speed-up on {len(subset):,} articles: {exact['seconds'] / approx['seconds']:.1f}×; the exact method grows"
        f" with the square of the archive (about {extrapolated / 3600:,.1f} h extrapolated to {size:,} articles)."
        f" Of the same-story pairs the exact method finds, MinHash + LSH keeps {kept:.1%}"
        f" (recall lost: {1 - kept:.1%}).",
        "",
        f"**Index structure** over the {index_engine['signatures']:,} stored signatures: the engine's numpy band"
        f" tables build in {index_engine['seconds']:.1f} s with {index_engine['peak_mb']:.0f} MB; datasketch's"
        f" `MinHashLSH` with the same bands takes {index_datasketch['seconds']:.1f} s and"
        f" {index_datasketch['peak_mb']:.0f} MB.",
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover - run directly while developing
    import sys

    print(run("--full" not in sys.argv))
