"""`graphbuild push`: send the graph to a triple store with the SPARQL 1.1 Graph Store Protocol.

PUT replaces one named graph with the file's triples; `--append` POSTs them into it
instead (https://www.w3.org/TR/sparql11-http-rdf-update/). The graph is named by the
`graph` query parameter (indirect graph identification), which Virtuoso, Fuseki, GraphDB
and RDF4J all accept.

Authentication: HTTP Basic or Digest. The body is sent once, with its credentials: a
server that answers the challenge before it has read a large body resets the connection
(Virtuoso does), so the challenge is fetched first with a bodiless HEAD request.
"""

from __future__ import annotations

import base64
import html
import re
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import click

from .namespaces import PKG

DEFAULT_GRAPH_FILE = Path("out/graph.ttl")
DEFAULT_GRAPH_IRI = f"{PKG}knowledge-graph"
AUTH_SCHEMES = ("auto", "basic", "digest")
CONTENT_TYPES = {
    ".ttl": "text/turtle",
    ".nt": "application/n-triples",
    ".rdf": "application/rdf+xml",
    ".owl": "application/rdf+xml",
    ".jsonld": "application/ld+json",
}
QUAD_SUFFIXES = (".trig", ".nq")
MESSAGE_LIMIT = 600


class PushError(RuntimeError):
    """The push did not happen; the message says why, in the server's words where it gave any."""


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str
    scheme: str = "auto"  # auto: whatever the server's challenge asks for


@dataclass(frozen=True)
class PushResult:
    url: str
    graph_iri: str
    method: str
    status: int
    reason: str
    bytes: int
    seconds: float

    @property
    def created(self) -> bool:
        return self.status == 201


def graph_store_url(endpoint: str, graph_iri: str) -> str:
    """The endpoint URL with `graph=IRI` added to any query it already has."""
    parts = urllib.parse.urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise PushError(f"{endpoint!r}: the endpoint must be an http:// or https:// URL")
    iri = urllib.parse.urlsplit(graph_iri)
    if not iri.scheme or any(c in graph_iri for c in '<>"{}|^`\\ \n\t'):
        raise PushError(f"{graph_iri!r}: the graph name must be an absolute IRI")
    query = "&".join(filter(None, [parts.query, urllib.parse.urlencode({"graph": graph_iri})]))
    return urllib.parse.urlunsplit(parts._replace(query=query))


def read_auth_file(path: Path) -> tuple[str, str]:
    """USER:PASSWORD from the first line of the file that is neither blank nor a # comment."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise PushError(f"{path}: cannot read the auth file: {error.strerror or error}") from None
    for line in lines:
        line = line.strip()
        if line and not line.startswith("#"):
            user, sep, password = line.partition(":")
            if sep and user:
                return user, password
            break
    raise PushError(f"{path}: expected a line USER:PASSWORD")


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in QUAD_SUFFIXES:
        raise PushError(f"{path}: {suffix} holds named graphs of its own; the Graph Store "
                        "Protocol sends triples into one graph (push the .ttl or .nt instead)")
    try:
        return CONTENT_TYPES[suffix]
    except KeyError:
        known = ", ".join(sorted(CONTENT_TYPES))
        raise PushError(f"{path}: unknown RDF file type (expected one of {known})") from None


def server_message(body: bytes, media_type: str = "") -> str:
    """The readable part of an error body: the text of an HTML page, cut to a sensible length."""
    text = body.decode("utf-8", errors="replace")
    if "html" in media_type or text.lstrip()[:1] == "<":
        detail = re.search(r"<(xmp|pre)\b[^>]*>(.*?)</\1>", text, re.DOTALL | re.IGNORECASE)
        if detail and detail.group(1).lower() == "xmp":  # literal text: no markup inside
            text = detail.group(2)
        else:
            text = detail.group(2) if detail else re.sub(
                r"<(script|style|head)\b.*?</\1>", " ", text, flags=re.DOTALL | re.IGNORECASE)
            text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _challenges(headers) -> dict[str, str]:
    """WWW-Authenticate challenges by lower-cased scheme: {"digest": 'realm="x", nonce=...'}."""
    found = {}
    for value in headers.get_all("WWW-Authenticate") or []:
        scheme, _, params = value.strip().partition(" ")
        found.setdefault(scheme.lower(), params)
    return found


def _basic(credentials: Credentials) -> str:
    token = base64.b64encode(f"{credentials.user}:{credentials.password}".encode()).decode()
    return f"Basic {token}"


def _digest(method: str, url: str, params: str, credentials: Credentials) -> str:
    """The Digest Authorization header answering one challenge (RFC 7616, through urllib)."""
    manager = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    manager.add_password(None, url, credentials.user, credentials.password)
    handler = urllib.request.HTTPDigestAuthHandler(manager)
    challenge = urllib.request.parse_keqv_list(
        filter(None, urllib.request.parse_http_list(params)))
    try:
        value = handler.get_authorization(urllib.request.Request(url, method=method), challenge)
    except ValueError as error:
        raise PushError(f"cannot answer the server's digest challenge: {error}") from None
    if not value:
        raise PushError("cannot answer the server's digest challenge "
                        f"(realm {challenge.get('realm')!r}, algorithm "
                        f"{challenge.get('algorithm', 'MD5')!r})")
    return f"Digest {value}"


def _authorization(method: str, url: str, challenges: dict[str, str],
                   credentials: Credentials) -> str | None:
    """The Authorization header for this request, given the server's challenges."""
    scheme = credentials.scheme
    if "digest" in challenges and scheme in ("auto", "digest"):
        return _digest(method, url, challenges["digest"], credentials)
    if scheme == "digest":
        offered = ", ".join(challenges) or "no challenge"
        raise PushError(f"--auth digest, but the server offers {offered}")
    return _basic(credentials)


