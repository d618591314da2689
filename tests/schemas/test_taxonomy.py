"""The taxonomy's ids and names live in one data file (schemas/taxonomy.yaml), in step with ../shared/taxonomy.md,
and every reader (nlp, reports, web, the evaluation) takes them from it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from schemas.taxonomy import TAXONOMY_FILE, load_taxonomy, parse_taxonomy
from tests.conftest import shared_dir

REPO = Path(__file__).resolve().parents[2]


def contract_ids(markdown: str) -> dict[str, tuple[str, ...]]:
    """Ids of the contract: the first column of its tables per section, and the regions line."""
    ids: dict[str, list[str]] = {}
    section = ""
    for line in markdown.splitlines():
        if line.startswith("## "):
            section = line[3:].strip()
        row = re.match(r"^\| `([a-z_]+)` \|", line)
        if row:
            ids.setdefault(section, []).append(row.group(1))
        if section.startswith("Regions") and line.startswith("`region`"):
            ids["Regions"] = re.findall(r"`([a-z_]+)` *(?:\||—)", line)
    return {key: tuple(value) for key, value in ids.items()}


def test_ids_are_in_step_with_the_shared_contract():
    contract = contract_ids((shared_dir("taxonomy.md")).read_text(encoding="utf-8"))
    taxonomy = load_taxonomy()
    assert (*taxonomy.entities, *taxonomy.flags) == contract["Entities that leadership wants flagged first"]
    assert taxonomy.topics == contract["Topics (from the Sector's remit)"]
    assert taxonomy.regions == contract["Regions"] == ("region", "europe_russia", "overseas_far_east")


def test_every_id_is_named_in_cyrillic_serbian_and_english():
    taxonomy = load_taxonomy()
    for label, names in taxonomy.names.items():
        assert re.search(r"[\u0400-\u04FF]", names["sr"]), label
        assert not re.search(r"[\u0400-\u04FF]", names["en"]) and names["en"].strip(), label


def test_nlp_reports_web_and_the_evaluation_read_the_one_file():
    from nlp import evaluate
    from reports import i18n as report_i18n
    from reports import relevance
    from web import i18n as web_i18n

    taxonomy = load_taxonomy()
    assert report_i18n.TOPICS == relevance.TOPIC_LABELS == evaluate.TOPIC_LABELS == taxonomy.topics
    assert report_i18n.REGIONS == evaluate.REGION_LABELS == taxonomy.regions
    assert relevance.ENTITY_LABELS == evaluate.ENTITY_LABELS == taxonomy.entities
    assert evaluate.FLAG_LABELS == taxonomy.flags
    for label in (*taxonomy.entities, *taxonomy.topics, *taxonomy.regions, *taxonomy.groups, *taxonomy.other):
        assert report_i18n.TEXT[label] == taxonomy.name(label)
        assert report_i18n.t(label, "latn") == web_i18n.translate(label, "sr-Latn")
    for label in taxonomy.names:
        assert web_i18n.translate(label, "sr-Cyrl") == taxonomy.name(label, "sr")
        assert web_i18n.translate(label, "en") == taxonomy.name(label, "en")


def test_outlet_groups_are_the_record_enum_in_its_order():
    from schemas.records import SourceGroup

    assert load_taxonomy().groups == tuple(group.value for group in SourceGroup)


def test_the_tagger_lexicons_label_exactly_the_taxonomy_ids():
    lexicon = REPO / "nlp" / "lexicon"
    topics = yaml.safe_load((lexicon / "topics.yaml").read_text(encoding="utf-8"))["topics"]
    regions = yaml.safe_load((lexicon / "regions.yaml").read_text(encoding="utf-8"))["regions"]
    assert tuple(topics) == load_taxonomy().topics
    assert tuple(regions) == load_taxonomy().regions


def test_no_module_spells_out_the_id_lists_again():
    # The lists the file replaced were tuples of ids written in code; one in a package would start a second copy.
    spelled = re.compile(r'"voting_abroad",\s*"return_migration"|"region",\s*"europe_russia"')
    packages = ("nlp", "reports", "web", "archive", "odjek", "extract", "sampleweb", "bench")
    offenders = [str(path.relative_to(REPO)) for package in packages
                 for path in (REPO / package).rglob("*.py") if spelled.search(path.read_text(encoding="utf-8"))]
    assert offenders == []


@pytest.mark.parametrize(("data", "message"), [
    ({"topics": {}}, "expected exactly the groups"),
    ({**yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8")), "topics": {"x": {"sr": "Икс"}}}, "needs names"),
    ({**yaml.safe_load(TAXONOMY_FILE.read_text(encoding="utf-8")), "other": {"office": {"sr": "У", "en": "O"}}},
     "appears twice"),
])
def test_a_broken_file_is_a_clear_error(data, message):
    with pytest.raises(ValueError, match=message):
        parse_taxonomy(data)
