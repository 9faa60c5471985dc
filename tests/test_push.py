"""`graphbuild push` against a real Virtuoso started on loopback, and Basic auth against a stub.

Virtuoso (Debian's virtuoso-opensource) runs from a copy of its stock virtuoso.ini with the
database in a temporary folder and both ports on 127.0.0.1. The graph goes in through
its Graph Store endpoint `/sparql-graph-crud-auth` (HTTP Digest, dba/dba on a fresh
database) and is counted back through its own `/sparql` endpoint.
"""

from __future__ import annotations

import base64
import socket
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from conftest import require, require_executable
from rdflib import Graph
from SPARQLWrapper import JSON, SPARQLWrapper
from test_query_data import write_small_graph

from graphbuild.cli import main
from graphbuild.push import (
    DEFAULT_GRAPH_IRI,
    Credentials,
    PushError,
    graph_store_url,
    push_graph,
    read_auth_file,
    server_message,
)

STOCK_INI = Path("/etc/virtuoso-opensource-7/virtuoso.ini")
STOCK_DB = "/var/lib/virtuoso-opensource-7/db"
DBA = Credentials("dba", "dba")

pytestmark = pytest.mark.server


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def virtuoso_ini(folder: Path, sql_port: int, http_port: int) -> Path:
    """The stock virtuoso.ini with the database in `folder` and both ports on loopback."""
    lines, section = [], ""
    for line in STOCK_INI.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.startswith("["):
            section = stripped
        key = stripped.split("=")[0].strip() if "=" in stripped else ""
        line = line.replace(STOCK_DB, str(folder))
        if section == "[Parameters]" and key == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{sql_port}"
        elif section == "[HTTPServer]" and key == "ServerPort":
            line = f"ServerPort = 127.0.0.1:{http_port}"
        lines.append(line)
    text = "\n".join(lines) + "\n"
    assert f"127.0.0.1:{http_port}" in text and STOCK_DB not in text
    ini = folder / "virtuoso.ini"
    ini.write_text(text, encoding="utf-8")
    return ini


class Virtuoso:
    def __init__(self, folder: Path):
        executable = require_executable("virtuoso-t")
        require(STOCK_INI.is_file(), f"{STOCK_INI} (virtuoso-opensource's stock configuration) "
                "is missing")
        http_port = _free_port()
        ini = virtuoso_ini(folder, _free_port(), http_port)
        self.base = f"http://127.0.0.1:{http_port}"
        self.log = folder / "virtuoso-t.log"
        self.process = subprocess.Popen([executable, "+foreground", "+configfile", str(ini)],
                                        cwd=folder, stdout=self.log.open("w"),
                                        stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"{self.base}/sparql?query=ASK%7B%7D", timeout=5) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        pytest.fail(f"Virtuoso did not start:\n{self.log.read_text()[-3000:]}")

    def count(self, graph_iri: str) -> int:
        """Triples in the named graph, asked through Virtuoso's own SPARQL endpoint."""
        client = SPARQLWrapper(f"{self.base}/sparql")
        client.setQuery(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}")
        client.setReturnFormat(JSON)
        return int(client.queryAndConvert()["results"]["bindings"][0]["n"]["value"])

    def ask(self, query: str) -> bool:
        client = SPARQLWrapper(f"{self.base}/sparql")
        client.setQuery(query)
        client.setReturnFormat(JSON)
        return client.queryAndConvert()["boolean"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # by its PID; Virtuoso checkpoints and exits
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    server = Virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def small_graph(tmp_path_factory) -> Path:
    return write_small_graph(tmp_path_factory.mktemp("small") / "small.ttl")


def _graph_store(virtuoso) -> str:
    return f"{virtuoso.base}/sparql-graph-crud-auth"


def test_push_the_sample_graph_and_count_it_back(virtuoso, sample_graph_path):
    expected = len(Graph().parse(sample_graph_path))
    graph_iri = "https://w3id.org/probation-kg/graph/test-sample"
    result = push_graph(sample_graph_path, _graph_store(virtuoso), graph_iri, DBA)
    assert result.status == 201 and result.created and result.method == "PUT"
    assert result.bytes == sample_graph_path.stat().st_size
    assert virtuoso.count(graph_iri) == expected
    assert virtuoso.ask(
        "ASK { GRAPH <https://w3id.org/probation-kg/graph/test-sample> { "
        "<https://w3id.org/probation-kg/id/peopleplus> "
        "<https://w3id.org/probation-kg/ontology#owns> "
        "<https://w3id.org/probation-kg/id/warwickshire-and-west-mercia-crc> } }")
    # pushed again: the named graph is replaced, not doubled
    again = push_graph(sample_graph_path, _graph_store(virtuoso), graph_iri, DBA)
    assert again.status in (200, 204) and not again.created
    assert virtuoso.count(graph_iri) == expected


def test_put_replaces_and_append_adds(virtuoso, sample_graph_path, small_graph):
    graph_iri = "https://w3id.org/probation-kg/graph/test-replace"
    sample = Graph().parse(sample_graph_path)
    small = Graph().parse(small_graph)
    # both hold the shipped ontology: the union is smaller than the sum
    union = len(sample + small)
    assert union < len(sample) + len(small)
    push_graph(small_graph, _graph_store(virtuoso), graph_iri, DBA)
    assert virtuoso.count(graph_iri) == len(small)
    appended = push_graph(sample_graph_path, _graph_store(virtuoso), graph_iri, DBA, append=True)
    assert appended.method == "POST"
    assert virtuoso.count(graph_iri) == union
    push_graph(small_graph, _graph_store(virtuoso), graph_iri, DBA)
    assert virtuoso.count(graph_iri) == len(small)


def test_push_command_with_an_auth_file(virtuoso, small_graph, tmp_path):
    auth = tmp_path / "auth"
    auth.write_text("# Virtuoso on loopback\ndba:dba\n")
    result = CliRunner().invoke(main, ["push", "--endpoint", _graph_store(virtuoso),
                                       "--graph", str(small_graph), "--auth-file", str(auth)])
    assert result.exit_code == 0, result.output
    assert DEFAULT_GRAPH_IRI in result.output and "created" in result.output
    assert virtuoso.count(DEFAULT_GRAPH_IRI) == len(Graph().parse(small_graph))


def test_push_errors_are_clear(virtuoso, small_graph, tmp_path):
    store = _graph_store(virtuoso)
    with pytest.raises(PushError, match=r"401 Unauthorized.*rejected the credentials of 'dba'"):
        push_graph(small_graph, store, credentials=Credentials("dba", "wrong"))
    with pytest.raises(PushError, match=r"401 Unauthorized.*wants credentials"):
        push_graph(small_graph, store)
    # the unauthenticated endpoint refuses writes; Virtuoso's own reason is passed on
    with pytest.raises(PushError, match=r"403 Forbidden.*Permission denied"):
        push_graph(small_graph, f"{virtuoso.base}/sparql-graph-crud")
    broken = tmp_path / "broken.ttl"
    broken.write_text("<https://example.org/a> <https://example.org/b> .\n")
    with pytest.raises(PushError, match=r"failed: [45]\d\d .*\S") as failed:
        push_graph(broken, store, "https://w3id.org/probation-kg/graph/test-broken", DBA)
    assert not {"<html", "<h1>", "<xmp>", "<body"} & set(str(failed.value).split())
    with pytest.raises(PushError, match="connection refused"):
        push_graph(small_graph, f"http://127.0.0.1:{_free_port()}/sparql-graph-crud-auth")
    result = CliRunner().invoke(main, ["push", "--endpoint", store, "--graph", str(small_graph),
                                       "--user", "dba", "--password", "wrong"])
    assert result.exit_code == 1 and "401 Unauthorized" in result.output


# --- without a server -----------------------------------------------------------------------


class StubGraphStore(BaseHTTPRequestHandler):
    """A Graph Store endpoint that wants HTTP Basic (as Fuseki or GraphDB may) and records writes."""

    received: ClassVar[list[dict]] = []

    def log_message(self, *args) -> None:
        pass

    def _answer(self, status: int, body: bytes = b"", challenge: bool = False) -> None:
        self.send_response(status)
        if challenge:
            self.send_header("WWW-Authenticate", 'Basic realm="stub"')
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_HEAD(self) -> None:
        self._answer(401, challenge=True)

    def do_PUT(self) -> None:
        length = int(self.headers["Content-Length"])
        body = self.rfile.read(length)
        expected = "Basic " + base64.b64encode(b"analyst:s3cret:with:colons").decode()
        if self.headers.get("Authorization") != expected:
            return self._answer(401, b"<html><body><h1>no</h1></body></html>", challenge=True)
        self.received.append({"path": self.path, "body": body,
                              "type": self.headers["Content-Type"]})
        self._answer(201)

    do_POST = do_PUT


@pytest.fixture
def stub():
    StubGraphStore.received = []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), StubGraphStore)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/ds/data?x=1"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.parametrize("scheme", ["basic", "auto"])
