"""`graphbuild serve` reads nothing but its graph: SERVICE, FROM and LOAD are refused (issue 17).

A loopback HTTP listener on another port stands for every address a querier might name
(an internal admin page, a cloud metadata service): it records each request it receives
and answers with a body that must never come back to the querier. The servers are real
`graphbuild serve` processes (tests/test_server.py's `Server`) over the small graph.
"""

from __future__ import annotations

import json
import multiprocessing
import threading
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from test_query_data import write_small_graph
from test_server import Server

from graphbuild.query import outside_reads, refusal, stored_questions
from graphbuild.server import QueryRefused, ServerSettings, WorkerPool, isolate_network

SECRET = "LISTENER-SECRET-BODY-7f3a"  # what the listener answers on /secret
FAR_VALUE = "an answer from afar"  # what it answers on /ok, as SPARQL results


class Listener:
    """A loopback HTTP server that records every request (method, path, body)."""

    def __init__(self):
        self.requests: list[tuple[str, str, bytes]] = []
        self.lock = threading.Lock()
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format, *args):
                pass

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with listener.lock:
                    listener.requests.append((self.command, self.path, body))
                if self.path.startswith("/ok"):
                    status, media = 200, "application/sparql-results+json"
                    payload = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                        {"x": {"type": "literal", "value": FAR_VALUE}}]}}).encode()
                else:
                    status, media = 501, "text/html"
                    payload = f"<!DOCTYPE HTML><title>{SECRET}</title>{SECRET}".encode()
                self.send_response(status)
                self.send_header("Content-Type", media)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_HEAD = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def take(self) -> list[tuple[str, str, bytes]]:
        """The requests received since the last call."""
        with self.lock:
            taken, self.requests = self.requests, []
        return taken

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def listener():
    running = Listener()
    yield running
    running.close()


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory):
    return write_small_graph(tmp_path_factory.mktemp("security") / "graph.ttl")


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def server(request, small_graph, tmp_path_factory):
    """The default server (federation off), once per engine."""
    log = tmp_path_factory.mktemp(f"serve-{request.param}") / "serve.log"
    running = Server(small_graph, log, "--engine", request.param, "--workers", "1")
    yield running
    running.stop()


@pytest.fixture(scope="module", params=["oxigraph", "rdflib"])
def federating_server(request, small_graph, tmp_path_factory):
    log = tmp_path_factory.mktemp(f"serve-allow-{request.param}") / "serve.log"
    running = Server(small_graph, log, "--engine", request.param, "--workers", "1",
                     "--allow-service")
    yield running
    running.stop()


def ask(server: Server, query: str, how: str = "get"):
    """(status, body text) for one query, sent the way `how` says."""
    if how == "get":
        return _status(server, "/sparql?" + urllib.parse.urlencode({"query": query}))
    if how == "post-query":
        data, media = query.encode(), "application/sparql-query"
    elif how == "post-form":
        data, media = urllib.parse.urlencode({"query": query}).encode(), \
            "application/x-www-form-urlencoded"
    elif how == "post-update":
        data, media = query.encode(), "application/sparql-update"
    else:  # "update-param": update= in a form
        data, media = urllib.parse.urlencode({"update": query}).encode(), \
            "application/x-www-form-urlencoded"
    request = urllib.request.Request(server.endpoint, data=data, method="POST",
                                     headers={"Content-Type": media})
    return _send(request)


def _status(server: Server, path: str, headers: dict | None = None):
    status, _, body = server.get(path, {"Accept": "application/sparql-results+json",
                                        **(headers or {})})
    return status, body.decode("utf-8", errors="replace")


def _send(request):
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


def remote(listener: Listener, name: str) -> str:
    return f"<{listener.url}/{name}>"


