"""Exports: every format parses back (rdflib, pyoxigraph, rapper) to the same number of triples
or quads; Turtle is deterministic; named graphs, JSON-LD context and dataset description."""

from __future__ import annotations

import json
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from conftest import require_executable
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdf_fixtures import DOCS, ENTITIES, FACTS, contract_graph
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

import graphbuild
from graphbuild.cli import main
from graphbuild.export import (
    DATASET,
    ENTITIES_GRAPH,
    ONTOLOGY_GRAPH,
    RDF_FORMATS,
    SOFTWARE,
    describe_dataset,
    export_file,
    export_graph,
    jsonld_context,
    load_graph,
    named_graphs,
    serialize,
    serialize_turtle,
    with_description,
)
from graphbuild.namespaces import PK, PKA, PKD, PKG, PKO, SCHEMA, VOID

CREATED = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
EXTENSIONS = {"turtle": "ttl", "ntriples": "nt", "nquads": "nq", "trig": "trig",
              "jsonld": "jsonld", "rdfxml": "rdf"}
QUAD_FORMATS = {"nquads", "trig"}
RDFLIB_PARSERS = {"turtle": "turtle", "ntriples": "nt", "nquads": "nquads", "trig": "trig",
                  "jsonld": "json-ld", "rdfxml": "xml"}
OXIGRAPH_FORMATS = {"turtle": ox.RdfFormat.TURTLE, "ntriples": ox.RdfFormat.N_TRIPLES,
                    "nquads": ox.RdfFormat.N_QUADS, "trig": ox.RdfFormat.TRIG,
                    "rdfxml": ox.RdfFormat.RDF_XML}
RAPPER_SYNTAXES = {"turtle": "turtle", "ntriples": "ntriples"}


@pytest.fixture(scope="module")
def fixture_graph_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("fixture") / "graph.ttl"
    contract_graph().serialize(path, format="turtle")
    return path


@pytest.fixture(scope="module", params=["fixture", "sample"])
def graph_path(request, fixture_graph_path) -> Path:
    """Each test runs on the hand-made fixture graph and on the sample corpus's graph."""
    if request.param == "fixture":
        return fixture_graph_path
    return request.getfixturevalue("sample_graph_path")


def _expected_count(graph: Graph, fmt: str) -> int:
    if fmt in QUAD_FORMATS:
        parts = named_graphs(graph)
        return sum(len(triples) for triples in parts.values()) + len(describe_dataset(graph))
    return len(with_description(graph, CREATED))


def _rdflib_count(path: Path, fmt: str) -> int:
    if fmt in QUAD_FORMATS:
        dataset = Dataset()
        dataset.parse(path, format=RDFLIB_PARSERS[fmt])
        return sum(1 for _ in dataset.quads((None, None, None, None)))
    return len(Graph().parse(path, format=RDFLIB_PARSERS[fmt]))


def _export(graph_path: Path, tmp_path: Path, fmt: str) -> Path:
    out = tmp_path / f"export.{EXTENSIONS[fmt]}"
    export_file(graph_path, out, created=CREATED)
    return out


@pytest.mark.parametrize("fmt", RDF_FORMATS)
def test_every_format_round_trips_through_rdflib(graph_path, tmp_path, fmt):
    graph = load_graph(graph_path)
    out = _export(graph_path, tmp_path, fmt)
    assert _rdflib_count(out, fmt) == _expected_count(graph, fmt)


@pytest.mark.parametrize("fmt", sorted(OXIGRAPH_FORMATS))
def test_every_format_round_trips_through_pyoxigraph(graph_path, tmp_path, fmt):
    out = _export(graph_path, tmp_path, fmt)
    oxigraph_count = sum(1 for _ in ox.parse(path=str(out), format=OXIGRAPH_FORMATS[fmt]))
    assert oxigraph_count == _rdflib_count(out, fmt)


