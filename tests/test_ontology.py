"""The shipped ontology declares every term of the contract, with its label, comment and parent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from graphbuild.namespaces import PKO, PREFIXES

ONTOLOGY_FILE = Path(__file__).resolve().parent.parent / "ontology" / "pko.ttl"
EVIDENCE_DATATYPE_PROPERTIES = ["evidenceText", "charStart", "charEnd", "extractor", "confidence",
                                "page"]
# Contract words for the subject/object column that are not class names.
AGENT_CLASSES = frozenset({PKO.Organisation, PKO.Person})
TERM = re.compile(r"`([a-z]+):([A-Za-z]+)`")


def _curie(prefix: str, local: str) -> URIRef:
    return URIRef(str(PREFIXES[prefix]) + local)


def _table_rows(contract: str, header_start: str) -> list[list[str]]:
    """Rows (split into cells) of the markdown table whose header starts with `header_start`."""
    lines = contract.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def _classes_named(cell: str) -> frozenset[URIRef] | None:
    """The classes a subject/object cell names ("Organisation or Person"); None for any entity."""
    if "any entity" in cell:
        return None
    classes: set[URIRef] = set()
    for word in re.split(r"\s+or\s+", cell.strip()):
        classes |= AGENT_CLASSES if word == "Agent" else {PKO[word]}
    return frozenset(classes)


@pytest.fixture(scope="module")
def contract(shared_dir) -> str:
    path = shared_dir / "ontology-contract.md"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return Graph().parse(ONTOLOGY_FILE, format="turtle")


@pytest.fixture(scope="module")
def contract_classes(contract) -> dict[URIRef, list[URIRef]]:
    rows = _table_rows(contract, "| class |")
    return {
        _curie(*TERM.match(row[0]).groups()): [_curie(p, n) for p, n in TERM.findall(row[2])]
        for row in rows
    }


@pytest.fixture(scope="module")
def contract_properties(contract) -> dict[URIRef, dict]:
    rows = _table_rows(contract, "| property |")
    properties = {}
    for name, ends, _meaning, parent in rows:
        subject_cell, object_cell = re.split(r"[→↔]", ends)
        properties[_curie(*TERM.match(name).groups())] = {
            "parents": [_curie(p, n) for p, n in TERM.findall(parent)],
            "inverse": "(inverse)" in parent,
            "domain": _classes_named(subject_cell),
            "range": _classes_named(object_cell),
        }
    return properties


def _class_set(ontology: Graph, node) -> frozenset[URIRef] | None:
    """A declared domain/range as a set of classes (unpacking owl:unionOf); None if absent."""
    if node is None:
        return None
    union = ontology.value(node, OWL.unionOf)
    if union is not None:
        return frozenset(Collection(ontology, union))
    return frozenset({node})


def _has_label_and_comment(ontology: Graph, term: URIRef) -> bool:
    label = ontology.value(term, RDFS.label)
    comment = ontology.value(term, RDFS.comment)
    return bool(label and str(label).strip() and comment and str(comment).strip())


def test_contract_tables_are_parsed(contract_classes, contract_properties):
    assert PKO.Report in contract_classes and PKO.criticises in contract_properties
    assert len(contract_classes) >= 20 and len(contract_properties) >= 15


def test_ontology_header(ontology):
    (onto,) = ontology.subjects(RDF.type, OWL.Ontology)
    assert str(ontology.value(onto, OWL.versionInfo)) == "1.0.0"
    assert str(onto) + "#" == str(PKO)
    assert ontology.value(onto, _curie("dcterms", "title"))
    assert ontology.value(onto, _curie("dcterms", "description"))


def test_every_contract_class_is_declared_with_its_parents(ontology, contract_classes):
    for cls, parents in contract_classes.items():
        assert (cls, RDF.type, OWL.Class) in ontology, cls
        assert _has_label_and_comment(ontology, cls), cls
        assert set(ontology.objects(cls, RDFS.subClassOf)) == set(parents), cls


def test_every_contract_property_is_declared_with_its_parent(ontology, contract_properties):
    for prop, spec in contract_properties.items():
        assert (prop, RDF.type, OWL.ObjectProperty) in ontology, prop
        assert _has_label_and_comment(ontology, prop), prop
        declared = set(ontology.objects(prop, RDFS.subPropertyOf))
        if spec["inverse"]:
            assert all(isinstance(parent, BNode) for parent in declared), prop
            declared = {ontology.value(parent, OWL.inverseOf) for parent in declared}
        assert declared == set(spec["parents"]), prop


def test_every_contract_property_has_the_contract_domain_and_range(ontology, contract_properties):
    for prop, spec in contract_properties.items():
        assert _class_set(ontology, ontology.value(prop, RDFS.domain)) == spec["domain"], prop
        assert _class_set(ontology, ontology.value(prop, RDFS.range)) == spec["range"], prop


def test_partner_of_is_symmetric(ontology):
    assert (PKO.partnerOf, RDF.type, OWL.SymmetricProperty) in ontology


def test_evidence_properties_are_declared(ontology):
    for name in EVIDENCE_DATATYPE_PROPERTIES:
        assert (PKO[name], RDF.type, OWL.DatatypeProperty) in ontology, name
        assert (PKO[name], RDFS.domain, PKO.Assertion) in ontology, name
        assert _has_label_and_comment(ontology, PKO[name]), name
    assert (PKO.mentions, RDF.type, OWL.ObjectProperty) in ontology
    assert (PKO.mentions, RDFS.domain, PKO.SourceDocument) in ontology
    assert _has_label_and_comment(ontology, PKO.mentions)


def test_every_pko_term_used_as_a_parent_is_declared(ontology):
    """A sub-class or sub-property link inside pko: must not point at an undeclared term."""
    for predicate in (RDFS.subClassOf, RDFS.subPropertyOf):
        for parent in ontology.objects(None, predicate):
            if isinstance(parent, URIRef) and parent.startswith(str(PKO)):
                assert (parent, RDFS.label, None) in ontology, parent
