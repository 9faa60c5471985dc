"""Stored questions, running a query with bound parameters, and the output formats.

A stored question is a `.rq` file in graphbuild/queries/ whose leading comments say
`# title:`, `# description:` and `# param: NAME: what it is` for each parameter. A
parameter is bound as an RDF literal by the engine and is projected by the query
(Oxigraph substitutes only projected variables); the runner hides those echo columns.
A query may also project `?NAMEKey`: the runner binds it to the parameter's
lower-cased form, to be matched against pko:nameKey (see `key_bindings`).
"""

from __future__ import annotations

import csv
import functools
import io
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import click

from .namespaces import PREFIXES
from .rdfgraph import name_key
from .store import (
    DEFAULT_ENGINE,
    ENGINES,
    QueryResult,
    QuerySyntaxError,
    ResultTooLarge,
    Term,
    load_graph,
)

SELECT_FORMATS = ("table", "csv", "tsv", "json", "xml")
GRAPH_FORMATS = ("turtle", "nt", "jsonld", "rdfxml")
RESULT_MEDIA_TYPES = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
    "turtle": "text/turtle",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
    "table": "text/plain",
}
TABLE_CELL_WIDTH = 60
_HEADER = re.compile(r"^#\s*(title|description|param)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    optional: bool = False  # `# param: name?: ...`; left out, it is bound to ""

    def usage(self) -> str:
        return f"[--param {self.name}=...]" if self.optional else f"--param {self.name}=..."


@dataclass(frozen=True)
class StoredQuestion:
    name: str
    title: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str

    def as_dict(self) -> dict:
        return {
            "name": self.name, "title": self.title, "description": self.description,
            "parameters": [{"name": p.name, "description": p.description,
                            "optional": p.optional} for p in self.parameters],
            "query": self.text,
        }


class QuestionError(ValueError):
    """A stored question that is unknown, malformed, or called with the wrong parameters."""


def parse_question(name: str, text: str) -> StoredQuestion:
    """Read the header comments of one `.rq` file."""
    fields: dict[str, str] = {}
    parameters = []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER.match(line)
        if not match:
            continue
        key, value = match[1], match[2]
        if key == "param":
            param_name, _, description = value.partition(":")
            param_name = param_name.strip()
            parameters.append(Parameter(param_name.rstrip("?"), description.strip(),
                                        param_name.endswith("?")))
        else:
            fields[key] = value
    missing = [k for k in ("title", "description") if not fields.get(k)]
    if missing:
        raise QuestionError(f"{name}.rq: header lacks {' and '.join(missing)}")
    return StoredQuestion(name, fields["title"], fields["description"], tuple(parameters), text)


def stored_questions() -> dict[str, StoredQuestion]:
    """Every stored question shipped in the package, by name (the file name without .rq)."""
    folder = resources.files("graphbuild") / "queries"
    questions = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            name = entry.name[: -len(".rq")]
            questions[name] = parse_question(name, entry.read_text(encoding="utf-8"))
    return questions


def resolve_query(source: str) -> tuple[str, StoredQuestion | None]:
    """Query text for a stored question name or a .rq file path."""
    questions = stored_questions()
    if source in questions:
        return questions[source].text, questions[source]
    path = Path(source)
    if path.is_file():
        return path.read_text(encoding="utf-8"), None
    known = ", ".join(questions)
    raise QuestionError(f"{source}: neither a query file nor a stored question (known: {known})")


def parse_params(pairs: list[str] | tuple[str, ...]) -> dict[str, str]:
    """`name=value` strings into a mapping; the value is kept verbatim (it becomes a literal)."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise QuestionError(f"--param {pair!r}: expected name=value with a SPARQL variable name")
        params[name] = value
    return params


def check_params(question: StoredQuestion | None, params: Mapping[str, str]) -> None:
    """A stored question needs exactly its declared parameters."""
    if question is None:
        return
    declared = {p.name for p in question.parameters}
    missing = sorted({p.name for p in question.parameters if not p.optional} - set(params))
    unknown = sorted(set(params) - declared)
    if missing or unknown:
        usage = " ".join(p.usage() for p in question.parameters) or "no parameters"
        problems = []
        if missing:
            problems.append(f"missing {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown {', '.join(unknown)}")
        raise QuestionError(f"question {question.name!r}: {'; '.join(problems)} (usage: {usage})")


def key_bindings(text: str, params: Mapping[str, str]) -> dict[str, str]:
    """`?NAMEKey` for each parameter NAME the query uses it for: the value's pko:nameKey form.

    SPARQL cannot look a computed value up in an index (Oxigraph would compare every
    key), so the lower-cased form is computed here and bound like the parameter itself.
    """
    return {f"{name}Key": name_key(value) for name, value in params.items()
            if re.search(rf"\?{re.escape(name)}Key\b", text)}


def run(engine, text: str, params: Mapping[str, str] | None = None,
        question: StoredQuestion | None = None, max_rows: int | None = None) -> QueryResult:
    """Run a query with its parameters bound as literals; parameter echo columns are hidden."""
    params = dict(params or {})
    check_params(question, params)
    if question is not None:  # an optional parameter left out is bound to ""
        params.update({p.name: "" for p in question.parameters
                       if p.optional and p.name not in params})
    bindings = {**params, **key_bindings(text, params)}
    return engine.run(text, bindings, max_rows).without(bindings)


# ---- reads outside the graph ---------------------------------------------------------
#
# A SPARQL query can make the engine read something that is not the graph: `SERVICE <iri>`
# sends the sub-query to another server (pyoxigraph and rdflib both federate by default,
# and pyoxigraph has no switch to stop it), `FROM <iri>` / `FROM NAMED <iri>` name a
# dataset that rdflib loads from the IRI (file: IRIs included) when it runs over a
# Dataset, and UPDATE's `LOAD <iri>` fetches a document. `graphbuild serve` refuses them
# (see `refusal`); `graphbuild query` is the operator's own tool and federates SERVICE.

# One SPARQL token at a time. Comments, string literals (which may hold "SERVICE") and
# IRIs are whole tokens, so a keyword is only ever seen where the engine would see one.
# Unterminated strings run to the end of the line (or text): the scan stays linear.
_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<comment>\#[^\n\r]*)
      | (?P<string>'''(?:[^'\\]|\\.|'(?!''))*(?:''')?
                  | \"\"\"(?:[^"\\]|\\.|"(?!""))*(?:\"\"\")?
                  | '(?:[^'\\\n\r]|\\.)*'? | "(?:[^"\\\n\r]|\\.)*"?)
      | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
      | (?P<var>[?$]\w*)
      | (?P<lang>@[A-Za-z]+(?:-[A-Za-z0-9]+)*)
      | (?P<pname>(?:[^\W\d][\w.\-]*)?:[\w.\-:%\\]*)
      | (?P<word>[^\W\d]\w*)
      | (?P<other>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class OutsideRead:
    """One way a query reads outside the graph: SERVICE, FROM, FROM NAMED or LOAD, and what."""

    kind: str
    target: str  # the IRI as written (<...>), a variable (?v), or "" when not known

    def __str__(self) -> str:
        return f"{self.kind} {self.target}".strip()


def _significant_tokens(text: str):
    """(kind, text) of each token but white space and comments, lazily."""
    for match in _TOKEN.finditer(text):
        if match.lastgroup not in ("space", "comment"):
            yield match.lastgroup, match.group()


_MODIFIERS = {"SERVICE": "SILENT", "LOAD": "SILENT", "FROM": "NAMED"}


def scan_outside_reads(text: str) -> list[OutsideRead]:
    """SERVICE, FROM and LOAD keywords found by tokenising the query (fast, linear).

    The text is scanned as written (as Oxigraph reads it) and with its \\u escapes
    expanded first (as the SPARQL grammar and rdflib read it: `\\u0053ERVICE` is SERVICE).
    """
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes

    found: dict[OutsideRead, None] = {}  # in order, each once
    views = [text]
    try:
        expanded = expandUnicodeEscapes(text)
    except (ValueError, OverflowError):  # a malformed escape: the engines reject it too
        expanded = text
    if expanded != text:
        views.append(expanded)
    for view in views:
        tokens = _significant_tokens(view)
        for kind, value in tokens:
            keyword = value.upper()
            if kind != "word" or keyword not in _MODIFIERS:
                continue
            target = next(tokens, ("", ""))[1]
            if target.upper() == _MODIFIERS[keyword]:  # SERVICE SILENT, FROM NAMED, LOAD SILENT
                keyword = "FROM NAMED" if keyword == "FROM" else keyword
                target = next(tokens, ("", ""))[1]
            found[OutsideRead(keyword, target)] = None
    return list(found)


def _target(term) -> str:
    from rdflib import URIRef, Variable
    from rdflib.plugins.sparql.parserutils import CompValue

    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, Variable):
        return f"?{term}"
    if isinstance(term, CompValue) and term.name == "pname":
        return f"{dict.get(term, 'prefix') or ''}:{dict.get(term, 'localname') or ''}"
    return ""


def _parse_tree_reads(tree) -> list[OutsideRead]:
    """SERVICE patterns, dataset clauses and LOADs anywhere in an rdflib parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    found: list[OutsideRead] = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):  # (its .get() answers the key itself when absent)
            if node.name == "ServiceGraphPattern":
                found.append(OutsideRead("SERVICE", _target(dict.get(node, "term"))))
            elif node.name in ("DatasetClause", "UsingClause"):
                named = dict.get(node, "named")
                kind = "FROM NAMED" if named is not None else "FROM"
                found.append(OutsideRead(kind, _target(named if named is not None
                                                       else dict.get(node, "default"))))
            elif node.name == "Load":
                found.append(OutsideRead("LOAD", _target(dict.get(node, "iri"))))
            stack.extend(dict.values(node))
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
    return found


