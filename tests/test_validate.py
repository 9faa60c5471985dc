"""SHACL validation: contract-shaped graphs conform; each kind of breakage is reported by name."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner
from rdf_fixtures import contract_graph
from rdflib import Literal
from rdflib.namespace import DCTERMS, FOAF, RDF, RDFS

from graphbuild.cli import main
from graphbuild.namespaces import PK, PKA, PKD, PKO
from graphbuild.validate import failures, validate_file, validate_graph


def _broken_graph():
    """The fixture graph with one instance of each kind of breakage, and what each must raise."""
    graph = contract_graph()
    graph.add((PK.napo, RDFS.label, Literal("NAPO")))  # a second label
    graph.add((PK.napo, PKO.owns, PK.sodexo))  # a relation with no evidence
    graph.set((PKA["0000"], PKO.charStart, Literal(500)))  # start > end (60)
    graph.set((PKA["0001"], PKO.confidence, Literal(1.5)))  # confidence out of range
    graph.remove((PKA["0002"], PKO.evidenceText, None))  # no evidence text
    graph.set((PK.sodexo, RDF.type, FOAF.Person))  # a class from outside the ontology
    graph.remove((PKD["001_bbbbbbbbbbbbbbbb"], DCTERMS.identifier, None))  # no identifier
    expected = {
        ("pk:napo", "EntityHasOneLabel"),
        ("pk:napo", "RelationHasEvidence"),
        ("pka:0000", "AssertionStartBeforeEnd"),
        ("pka:0001", "AssertionHasConfidence"),
        ("pka:0002", "AssertionHasEvidenceText"),
        ("pk:sodexo", "EntityClassIsFromOntology"),
        ("pkd:001_bbbbbbbbbbbbbbbb", "SourceDocumentHasIdentifier"),
    }
    return graph, expected


def test_contract_shaped_graph_conforms():
    results = validate_graph(contract_graph())
    assert results == [], [r.describe() for r in results]


def test_sample_graph_conforms(sample_graph_path):
    started = time.perf_counter()
    results = validate_file(sample_graph_path)
    print(f"validated {sample_graph_path} in {time.perf_counter() - started:.1f} s")
    assert failures(results) == [], "\n".join(r.describe() for r in failures(results))


def test_each_breakage_is_reported_by_name():
    graph, expected = _broken_graph()
    results = validate_graph(graph)
    found = {(r.focus, r.rule) for r in failures(results)}
    assert found == expected, "\n".join(r.describe() for r in results)


def test_reports_say_what_was_found():
    graph, _ = _broken_graph()
    by_rule = {r.rule: r for r in validate_graph(graph)}
    two_labels = by_rule["EntityHasOneLabel"]
    assert two_labels.values == ('"NAPO"', '"Napo"')
    assert "exactly one" in two_labels.describe() and "pk:napo" in two_labels.describe()
    unevidenced = by_rule["RelationHasEvidence"]
    assert (unevidenced.path, unevidenced.values) == ("pko:owns", ("pk:sodexo",))
    offsets = by_rule["AssertionStartBeforeEnd"]
    assert offsets.focus_label == ("evidence of pk:peopleplus pko:owns "
                                   "pk:warwickshire-west-mercia-crc")


def test_symmetric_relation_evidenced_in_the_other_direction_conforms():
    graph = contract_graph()
    graph.remove((PK.sodexo, PKO.partnerOf, PK.napo))
    graph.add((PK.napo, PKO.partnerOf, PK.sodexo))
    assert failures(validate_graph(graph)) == []


def test_an_entity_without_type_or_label_is_reported():
    graph = contract_graph()
    graph.add((PK.peopleplus, PKO.owns, PK["unknown-crc"]))
    rules = {(r.focus, r.rule) for r in validate_graph(graph)}
    assert {("pk:unknown-crc", "EntityHasOneClass"), ("pk:unknown-crc", "EntityHasOneLabel"),
            ("pk:peopleplus", "RelationHasEvidence")} <= rules


def test_an_assertion_whose_fact_is_missing_is_a_warning_only():
    graph = contract_graph()
    graph.remove((PK.napo, PKO.criticises, PK["transforming-rehabilitation"]))
    results = validate_graph(graph)
    assert [(r.rule, r.severity) for r in results] == [("AssertionFactIsStated", "Warning")]
    assert failures(results) == []


@pytest.mark.parametrize("broken", [False, True])
def test_validate_command(tmp_path, broken):
    graph, expected = _broken_graph() if broken else (contract_graph(), set())
    path = tmp_path / "graph.ttl"
    graph.serialize(path, format="turtle")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == (1 if broken else 0), result.output
    for focus, rule in expected:
        assert any(focus in line and rule in line for line in result.output.splitlines()), rule
    if not broken:
        assert "conforms" in result.output


def test_validate_command_names_a_missing_file(tmp_path):
    result = CliRunner().invoke(main, ["validate", str(tmp_path / "nope.ttl")])
    assert result.exit_code != 0 and "nope.ttl" in result.output
