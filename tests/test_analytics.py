"""Analytics over a small hand-made contract graph, and over the sample build when it exists."""

from __future__ import annotations

import csv
import importlib.util
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner
from conftest import require
from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from graphbuild.analytics import (
    analyze,
    centrality,
    communities,
    csv_paths,
    export_network,
    resolve_entity,
    shortest_connections,
    to_networkx,
)
from graphbuild.cli import main
from graphbuild.namespaces import PK, PKA, PKD, PKO, PROV

HOSTILE_NAME = "<img src=x onerror=alert(1)>"
HOSTILE_SENTENCE = (
    "Acme <script>document.title='pwned'</script> worked in partnership with PeoplePlus "
    "</script><script>alert(2)</script> & more."
)

# (slug, class, label, aliases). Two classes and one property are project sub-terms, declared
# as the contract requires, so the reader must follow rdfs:subClassOf / rdfs:subPropertyOf.
ENTITIES = [
    ("chris-grayling", PKO.Person, "Chris Grayling", ["Grayling"]),
    ("ministry-of-justice", PKO.GovernmentBody, "Ministry of Justice", ["MoJ"]),
    ("transforming-rehabilitation", PKO.Policy, "Transforming Rehabilitation", ["TR"]),
    ("peopleplus", PKO.Company, "PeoplePlus", []),
    ("wwm-crc", PKO.CommunityRehabilitationCompany,
     "Warwickshire & West Mercia CRC", ["WWM CRC"]),
    ("hm-inspectorate-of-probation", PKO.Inspectorate, "HM Inspectorate of Probation",
     ["HMIP", "HMI Probation"]),
    ("report-hmip-wwm-crc", PKO.Report,
     "Report by HM Inspectorate of Probation about Warwickshire & West Mercia CRC", []),
    ("napo", PKO.TradeUnion, "Napo", []),
    ("acme-hostile", PKO.Company, HOSTILE_NAME, ["<script>alert('alias')</script>"]),
    ("sodexo-justice-services", PKO.Company, "Sodexo Justice Services", ["Sodexo"]),
    ("nacro", PKO.VoluntaryOrganisation, "Nacro", []),
]
# (subject, predicate, object, evidence sentence, source document)
FACTS = [
    ("chris-grayling", PKO.leads, "ministry-of-justice",
     "Chris Grayling, the Justice Secretary, led the Ministry of Justice.", "doc-a"),
    ("chris-grayling", PKO.responsibleFor, "transforming-rehabilitation",
     "Chris Grayling introduced Transforming Rehabilitation.", "doc-a"),
    ("ministry-of-justice", PKO.funds, "wwm-crc",
     "The Ministry of Justice contracted the Warwickshire & West Mercia CRC.", "doc-a"),
    ("peopleplus", PKO.majorityOwns, "wwm-crc",
     "The Warwickshire & West Mercia CRC is owned by PeoplePlus.", "doc-b"),
    ("hm-inspectorate-of-probation", PKO.inspects, "wwm-crc",
     "HMIP inspected the Warwickshire & West Mercia CRC in 2019.", "doc-b"),
    ("report-hmip-wwm-crc", PKO.publishedBy, "hm-inspectorate-of-probation",
     "HMIP published its report on the CRC.", "doc-b"),
    ("report-hmip-wwm-crc", PKO.about, "wwm-crc",
     "HMIP published its report on the CRC.", "doc-b"),
    ("napo", PKO.criticises, "transforming-rehabilitation",
     "Napo condemned Transforming Rehabilitation.", "doc-a"),
    ("acme-hostile", PKO.partnerOf, "peopleplus", HOSTILE_SENTENCE, "doc-b"),
    ("peopleplus", PKO.partnerOf, "acme-hostile", HOSTILE_SENTENCE, "doc-b"),
    ("sodexo-justice-services", PKO.partnerOf, "nacro",
     "Sodexo Justice Services worked with Nacro.", "doc-a"),
]
DOCS = {"doc-a": ("a.txt", "Transforming Rehabilitation <b>debate</b>"),
        "doc-b": ("b.txt", "Inspection of WWM CRC")}