@functools.lru_cache(maxsize=128)
def _cached_outside_reads(text: str) -> tuple[OutsideRead, ...]:
    return _outside_reads(text)


def _outside_reads(text: str) -> tuple[OutsideRead, ...]:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    found = dict.fromkeys(scan_outside_reads(text))
    for parse in (parseQuery, parseUpdate):
        try:
            tree = parse(text)
        except (ParseException, ValueError, TypeError, RecursionError):
            continue
        found.update(dict.fromkeys(_parse_tree_reads(tree)))
        break
    return tuple(found)


def outside_reads(text: str) -> list[OutsideRead]:
    """Every SERVICE, FROM, FROM NAMED and LOAD in a query or update, decided on its parse.

    rdflib's SPARQL parser (the one its engine runs) gives the tree, walked for
    ServiceGraphPattern, DatasetClause/UsingClause and Load nodes at any depth (sub-queries,
    OPTIONAL, UNION, FILTER EXISTS, MINUS, GRAPH). The token scan is added to it, so a query
    that rdflib cannot parse but Oxigraph can (its extensions) is still covered. Neither is
    fooled by comments or string literals.
    """
    if len(text) <= 20_000:  # stored questions and everyday queries: parsed once
        return list(_cached_outside_reads(text))
    return list(_outside_reads(text))