def test_basic_auth_and_the_request_sent(stub, small_graph, scheme):
    result = push_graph(small_graph, stub, "https://w3id.org/probation-kg/graph/x",
                        Credentials("analyst", "s3cret:with:colons", scheme))
    assert result.created
    [request] = StubGraphStore.received
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(request["path"]).query)
    assert query == {"x": ["1"], "graph": ["https://w3id.org/probation-kg/graph/x"]}
    assert request["type"] == "text/turtle"
    assert request["body"] == small_graph.read_bytes()
    with pytest.raises(PushError, match="401.*rejected"):
        push_graph(small_graph, stub, credentials=Credentials("analyst", "nope", scheme))
    with pytest.raises(PushError, match="offers basic"):
        push_graph(small_graph, stub, credentials=Credentials("analyst", "x", "digest"))


def test_helpers(tmp_path):
    assert graph_store_url("http://h:1/store", "https://w3id.org/g#1") == \
        "http://h:1/store?graph=https%3A%2F%2Fw3id.org%2Fg%231"
    with pytest.raises(PushError, match="absolute IRI"):
        graph_store_url("http://h/store", "not an iri")
    with pytest.raises(PushError, match="http"):
        graph_store_url("ftp://h/store", "https://w3id.org/g")
    with pytest.raises(PushError, match="named graphs of its own"):
        push_graph(tmp_path / "x.trig", "http://h/store")
    with pytest.raises(PushError, match="not found"):
        push_graph(tmp_path / "x.ttl", "http://h/store")
    auth = tmp_path / "auth"
    auth.write_text("\n# comment\nme:pa:ss\n")
    assert read_auth_file(auth) == ("me", "pa:ss")
    auth.write_text("no colon\n")
    with pytest.raises(PushError, match="USER:PASSWORD"):
        read_auth_file(auth)
    page = b"<html><head><title>t</title></head><body><h1>Error</h1><xmp>bad <g> here</xmp></body>"
    assert server_message(page, "text/html") == "bad <g> here"
    assert server_message(b"<p>a &amp; b</p>", "text/html") == "a & b"
    assert server_message(b"x" * 2000).endswith("…")
    result = CliRunner().invoke(main, ["push", "--endpoint", "http://h/s", "--password", "p"])
    assert result.exit_code == 2 and "--password needs --user" in result.output
