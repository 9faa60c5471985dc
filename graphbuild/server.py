"""`graphbuild serve`: a read-only SPARQL 1.1 Protocol endpoint, a query page and the explorer.

Queries run in a pool of worker processes, each holding the graph. A query that runs
past the time limit is abandoned by killing its worker (pyoxigraph cannot be interrupted
from Python) and a fresh worker loads the graph in the background, so the server keeps
answering. Results past the row limit are refused. UPDATE is refused: this endpoint
never changes the graph.

Nothing a query says makes the server read outside its graph: SERVICE (federation: the
engine would send requests to any address the querier names and hand back the answers),
FROM / FROM NAMED datasets and LOAD are refused with 403, decided on the parsed query
(`query.outside_reads`), once in the request handler and again in the worker. Where Linux
allows it the workers also run without any network (`isolate_network`). Federation is an
explicit opt-in of the operator: `--allow-service`.
"""

from __future__ import annotations

import ctypes
import json
import multiprocessing
import os
import queue
import re
import signal
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path

import click

from .docpages import PAGES_DIR
from .query import (
    DEFAULT_GRAPH,
    RESULT_MEDIA_TYPES,
    QuestionError,
    StoredQuestion,
    check_params,
    is_service_failure,
    outside_reads,
    refusal,
    render,
    run,
    scan_outside_reads,
    stored_questions,
)
from .store import (
    DEFAULT_ENGINE,
    ENGINES,
    QueryResult,
    QuerySyntaxError,
    ResultTooLarge,
    load_graph,
)