# Each position SERVICE can take; {U} is the listener's address.
SERVICE_QUERIES = {
    "top level": "SELECT * WHERE { SERVICE {U} { ?s ?p ?o } }",
    "sub-query": "SELECT ?s WHERE { ?s ?p ?o . { SELECT ?s WHERE { SERVICE {U} { ?s ?q ?r } } } }",
    "optional": "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE {U} { ?s ?q ?r } } }",
    "union": "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE {U} { ?s ?p ?o } } }",
    "filter exists": "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE {U} { ?s ?q ?r } } }",
    "filter not exists": "ASK { ?s ?p ?o FILTER NOT EXISTS { SERVICE {U} { ?s ?q ?r } } }",
    "minus": "SELECT * WHERE { ?s ?p ?o MINUS { SERVICE {U} { ?s ?q ?r } } }",
    "graph": "SELECT * WHERE { GRAPH ?g { SERVICE {U} { ?s ?p ?o } } }",
    "construct": "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE {U} { ?s ?p ?o } }",
    "lower case": "select * where { service {U} { ?s ?p ?o } }",
    "mixed case, tabs and newlines": "SELECT *\nWHERE {\n\t sErViCe\r\n\t\t{U}\n{ ?s ?p ?o\n}\n}",
    "no spaces": "SELECT*WHERE{SERVICE{U}{?s ?p ?o}}",
    "silent": "SELECT * WHERE { SERVICE SILENT {U} { ?s ?p ?o } }",
    "service after a comment": "SELECT * WHERE { # a comment\n SERVICE {U} { ?s ?p ?o } }",
    # \u escapes are expanded before parsing (rdflib's engine does so, and federates this)
    "unicode escape": "SELECT * WHERE { \\u0053ERVICE {U} { ?s ?p ?o } }",
    # a variable endpoint bound by VALUES
    "variable endpoint": "SELECT * WHERE { VALUES ?u { {U} } SERVICE ?u { ?s ?p ?o } }",
    # Oxigraph's LATERAL: rdflib cannot parse this, the token scan still sees SERVICE
    "inside LATERAL": "SELECT * WHERE { ?s ?p ?o LATERAL { SERVICE {U} { ?s ?q ?r } } }",
}


@pytest.mark.parametrize("position", list(SERVICE_QUERIES))
def test_service_is_refused_in_every_position_and_nothing_is_sent(server, listener, position):
    listener.take()
    query = SERVICE_QUERIES[position].replace("{U}", remote(listener, position.replace(" ", "-")))
    status, body = ask(server, query)
    assert listener.take() == []
    assert status == 403, (status, body)
    assert "SERVICE is refused" in body and "--allow-service" in body


@pytest.mark.parametrize("how", ["post-query", "post-form"])
def test_service_is_refused_in_posted_queries(server, listener, how):
    listener.take()
    status, body = ask(server, f"SELECT * WHERE {{ SERVICE {remote(listener, 'post')} "
                               "{ ?s ?p ?o } }", how)
    assert listener.take() == []
    assert status == 403 and "SERVICE is refused" in body


@pytest.mark.parametrize("query", [
    "SELECT * FROM {U} WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED {U} WHERE { GRAPH ?g { ?s ?p ?o } }",
    "ASK from named {U} { ?s ?p ?o }",
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
])
def test_from_datasets_are_refused_and_fetch_nothing(server, listener, query):
    listener.take()
    status, body = ask(server, query.replace("{U}", remote(listener, "dataset")))
    assert listener.take() == []
    assert status == 403, (status, body)
    assert "FROM" in body and "is refused" in body


@pytest.mark.parametrize("query, how", [
    ("LOAD {U}", "get"),
    ("load {U}", "post-query"),
    ("LoAd SiLeNt {U} INTO GRAPH <urn:x:g>", "get"),
    ("load {U}", "post-update"),
    ("LOAD {U}", "update-param"),
])
def test_load_is_refused_whatever_its_case_and_route(server, listener, query, how):
    listener.take()
    status, body = ask(server, query.replace("{U}", remote(listener, "load")), how)
    assert listener.take() == []
    assert status == 403 and "read-only" in body, (status, body)