SERVICE_SCHEMES = ("http://", "https://")


def _listed(reads: list[OutsideRead], most: int = 3) -> str:
    shown = ", ".join(str(r)[:200] for r in reads[:most])
    return shown + (f" and {len(reads) - most} more" if len(reads) > most else "")


def refusal(reads: list[OutsideRead], allow_service: bool = False) -> str | None:
    """Why a public endpoint must not run a query that reads these, or None if it may.

    SERVICE is refused unless the operator allowed federation, and even then it must name
    an http(s) endpoint outright (no variables, no file: IRIs). FROM, FROM NAMED and LOAD
    are always refused: the endpoint answers from its own graph and never loads anything.
    """
    reasons = []
    services = [r for r in reads if r.kind == "SERVICE"]
    if services and not allow_service:
        reasons.append(
            f"SERVICE is refused ({_listed(services)}): this endpoint does not "
            "send requests to other servers (federation is off unless the operator starts "
            "it with `graphbuild serve --allow-service`)")
    elif services:
        odd = [r for r in services
               if not r.target.lower().startswith(tuple("<" + s for s in SERVICE_SCHEMES))]
        if odd:
            reasons.append(f"SERVICE must name an http:// or https:// endpoint IRI "
                           f"({_listed(odd)})")
    datasets = [r for r in reads if r.kind in ("FROM", "FROM NAMED")]
    if datasets:
        reasons.append(
            f"{_listed(datasets)} is refused: this endpoint answers from its own "
            "graph and loads no dataset (drop the FROM clause; use GRAPH <iri> { ... } for a "
            "named graph)")
    loads = [r for r in reads if r.kind == "LOAD"]
    if loads:
        reasons.append(f"{_listed(loads)} is refused: this endpoint is read-only "
                       "and loads nothing")
    return "; ".join(reasons) or None


def is_service_failure(message: str) -> bool:
    """Whether an engine error may carry a remote endpoint's answer (Oxigraph says "Error 501
    Not Implemented returned by http://... with payload: <the remote body>")."""
    return bool(re.search(r"returned by|payload", message, re.IGNORECASE))


def without_remote_answer(message: str) -> str:
    """An engine error with the remote endpoint's answer cut off (all from "with payload")."""
    return re.split(r"\s*with payload", message, maxsplit=1, flags=re.IGNORECASE)[0]