def small_graph() -> Graph:
    """A contract-shaped graph small enough to know every answer about."""
    g = Graph()
    g.add((PKO.Company, RDFS.subClassOf, PKO.Organisation))
    g.add((PKO.GovernmentBody, RDFS.subClassOf, PKO.Organisation))
    g.add((PKO.Inspectorate, RDFS.subClassOf, PKO.GovernmentBody))
    g.add((PKO.CommunityRehabilitationCompany, RDFS.subClassOf, PKO.ProbationProvider))
    g.add((PKO.majorityOwns, RDFS.subPropertyOf, PKO.owns))
    g.add((PKO.leads, RDFS.subPropertyOf, PKO.memberOf))
    g.add((PKO.partnerOf, RDF.type, OWL.SymmetricProperty))
    for slug, cls, label, aliases in ENTITIES:
        g.add((PK[slug], RDF.type, cls))
        g.add((PK[slug], RDFS.label, Literal(label)))
        for alias in aliases:
            g.add((PK[slug], SKOS.altLabel, Literal(alias)))
    for key, (ident, title) in DOCS.items():
        g.add((PKD[key], RDF.type, PKO.SourceDocument))
        g.add((PKD[key], DCTERMS.identifier, Literal(ident)))
        g.add((PKD[key], DCTERMS.title, Literal(title)))
    for number, (s, p, o, sentence, doc) in enumerate(FACTS):
        g.add((PK[s], p, PK[o]))
        record = PKA[f"a{number}"]
        g.add((record, RDF.type, PKO.Assertion))
        g.add((record, RDF.subject, PK[s]))
        g.add((record, RDF.predicate, p))
        g.add((record, RDF.object, PK[o]))
        g.add((record, PROV.wasDerivedFrom, PKD[doc]))
        g.add((record, PKO.evidenceText, Literal(sentence)))
        start = 100 * next(i for i, fact in enumerate(FACTS) if fact[3] == sentence)
        g.add((record, PKO.charStart, Literal(start, datatype=XSD.integer)))
        g.add((record, PKO.extractor, Literal("test")))
        g.add((record, PKO.confidence, Literal(0.9)))
        for entity in (s, o):
            g.add((PKD[doc], PKO.mentions, PK[entity]))
    return g


def write_small_graph(path: Path) -> Path:
    small_graph().serialize(path, format="turtle")
    return path


@pytest.fixture
def small_graph_file(tmp_path) -> Path:
    return write_small_graph(tmp_path / "graph.ttl")


def iri(slug: str) -> str:
    return str(PK[slug])


def test_network_has_every_entity_and_relation_with_contract_names():
    network = to_networkx(small_graph())
    assert set(network.nodes) == {iri(slug) for slug, *_ in ENTITIES}
    crc = network.nodes[iri("wwm-crc")]
    assert crc["cls"] == "ProbationProvider"  # through the declared subclass
    assert crc["aliases"] == ("WWM CRC",)
    assert crc["mentions"] == 2  # named in both documents
    owns = network.edges[iri("peopleplus"), iri("wwm-crc"), "majorityOwns"]
    assert owns["relation"] == "owns"
    assert owns["evidence_count"] == 1
    assert owns["evidence"][0].text == FACTS[3][3]
    assert owns["evidence"][0].source_id == DOCS[FACTS[3][4]][0]
    # the symmetric partnership stated both ways is one edge carrying both records' evidence
    partner_edges = [(s, o) for s, o, d in network.edges(data=True) if d["relation"] == "partnerOf"]
    assert len(partner_edges) == 2
    hostile_partnership = network.edges[iri("acme-hostile"), iri("peopleplus"), "partnerOf"]
    assert hostile_partnership["evidence_count"] == 1  # one sentence, cited by both directions
    distinct_facts = {(s, p, o) for s, p, o, *_ in FACTS}
    assert network.number_of_edges() == len(distinct_facts) - 1


def test_centrality_puts_the_crc_at_the_centre():
    network = to_networkx(small_graph())
    scores = centrality(network)
    degree_top = max(scores, key=lambda n: scores[n]["degree"])
    assert degree_top == iri("wwm-crc")
    assert scores[iri("wwm-crc")]["betweenness"] > scores[iri("napo")]["betweenness"]
    assert sum(s["pagerank"] for s in scores.values()) == pytest.approx(1.0)


def test_communities_are_deterministic_and_cover_every_entity():
    network = to_networkx(small_graph())
    first, second = communities(network), communities(network)
    assert first == second
    assert sorted(n for c in first for n in c) == sorted(network.nodes)
    # Sodexo and Nacro form a component apart from the rest, so they share a community alone
    assert sorted([iri("nacro"), iri("sodexo-justice-services")]) in first


def test_analyze_reports_components():
    report = analyze(to_networkx(small_graph()), top=3)
    assert report["components"]["count"] == 2
    assert report["components"]["sizes"] == [len(ENTITIES) - 2, 2]
    assert len(report["central"]["pagerank"]) == 3


def test_resolve_entity_by_label_alias_and_slug():
    network = to_networkx(small_graph())
    assert resolve_entity(network, "hmip") == iri("hm-inspectorate-of-probation")
    assert resolve_entity(network, "Chris Grayling") == iri("chris-grayling")
    assert resolve_entity(network, "wwm-crc") == iri("wwm-crc")
    with pytest.raises(LookupError, match="did you mean"):
        resolve_entity(network, "Inspectorate")


def test_shortest_path_follows_relations_both_ways_with_evidence():
    network = to_networkx(small_graph())
    paths = shortest_connections(network, iri("chris-grayling"), iri("peopleplus"))
    assert len(paths) == 1
    hops = paths[0]
    assert [h.source for h in hops] + [hops[-1].target] == [
        iri("chris-grayling"), iri("ministry-of-justice"), iri("wwm-crc"), iri("peopleplus")]
    assert all(h.facts and all(d["evidence"] for *_, d in h.facts) for h in hops)
    assert shortest_connections(network, iri("napo"), iri("nacro")) == []