# Queries that only mention SERVICE / FROM where the engine never reads them as keywords.
HARMLESS = {
    "comment": 'SELECT ?s WHERE { ?s rdfs:label "PeoplePlus" } # SERVICE {U} { ?s ?p ?o }',
    "comment line": '# FROM {U}\nSELECT ?s WHERE {\n # SERVICE {U} {\n ?s rdfs:label "PeoplePlus" }',
    "variable and prefix named so": "PREFIX service: <https://w3id.org/probation-kg/ontology#>\n"
                                    'SELECT ?s WHERE { ?s rdfs:label "PeoplePlus" ; '
                                    "a service:Company . BIND(?s AS ?service) "
                                    "BIND(?s AS ?from) }",
    "IRI": 'SELECT ?s WHERE { ?s rdfs:label "PeoplePlus" '
           "FILTER(?s != <http://example.org/SERVICE>) }",
}


@pytest.mark.parametrize("name", list(HARMLESS))
def test_service_in_a_comment_or_name_is_answered_normally(server, listener, name):
    listener.take()
    status, body = ask(server, HARMLESS[name].replace("{U}", remote(listener, "comment")))
    assert status == 200, (status, body)
    rows = json.loads(body)["results"]["bindings"]
    assert [row["s"]["value"] for row in rows] == ["https://w3id.org/probation-kg/id/peopleplus"]
    assert listener.take() == []


@pytest.mark.parametrize("literal", [
    '"SERVICE <http://x/>"',
    "'service <http://x/> { ?s ?p ?o }'",
    '"""FROM <http://x/>\nSERVICE <http://x/> {}"""',
])
def test_service_in_a_string_literal_is_answered_normally(server, listener, literal):
    listener.take()
    status, body = ask(server, f"SELECT ?s WHERE {{ ?s ?p {literal} }}")
    assert status == 200, (status, body)
    assert json.loads(body)["results"]["bindings"] == []
    # and the literal is really matched: the same query finds a label that is there
    status, body = ask(server, 'SELECT ?s WHERE { ?s ?p "PeoplePlus" } # SERVICE <http://x/>')
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 1
    assert listener.take() == []


def test_stored_questions_have_no_outside_reads_and_still_run(server):
    assert all(outside_reads(q.text) == [] for q in stored_questions().values())
    status, body = _status(server, "/questions/owners")
    assert status == 200
    pairs = {(b["ownerLabel"]["value"], b["providerLabel"]["value"])
             for b in json.loads(body)["results"]["bindings"]}
    assert ("PeoplePlus", "Warwickshire & West Mercia CRC") in pairs


# --- with --allow-service -------------------------------------------------------------------


def test_allow_service_federates_and_the_listener_receives_the_request(federating_server,
                                                                        listener):
    listener.take()
    status, body = ask(federating_server,
                       f"SELECT ?x WHERE {{ SERVICE {remote(listener, 'ok')} {{ ?x ?p ?o }} }}")
    received = listener.take()
    assert status == 200, (status, body)
    assert [row["x"]["value"] for row in json.loads(body)["results"]["bindings"]] == [FAR_VALUE]
    assert len(received) == 1 and received[0][1].startswith("/ok")
    sent = urllib.parse.unquote_plus(received[0][1] + " " + received[0][2].decode())
    assert "?x ?p ?o" in sent  # the sub-query went out (Oxigraph POSTs it, rdflib a form)


def test_allow_service_never_echoes_the_remote_answer(federating_server, listener):
    listener.take()
    status, body = ask(federating_server,
                       f"SELECT * WHERE {{ SERVICE {remote(listener, 'secret')} {{ ?s ?p ?o }} }}")
    received = listener.take()
    assert received and received[0][1].startswith("/secret")
    assert status == 400, (status, body)
    assert "SERVICE request to another endpoint failed" in body
    assert SECRET not in body and "payload" not in body