# ---- output formats ---------------------------------------------------------------


def compact_iri(iri: str) -> str:
    """pk:peopleplus rather than the full IRI, for the terminal table."""
    best = ""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(str(ns)) and len(str(ns)) > len(best):
            best, best_prefix = str(ns), prefix
    return f"{best_prefix}:{iri[len(best):]}" if best else f"<{iri}>"


def _cell(term: Term | None) -> str:
    if term is None:
        return ""
    if term.kind == "uri":
        return compact_iri(term.value)
    if term.kind == "bnode":
        return f"_:{term.value}"
    return " ".join(term.value.split())


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def format_table(result: QueryResult, width: int = TABLE_CELL_WIDTH) -> str:
    """An aligned text table; long cells are cut with an ellipsis."""
    if result.form == "ask":
        return ("true" if result.boolean else "false") + "\n"
    header = result.variables
    body = [[_cut(_cell(t), width) for t in row] for row in result.rows]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines) + "\n"


def _json_term(term: Term) -> dict:
    out = {"type": term.kind, "value": term.value}
    if term.lang:
        out["xml:lang"] = term.lang
    elif term.datatype:
        out["datatype"] = term.datatype
    return out


def format_json(result: QueryResult) -> str:
    """SPARQL 1.1 Query Results JSON."""
    if result.form == "ask":
        return json.dumps({"head": {}, "boolean": bool(result.boolean)}) + "\n"
    bindings = [
        {v: _json_term(t) for v, t in zip(result.variables, row) if t is not None}
        for row in result.rows
    ]
    doc = {"head": {"vars": result.variables}, "results": {"bindings": bindings}}
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def format_xml(result: QueryResult) -> str:
    """SPARQL Query Results XML."""
    out = ['<?xml version="1.0"?>', '<sparql xmlns="http://www.w3.org/2005/sparql-results#">']
    if result.form == "ask":
        out += ["<head/>", f"<boolean>{'true' if result.boolean else 'false'}</boolean>"]
    else:
        out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
                   + "</head>")
        out.append("<results>")
        for row in result.rows:
            cells = "".join(
                f"<binding name={quoteattr(v)}>{_xml_term(t)}</binding>"
                for v, t in zip(result.variables, row) if t is not None
            )
            out.append(f"<result>{cells}</result>")
        out.append("</results>")
    out.append("</sparql>")
    return "\n".join(out) + "\n"


def _xml_term(term: Term) -> str:
    if term.kind == "uri":
        return f"<uri>{escape(term.value)}</uri>"
    if term.kind == "bnode":
        return f"<bnode>{escape(term.value)}</bnode>"
    attr = ""
    if term.lang:
        attr = f" xml:lang={quoteattr(term.lang)}"
    elif term.datatype:
        attr = f" datatype={quoteattr(term.datatype)}"
    return f"<literal{attr}>{escape(term.value)}</literal>"


