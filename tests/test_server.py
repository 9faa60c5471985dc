"""`graphbuild serve`: the real server on loopback, called with a real SPARQL client.

The server runs as `graphbuild serve` in a child process (its own worker processes under
it), over the sample-corpus graph; answers are checked against rdflib's own reading of the
same file, not against the server itself.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import json
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import require, require_executable
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDFS
from SPARQLWrapper import (
    ASK,
    CSV,
    JSON,
    POST,
    POSTDIRECTLY,
    TURTLE,
    URLENCODED,
    XML,
)
from SPARQLWrapper import (
    SPARQLWrapper as Client,
)
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed
from test_query_data import write_small_graph

from graphbuild.query import stored_questions
from graphbuild.server import QueryResult, choose_format, negotiate

PKO = Namespace("https://w3id.org/probation-kg/ontology#")
PK = Namespace("https://w3id.org/probation-kg/id/")
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
TIMEOUT = 3.0  # the server's per-query time limit in these tests
MAX_ROWS = 1000
# 1,800 triples cubed: thousands of millions of rows to count; no engine finishes in 3 s.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
OWNERS = """SELECT ?owner ?ownerLabel ?provider ?providerLabel WHERE {
  ?owner pko:owns ?provider . ?owner rdfs:label ?ownerLabel . ?provider rdfs:label ?providerLabel .
} ORDER BY ?providerLabel ?ownerLabel"""
OWNERS_RDFLIB = "PREFIX pko: <https://w3id.org/probation-kg/ontology#>\n" + OWNERS


class Server:
    """`graphbuild serve --port 0` in a child process; the port is read from its first line."""

    def __init__(self, graph: Path, log: Path, *options: str):
        self.log = log
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from graphbuild.cli import main; main()", "serve",
             "--graph", str(graph), "--port", "0", *options],
            stdout=subprocess.DEVNULL, stderr=log.open("w"),
        )
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            match = re.search(r"SPARQL endpoint at (http://127\.0\.0\.1:\d+)/sparql",
                              log.read_text())
            if match:
                self.base = match[1]
                self.endpoint = f"{self.base}/sparql"
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"graphbuild serve did not start:\n{log.read_text()}")

    def get(self, path: str, headers: dict | None = None, method: str = "GET"):
        """(status, headers, body) for one request; HTTP errors are answers too."""
        request = urllib.request.Request(self.base + path, headers=headers or {}, method=method)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def client(self, query: str, fmt=JSON) -> Client:
        client = Client(self.endpoint)
        client.setQuery(query)
        client.setReturnFormat(fmt)
        return client

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def sample_rdf(sample_graph_path) -> Graph:
    return Graph().parse(sample_graph_path)


@pytest.fixture(scope="module")
def server(sample_graph_path, tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    running = Server(sample_graph_path, log, "--timeout", str(TIMEOUT),
                     "--max-rows", str(MAX_ROWS), "--workers", "2")
    yield running
    running.stop()
    assert running.process.returncode is not None


def _rows(bindings: list[dict], variables: list[str]) -> list[tuple]:
    return [tuple(b[v]["value"] if v in b else "" for v in variables) for b in bindings]


def _rdflib_rows(rdf: Graph, query: str) -> list[tuple]:
    return [tuple("" if term is None else str(term) for term in row) for row in rdf.query(query)]


# --- SPARQL 1.1 Protocol through SPARQLWrapper --------------------------------------------


def test_select_json_matches_rdflib_and_finds_the_owners(server, sample_rdf):
    result = server.client(OWNERS).queryAndConvert()
    variables = result["head"]["vars"]
    assert variables == ["owner", "ownerLabel", "provider", "providerLabel"]
    rows = _rows(result["results"]["bindings"], variables)
    assert rows == _rdflib_rows(sample_rdf, OWNERS_RDFLIB)
    pairs = {(r[1], r[3]) for r in rows}
    assert ("PeoplePlus", "Warwickshire & West Mercia CRC") in pairs
    assert ("Purple Futures", "Cheshire & Greater Manchester CRC") in pairs
    assert result["results"]["bindings"][0]["owner"]["type"] == "uri"


def test_select_csv_is_the_same_table(server, sample_rdf):
    body = server.client(OWNERS, CSV).queryAndConvert()
    table = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    assert table[0] == ["owner", "ownerLabel", "provider", "providerLabel"]
    assert [tuple(r) for r in table[1:]] == _rdflib_rows(sample_rdf, OWNERS_RDFLIB)


def test_select_by_post_form_and_post_directly(server):
    expected = server.client(OWNERS).queryAndConvert()
    for request_method in (URLENCODED, POSTDIRECTLY):
        client = server.client(OWNERS)
        client.setMethod(POST)
        client.setRequestMethod(request_method)
        assert client.queryAndConvert() == expected


def test_select_xml_and_tsv_by_content_negotiation(server):
    status, headers, body = server.get(
        "/sparql?" + urllib.parse.urlencode({"query": OWNERS}),
        {"Accept": "application/sparql-results+xml"})
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+xml")
    assert b"<literal>PeoplePlus</literal>" in body
    status, headers, body = server.get(
        "/sparql?" + urllib.parse.urlencode({"query": OWNERS}),
        {"Accept": "text/html;q=0.9, text/tab-separated-values"})
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    lines = body.decode().splitlines()
    assert lines[0] == "?owner\t?ownerLabel\t?provider\t?providerLabel"
    assert any('\t"PeoplePlus"\t' in line for line in lines)


def test_ask(server, sample_rdf):
    owns = sample_rdf.value(predicate=PKO.owns, object=PK["warwickshire-and-west-mercia-crc"])
    assert owns is not None
    yes = server.client(f"ASK {{ <{owns}> pko:owns pk:warwickshire-and-west-mercia-crc }}", JSON)
    assert yes.queryAndConvert()["boolean"] is True
    no = server.client("ASK { pk:warwickshire-and-west-mercia-crc pko:owns ?x }", JSON)
    assert no.queryAndConvert()["boolean"] is False
    client = server.client("ASK { ?s a pko:Person }", XML)
    assert client.query()._convertXML().getElementsByTagName("boolean")[0].firstChild.data == "true"
    assert client.queryType == ASK


def test_construct_turtle_is_the_graph_rdflib_constructs(server, sample_rdf):
    query = "CONSTRUCT { ?owner pko:owns ?provider . ?owner rdfs:label ?label } " \
            "WHERE { ?owner pko:owns ?provider ; rdfs:label ?label }"
    body = server.client(query, TURTLE).queryAndConvert()
    got = Graph().parse(data=body, format="turtle")
    expected = sample_rdf.query("PREFIX pko: <https://w3id.org/probation-kg/ontology#>\n"
                                + query).graph
    assert len(got) > 0
    assert set(got) == set(expected)
    assert (None, RDFS.label, Literal("PeoplePlus")) in got


def test_construct_rdfxml_jsonld_and_ntriples(server, sample_rdf):
    query = "CONSTRUCT WHERE { ?s pko:leads ?o }"
    expected = set(sample_rdf.triples((None, PKO.leads, None)))
    assert expected
    # SPARQLWrapper's default for CONSTRUCT is RDF/XML, converted to an rdflib Graph
    assert set(server.client(query, XML).queryAndConvert()) == expected
    for accept, rdf_format in (("application/ld+json", "json-ld"),
                               ("application/n-triples", "nt")):
        status, headers, body = server.get(
            "/sparql?" + urllib.parse.urlencode({"query": query}), {"Accept": accept})
        assert status == 200 and headers["Content-Type"].startswith(accept)
        assert set(Graph().parse(data=body, format=rdf_format)) == expected


# --- read-only, errors and limits ----------------------------------------------------------


def test_update_is_refused_and_changes_nothing(server):
    insert = "INSERT DATA { <urn:x:a> <urn:x:b> <urn:x:c> }"
    for request_method in (URLENCODED, POSTDIRECTLY):
        client = Client(server.endpoint)
        client.setMethod(POST)
        client.setRequestMethod(request_method)
        client.setQuery(insert)
        assert client.isSparqlUpdateRequest()
        with pytest.raises(urllib.error.HTTPError) as refused:
            client.query()
        assert refused.value.code == 403
        assert b"read-only" in refused.value.read()
    # an UPDATE sent as a query is refused the same way, not reported as a syntax error
    status, _, body = server.get("/sparql?" + urllib.parse.urlencode({"query": insert}))
    assert status == 403 and b"read-only" in body
    assert server.client("ASK { <urn:x:a> ?p ?o }").queryAndConvert()["boolean"] is False


def test_malformed_query_gets_400_with_the_parser_message(server):
    client = server.client("SELECT ?s WHERE { ?s ?p ")
    with pytest.raises(QueryBadFormed) as bad:
        client.query()
    message = str(bad.value)
    assert "syntax error" in message and "line 1, column" in message
    status, _, body = server.get("/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT ?s WHERE { ?s nope:p ?o }"}))
    assert status == 400 and b"nope" in body


def test_post_bodies_that_are_not_queries(server):
    def post(body: bytes, media: str):
        request = urllib.request.Request(server.endpoint, data=body, method="POST",
                                         headers={"Content-Type": media})
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()

    assert post(b"ASK {}", "text/plain")[0] == 415
    status, body = post(b"query=" + b"#" * 1_100_000, "application/x-www-form-urlencoded")
    assert status == 413 and b"over the limit" in body
    assert post(b"ASK {}", "application/sparql-query") == (200, b'{"head": {}, "boolean": true}\n')


def test_result_size_limit(server):
    status, _, body = server.get("/sparql?" + urllib.parse.urlencode(
        {"query": "SELECT * WHERE { ?s ?p ?o }"}))
    assert status == 422 and f"more than {MAX_ROWS} rows".encode() in body
    limited = server.client("SELECT * WHERE { ?s ?p ?o } LIMIT 10").queryAndConvert()
    assert len(limited["results"]["bindings"]) == 10


def test_slow_query_hits_the_time_limit_and_the_server_keeps_answering(server):
    started = time.monotonic()
    with pytest.raises(urllib.error.HTTPError) as stopped:
        server.client(SLOW_QUERY).query()
    elapsed = time.monotonic() - started
    assert stopped.value.code == 503
    assert b"time limit" in stopped.value.read()
    assert TIMEOUT - 0.5 < elapsed < TIMEOUT + 10
    # the next requests are answered, and correctly, while the stopped worker is replaced
    for _ in range(4):
        started = time.monotonic()
        assert server.client("ASK { ?s a pko:Person }").queryAndConvert()["boolean"] is True
        assert time.monotonic() - started < TIMEOUT
    # and once the replacement is up, two slow queries at once still both get their error
    time.sleep(2)
    codes = []

    def slow():
        try:
            server.client(SLOW_QUERY).query()
        except urllib.error.HTTPError as error:
            codes.append(error.code)

    threads = [threading.Thread(target=slow) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert codes == [503, 503]
    result = server.client(OWNERS).queryAndConvert()
    assert len(result["results"]["bindings"]) >= 2


# --- stored questions over HTTP -------------------------------------------------------------


def test_stored_questions_listed_and_run_with_literal_parameters(server):
    status, _, body = server.get("/questions")
    listing = json.loads(body)
    assert status == 200
    assert [q["name"] for q in listing] == list(stored_questions())
    entity = next(q for q in listing if q["name"] == "entity")
    assert [p["name"] for p in entity["parameters"]] == ["name"]

    status, _, body = server.get("/questions/owners", {"Accept": "application/json"})
    owners = json.loads(body)["results"]["bindings"]
    assert status == 200
    assert {(b["ownerLabel"]["value"], b["providerLabel"]["value"]) for b in owners} >= {
        ("PeoplePlus", "Warwickshire & West Mercia CRC"),
        ("Purple Futures", "Cheshire & Greater Manchester CRC")}
    assert all("evidence" in b for b in owners)

    status, _, body = server.get("/questions/entity?name=peopleplus")
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) > 0
    hostile = 'x" } DELETE WHERE { ?s ?p ?o'
    status, _, body = server.get("/questions/entity?" + urllib.parse.urlencode({"name": hostile}))
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert server.client("ASK { ?s ?p ?o }").queryAndConvert()["boolean"] is True

    status, _, body = server.get("/questions/entity")
    assert status == 400 and b"missing name" in body
    status, _, _ = server.get("/questions/no-such-question")
    assert status == 404


# --- HTTP surface: CORS, service description, the page -------------------------------------


def test_cors_preflight_and_headers(server):
    status, headers, _ = server.get("/sparql", {
        "Origin": "http://yasgui.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, method="OPTIONS")
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
    status, headers, _ = server.get("/sparql?query=ASK%7B%7D", {"Origin": "http://yasgui.example"})
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    status, headers, _ = server.get("/sparql?query=SELECT", {"Origin": "http://yasgui.example"})
    assert status == 400 and headers["Access-Control-Allow-Origin"] == "*"


def test_service_description(server, sample_rdf):
    status, headers, body = server.get("/sparql", {"Host": 'evil> . <x:y'})
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    description = Graph().parse(data=body, format="turtle")
    service = URIRef(server.endpoint)
    assert (service, SD.endpoint, service) in description
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in description
    formats = {str(f) for f in description.objects(service, SD.resultFormat)}
    assert "http://www.w3.org/ns/formats/SPARQL_Results_JSON" in formats
    triples = next(description.objects(None, VOID.triples))
    assert int(triples) == len(sample_rdf)


def test_page_and_explorer_routes(server, sample_graph_path):
    status, headers, body = server.get("/")
    page = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert "<textarea" in page and 'id="question"' in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page), "the page loads nothing remote"
    assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML|document\.write", page)
    status, _, body = server.get("/explorer")
    if (sample_graph_path.parent / "explorer.html").exists():
        assert status == 200
    else:
        assert status == 404 and b"graphbuild view" in body
    status, _, _ = server.get("/nothing-here")
    assert status == 404


def test_negotiation_rules():
    select, graph = QueryResult("select", ["x"]), QueryResult("graph")
    assert negotiate("", select) == "json" and negotiate("", graph) == "turtle"
    assert negotiate("text/csv;q=0.5, application/sparql-results+xml", select) == "xml"
    assert negotiate("text/csv;q=0.9, text/tab-separated-values;q=0.1", select) == "csv"
    assert negotiate("application/json", graph) == "jsonld"
    assert negotiate("*/*", select) == "json"
    # SPARQLWrapper sends format= twice for TSV; the first value that fits wins
    assert choose_format({"format": ["tsv", "text/tab-separated-values"]}, "", select) == "tsv"
    assert choose_format({"format": ["json"]}, "", graph) == "jsonld"
    assert choose_format({"output": ["xml"]}, "text/turtle", graph) == "rdfxml"


def test_serve_reports_a_missing_graph(tmp_path):
    from click.testing import CliRunner

    from graphbuild.cli import main

    result = CliRunner().invoke(main, ["serve", "--graph", str(tmp_path / "none.ttl")])
    assert result.exit_code == 1 and "graph file not found" in result.output


# --- the page in a real browser ------------------------------------------------------------

CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def small_server(tmp_path_factory):
    """A server over the small graph, whose names include hostile HTML, with an explorer page."""
    folder = tmp_path_factory.mktemp("small-serve")
    graph = write_small_graph(folder / "graph.ttl")
    (folder / "explorer.html").write_text("<!DOCTYPE html><title>explorer here</title>")
    (folder / "documents").mkdir()
    (folder / "documents" / "doc a.html").write_text("<!DOCTYPE html><title>document a</title>")
    running = Server(graph, folder / "serve.log", "--workers", "1")
    yield running
    running.stop()


def test_document_pages_and_explorer_are_served_beside_each_other(small_server):
    """The explorer links documents/<id>.html and a document page ../explorer.html: both
    resolve on the server as they do on disk; nothing outside documents/ is reachable."""
    for path in ("/documents/doc%20a", "/documents/doc%20a.html"):
        status, headers, body = small_server.get(path)
        assert status == 200 and b"document a" in body, path
        assert headers["Content-Type"].startswith("text/html")
    status, _, body = small_server.get("/explorer.html")
    assert status == 200 and b"explorer here" in body
    for path in ("/documents/missing", "/documents/..%2Fgraph.ttl", "/documents/%2E%2E",
                 "/documents/..%5Cgraph.ttl", "/documents/", "/documents/a%2Fb"):
        status, _, body = small_server.get(path)
        assert status == 404 and b"@prefix" not in body, path


@pytest.mark.browser
def test_page_runs_questions_and_queries_with_text_shown_as_text(small_server):
    path = require_executable("chromium")
    require(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    from playwright.sync_api import sync_playwright

    status, _, body = small_server.get("/explorer")
    assert status == 200 and b"explorer here" in body

    foreign, dialogs, errors = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        page = browser.new_page()

        def route(r):
            if r.request.url.startswith(small_server.base + "/"):
                r.continue_()
            else:
                foreign.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(small_server.base + "/")
        title = page.title()
        # (waits by selector: the page's CSP forbids the eval behind wait_for_function)
        page.wait_for_selector("#question option:nth-child(2)", state="attached")
        names = page.eval_on_selector_all("#question option", "os => os.map(o => o.value)")
        assert names[1:] == list(stored_questions())

        # a stored question with a parameter
        page.select_option("#question", "entity")
        assert "SELECT" in page.input_value("#query")
        page.fill("#params input[name=name]", "HMIP")
        page.click("#run")
        page.wait_for_selector("#results table")
        text = page.inner_text("#results table")
        assert "HM Inspectorate of Probation" in text and "criticises" in text.lower()

        # a query of one's own whose answers are hostile HTML: shown as text, never run
        page.select_option("#question", "")
        page.fill("#query", "SELECT ?label ?evidence WHERE { ?e rdfs:label ?label . "
                  "?a rdf:subject ?e ; pko:evidenceText ?evidence . "
                  "FILTER(CONTAINS(?label, '<img')) }")
        page.click("#run")
        page.wait_for_selector("#results td")
        cells = page.eval_on_selector_all("#results td", "tds => tds.map(td => td.textContent)")
        assert '<img src=x onerror="document.title=1">' in cells
        assert page.evaluate("document.querySelectorAll('img').length") == 0

        # errors are shown as the server's text
        page.fill("#query", "SELECT ?s WHERE { ?s ?p ")
        page.click("#run")
        page.wait_for_selector("#status.error")
        assert "400" in page.inner_text("#status")
        assert "syntax error" in page.inner_text("#results pre")

        # a CONSTRUCT shows its Turtle
        page.fill("#query", "CONSTRUCT WHERE { ?s pko:leads ?o }")
        page.click("#run")
        page.wait_for_selector("#results pre:has-text('pko:leads')")
        assert page.title() == title == "graphbuild SPARQL"
        browser.close()
    assert foreign == [] and dialogs == [] and errors == []