# Accepted media type -> output format, for SELECT/ASK and for CONSTRUCT/DESCRIBE results.
SELECT_MEDIA = {
    "application/sparql-results+json": "json", "application/json": "json",
    "application/sparql-results+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/csv": "csv", "text/tab-separated-values": "tsv",
}
GRAPH_MEDIA = {
    "text/turtle": "turtle", "application/x-turtle": "turtle", "application/turtle": "turtle",
    "application/n-triples": "nt", "text/plain": "nt",
    "application/ld+json": "jsonld", "application/json": "jsonld",
    "application/rdf+xml": "rdfxml", "application/xml": "rdfxml", "text/xml": "rdfxml",
}
# ?format= / ?output= values (as Virtuoso and Fuseki accept them; SPARQLWrapper sends both).
SELECT_ALIASES = {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"}
GRAPH_ALIASES = {"turtle": "turtle", "ttl": "turtle", "nt": "nt", "ntriples": "nt",
                 "n-triples": "nt", "jsonld": "jsonld", "json-ld": "jsonld", "json": "jsonld",
                 "rdfxml": "rdfxml", "rdf+xml": "rdfxml", "xml": "rdfxml"}
UPDATE_MEDIA = "application/sparql-update"
MAX_BODY_BYTES = 1_000_000
READ_ONLY_MESSAGE = "this endpoint is read-only: SPARQL UPDATE is refused"
SERVICE_FAILED_MESSAGE = ("a SERVICE request to another endpoint failed (its answer is not "
                          "passed on)")
CLONE_NEWUSER, CLONE_NEWNET = 0x10000000, 0x40000000  # <sched.h>
FORMATS_NS = "http://www.w3.org/ns/formats/"
# a document id is a file name of the corpus (never a path: no "/", no "\\", no NUL)
DOCUMENT_ID = re.compile(r"[^/\\\x00]{1,255}")
SD_RESULT_FORMATS = ["SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                     "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML"]


@dataclass(frozen=True)
class ServerSettings:
    """Where the graph is, how to reach the server, and the per-query limits."""

    graph: Path = DEFAULT_GRAPH
    engine: str = DEFAULT_ENGINE
    host: str = "127.0.0.1"
    port: int = 8000
    timeout: float = 10.0
    max_rows: int = 10_000
    workers: int = 2
    queue_wait: float = 60.0  # how long a request may wait for a free worker
    allow_service: bool = False  # federate SERVICE clauses (SSRF: see the README)


class QueryTimeout(RuntimeError):
    pass


class ServerBusy(RuntimeError):
    pass


class QueryRefused(PermissionError):
    """A query that would read outside the graph (SERVICE, FROM, LOAD): answered with 403."""


# ---- worker processes ------------------------------------------------------------------


def isolate_network() -> bool:
    """Best effort: cut this process off from every network, loopback included.

    Linux only: unshare(2) into a new user namespace (no privilege needed where the kernel
    allows unprivileged user namespaces) with its own network namespace, whose only
    interface, lo, is down: a connection anywhere fails with "Network is unreachable".
    Descriptors already open (the pipe to the server) keep working and files are read as
    before. Must run while the process has a single thread. False where it cannot be done
    (other systems, containers that forbid user namespaces): the query check still holds.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.unshare(CLONE_NEWUSER | CLONE_NEWNET) == 0
    except (OSError, AttributeError):
        return False


def _worker_main(graph: str, engine: str, allow_service: bool, conn) -> None:
    """Load the graph, then answer (query, params, question, max_rows) messages forever.

    The worker checks each query itself (the handler's check is not the only one) and,
    unless federation is allowed, first gives up its network access.
    """
    isolated = False if allow_service else isolate_network()
    try:
        import rdflib.plugins.sparql

        rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False  # never fetch FROM graphs
        store = load_graph(graph, engine)
    except Exception as error:  # noqa: BLE001 - reported to the server, which gives up
        conn.send(("failed", f"{type(error).__name__}: {error}"))
        return
    conn.send(("ready", (len(store), isolated)))
    while True:
        try:
            text, params, question, max_rows = conn.recv()
        except (EOFError, OSError):  # the server has gone
            return
        reads = []
        try:
            # a stored question is the package's own text (tests/test_server_security.py
            # parses each one): the token scan suffices and spares a slow first parse
            reads = scan_outside_reads(text) if question is not None else outside_reads(text)
            refused = refusal(reads, allow_service)
            if refused:
                conn.send(("refused", refused))
                continue
            conn.send(("ok", run(store, text, params, question, max_rows)))
        except QuerySyntaxError as error:
            # sent as its fields: the exception itself does not survive pickling
            conn.send(("syntax", (error.message, error.query, error.line, error.column)))
        except ResultTooLarge as error:
            conn.send(("too-large", str(error)))
        except Exception as error:  # noqa: BLE001 - any failure of one query is that query's error
            message = str(error) or type(error).__name__
            if any(r.kind == "SERVICE" for r in reads) or is_service_failure(message):
                message = SERVICE_FAILED_MESSAGE  # never a remote party's answer
            conn.send(("error", message))


class Worker:
    """One worker process and its end of the pipe."""

    def __init__(self, settings: ServerSettings):
        context = multiprocessing.get_context("spawn")
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main,
            args=(str(settings.graph), settings.engine, settings.allow_service, child),
            daemon=True,
        )
        self.process.start()
        child.close()

    def wait_ready(self) -> tuple[int, bool]:
        """(triples, cut off from the network) once the graph is loaded; RuntimeError if not."""
        try:
            status, payload = self.conn.recv()
        except (EOFError, OSError):
            status, payload = "failed", f"the worker process exited ({self.process.exitcode})"
        if status != "ready":
            self.kill()
            raise RuntimeError(f"a query worker could not load the graph: {payload}")
        return payload

    def kill(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class WorkerPool:
    """Idle workers in a queue; a worker that overruns the time limit is killed and replaced."""

    def __init__(self, settings: ServerSettings):
        self.settings = settings
        self.idle: queue.Queue[Worker] = queue.Queue()
        self.triples = 0
        self.isolated = False  # whether every worker started runs without network access
        self._closed = False
        self._lock = threading.Lock()
        self._workers: set[Worker] = set()  # every live worker, idle or busy
        if not settings.allow_service:
            # A worker can only give up its network (isolate_network) while it has a single
            # thread, and the main module it re-imports may start thread pools at import
            # (OpenBLAS through numpy, for the analytics commands). Workers need none.
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ[name] = "1"
        starting = [self._start() for _ in range(max(1, settings.workers))]
        try:
            isolated = []
            for worker in starting:
                self.triples, cut_off = worker.wait_ready()
                isolated.append(cut_off)
                self.idle.put(worker)
            self.isolated = all(isolated)
        except RuntimeError:
            self.close()
            raise

    def _start(self) -> Worker:
        worker = Worker(self.settings)
        with self._lock:
            self._workers.add(worker)
        return worker

    def _discard(self, worker: Worker) -> None:
        worker.kill()
        with self._lock:
            self._workers.discard(worker)

    def _replace(self) -> None:
        """Start a fresh worker; it joins the idle queue once it has loaded the graph."""
        if self._closed:
            return
        worker = self._start()

        def await_ready() -> None:
            try:
                worker.wait_ready()
            except RuntimeError:
                self._discard(worker)
                return
            if self._closed:
                self._discard(worker)
            else:
                self.idle.put(worker)

        threading.Thread(target=await_ready, daemon=True).start()

    @property
    def size(self) -> int:
        """Live workers, including those still loading the graph."""
        with self._lock:
            return len(self._workers)

    def execute(self, text: str, params: dict, question: StoredQuestion | None) -> QueryResult:
        timeout, wait = self.settings.timeout, self.settings.queue_wait
        try:
            worker = self.idle.get(timeout=wait)
        except queue.Empty:
            raise ServerBusy(f"no query worker became free within {wait:g} s") from None
        try:
            worker.conn.send((text, params, question, self.settings.max_rows))
            if not worker.conn.poll(timeout):
                raise QueryTimeout(f"the query ran past the time limit of {timeout:g} s "
                                   "and was stopped")
            status, payload = worker.conn.recv()
        except (QueryTimeout, EOFError, OSError):
            self._discard(worker)
            self._replace()
            raise
        self.idle.put(worker)
        if status == "ok":
            return payload
        if status == "syntax":
            raise QuerySyntaxError(*payload)
        if status == "too-large":
            raise ResultTooLarge(payload)
        if status == "refused":
            raise QueryRefused(payload)
        raise QuestionError(payload)

    def close(self) -> None:
        """Stop every worker, busy or idle."""
        self._closed = True
        with self._lock:
            workers, self._workers = list(self._workers), set()
        for worker in workers:
            worker.kill()


# ---- HTTP -------------------------------------------------------------------------------


def negotiate(accept: str, result: QueryResult) -> str:
    """The output format for this result from the Accept header (q-values honoured)."""
    table = GRAPH_MEDIA if result.form == "graph" else SELECT_MEDIA
    default = "turtle" if result.form == "graph" else "json"
    choices = []
    for position, part in enumerate(accept.split(",")):
        media, *options = [p.strip() for p in part.split(";")]
        weight = 1.0
        for option in options:
            if option.startswith("q="):
                try:
                    weight = float(option[2:])
                except ValueError:
                    weight = 0.0
        choices.append((-weight, position, media.lower()))
    for weight, _, media in sorted(choices):
        if weight < 0 and media in table:
            return table[media]
    return default


def choose_format(args: dict[str, list[str]], accept: str, result: QueryResult) -> str:
    """A ?format= or ?output= parameter that fits the result wins; else the Accept header."""
    graph = result.form == "graph"
    aliases, media = (GRAPH_ALIASES, GRAPH_MEDIA) if graph else (SELECT_ALIASES, SELECT_MEDIA)
    for key in ("format", "output"):
        for value in reversed(args.get(key, [])):
            value = value.strip().lower()
            fmt = aliases.get(value) or media.get(value)
            if fmt:
                return fmt
    return negotiate(accept, result)


def is_update(text: str) -> bool:
    """Whether text that is not a valid query parses as a SPARQL UPDATE (parsed only, never run)."""
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except (ParseException, ValueError, TypeError):
        return False
    return True


def service_description(endpoint: str, triples: int) -> str:
    """The SPARQL 1.1 Service Description of this endpoint, in Turtle."""
    formats = ", ".join(f"<{FORMATS_NS}{f}>" for f in SD_RESULT_FORMATS)
    return (
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n"
        "@prefix void: <http://rdfs.org/ns/void#> .\n\n"
        f"<{endpoint}> a sd:Service ;\n"
        f"  sd:endpoint <{endpoint}> ;\n"
        "  sd:supportedLanguage sd:SPARQL11Query ;\n"
        f"  sd:resultFormat {formats} ;\n"
        "  sd:defaultDataset [ a sd:Dataset ;\n"
        f"    sd:defaultGraph [ a sd:Graph ; void:triples {triples} ] ] .\n"
    )


def page_html() -> bytes:
    return (resources.files("graphbuild") / "templates" / "query.html").read_bytes()


class SparqlHandler(BaseHTTPRequestHandler):
    """GET/POST /sparql, GET /questions[/NAME], GET / (the page), GET /explorer and the
    document pages at /documents/DOC-ID."""

    server_version = "graphbuild-sparql"
    pool: WorkerPool
    settings: ServerSettings

    def log_message(self, format: str, *args) -> None:
        """Quiet by default: one line per request would swamp a load test."""

    # -- plumbing
    def _send(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Expose-Headers", "Content-Type")
        self.send_header("Vary", "Accept")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status: int, message: str) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8")

    def _path_and_args(self) -> tuple[str, dict[str, list[str]]]:
        parts = urllib.parse.urlsplit(self.path)
        return parts.path, urllib.parse.parse_qs(parts.query, keep_blank_values=True)

    def _discard_body(self, length: int) -> None:
        """Read and drop a refused body, so that the client gets the answer, not a connection
        reset while it is still sending (a body past 16 times the limit is not waited for)."""
        self.close_connection = True
        remaining = length if length <= 16 * MAX_BODY_BYTES else 0
        while remaining > 0:
            chunk = self.rfile.read(min(remaining, 65536))
            if not chunk:
                break
            remaining -= len(chunk)

    def do_OPTIONS(self) -> None:
        self.send_response(HTTPStatus.NO_CONTENT)
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", "Content-Type, Accept")
        self.send_header("Access-Control-Max-Age", "86400")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        path, args = self._path_and_args()
        if path == "/sparql":
            return self._protocol(args)
        if path == "/":
            return self._send(200, page_html(), "text/html; charset=utf-8")
        if path == "/questions":
            listing = [q.as_dict() for q in stored_questions().values()]
            return self._send(200, json.dumps(listing, indent=1).encode(), "application/json")
        if path.startswith("/questions/"):
            return self._question(path[len("/questions/"):], args)
        if path in ("/explorer", "/explorer.html"):  # a document page links ../explorer.html
            return self._view_page(self.settings.graph.parent / "explorer.html")
        if path.startswith(f"/{PAGES_DIR}/"):
            name = urllib.parse.unquote(path[len(PAGES_DIR) + 2:]).removesuffix(".html")
            if not DOCUMENT_ID.fullmatch(name) or name in (".", ".."):
                return self._error(404, f"{path}: not a document id")
            return self._view_page(self.settings.graph.parent / PAGES_DIR / f"{name}.html")
        self._error(404, f"{path}: not found (try /, /sparql, /questions, /explorer or "
                    f"/{PAGES_DIR}/DOC-ID)")

    def _view_page(self, page: Path) -> None:
        """A page `graphbuild view` wrote beside the graph: the explorer or a document's."""
        if page.is_file():
            return self._send(200, page.read_bytes(), "text/html; charset=utf-8")
        return self._error(404, f"{page} does not exist (run `graphbuild view` first)")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        path, args = self._path_and_args()
        if path != "/sparql":
            return self._error(405 if path in ("/", "/questions") else 404,
                               f"POST {path}: only /sparql accepts POST")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return self._error(400, "POST /sparql: the Content-Length header is not a number")
        if length > MAX_BODY_BYTES:
            self._discard_body(length)
            return self._error(413, f"POST /sparql: a query of {length} bytes is over the "
                               f"limit of {MAX_BODY_BYTES}")
        body = self.rfile.read(length).decode("utf-8", errors="replace")
        media = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if media == UPDATE_MEDIA:
            return self._error(403, READ_ONLY_MESSAGE)
        if media == "application/sparql-query":
            args.setdefault("query", []).append(body)
        elif media == "application/x-www-form-urlencoded":
            for key, values in urllib.parse.parse_qs(body, keep_blank_values=True).items():
                args.setdefault(key, []).extend(values)
        else:
            return self._error(415, f"POST /sparql: unsupported Content-Type {media!r} (use "
                               "application/sparql-query or application/x-www-form-urlencoded)")
        self._protocol(args)

    # -- the endpoint
    def _protocol(self, args: dict[str, list[str]]) -> None:
        if "update" in args:
            return self._error(403, READ_ONLY_MESSAGE)
        queries = args.get("query", [])
        if not queries:
            host = self.headers.get("Host") or ""
            if not re.fullmatch(r"[A-Za-z0-9.\-]+(:[0-9]+)?|\[[0-9A-Fa-f:.]+\](:[0-9]+)?", host):
                host = f"{self.settings.host}:{self.server.server_port}"
            text = service_description(f"http://{host}/sparql", self.pool.triples)
            return self._send(200, text.encode("utf-8"), "text/turtle; charset=utf-8")
        if len(queries) > 1:
            return self._error(400, "exactly one query parameter is allowed")
        self._answer(queries[0], {}, None, args)

    def _question(self, name: str, args: dict[str, list[str]]) -> None:
        question = stored_questions().get(urllib.parse.unquote(name))
        if question is None:
            return self._error(404, f"no stored question named {name!r} (see /questions)")
        declared = {p.name for p in question.parameters}
        params = {k: v[-1] for k, v in args.items() if k in declared}
        try:
            check_params(question, params)
        except QuestionError as error:
            return self._error(400, str(error))
        self._answer(question.text, params, question, args)

    def _answer(self, text: str, params: dict, question: StoredQuestion | None,
                args: dict[str, list[str]]) -> None:
        # A quick token scan here; the worker checks the parsed query again before it runs.
        refused = refusal(scan_outside_reads(text), self.settings.allow_service)
        if refused:
            return self._error(403, refused)
        try:
            result = self.pool.execute(text, params, question)
        except QueryRefused as error:
            return self._error(403, str(error))
        except QuerySyntaxError as error:
            if is_update(text):
                return self._error(403, READ_ONLY_MESSAGE)
            return self._error(400, f"syntax error, {error.describe()}")
        except QueryTimeout as error:
            return self._error(503, str(error))
        except ServerBusy as error:
            return self._error(503, str(error))
        except ResultTooLarge as error:
            return self._error(422, f"{error}; add a LIMIT or narrow the query")
        except (QuestionError, EOFError, OSError) as error:
            return self._error(400 if isinstance(error, QuestionError) else 500, str(error))
        fmt = choose_format(args, self.headers.get("Accept") or "", result)
        try:
            body = render(result, fmt)
        except (QuestionError, ValueError, SyntaxError) as error:
            return self._error(406, f"the result cannot be written as {fmt}: {error}")
        self._send(200, body, f"{RESULT_MEDIA_TYPES[fmt]}; charset=utf-8")


def make_server(settings: ServerSettings) -> tuple[ThreadingHTTPServer, WorkerPool]:
    """Start the worker pool and bind the HTTP server (not yet serving)."""
    pool = WorkerPool(settings)
    handler = type("Handler", (SparqlHandler,), {"pool": pool, "settings": settings})
    try:
        httpd = ThreadingHTTPServer((settings.host, settings.port), handler)
    except OSError:
        pool.close()
        raise
    httpd.daemon_threads = True
    return httpd, pool


@click.command("serve")
@click.option("--graph", type=click.Path(path_type=Path), default=DEFAULT_GRAPH,
              show_default=True, help="The RDF file to serve.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8000, show_default=True)
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE, show_default=True)
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Time limit per query, in seconds.")
@click.option("--max-rows", type=int, default=10_000, show_default=True,
              help="Result-size limit (rows or triples) per query.")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Query worker processes, each holding the graph.")
@click.option("--allow-service", is_flag=True,
              help="Run SPARQL SERVICE clauses (federation): the server then sends requests to "
                   "any http(s) address a querier names and returns the answers. Off by default.")
def serve_command(graph, host, port, engine, timeout, max_rows, workers, allow_service):
    """Serve the graph as a read-only SPARQL 1.1 endpoint at /sparql, with a query page at /."""
    if not graph.is_file():
        raise click.ClickException(f"{graph}: graph file not found (run `graphbuild build` "
                                   "first, or pass --graph)")
    settings = ServerSettings(graph, engine, host, port, timeout, max_rows, workers,
                              allow_service=allow_service)
    started = time.perf_counter()
    try:
        httpd, pool = make_server(settings)
    except (OSError, RuntimeError) as error:
        raise click.ClickException(f"cannot serve {graph}: {error}") from None
    click.echo(f"{graph}: {pool.triples} triples loaded in {time.perf_counter() - started:.1f} s; "
               f"SPARQL endpoint at http://{host}:{httpd.server_port}/sparql", err=True)
    if allow_service:
        click.echo("SERVICE is allowed (--allow-service): queries can make this server send "
                   "requests to any http(s) address and read the answers", err=True)
    else:
        click.echo("SERVICE, FROM and LOAD are refused; query workers "
                   + ("have no network access" if pool.isolated else
                      "keep network access (this system did not let them enter a network "
                      "namespace of their own)"), err=True)
    def stop(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)  # so that `kill PID` stops the workers too
    try:
        httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()
        pool.close()