def format_csv(result: QueryResult) -> str:
    """SPARQL 1.1 CSV: plain values, CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    if result.form == "ask":
        writer.writerow(["boolean"])
        writer.writerow(["true" if result.boolean else "false"])
        return buffer.getvalue()
    writer.writerow(result.variables)
    for row in result.rows:
        writer.writerow(["" if t is None else (f"_:{t.value}" if t.kind == "bnode" else t.value)
                         for t in row])
    return buffer.getvalue()


def format_tsv(result: QueryResult) -> str:
    """SPARQL 1.1 TSV: terms in N-Triples syntax."""
    if result.form == "ask":
        return f"?boolean\n{'true' if result.boolean else 'false'}\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join("" if t is None else t.n3() for t in row) for row in result.rows]
    return "\n".join(lines) + "\n"


def format_graph(result: QueryResult, fmt: str) -> bytes:
    """CONSTRUCT / DESCRIBE results as Turtle, N-Triples, JSON-LD or RDF/XML (pyoxigraph)."""
    import pyoxigraph as ox

    def node(term: Term):
        if term.kind == "uri":
            return ox.NamedNode(term.value)
        if term.kind == "bnode":
            return ox.BlankNode(term.value)
        if term.lang:
            return ox.Literal(term.value, language=term.lang)
        if term.datatype:
            return ox.Literal(term.value, datatype=ox.NamedNode(term.datatype))
        return ox.Literal(term.value)

    triples = [ox.Triple(node(s), node(p), node(o)) for s, p, o in sorted(result.triples)]
    rdf_format = {"turtle": ox.RdfFormat.TURTLE, "nt": ox.RdfFormat.N_TRIPLES,
                  "jsonld": ox.RdfFormat.JSON_LD, "rdfxml": ox.RdfFormat.RDF_XML}[fmt]
    prefixes = {p: str(ns) for p, ns in PREFIXES.items()} if fmt != "nt" else None
    return ox.serialize(triples, format=rdf_format, prefixes=prefixes)


def default_format(result: QueryResult) -> str:
    return "turtle" if result.form == "graph" else "table"


def render(result: QueryResult, fmt: str | None = None) -> bytes:
    """The result in one of SELECT_FORMATS (SELECT/ASK) or GRAPH_FORMATS (CONSTRUCT/DESCRIBE)."""
    fmt = fmt or default_format(result)
    if result.form == "graph":
        if fmt not in GRAPH_FORMATS:
            raise QuestionError(f"--format {fmt}: graph results are written as "
                                f"{', '.join(GRAPH_FORMATS)}")
        return format_graph(result, fmt)
    writers = {"table": format_table, "csv": format_csv, "tsv": format_tsv,
               "json": format_json, "xml": format_xml}
    if fmt not in writers:
        raise QuestionError(f"--format {fmt}: SELECT and ASK results are written as "
                            f"{', '.join(SELECT_FORMATS)}")
    return writers[fmt](result).encode("utf-8")


def format_question_list(questions: Mapping[str, StoredQuestion]) -> str:
    """`graphbuild query --list`: name, title, parameters, description."""
    lines = []
    for q in questions.values():
        params = " ".join(p.usage() for p in q.parameters)
        lines.append(f"{q.name}  {q.title}" + (f"  [{params}]" if params else ""))
        lines.append(f"    {q.description}")
    return "\n".join(lines) + "\n"


# ---- command line -----------------------------------------------------------------

DEFAULT_GRAPH = Path("out/graph.ttl")


def _load_engine(graph: Path, engine_name: str):
    """The graph loaded into an engine, or a ClickException naming the file."""
    try:
        return load_graph(graph, engine_name)
    except FileNotFoundError:
        raise click.ClickException(
            f"{graph}: graph file not found (run `graphbuild build` first, or pass --graph)"
        ) from None
    except (ValueError, SyntaxError, OSError) as error:
        raise click.ClickException(f"{graph}: cannot load the graph: {error}") from None


@click.command("query")
@click.argument("source", required=False)
@click.option("-q", "--query", "inline", help="The SPARQL query text itself.")
@click.option("--graph", type=click.Path(path_type=Path), default=DEFAULT_GRAPH,
              show_default=True, help="The RDF file to query.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Bind ?NAME to the literal VALUE (repeatable).")
@click.option("--format", "fmt", type=click.Choice(SELECT_FORMATS + GRAPH_FORMATS),
              help="Output format (default: table, or turtle for CONSTRUCT/DESCRIBE).")
@click.option("--engine", type=click.Choice(ENGINES), default=DEFAULT_ENGINE,
              show_default=True, help="SPARQL engine.")
@click.option("--list", "list_questions", is_flag=True, help="List the stored questions.")
def query_command(source, inline, graph, params, fmt, engine, list_questions):
    """Run SPARQL over the graph: -q TEXT, a .rq FILE, or a stored question NAME.

    The usual prefixes (pko, pk, rdf, rdfs, skos, prov, dcterms, org, foaf, schema,
    owl, xsd, ...) are declared already. Exit code 0 on success, 1 on any error.
    """
    if list_questions:
        click.echo(format_question_list(stored_questions()), nl=False)
        return
    if bool(source) == bool(inline):
        raise click.UsageError("give exactly one of: a stored question name, a .rq file, -q TEXT")
    try:
        text, question = (inline, None) if inline else resolve_query(source)
        bound = parse_params(params)
        check_params(question, bound)
    except QuestionError as error:
        raise click.ClickException(str(error)) from None
    store = _load_engine(graph, engine)
    label = source or "the -q query"
    try:
        result = run(store, text, bound, question)
        output = render(result, fmt)
    except QuerySyntaxError as error:
        raise click.ClickException(f"syntax error in {label}, {error.describe()}") from None
    except (QuestionError, ResultTooLarge, ValueError, OSError) as error:
        # OSError: a SERVICE call that failed (the command line federates; see the README)
        raise click.ClickException(f"{label}: {without_remote_answer(str(error))}") from None
    sys.stdout.buffer.write(output)
    sys.stdout.flush()