def _open(request: urllib.request.Request, timeout: float):
    """urlopen without redirects or auth handlers; HTTP errors come back as responses."""
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        return opener.open(request, timeout=timeout)
    except urllib.error.HTTPError as error:
        return error


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirected PUT must not silently become a GET elsewhere: report it instead."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _connection_error(url: str, error: BaseException, timeout: float) -> PushError:
    reason = getattr(error, "reason", error)
    host = urllib.parse.urlsplit(url).netloc
    if isinstance(reason, ConnectionRefusedError):
        return PushError(f"cannot connect to {host}: connection refused (is the triple store "
                         "running, and is the port right?)")
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return PushError(f"{host} did not answer within {timeout:g} s")
    if isinstance(reason, socket.gaierror):
        return PushError(f"cannot resolve the host in {url}: {reason.strerror or reason}")
    if isinstance(reason, ConnectionResetError):
        return PushError(f"{host} closed the connection while the graph was being sent")
    return PushError(f"cannot reach {url}: {reason}")


def _failure(response, url: str, method: str, credentials: Credentials | None) -> PushError:
    """A clear message for an HTTP error status, with the server's own explanation."""
    status, reason = response.status, response.reason
    message = server_message(response.read(), response.headers.get("Content-Type", ""))
    said = f": {message}" if message else ""
    if status == 401:
        offered = _challenges(response.headers)
        if credentials is None:
            hint = "the endpoint wants credentials (--user/--password or --auth-file)"
        elif credentials.scheme == "basic" and "basic" not in offered:
            asks = f"it asks for {', '.join(offered)}" if offered else "it may expect Digest"
            hint = (f"the server rejected Basic credentials for {credentials.user!r} ({asks}; "
                    "try --auth auto)")
        else:
            hint = f"the server rejected the credentials of {credentials.user!r}"
        return PushError(f"401 Unauthorized from {url}: {hint}{said}")
    if status == 403:
        return PushError(f"403 Forbidden from {url}: this account may not write graphs there "
                         f"(Virtuoso: use /sparql-graph-crud-auth with a user that has "
                         f"SPARQL_UPDATE){said}")
    if status in (404, 405, 501):
        return PushError(f"{status} {reason}: {url} does not look like a Graph Store Protocol "
                         f"endpoint{said}")
    if status in (301, 302, 303, 307, 308):
        where = response.headers.get("Location", "?")
        return PushError(f"{status} {reason}: the endpoint redirects to {where}; "
                         "give that URL as --endpoint")
    return PushError(f"{method} {url} failed: {status} {reason}{said}")


