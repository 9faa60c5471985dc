"""Load a graph into an embedded SPARQL engine and answer queries in an engine-neutral form.

Two engines: pyoxigraph (the default: orders of magnitude faster at scale, see
bench/query_speed.py) and rdflib's own engine (the fallback). Both return the same
`QueryResult`, so output formats and tests do not care which one ran.
Parameters are bound as RDF literals through each engine's binding API (Oxigraph
substitutions, rdflib initBindings): a value is never pasted into the query text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .namespaces import PREFIXES

ENGINES = ("oxigraph", "rdflib")
DEFAULT_ENGINE = "oxigraph"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
PREFIX_IRIS: dict[str, str] = {prefix: str(ns) for prefix, ns in PREFIXES.items()}

# File extension -> (pyoxigraph format name, rdflib format name)
RDF_FILE_FORMATS = {
    ".ttl": ("TURTLE", "turtle"),
    ".nt": ("N_TRIPLES", "nt"),
    ".nq": ("N_QUADS", "nquads"),
    ".trig": ("TRIG", "trig"),
    ".rdf": ("RDF_XML", "xml"),
    ".owl": ("RDF_XML", "xml"),
    ".jsonld": ("JSON_LD", "json-ld"),
}


@dataclass(frozen=True, order=True)
class Term:
    """One RDF term as the SPARQL results formats see it (kind: uri, literal or bnode)."""

    kind: str
    value: str
    datatype: str | None = None
    lang: str | None = None

    def n3(self) -> str:
        """The term in N-Triples / SPARQL TSV syntax."""
        if self.kind == "uri":
            return f"<{self.value}>"
        if self.kind == "bnode":
            return f"_:{self.value}"
        text = (
            self.value.replace("\\", "\\\\").replace('"', '\\"')
            .replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t")
        )
        if self.lang:
            return f'"{text}"@{self.lang}'
        if self.datatype:
            return f'"{text}"^^<{self.datatype}>'
        return f'"{text}"'


def literal_term(value: str, datatype: str | None = None, lang: str | None = None) -> Term:
    """A literal with RDF 1.1 normalisation, so plain and xsd:string literals compare equal."""
    if lang or datatype in (XSD_STRING, RDF_LANG_STRING):
        datatype = None
    return Term("literal", value, datatype, lang or None)


Row = tuple  # tuple[Term | None, ...] in the order of QueryResult.variables


@dataclass
class QueryResult:
    """What a query returned: rows (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE)."""

    form: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.triples) if self.form == "graph" else len(self.rows)

    def without(self, hidden: Iterable[str]) -> QueryResult:
        """The same result with some columns dropped (parameters echoed by the engine)."""
        hidden = set(hidden)
        keep = [i for i, v in enumerate(self.variables) if v not in hidden]
        if self.form != "select" or len(keep) == len(self.variables):
            return self
        return QueryResult(
            "select",
            [self.variables[i] for i in keep],
            [tuple(row[i] for i in keep) for row in self.rows],
        )


class QuerySyntaxError(ValueError):
    """A query the engine could not parse; carries the position for a precise message."""

    def __init__(self, message: str, query: str, line: int | None, column: int | None):
        super().__init__(message)
        self.message = message
        self.query = query
        self.line = line
        self.column = column

    def describe(self) -> str:
        """The message, the offending line of the query and a caret under the position."""
        if self.line is None:
            return self.message
        lines = self.query.splitlines() or [""]
        line_text = lines[min(self.line, len(lines)) - 1]
        column = max(1, min(self.column or 1, len(line_text) + 1))
        return (
            f"line {self.line}, column {column}: {self.message}\n"
            f"  {line_text}\n  {' ' * (column - 1)}^"
        )


class ResultTooLarge(RuntimeError):
    """A result with more rows than the caller allowed."""


class UnknownEngine(ValueError):
    pass


def _file_format(path: Path) -> tuple[str, str]:
    try:
        return RDF_FILE_FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(RDF_FILE_FORMATS))
        raise ValueError(f"{path}: unknown RDF file type (expected one of {known})") from None


class OxigraphEngine:
    """pyoxigraph's in-memory store: fast loading and fast query evaluation."""

    name = "oxigraph"

    def __init__(self) -> None:
        import pyoxigraph

        self._ox = pyoxigraph
        self.store = pyoxigraph.Store()

    def load(self, path: Path) -> None:
        ox_format, _ = _file_format(path)
        self.store.bulk_load(path=str(path), format=getattr(self._ox.RdfFormat, ox_format))

    def load_text(self, text: str, rdf_format: str = "TURTLE") -> None:
        self.store.load(input=text, format=getattr(self._ox.RdfFormat, rdf_format))

    def __len__(self) -> int:
        return len(self.store)

    def _term(self, node) -> Term | None:
        ox = self._ox
        if node is None:
            return None
        if isinstance(node, ox.NamedNode):
            return Term("uri", node.value)
        if isinstance(node, ox.BlankNode):
            return Term("bnode", node.value)
        if isinstance(node, ox.Literal):
            return literal_term(node.value, node.datatype.value, node.language)
        return Term("literal", str(node))  # RDF-star quoted triple: shown as text

    def run(self, query: str, bindings: Mapping[str, str], max_rows: int | None) -> QueryResult:
        ox = self._ox
        substitutions = {ox.Variable(k): ox.Literal(v) for k, v in bindings.items()}
        try:
            answer = self.store.query(query, prefixes=PREFIX_IRIS, substitutions=substitutions or None)
        except SyntaxError as error:
            raise _oxigraph_syntax_error(str(error), query) from None
        except RuntimeError as error:
            raise ValueError(str(error)) from None
        if isinstance(answer, ox.QueryBoolean):
            return QueryResult("ask", boolean=bool(answer))
        if isinstance(answer, ox.QuerySolutions):
            variables = [v.value for v in answer.variables]
            rows = []
            converted: dict = {None: None}  # each distinct term is converted once
            for solution in answer:
                row = []
                for node in solution:
                    term = converted.get(node)
                    if term is None and node is not None:
                        term = converted[node] = self._term(node)
                    row.append(term)
                rows.append(tuple(row))
                _check_size(len(rows), max_rows)
            return QueryResult("select", variables, rows)
        triples = []
        for triple in answer:
            triples.append((self._term(triple.subject), self._term(triple.predicate),
                            self._term(triple.object)))
            _check_size(len(triples), max_rows)
        return QueryResult("graph", triples=triples)


