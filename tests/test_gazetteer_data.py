"""Data checks on ontology/gazetteer.yaml: shape, contract names, unambiguous aliases, coverage.

Pure data: no spaCy, no build. Match keys come from graphbuild.names (the loader's own
`fold` and `is_acronym`): acronyms, short aliases and entries marked `case_sensitive` are
matched as written, everything else case-insensitively with "&"/"and" interchangeable and
a possessive 's or leading "the" ignored; so two labels the loader could not tell apart
are caught here.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict

import pytest
import yaml
from conftest import ROOT, SHARED, require

from graphbuild.names import fold, is_acronym

GAZETTEER = ROOT / "ontology" / "gazetteer.yaml"
CONTRACT = SHARED / "ontology-contract.md"

# The contract's class and relation local names (shared/ontology-contract.md, v1),
# less the two classes the build itself creates (SourceDocument, Assertion).
CONTRACT_CLASSES = {
    "Person", "Organisation", "GovernmentBody", "Inspectorate", "LocalAuthority", "Court",
    "ProbationProvider", "Company", "VoluntaryOrganisation", "TradeUnion", "ProfessionalBody",
    "MediaOrganisation", "AcademicInstitution", "Policy", "Intervention", "Tool", "Document",
    "Report", "Place",
}
CONTRACT_PROPERTIES = {
    "owns", "partOf", "memberOf", "leads", "inspects", "publishedBy", "authoredBy", "about",
    "responsibleFor", "implements", "delivers", "funds", "partnerOf", "uses", "operatesIn",
    "successorOf", "criticises",
}
OPTIONAL_KEYS = {"name", "class", "aliases", "case_sensitive"}
ORGANISATION_CLASSES = CONTRACT_CLASSES - {
    "Person", "Policy", "Intervention", "Tool", "Document", "Report", "Place",
}

# The 21 Community Rehabilitation Companies of 1 February 2015.
CRCS = [
    "Bedfordshire, Northamptonshire, Cambridgeshire & Hertfordshire CRC",
    "Bristol, Gloucestershire, Somerset & Wiltshire CRC",
    "Cheshire & Greater Manchester CRC",
    "Cumbria & Lancashire CRC",
    "Derbyshire, Leicestershire, Nottinghamshire & Rutland CRC",
    "Dorset, Devon & Cornwall CRC",
    "Durham Tees Valley CRC",
    "Essex CRC",
    "Hampshire & Isle of Wight CRC",
    "Humberside, Lincolnshire & North Yorkshire CRC",
    "Kent, Surrey & Sussex CRC",
    "London CRC",
    "Merseyside CRC",
    "Norfolk & Suffolk CRC",
    "Northumbria CRC",
    "South Yorkshire CRC",
    "Staffordshire & West Midlands CRC",
    "Thames Valley CRC",
    "Wales CRC",
    "Warwickshire & West Mercia CRC",
    "West Yorkshire CRC",
]

# Entities the brief requires, by class: name -> aliases that must resolve to it.
REQUIRED = {
    "GovernmentBody": {
        "Ministry of Justice": ["MoJ", "MOJ"],
        "National Offender Management Service": ["NOMS"],
        "HM Prison and Probation Service": ["HMPPS"],
        "HM Prison Service": ["Prison Service"],
        "Youth Justice Board": ["YJB"],
        "Justice Committee": ["JSC", "Justice Select Committee"],
        "National Audit Office": ["NAO"],
        "Public Accounts Committee": ["PAC"],
        "Home Office": [],
        "HM Treasury": [],
        "Cabinet Office": [],
        "Parole Board": [],
        "Crown Prosecution Service": ["CPS"],
        "Sentencing Council": [],
        "Public Protection Casework Section": ["PPCS"],
        "Criminal Cases Review Commission": [],
        "Welsh Government": [],
        "Scottish Government": [],
        "House of Commons": [],
        "House of Lords": [],
        "Parliament": [],
        "Department for Work and Pensions": ["DWP"],
    },
    "Court": {"HM Courts & Tribunals Service": ["HMCTS"], "Crown Court": []},
    "Inspectorate": {
        "HM Inspectorate of Probation": ["HMIP", "HMI Probation", "HMIProbation"],
        "HM Inspectorate of Prisons": ["HMI Prisons"],
        "HM Inspectorate of Constabulary": ["HMIC", "HMICFRS"],
        "Care Quality Commission": [],
        "Ofsted": [],
        "Criminal Justice Joint Inspection": [],
    },
    "Tool": {
        "Offender Assessment System": ["OASys"],
        "Offender Group Reconviction Scale": ["OGRS"],
        "Risk of Serious Recidivism": ["RSR"],
        "Spousal Assault Risk Assessment": ["SARA"],
        "Active Risk Management System": ["ARMS"],
        "Violent and Sex Offender Register": ["ViSOR"],
        "Delius": ["nDelius"],
        "Rehabilitation, Assessment and Progression Plan": ["RAPP"],
        "Workload Measurement Tool": ["WMT"],
        "Effective Proposal Framework": ["EPF"],
        "Case Allocation System": ["CAS"],
        "Risk Matrix 2000": ["RM2000"],
        "OASys Sexual reoffending Predictor": ["OSP"],
        "Common Platform": [],
        "Police National Computer": ["PNC"],
    },
    "TradeUnion": {
        "Napo": ["NAPO", "National Association of Probation Officers"],
        "UNISON": [],
        "GMB": [],
        "PCS": [],
    },
    "ProbationProvider": {"National Probation Service": ["NPS"], "Probation Service": []},
}

def match_keys(form: str, entity: dict) -> set[str]:
    """The keys under which the loader files this name or alias: exact and/or folded."""
    if entity.get("case_sensitive") or is_acronym(form):
        return {"=" + form}
    return {"~" + fold(form)}


def folded_clash_keys(form: str, entity: dict) -> set[str]:
    """An exact form also appears in running text that a folded label of another entity matches."""
    return {"~" + fold(form)} if match_keys(form, entity) == {"=" + form} else set()


@pytest.fixture(scope="module")
def gazetteer() -> dict:
    with GAZETTEER.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@pytest.fixture(scope="module")
def entities(gazetteer) -> dict[str, dict]:
    return {entity["name"]: entity for entity in gazetteer["entities"]}


def test_top_level_shape(gazetteer):
    assert gazetteer["version"] == 1
    assert set(gazetteer) == {"version", "entities", "reference_facts"}
    assert len(gazetteer["entities"]) >= 400


def test_every_entity_is_well_formed(gazetteer):
    for entity in gazetteer["entities"]:
        assert {"name", "class", "aliases"} <= set(entity) <= OPTIONAL_KEYS, entity
        assert isinstance(entity.get("case_sensitive", False), bool), entity
        assert isinstance(entity["name"], str) and entity["name"].strip() == entity["name"]
        assert isinstance(entity["aliases"], list), entity
        for alias in entity["aliases"]:
            assert isinstance(alias, str) and alias.strip() == alias and alias, entity
            assert "\u2019" not in alias, f"curly apostrophe in {alias!r}"
        labels = [entity["name"], *entity["aliases"]]
        assert len(labels) == len(set(labels)), f"repeated alias in {entity['name']}"


def test_every_class_is_a_contract_class(gazetteer):
    unknown = {e["class"] for e in gazetteer["entities"]} - CONTRACT_CLASSES
    assert not unknown


def test_names_are_unique(gazetteer):
    counts = Counter(fold(e["name"]) for e in gazetteer["entities"])
    assert [name for name, n in counts.items() if n > 1] == []


def test_no_label_is_shared_by_two_entities(gazetteer):
    filed: dict[str, set[str]] = defaultdict(set)
    exact_as_folded: dict[str, set[str]] = defaultdict(set)
    for entity in gazetteer["entities"]:
        for form in [entity["name"], *entity["aliases"]]:
            for key in match_keys(form, entity):
                filed[key].add(entity["name"])
            for key in folded_clash_keys(form, entity):
                exact_as_folded[key].add(entity["name"])
    clashes = {k: sorted(v) for k, v in filed.items() if len(v) > 1}
    assert clashes == {}
    shadowed = {k: sorted(v | filed[k]) for k, v in exact_as_folded.items() if filed[k] - v}
    assert shadowed == {}


def test_the_loader_accepts_the_file(entities):
    from graphbuild.gazetteer import load_gazetteer

    load_gazetteer.cache_clear()
    loaded = load_gazetteer()
    assert {e.name for e in loaded.entries} == set(entities)
    for name in ("HMIP", "MoJ", "OASys", "Cheshire and Greater Manchester CRC"):
        assert loaded.lookup(name) is not None, name
    assert loaded.lookup("HMIP").name == "HM Inspectorate of Probation"


def test_single_word_labels_are_proper_names(gazetteer):
    """A one-word label with no capital or digit would be an ordinary word in running text."""
    for entity in gazetteer["entities"]:
        for label in [entity["name"], *entity["aliases"]]:
            if " " not in label:
                assert re.search(r"[A-Z0-9]", label), f"{label!r} of {entity['name']}"


def test_every_crc_has_exactly_one_owner(gazetteer, entities):
    facts = gazetteer["reference_facts"]
    for crc in CRCS:
        assert entities[crc]["class"] == "ProbationProvider"
        owners = [f["s"] for f in facts if f["p"] == "owns" and f["o"] == crc]
        assert len(owners) == 1, (crc, owners)
        assert entities[owners[0]]["class"] in ORGANISATION_CLASSES
    crc_names = {n for n in entities if n.endswith(" CRC")}
    assert crc_names == set(CRCS)


def test_reference_facts_name_entities_and_contract_properties(gazetteer, entities):
    facts = gazetteer["reference_facts"]
    assert facts
    for fact in facts:
        assert set(fact) == {"s", "p", "o", "source"}, fact
        assert fact["s"] in entities, fact
        assert fact["o"] in entities, fact
        assert fact["p"] in CONTRACT_PROPERTIES, fact
        assert fact["source"].strip(), fact
    triples = [(f["s"], f["p"], f["o"]) for f in facts]
    assert len(triples) == len(set(triples))


def test_relation_ends_have_plausible_classes(gazetteer, entities):
    """Organisation-to-organisation relations never start or end at a place or a policy."""
    org_only = {"owns", "partOf", "inspects", "partnerOf", "successorOf"}
    for fact in gazetteer["reference_facts"]:
        subject, obj = entities[fact["s"]]["class"], entities[fact["o"]]["class"]
        if fact["p"] in org_only:
            assert subject in ORGANISATION_CLASSES and obj in ORGANISATION_CLASSES, fact
        if fact["p"] == "operatesIn":
            assert obj == "Place", fact
        if fact["p"] == "leads":
            assert subject == "Person" and obj in ORGANISATION_CLASSES, fact
        if fact["p"] in {"publishedBy", "authoredBy", "about"}:
            assert subject in {"Document", "Report"}, fact


@pytest.mark.parametrize("cls", sorted(REQUIRED))
def test_required_entities_are_present(entities, cls):
    for name, aliases in REQUIRED[cls].items():
        assert name in entities, name
        assert entities[name]["class"] == cls, name
        assert set(aliases) <= set(entities[name]["aliases"]), name


def test_nps_has_seven_divisions_and_probation_service_twelve_regions(gazetteer):
    parts = Counter(f["o"] for f in gazetteer["reference_facts"] if f["p"] == "partOf")
    assert parts["National Probation Service"] == 7
    assert parts["Probation Service"] == 12


def test_constants_match_the_shared_contract():
    """The class and property lists above are the contract's own tables."""
    require(CONTRACT.is_file(), f"{CONTRACT} is missing")
    text = CONTRACT.read_text(encoding="utf-8")
    table_names = set(re.findall(r"^\| `pko:(\w+)` \|", text, flags=re.MULTILINE))
    classes = {name for name in table_names if name[0].isupper()}
    properties = table_names - classes
    assert CONTRACT_CLASSES == classes - {"SourceDocument", "Assertion"}
    assert CONTRACT_PROPERTIES == properties