@pytest.mark.parametrize("fmt", sorted(RAPPER_SYNTAXES))
def test_rapper_counts_the_same_triples(graph_path, tmp_path, fmt):
    rapper = require_executable("rapper")
    out = _export(graph_path, tmp_path, fmt)
    run = subprocess.run([rapper, "-i", RAPPER_SYNTAXES[fmt], "-c", str(out)],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    counted = re.search(r"Parsing returned (\d+) triples", run.stderr)
    assert counted and int(counted.group(1)) == _rdflib_count(out, fmt)


def test_jsonld_parses_back_to_the_turtle_graph(graph_path, tmp_path):
    turtle = Graph().parse(_export(graph_path, tmp_path, "turtle"), format="turtle")
    jsonld = Graph().parse(_export(graph_path, tmp_path, "jsonld"), format="json-ld")
    assert len(jsonld) == len(turtle)
    assert isomorphic(jsonld, turtle)


def test_turtle_is_byte_identical_run_after_run(graph_path, tmp_path):
    """Two separate parses (fresh blank-node ids) of the same input give the same bytes."""
    for fmt in ("turtle", "ntriples", "nquads", "trig"):
        first = serialize(load_graph(graph_path), fmt, CREATED)
        second = serialize(load_graph(graph_path), fmt, CREATED)
        assert first == second, fmt


def test_turtle_uses_the_contract_prefixes_and_keeps_the_graph(graph_path):
    graph = load_graph(graph_path)
    text = serialize_turtle(graph).decode("utf-8")
    assert "@prefix pko: <https://w3id.org/probation-kg/ontology#> ." in text
    assert re.search(r"^pk:\S+ a pko:", text, flags=re.MULTILINE)
    assert isomorphic(Graph().parse(data=text, format="turtle"), graph)


def test_the_creation_time_comes_from_source_date_epoch(fixture_graph_path, tmp_path,
                                                       monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    outs = [tmp_path / "a.ttl", tmp_path / "b.ttl"]
    for out in outs:
        result = CliRunner().invoke(main, ["export", "--graph", str(fixture_graph_path),
                                           "--out", str(out)])
        assert result.exit_code == 0, result.output
    assert outs[0].read_bytes() == outs[1].read_bytes()
    created = Graph().parse(outs[0]).value(DATASET, DCTERMS.created)
    assert created.toPython() == datetime.fromtimestamp(1700000000, tz=UTC)


def test_dataset_description_counts(graph_path):
    graph = load_graph(graph_path)
    d = describe_dataset(graph, CREATED)
    entities = {s for s in graph.subjects(RDF.type, None) if str(s).startswith(str(PK))}
    relations = [t for t in graph if str(t[0]).startswith(str(PK))
                 and str(t[2]).startswith(str(PK))]
    documents = set(graph.subjects(RDF.type, PKO.SourceDocument))
    assert {DATASET} == set(d.subjects(RDF.type, VOID.Dataset)) - set(d.objects(DATASET,
                                                                               VOID.subset))
    assert d.value(DATASET, VOID.triples).toPython() == len(graph)
    assert d.value(DATASET, VOID.entities).toPython() == len(entities)
    subset = d.value(DATASET, VOID.subset)
    assert d.value(subset, VOID.triples).toPython() == len(relations)
    assert set(d.objects(DATASET, DCTERMS.source)) == documents and documents
    assert str(d.value(DATASET, SCHEMA.schemaVersion)) == str(
        graph.value(URIRef(str(PKO).rstrip("#")), OWL.versionInfo))
    assert str(d.value(SOFTWARE, SCHEMA.softwareVersion)) == graphbuild.__version__
    assert d.value(DATASET, DCTERMS.created).toPython() == CREATED
    assert d.value(DATASET, DCTERMS.title)


def test_describing_an_export_again_does_not_count_the_old_description(fixture_graph_path):
    graph = load_graph(fixture_graph_path)
    exported = Graph().parse(data=serialize(graph, "turtle", CREATED), format="turtle")
    again = describe_dataset(exported, CREATED)
    assert again.value(DATASET, VOID.triples).toPython() == len(graph)
    assert isomorphic(with_description(exported, CREATED), exported)


def test_named_graphs_follow_the_documents():
    graph = contract_graph()
    parts = {name: set(triples) for name, triples in named_graphs(graph).items()}
    doc_graphs = {PKG[doc_id] for doc_id in DOCS}
    assert set(parts) == doc_graphs | {ONTOLOGY_GRAPH, ENTITIES_GRAPH}
    assert (PKO.owns, RDF.type, OWL.ObjectProperty) in parts[ONTOLOGY_GRAPH]
    assert (PK.napo, RDFS.label, Literal("Napo")) in parts[ENTITIES_GRAPH]
    for index, (s, p, o, doc_id, *_rest) in enumerate(FACTS):
        assert (PK[s], PKO[p], PK[o]) in parts[PKG[doc_id]]
        assert (PKA[f"{index:04d}"], RDF.type, PKO.Assertion) in parts[PKG[doc_id]]
        assert (PKD[doc_id], PKO.mentions, PK[s]) in parts[PKG[doc_id]]
    # the ownership fact is evidenced by both documents, so it is in both graphs
    owns = (PK.peopleplus, PKO.owns, PK["warwickshire-west-mercia-crc"])
    assert {name for name, triples in parts.items() if owns in triples} == doc_graphs
    union = Graph()
    for triples in parts.values():
        for triple in triples:
            union.add(triple)
    assert isomorphic(union, graph)


def test_trig_keeps_the_named_graphs(tmp_path):
    out = tmp_path / "graph.trig"
    export_graph(contract_graph(), out, created=CREATED)
    dataset = Dataset()
    dataset.parse(out, format="trig")
    names = {g.identifier for g in dataset.graphs()}
    assert {PKG[doc_id] for doc_id in DOCS} | {ONTOLOGY_GRAPH, ENTITIES_GRAPH} <= names
    ontology = dataset.graph(ONTOLOGY_GRAPH)
    union_lists = list(ontology.objects(None, OWL.unionOf))
    assert union_lists, "the ontology's blank nodes stay in the ontology graph"
    assert (DATASET, RDF.type, VOID.Dataset) in dataset.default_graph


def test_jsonld_reads_with_short_names(tmp_path):
    out = tmp_path / "graph.jsonld"
    export_graph(contract_graph(), out, created=CREATED)
    document = json.loads(out.read_text(encoding="utf-8"))
    context = document["@context"]
    assert context["owns"]["@id"] == str(PKO.owns) and context["label"]["@id"] == str(RDFS.label)
    nodes = {node["id"]: node for node in document["@graph"]}
    peopleplus = nodes["pk:peopleplus"]
    assert peopleplus["label"] == ENTITIES["peopleplus"][0]
    assert peopleplus["owns"] == "pk:warwickshire-west-mercia-crc"
    assert nodes["pka:0000"]["evidenceText"] == FACTS[0][6]


def test_jsonld_context_covers_every_ontology_term():
    ontology = Graph().parse(Path(graphbuild.__file__).parent.parent / "ontology" / "pko.ttl")
    context = jsonld_context(ontology)
    for term in {s for s in ontology.subjects() if str(s).startswith(str(PKO))}:
        assert context[str(term)[len(str(PKO)):]]["@id"] == str(term)
    assert context["confidence"]["@type"] == str(XSD.decimal)


def test_format_from_extension_and_errors(fixture_graph_path, tmp_path):
    runner = CliRunner()
    result = runner.invoke(main, ["export", "--graph", str(fixture_graph_path),
                                  "--out", str(tmp_path / "graph.nq")])
    assert result.exit_code == 0 and "(nquads)" in result.output
    result = runner.invoke(main, ["export", "--graph", str(fixture_graph_path),
                                  "--out", str(tmp_path / "graph.unknown")])
    assert result.exit_code != 0 and "graph.unknown" in result.output
    result = runner.invoke(main, ["export", "--graph", str(tmp_path / "missing.ttl"),
                                  "--out", str(tmp_path / "x.ttl")])
    assert result.exit_code != 0 and "missing.ttl" in result.output


def test_network_formats_go_to_the_analytics_exporter(fixture_graph_path, tmp_path,
                                                      monkeypatch):
    import graphbuild.analytics

    calls = []

    def fake_export_network(rdf_graph, fmt, out_path):
        calls.append((len(rdf_graph), fmt, Path(out_path)))
        return [Path(out_path)]

    monkeypatch.setattr(graphbuild.analytics, "export_network", fake_export_network)
    export_file(fixture_graph_path, tmp_path / "net.gexf")
    assert calls == [(len(load_graph(fixture_graph_path)), "gexf", tmp_path / "net.gexf")]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=40),
       language=st.sampled_from([None, "en", "en-GB"]))
def test_any_literal_survives_turtle(text, language):
    """Escaping: quotes, backslashes, control characters and any Unicode round-trip exactly."""
    graph = Graph()
    graph.add((PK.x, RDFS.label, Literal(text, lang=language)))
    graph.add((PK.x, PKO.charStart, Literal(len(text))))
    data = serialize_turtle(graph)
    assert isomorphic(Graph().parse(data=data.decode("utf-8"), format="turtle"), graph)
    parsed = list(ox.parse(data, format=ox.RdfFormat.TURTLE))
    assert {q.object.value for q in parsed} == {text, str(len(text))}