def push_graph(path: Path, endpoint: str, graph_iri: str = DEFAULT_GRAPH_IRI,
               credentials: Credentials | None = None, append: bool = False,
               timeout: float = 600.0) -> PushResult:
    """Replace (PUT) or add to (POST) the named graph `graph_iri` at a Graph Store endpoint."""
    path = Path(path)
    media = content_type(path)
    if not path.is_file():
        raise PushError(f"{path}: graph file not found (run `graphbuild build` first, or pass "
                        "--graph)")
    url = graph_store_url(endpoint, graph_iri)
    method = "POST" if append else "PUT"
    data = path.read_bytes()
    started = time.perf_counter()
    headers = {"Content-Type": media, "User-Agent": "graphbuild-push"}
    try:
        if credentials is not None:
            challenges: dict[str, str] = {}
            if credentials.scheme != "basic":
                probe = _open(urllib.request.Request(url, method="HEAD"), timeout)
                probe.read()
                challenges = _challenges(probe.headers)
            headers["Authorization"] = _authorization(method, url, challenges, credentials)
        response = _open(urllib.request.Request(url, data=data, method=method, headers=headers),
                         timeout)
        if response.status == 401 and credentials is not None and credentials.scheme == "auto":
            # The HEAD probe met no challenge (the server guards writes only): answer the one
            # the write itself got, if it asks for Digest rather than the Basic already sent.
            challenges = _challenges(response.headers)
            if "digest" in challenges:
                response.read()
                headers["Authorization"] = _digest(method, url, challenges["digest"], credentials)
                response = _open(urllib.request.Request(url, data=data, method=method,
                                                        headers=headers), timeout)
    except (urllib.error.URLError, OSError) as error:
        raise _connection_error(url, error, timeout) from None
    with response:
        if not 200 <= response.status < 300:
            raise _failure(response, url, method, credentials)
        response.read()
    return PushResult(url, graph_iri, method, response.status, response.reason, len(data),
                      time.perf_counter() - started)


@click.command("push")
@click.option("--endpoint", required=True, metavar="URL",
              help="Graph Store Protocol URL, e.g. Virtuoso http://HOST:8890/sparql-graph-crud-auth, "
              "Fuseki http://HOST:3030/DATASET/data, GraphDB "
              "http://HOST:7200/repositories/REPO/rdf-graphs/service.")
@click.option("--graph", "graph_path", type=click.Path(path_type=Path),
              default=DEFAULT_GRAPH_FILE, show_default=True, help="The RDF file to send.")
@click.option("--graph-iri", default=DEFAULT_GRAPH_IRI, show_default=True,
              help="The named graph to replace (or add to, with --append).")
@click.option("--append", is_flag=True, help="POST: add the triples to the named graph "
              "instead of replacing it.")
@click.option("--user", help="User name for HTTP authentication.")
@click.option("--password", envvar="GRAPHBUILD_PUSH_PASSWORD",
              help="Password (or set GRAPHBUILD_PUSH_PASSWORD; prompted for on a terminal).")
@click.option("--auth-file", type=click.Path(path_type=Path),
              help="A file whose first line is USER:PASSWORD (keeps the password off the "
              "command line).")
@click.option("--auth", "scheme", type=click.Choice(AUTH_SCHEMES), default="auto",
              show_default=True, help="HTTP authentication scheme; auto answers the server's "
              "challenge (Digest or Basic).")
@click.option("--timeout", type=float, default=600.0, show_default=True,
              help="Seconds to wait for the server.")
def push_command(endpoint, graph_path, graph_iri, append, user, password, auth_file, scheme,
                 timeout):
    """Send the graph to a triple store (Virtuoso, Fuseki, GraphDB) into a named graph."""
    import sys

    credentials = None
    try:
        if auth_file and (user or password):
            raise click.UsageError("give --auth-file or --user/--password, not both")
        if password is not None and not user:
            raise click.UsageError("--password needs --user")
        if auth_file:
            user, password = read_auth_file(auth_file)
        if user and password is None:
            if not sys.stdin.isatty():
                raise click.UsageError(f"no password for {user!r}: give --password, "
                                       "GRAPHBUILD_PUSH_PASSWORD or --auth-file")
            password = click.prompt(f"password for {user}", hide_input=True)
        if user:
            credentials = Credentials(user, password, scheme)
        result = push_graph(graph_path, endpoint, graph_iri, credentials, append, timeout)
    except PushError as error:
        raise click.ClickException(str(error)) from None
    what = "added to" if append else ("created" if result.created else "replaced")
    click.echo(f"{graph_path}: {result.bytes:,} bytes {what} <{result.graph_iri}> at "
               f"{endpoint} ({result.status} {result.reason}, {result.seconds:.1f} s)")