def test_path_command_prints_each_hop_with_its_sentence(small_graph_file):
    result = CliRunner().invoke(main, ["path", "Chris Grayling", "PeoplePlus",
                                       "--graph", str(small_graph_file)])
    assert result.exit_code == 0, result.output
    on_path = [f for f in FACTS if f[1] in (PKO.leads, PKO.funds, PKO.majorityOwns)]
    assert len(on_path) == 3
    for *_, sentence, _doc in on_path:
        assert sentence in result.output
    assert "Chris Grayling — Ministry of Justice — Warwickshire & West Mercia CRC — PeoplePlus" \
        in result.output


def test_path_command_errors_name_the_problem(small_graph_file, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(main, ["path", "Nobody", "PeoplePlus", "--graph", str(small_graph_file)])
    assert missing.exit_code != 0 and "Nobody" in missing.output
    apart = runner.invoke(main, ["path", "Napo", "Nacro", "--graph", str(small_graph_file)])
    assert apart.exit_code != 0 and "not connected" in apart.output
    no_file = runner.invoke(main, ["path", "A", "B", "--graph", str(tmp_path / "nope.ttl")])
    assert no_file.exit_code != 0 and "nope.ttl" in no_file.output


def test_analyze_command_text_and_json(small_graph_file):
    runner = CliRunner()
    text = runner.invoke(main, ["analyze", "--graph", str(small_graph_file)])
    assert text.exit_code == 0, text.output
    assert "Most central by pagerank" in text.output and "Communities (Louvain" in text.output
    as_json = runner.invoke(main, ["analyze", "--graph", str(small_graph_file), "--format", "json"])
    report = json.loads(as_json.output)
    assert report["entities"] == len(ENTITIES)
    assert report["central"]["degree"][0]["label"] == "Warwickshire & West Mercia CRC"


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_export_loads_back_with_the_same_counts(tmp_path, fmt):
    rdf = small_graph()
    network = to_networkx(rdf)
    out = tmp_path / f"net.{fmt}"
    assert export_network(rdf, fmt, out) == [out]
    loaded = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    assert loaded.number_of_nodes() == network.number_of_nodes()
    assert loaded.number_of_edges() == network.number_of_edges()
    crc = loaded.nodes[iri("wwm-crc")]
    assert crc["class"] == "ProbationProvider"
    assert crc["degree"] == network.degree(iri("wwm-crc"))
    assert {"pagerank", "betweenness", "community"} <= set(crc)


def test_csv_export_writes_nodes_and_edges_files(tmp_path):
    rdf = small_graph()
    network = to_networkx(rdf)
    written = export_network(rdf, "csv", tmp_path / "net.csv")
    assert written == list(csv_paths(tmp_path / "net.csv"))
    assert [p.name for p in written] == ["net_nodes.csv", "net_edges.csv"]
    with written[0].open(encoding="utf-8") as f:
        nodes = list(csv.DictReader(f))
    with written[1].open(encoding="utf-8") as f:
        edges = list(csv.DictReader(f))
    assert len(nodes) == network.number_of_nodes() and len(edges) == network.number_of_edges()
    assert any(row["label"] == HOSTILE_NAME for row in nodes)  # kept verbatim, not mangled
    with pytest.raises(ValueError, match="graphml"):
        export_network(rdf, "xlsx", tmp_path / "net.xlsx")


def _sample_graph_or_skip(request) -> Path:
    require(importlib.util.find_spec("graphbuild.build") is not None,
            "graphbuild.build (the lead's build) does not exist yet")
    return request.getfixturevalue("sample_graph_path")


def test_sample_graph_path_between_connected_entities(request):
    """Chris Grayling → PeoplePlus if the build connects them, else the two ends of a long path."""
    graph_path = _sample_graph_or_skip(request)
    network = to_networkx(Graph().parse(graph_path))
    assert network.number_of_edges() > 0, "the sample graph has no relations"
    try:
        ends = resolve_entity(network, "Chris Grayling"), resolve_entity(network, "PeoplePlus")
        connected = bool(shortest_connections(network, *ends, max_paths=1))
    except LookupError:
        connected = False
    if not connected:
        largest = max(nx.weakly_connected_components(network), key=len)
        source = min(largest)
        lengths = nx.single_source_shortest_path_length(network.to_undirected(), source)
        ends = source, max(sorted(lengths), key=lambda n: lengths[n])
    result = CliRunner().invoke(main, ["path", *ends, "--graph", str(graph_path)])
    assert result.exit_code == 0, result.output
    paths = shortest_connections(network, *ends, max_paths=3)
    for hop in paths[0]:
        for *_, data in hop.facts:
            for record in data["evidence"][:2]:
                assert record.text in result.output


def test_sample_graph_graphml_round_trip(request, tmp_path):
    graph_path = _sample_graph_or_skip(request)
    rdf = Graph().parse(graph_path)
    network = to_networkx(rdf)
    out = tmp_path / "sample.graphml"
    export_network(rdf, "graphml", out)
    loaded = nx.read_graphml(out)
    assert (loaded.number_of_nodes(), loaded.number_of_edges()) == (
        network.number_of_nodes(), network.number_of_edges())