class RdflibEngine:
    """rdflib's pure-Python store and SPARQL engine: slow at scale, kept as the fallback."""

    name = "rdflib"

    def __init__(self) -> None:
        import rdflib

        self._rdflib = rdflib
        self.graph = rdflib.Graph()

    def load(self, path: Path) -> None:
        _, rdflib_format = _file_format(path)
        self.graph.parse(str(path), format=rdflib_format)

    def load_text(self, text: str, rdf_format: str = "TURTLE") -> None:
        self.graph.parse(data=text, format=rdf_format.lower().replace("_", "-"))

    def __len__(self) -> int:
        return len(self.graph)

    def _term(self, node) -> Term | None:
        rdflib = self._rdflib
        if node is None:
            return None
        if isinstance(node, rdflib.URIRef):
            return Term("uri", str(node))
        if isinstance(node, rdflib.BNode):
            return Term("bnode", str(node))
        if isinstance(node, rdflib.Literal):
            datatype = str(node.datatype) if node.datatype else None
            return literal_term(str(node), datatype, node.language)
        return Term("literal", str(node))

    def run(self, query: str, bindings: Mapping[str, str], max_rows: int | None) -> QueryResult:
        from pyparsing import ParseException

        rdflib = self._rdflib
        init = {k: rdflib.Literal(v) for k, v in bindings.items()}
        try:
            answer = self.graph.query(query, initNs=PREFIX_IRIS, initBindings=init)
        except ParseException as error:
            raise QuerySyntaxError(error.msg, query, error.lineno, error.col) from None
        except Exception as error:  # noqa: BLE001 - rdflib raises bare Exception (unknown prefix)
            raise ValueError(str(error)) from None
        if answer.type == "ASK":
            return QueryResult("ask", boolean=bool(answer.askAnswer))
        if answer.type == "SELECT":
            variables = [str(v) for v in answer.vars]
            rows = [tuple(self._term(row[i]) for i in range(len(variables))) for row in answer]
            _check_size(len(rows), max_rows)
            return QueryResult("select", variables, rows)
        triples = [tuple(self._term(n) for n in t) for t in answer.graph]
        _check_size(len(triples), max_rows)
        return QueryResult("graph", triples=sorted(triples))


def _check_size(count: int, max_rows: int | None) -> None:
    if max_rows is not None and count > max_rows:
        raise ResultTooLarge(f"the result has more than {max_rows} rows (the result-size limit)")


_OX_POSITION = re.compile(r"^error at (\d+):(\d+): (.*)$", re.DOTALL)


def _oxigraph_syntax_error(text: str, query: str) -> QuerySyntaxError:
    """Oxigraph says "error at LINE:COLUMN: message"; split that into its parts."""
    match = _OX_POSITION.match(text)
    if not match:
        return QuerySyntaxError(text, query, None, None)
    line, column, message = int(match[1]), int(match[2]), match[3]
    return QuerySyntaxError(message, query, line, column)


def open_engine(name: str = DEFAULT_ENGINE):
    """An empty engine by name."""
    engines = {"oxigraph": OxigraphEngine, "rdflib": RdflibEngine}
    if name not in engines:
        raise UnknownEngine(f"unknown engine {name!r} (choose from {', '.join(ENGINES)})")
    return engines[name]()


def load_graph(path: str | Path, engine: str = DEFAULT_ENGINE):
    """An engine holding the graph of one RDF file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such graph file")
    store = open_engine(engine)
    store.load(path)
    return store
