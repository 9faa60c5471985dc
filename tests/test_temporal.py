"""When facts held (issue 16): temporal phrases on sentences written for the purpose, the
graph's dates, and the time questions on both development sets."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import build_text, extracted_facts, require
from rdflib import Graph, Namespace

from graphbuild.build import build_corpus
from graphbuild.nlp import load_pipeline
from graphbuild.query import run, stored_questions
from graphbuild.settings import Settings
from graphbuild.store import load_graph as load_store
from graphbuild.temporal import iso_date, timeline_date
from graphbuild.validate import validate_file

PKO = Namespace("https://w3id.org/probation-kg/ontology#")


@pytest.fixture(scope="module")
def nlp():
    return load_pipeline(Settings().model)


def periods(nlp, text: str) -> dict[tuple[str, str, str], tuple[str | None, str | None]]:
    return {(s, p, o): (c.valid_from, c.valid_until) for s, p, o, c in extracted_facts(nlp, text)
            if c.valid_from or c.valid_until}


@pytest.mark.parametrize("text, fact, period", [
    ("Seetec has owned Kent, Surrey & Sussex CRC since February 2015.",
     ("Seetec", "owns", "Kent, Surrey & Sussex CRC"), ("2015-02", None)),
    ("Sodexo ran Essex CRC from 2015 to 2021.", ("Sodexo", "owns", "Essex CRC"),
     ("2015", "2021")),
    ("Working Links owned Wales CRC until it collapsed in 2019.",
     ("Working Links", "owns", "Wales CRC"), (None, "2019")),
    (("In April 2017 HM Prison and Probation Service replaced the National Offender "
      "Management Service."), ("HM Prison and Probation Service", "successorOf",
                               "National Offender Management Service"), ("2017-04", None)),
    ("Glenys Stacey became Chief Inspector of Probation in 2016.",
     ("Glenys Stacey", "leads", "HM Inspectorate of Probation"), ("2016", None)),
    ("2019: In December Seetec takes over Wales CRC.", ("Seetec", "owns", "Wales CRC"),
     ("2019-12", None)),
    ("Interserve bought Cumbria & Lancashire CRC on 1 February 2015.",
     ("Interserve", "owns", "Cumbria & Lancashire CRC"), ("2015-02-01", None)),
])
def test_a_temporal_phrase_dates_its_fact(nlp, text, fact, period):
    found = periods(nlp, text)
    assert found.get(fact) == period, found


@pytest.mark.parametrize("text, fact", [
    # the date belongs to another clause
    ("Seetec owns Essex CRC, and Napo held a strike in 2016.", ("Seetec", "owns", "Essex CRC")),
    # a state with an event's date is not a start ("ran ... in 2016": it ran then, not from then)
    ("Sodexo ran Essex CRC in 2016.", ("Sodexo", "owns", "Essex CRC")),
])
def test_a_date_elsewhere_does_not_date_the_fact(nlp, text, fact):
    assert fact not in periods(nlp, text)


def test_dates_as_precise_as_the_text():
    assert iso_date("February 2015") == "2015-02"
    assert iso_date("26 June 2021") == "2021-06-26"
    assert iso_date("2019") == "2019"
    assert iso_date("April", year="2017") == "2017-04"
    assert iso_date("April") is None
    assert timeline_date("2017: In April HMPPS replaces NOMS") == "2017"
    assert timeline_date("The year 2017 was busy") is None


TAKEOVER = ("Working Links owned Wales CRC for years.\n\n"
            "In December 2019 Seetec took over Wales CRC from Working Links.\n")


@pytest.fixture(scope="module")
def takeover_graph(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("takeover")
    (corpus / "takeover.txt").write_text("Monday 3 February 2020\n\nTakeover\n\n" + TAKEOVER,
                                         encoding="utf-8")
    out = corpus.parent / "takeover-out"
    build_corpus(corpus, out, Settings())
    return out / "graph.ttl"


def test_a_takeover_ends_the_previous_holding_with_the_sentence_that_implies_it(takeover_graph):
    g = Graph().parse(takeover_graph)
    rows = list(g.query("""
        SELECT ?from ?until ?evidence WHERE {
          ?a rdf:subject pk:working-links ; rdf:predicate pko:owns ; rdf:object pk:wales-crc ;
             pko:extractor "inferred:succession" ; pko:validUntil ?until ; pko:evidenceText ?evidence .
          OPTIONAL { ?a pko:validFrom ?from } }""",
                        initNs={"pko": PKO, "pk": Namespace("https://w3id.org/probation-kg/id/")}))
    assert len(rows) == 1, rows
    assert str(rows[0][1]) == "2019-12"
    assert "Seetec took over" in str(rows[0][2])
    # every fact of a dated document carries the date it was stated
    undated = list(g.query("SELECT ?a WHERE { ?a a pko:Assertion . "
                           "FILTER NOT EXISTS { ?a pko:statedOn ?d } }", initNs={"pko": PKO}))
    assert undated == []


def test_as_of_lists_a_fact_only_once_it_holds(takeover_graph):
    store = load_store(takeover_graph)
    question = stored_questions()["as-of"]

    def owners(date):
        rows = run(store, question.text, {"date": date, "name": "Wales CRC"}, question)
        label, prop = rows.variables.index("subjectLabel"), rows.variables.index("property")
        return {r[label].value for r in rows.rows if r[prop].value.endswith("#owns")}
    assert owners("2019-06-01") == {"Working Links"}
    assert owners("2020-06-01") == {"Seetec"}


def test_the_sample_graph_states_every_fact_of_a_dated_document(sample_graph_path):
    g = Graph().parse(sample_graph_path)
    missing = list(g.query("""
        SELECT ?a WHERE { ?a a pko:Assertion ; prov:wasDerivedFrom ?d . ?d dcterms:date ?date .
                          FILTER NOT EXISTS { ?a pko:statedOn ?x } }""",
                           initNs={"pko": PKO, "prov": Namespace("http://www.w3.org/ns/prov#"),
                                   "dcterms": Namespace("http://purl.org/dc/terms/")}))
    assert missing == []


@pytest.fixture(scope="module")
def dev2_graph(shared_dir, tmp_path_factory) -> Path:
    corpus = shared_dir / "corpus-dev2"
    require(corpus.is_dir(), f"{corpus} (the second development set) is missing")
    out = tmp_path_factory.mktemp("dev2-time")
    build_corpus(corpus, out, Settings())
    return out / "graph.ttl"


def test_the_second_development_set_dates_its_facts(dev2_graph):
    g = Graph().parse(dev2_graph)
    dated = list(g.query("SELECT DISTINCT ?a WHERE { ?a a pko:Assertion . "
                         "{ ?a pko:validFrom ?x } UNION { ?a pko:validUntil ?x } }",
                         initNs={"pko": PKO}))
    print(f"dated assertions in corpus-dev2: {len(dated)}")
    assert len(dated) >= 8
    assert validate_file(dev2_graph) == []


@pytest.mark.parametrize("graph", ["sample", "dev2"])
def test_history_and_conflicts_run_on_both_sets(graph, sample_graph_path, request):
    path = sample_graph_path if graph == "sample" else request.getfixturevalue("dev2_graph")
    store = load_store(path)
    questions = stored_questions()
    history = run(store, questions["history"].text, {"name": "National Probation Service"},
                  questions["history"])
    assert history.rows, "the NPS has a history in both sets"
    whens = [r[history.variables.index("when")] for r in history.rows]
    dated = [w.value for w in whens if w is not None]
    assert dated == sorted(dated)
    conflicts = run(store, questions["conflicts"].text, {}, questions["conflicts"])
    assert set(conflicts.variables) >= {"firstEvidence", "secondEvidence"}


def test_a_fact_stated_through_a_pronoun_keeps_where_the_pronoun_is(tmp_path):
    text = ("Working Links ran three CRCs.\n\nSeetec is a family firm. "
            "It bought Wales CRC in 2019.\n")
    g = build_text(tmp_path, "doc.txt", text)
    rows = list(g.query("""
        SELECT ?start ?end WHERE {
          ?a rdf:subject pk:seetec ; rdf:predicate pko:owns ; rdf:object pk:wales-crc ;
             pko:subjectRefStart ?start ; pko:subjectRefEnd ?end }""",
                        initNs={"pko": PKO, "pk": Namespace("https://w3id.org/probation-kg/id/")}))
    assert rows, "the fact keeps the offsets of the 'It' that names its subject"
    start, end = (int(v) for v in rows[0])
    assert text[start:end] == "It"


def test_gexf_carries_time_intervals_for_gephi(dev2_graph, tmp_path):
    import xml.etree.ElementTree as ET

    from graphbuild.analytics import export_network
    out = tmp_path / "network.gexf"
    export_network(Graph().parse(dev2_graph), "gexf", out)
    ns = {"g": "http://www.gexf.net/1.2draft"}
    graph = ET.parse(out).getroot().find("g:graph", ns)
    assert graph.get("mode") == "dynamic" and graph.get("timeformat") == "date"
    starts = [e.get("start") for e in graph.iter("{http://www.gexf.net/1.2draft}edge")
              if e.get("start")]
    assert len(starts) >= 5
    assert all(len(s) == 10 and s[4] == "-" for s in starts)  # full dates for the timeline
