"""The watched people (``config/people.yaml``) and the office's names, as plain data for other stages.

Search, the digest and the web UI use these functions rather than reading the YAML themselves:

- ``load_people(path)``: every person with all name variants and terms;
- ``office_name_variants()``: the Directorate's names written out from the office lexicon;
- ``holder_on(people, day)`` / ``resolve(people, person_id, day)``: who held the office on a day,
  and whether a mention of a person on that day is a former director's;
- ``confirmation_warnings(path, max_age_days, today)``: the check behind ``odjek sources check``.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from dataclasses import dataclass
from pathlib import Path

from nlp.lexicon import load_lexicon
from schemas.config import PeopleFile, Person, load_people_file

LOGGER = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PEOPLE_FILE = REPO_ROOT / "config" / "people.yaml"
MAX_VARIANTS_PER_PHRASE = 64  # expanding "a|b c|d ..." alternatives; the office's longest name has 12


@dataclass(frozen=True, slots=True)
class Resolution:
    """What a director mention means on the article's date."""

    person_id: str | None  # who is named (or, for a bare role, who held the office that day)
    former: bool  # the named person did not hold the office on that day (or the text says "bivši")
    counts: bool = True  # False: the person is named before their first term (not the director yet)


def load_people(path: Path | str | None = None) -> list[Person]:
    """All watched people with their names (``person.names``: name + aliases) and terms."""
    return list(load_people_file(Path(path) if path else DEFAULT_PEOPLE_FILE).people)


def name_variants(person: Person) -> list[str]:
    """Every written form of a person's name in the file (all scripts and languages)."""
    return person.names


def office_name_variants(lexicon: str = "office.yaml", *, include_weak: bool = True) -> list[str]:
    """The Directorate's names in every language of the office lexicon, alternatives written out.

    ``Uprava za saradnju|suradnju s|sa dijasporom`` becomes four names; optional words (``the?``)
    give the name with and without them. Look-alike rules are not applied here: a search for a
    short form (``Uprava za dijasporu``) also finds other states' bodies, which the tagger rejects.
    """
    data = load_lexicon(lexicon)
    phrases = list(data.get("strong", []))
    if include_weak:
        phrases += list(data.get("weak", []))
    out: list[str] = []
    for phrase in phrases:
        out += _expand(phrase)
    return list(dict.fromkeys(out))


def _expand(phrase: str) -> list[str]:
    choices = []
    for chunk in phrase.split():
        if chunk == "...":
            continue
        optional = chunk.endswith("?") and len(chunk) > 1
        words = chunk.rstrip("?").rstrip("~").split("|")
        choices.append(words + [""] if optional else words)
    variants = []
    for combo in itertools.islice(itertools.product(*choices), MAX_VARIANTS_PER_PHRASE):
        variants.append(" ".join(word for word in combo if word))
    return variants


def holder_on(people: list[Person], day: dt.date) -> Person | None:
    """The person whose term covers ``day``, if the file knows one."""
    return next((person for person in people if person.term_on(day)), None)


def resolve(people: list[Person], person_id: str | None, day: dt.date | None, *,
            said_former: bool = False) -> Resolution:
    """Resolve a director mention against the article's date.

    A named person: former when no term of theirs covers the day and one ended before it; not
    counted at all when the day is before their first term (Kokanović as president of the Union of
    Serbs of Slovenia in 2024 is not the Directorate's director). A bare role: the holder that day.
    Without a date the file's present state decides.
    """
    by_id = {person.id: person for person in people}
    person = by_id.get(person_id) if person_id else None
    if person is None:
        if said_former:
            return Resolution(None, True)
        holder = holder_on(people, day) if day else next((p for p in people if p.current), None)
        return Resolution(holder.id if holder else None, False)
    if day is None or not person.terms:
        return Resolution(person.id, said_former or not person.current)
    if person.term_on(day):
        return Resolution(person.id, said_former)
    if any(term.end is not None and term.end < day for term in person.terms):
        return Resolution(person.id, True)
    return Resolution(person.id, False, counts=False)


def confirmation_warnings(path: Path | str, max_age_days: int, today: dt.date | None = None) -> list[str]:
    """Warnings about a people file whose current term has not been confirmed recently."""
    people_file: PeopleFile = load_people_file(Path(path))
    today = today or dt.date.today()
    current = [person for person in people_file.people if person.current]
    if not current:
        return [f"{path}: no person has an open term: who is the director now?"]
    if people_file.confirmed is None:
        return [f"{path}: no 'confirmed' date: check that {current[0].name} is still the director and set it"]
    age = (today - people_file.confirmed).days
    if age > max_age_days:
        return [(f"{path}: current term of {current[0].name} last confirmed {people_file.confirmed} "
                f"({age} days ago, more than {max_age_days}): check it against public sources")]
    return []
