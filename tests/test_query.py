"""Every stored question on both engines: the same rows, literal parameters, no surprises.

The parameters are picked from the sample-corpus graph (so that every question that takes
one has a non-empty answer); some are given in another case than the graph's, to exercise
the lookups through pko:nameKey.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest

from graphbuild.query import key_bindings, run, stored_questions
from graphbuild.rdfgraph import name_key
from graphbuild.store import ENGINES, Term, load_graph

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = 'x" } DELETE WHERE { ?s ?p ?o'
XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {XSD + t for t in ("integer", "decimal", "double", "float", "int", "long")}

# Terms the stored questions match directly (no property path): the ontology must not
# declare anything below them, or the questions would miss facts.
DIRECT_PROPERTIES = ["owns", "leads", "responsibleFor", "delivers", "criticises", "publishedBy",
                     "about"]
DIRECT_CLASSES = ["ProbationProvider", "Policy", "Intervention", "Inspectorate"]


@pytest.fixture(scope="module")
def engines(sample_graph_path):
    return {name: load_graph(sample_graph_path, name) for name in ENGINES}


def _first(store, query: str) -> list[str]:
    result = store.run(query, {}, None)
    return [t.value for t in result.rows[0]] if result.rows else []


@pytest.fixture(scope="module")
def params(engines) -> dict[str, dict[str, str]]:
    """Parameter values with a non-empty answer on the sample graph."""
    store = engines["oxigraph"]
    fact = _first(store, "SELECT ?s ?o WHERE { ?a rdf:subject ?x ; rdf:object ?y . "
                         "?x rdfs:label ?s . ?y rdfs:label ?o } ORDER BY ?s ?o LIMIT 1")
    target = _first(store, "SELECT ?t WHERE { ?c pko:criticises ?x . ?x rdfs:label ?t } "
                           "ORDER BY ?t LIMIT 1")
    pair = _first(store, "SELECT ?a ?b WHERE { ?d pko:mentions ?x , ?y . FILTER(STR(?x) < STR(?y)) "
                         "?x rdfs:label ?a . ?y rdfs:label ?b } ORDER BY ?a ?b LIMIT 1")
    chain = _first(store, "SELECT ?a ?c WHERE { ?x ?p ?y . ?y ?q ?z . "
                          "FILTER(STRSTARTS(STR(?p), STR(pko:)) && STRSTARTS(STR(?q), STR(pko:))) "
                          "FILTER(?p != pko:mentions && ?q != pko:mentions && ?x != ?z) "
                          "FILTER(STRSTARTS(STR(?y), STR(pk:))) "
                          "?x rdfs:label ?a . ?z rdfs:label ?c } ORDER BY ?a ?c LIMIT 1")
    assert fact and target and pair and chain, "the sample graph lacks facts to ask about"
    return {
        "critics": {"name": target[0].upper()},
        "entity": {"name": fact[0]},
        "evidence": {"subject": fact[0], "object": fact[1].lower()},
        "co-mentions": {"first": pair[0], "second": pair[1].swapcase()},
        "connection": {"from": chain[0], "to": chain[1]},
        "find": {"text": fact[0][:4].lower()},
        "as-of": {"date": "2018-01-01"},
        "history": {"name": fact[0]},
    }


def _value(term: Term | None):
    """A term compared by value: IRIs and literals by their lexical value (numbers as numbers)."""
    if term is None:
        return None
    if term.kind == "bnode":
        return ("bnode",)
    if term.kind == "literal" and term.datatype in NUMERIC:
        try:
            return ("number", Decimal(term.value).normalize())
        except InvalidOperation:
            pass
    return (term.kind, term.value, term.lang)


def _rows(result) -> Counter:
    return Counter(tuple(_value(t) for t in row) for row in result.rows)


def test_every_stored_question_has_a_title_and_description():
    questions = stored_questions()
    assert len(questions) >= 12
    for question in questions.values():
        assert question.title and question.description, question.name
        assert all(p.description for p in question.parameters), question.name


@pytest.mark.parametrize("name", list(stored_questions()))
def test_both_engines_give_the_same_rows(engines, params, name):
    question = stored_questions()[name]
    bound = params.get(name, {})
    results = {engine: run(store, question.text, bound, question)
               for engine, store in engines.items()}
    oxigraph, rdflib = results["oxigraph"], results["rdflib"]
    assert oxigraph.variables == rdflib.variables
    # `curations` answers only on a curated build: tests/test_curation.py runs it on one
    # with both engines.
    assert len(oxigraph) > 0 or name == "curations", f"{name} {bound}: no answer on the sample graph"
    assert _rows(oxigraph) == _rows(rdflib)


def test_owners_lists_the_acceptance_owners_with_evidence(engines):
    question = stored_questions()["owners"]
    for store in engines.values():
        result = run(store, question.text, {}, question)
        column = {v: i for i, v in enumerate(result.variables)}
        rows = {(r[column["ownerLabel"]].value, r[column["providerLabel"]].value): r
                for r in result.rows}
        for pair in [("PeoplePlus", "Warwickshire & West Mercia CRC"),
                     ("Purple Futures", "Cheshire & Greater Manchester CRC")]:
            assert pair in rows and rows[pair][column["evidence"]] is not None


@pytest.mark.parametrize("name", [n for n, q in stored_questions().items() if q.parameters])
def test_a_hostile_parameter_matches_nothing_and_changes_nothing(engines, name):
    question = stored_questions()[name]
    for store in engines.values():
        size = len(store)
        result = run(store, question.text, {p.name: HOSTILE for p in question.parameters},
                     question)
        assert result.rows == []
        assert len(store) == size


def test_directly_matched_terms_have_no_sub_terms_in_the_ontology():
    """The questions match these properties and classes without rdfs:subPropertyOf* paths."""
    import rdflib

    ontology = rdflib.Graph().parse(ROOT / "ontology" / "pko.ttl")
    pko = rdflib.Namespace("https://w3id.org/probation-kg/ontology#")
    for names, link in [(DIRECT_PROPERTIES, rdflib.RDFS.subPropertyOf),
                        (DIRECT_CLASSES, rdflib.RDFS.subClassOf)]:
        for name in names:
            below = set(ontology.subjects(link, pko[name]))
            assert not below, (f"pko.ttl declares {sorted(below)} below pko:{name}: add them "
                               "to the stored questions that match pko:" + name)


def test_key_bindings_lower_case_the_parameters_a_query_uses():
    text = "SELECT ?name ?nameKey ?other WHERE { ?e pko:nameKey ?nameKey }"
    assert key_bindings(text, {"name": "  HM  Inspectorate of PROBATION ", "other": "X"}) == {
        "nameKey": "hm inspectorate of probation"}
    assert key_bindings("SELECT ?name ?nameKeys WHERE {}", {"name": "A"}) == {}


def test_every_name_of_an_entity_has_its_key(engines):
    """pko:nameKey holds exactly the lower-cased label and other names, for every entity."""
    store = engines["oxigraph"]
    names = store.run("SELECT ?e ?n WHERE { { ?e rdfs:label ?n } UNION { ?e skos:altLabel ?n } "
                      "FILTER(STRSTARTS(STR(?e), STR(pk:))) }", {}, None).rows
    keys = store.run("SELECT ?e ?k WHERE { ?e pko:nameKey ?k }", {}, None).rows
    expected = {(e.value, name_key(n.value)) for e, n in names}
    assert expected and {(e.value, k.value) for e, k in keys} == expected


def test_most_mentioned_agrees_with_counting_the_mentions(engines):
    """The stored pko:mentionCount and the question's threshold give the true top 25."""
    question = stored_questions()["most-mentioned"]
    for store in engines.values():
        mentions = store.run("SELECT ?d ?e WHERE { ?d pko:mentions ?e }", {}, None).rows
        counts = Counter(e.value for _, e in mentions)
        expected = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:25]
        result = run(store, question.text, {}, question)
        column = {v: i for i, v in enumerate(result.variables)}
        got = [(r[column["entity"]].value, int(r[column["documents"]].value)) for r in result.rows]
        assert got == expected