@pytest.mark.parametrize("query", [
    "SELECT * WHERE { VALUES ?u { {U} } SERVICE ?u { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE <file:///etc/passwd> { ?s ?p ?o } }",
    "SELECT * FROM {U} WHERE { ?s ?p ?o }",
    "LOAD {U}",
])
def test_allow_service_still_refuses_other_reads(federating_server, listener, query):
    listener.take()
    status, body = ask(federating_server, query.replace("{U}", remote(listener, "other")))
    assert status == 403, (status, body)
    assert listener.take() == []


# --- the worker's own defences --------------------------------------------------------------


def test_the_worker_refuses_service_even_when_the_handler_is_bypassed(small_graph, listener):
    pool = WorkerPool(ServerSettings(graph=small_graph, workers=1))
    try:
        listener.take()
        for query in SERVICE_QUERIES.values():
            text = query.replace("{U}", remote(listener, "worker"))
            with pytest.raises(QueryRefused, match="SERVICE is refused"):
                pool.execute(text, {}, None)
        with pytest.raises(QueryRefused, match="FROM"):
            pool.execute(f"SELECT * FROM {remote(listener, 'worker')} {{ ?s ?p ?o }}", {}, None)
        assert listener.take() == []
        # and the same worker still answers
        assert pool.execute("ASK { ?s ?p ?o }", {}, None).boolean is True
    finally:
        pool.close()


def _isolated_child(port: int, conn) -> None:
    """Cut off, then try to reach the listener directly and through Oxigraph's SERVICE."""
    if not isolate_network():  # first, while the process has one thread
        conn.send(None)
        return
    import socket

    import pyoxigraph

    outcomes = []
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        outcomes.append("connected")
    except OSError as error:
        outcomes.append(f"socket: {error}")
    try:
        list(pyoxigraph.Store().query(
            f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/isolated> {{ ?s ?p ?o }} }}"))
        outcomes.append("federated")
    except OSError as error:
        outcomes.append(f"oxigraph: {error}")
    conn.send(outcomes)


def test_an_isolated_worker_process_cannot_reach_the_network(listener):
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_isolated_child, args=(listener.port, child))
    listener.take()
    process.start()
    try:
        assert parent.poll(60), "the child did not answer"
        outcomes = parent.recv()
    finally:
        process.join(30)
    if outcomes is None:
        pytest.skip("this system does not allow an unprivileged network namespace")
    assert len(outcomes) == 2
    assert outcomes[0].startswith("socket:") and outcomes[1].startswith("oxigraph:")
    assert listener.take() == []


def test_refusal_messages():
    reads = outside_reads("SELECT * FROM <http://a/> WHERE { SERVICE <http://b/> { ?s ?p ?o } }")
    assert [str(r) for r in reads] == ["FROM <http://a/>", "SERVICE <http://b/>"]
    message = refusal(reads)
    assert "SERVICE is refused (SERVICE <http://b/>)" in message and "FROM <http://a/>" in message
    assert refusal(outside_reads("SELECT * { SERVICE <https://b/> {} }"), True) is None
    assert refusal(outside_reads('ASK { ?s ?p "SERVICE <x:y> {}" } # LOAD <x:z>')) is None


# --- the command line: the operator's own tool federates, without printing remote answers ----


@pytest.mark.parametrize("engine", ["oxigraph", "rdflib"])
def test_the_command_line_federates_but_never_prints_the_remote_answer(small_graph, listener,
                                                                        engine):
    from click.testing import CliRunner

    from graphbuild.cli import main

    def query(name: str):
        text = f"SELECT ?x WHERE {{ SERVICE {remote(listener, name)} {{ ?x ?p ?o }} }}"
        return CliRunner().invoke(main, ["query", "--graph", str(small_graph), "--engine",
                                         engine, "--format", "csv", "-q", text])

    listener.take()
    answered = query("ok")
    assert answered.exit_code == 0, answered.output
    assert answered.output.splitlines()[1:] == [FAR_VALUE]
    assert len(listener.take()) == 1
    failed = query("secret")
    assert failed.exit_code == 1 and "501" in failed.output, failed.output
    assert SECRET not in failed.output and "Traceback" not in failed.output
    assert len(listener.take()) == 1
