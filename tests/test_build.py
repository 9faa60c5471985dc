"""The whole build on the sample corpus: contract shape, determinism, parsers, CLI errors."""

from __future__ import annotations

import pyoxigraph
from click.testing import CliRunner
from conftest import SAMPLE_CORPUS
from rdflib import Graph
from rdflib.namespace import DCTERMS, RDF, RDFS

from graphbuild.build import build_corpus
from graphbuild.cli import main
from graphbuild.namespaces import PKO, PROV


def test_same_corpus_gives_byte_identical_turtle(sample_graph_path, tmp_path):
    build_corpus(SAMPLE_CORPUS, tmp_path, progress=False, use_cache=False)
    assert (tmp_path / "graph.ttl").read_bytes() == sample_graph_path.read_bytes()


def test_rdflib_and_pyoxigraph_count_the_same_triples(sample_graph_path):
    g = Graph().parse(sample_graph_path, format="turtle")
    store = pyoxigraph.Store()
    store.load(path=str(sample_graph_path), format=pyoxigraph.RdfFormat.TURTLE)
    assert len(g) == len(store) > 1000


def test_every_relation_has_evidence_that_locates_its_sentence(sample_graph_path):
    g = Graph().parse(sample_graph_path, format="turtle")
    texts = {}
    for doc in g.subjects(RDF.type, PKO.SourceDocument):
        ident = str(g.value(doc, DCTERMS.identifier))
        texts[doc] = (SAMPLE_CORPUS / ident).read_text(encoding="utf-8")
    assertions = list(g.subjects(RDF.type, PKO.Assertion))
    assert assertions
    for a in assertions:
        text = texts[g.value(a, PROV.wasDerivedFrom)]
        start, end = int(g.value(a, PKO.charStart)), int(g.value(a, PKO.charEnd))
        assert text[start:end] == str(g.value(a, PKO.evidenceText))
        s, p, o = g.value(a, RDF.subject), g.value(a, RDF.predicate), g.value(a, RDF.object)
        assert (s, p, o) in g


def test_entities_have_one_class_and_one_label(sample_graph_path):
    g = Graph().parse(sample_graph_path, format="turtle")
    entities = {s for s in g.subjects(RDF.type, None)
                if str(s).startswith("https://w3id.org/probation-kg/id/")}
    assert len(entities) > 50
    for e in entities:
        assert len(list(g.objects(e, RDF.type))) == 1, e
        assert len(list(g.objects(e, RDFS.label))) == 1, e


def test_known_facts_of_the_sample_corpus(sample_graph_path):
    g = Graph().parse(sample_graph_path, format="turtle")
    rows = g.query("""
        PREFIX pko: <https://w3id.org/probation-kg/ontology#>
        PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
        SELECT ?owner WHERE { ?o pko:owns ?c . ?o rdfs:label ?owner . ?c rdfs:label ?crc }
    """)
    assert "Purple Futures" in {str(r[0]) for r in rows}


def test_cli_names_a_missing_folder(tmp_path):
    result = CliRunner().invoke(main, ["build", str(tmp_path / "missing"), "--out",
                                       str(tmp_path / "out"), "-q"])
    assert result.exit_code != 0
    assert "missing: no such folder" in result.output
    assert not (tmp_path / "out" / "graph.ttl").exists()


def test_cli_builds_the_rest_and_reports_bad_files(tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Capita runs the Electronic Monitoring Service for tagging.",
                                  encoding="utf-8")
    (corpus / "empty.txt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(corpus), "--out", str(tmp_path / "o"),
                                       "-q"])
    assert result.exit_code == 3
    assert "empty.txt: empty file" in result.output
    assert (tmp_path / "o" / "graph.ttl").exists()
    g = Graph().parse(tmp_path / "o" / "graph.ttl")
    assert any(True for _ in g.triples((None, PKO.delivers, None)))


def test_reference_facts_go_to_their_own_named_graph(tmp_path):
    from rdflib import Dataset

    from graphbuild.namespaces import PKG

    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "a.txt").write_text("PeoplePlus runs training courses.", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", str(corpus), "--out", str(tmp_path / "o"),
                                       "-q", "--reference"])
    assert result.exit_code == 0, result.output
    main_graph = Graph().parse(tmp_path / "o" / "graph.ttl")
    assert not any(True for _ in main_graph.triples((None, PKO.owns, None)))
    ds = Dataset().parse(tmp_path / "o" / "reference.trig", format="trig")
    ref = ds.graph(PKG["reference"])
    owns = {(str(ref.value(s, RDFS.label)), str(ref.value(o, RDFS.label)))
            for s, o in ref.subject_objects(PKO.owns)}
    assert ("PeoplePlus", "Warwickshire & West Mercia CRC") in owns
