"""Documentation of the ontology (Markdown and HTML), generated from ontology/pko.ttl.

Generated rather than written by hand so that it never drifts from the ontology: every
class and property with its label, comment, domain, range and standard parent.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

import click
from rdflib import Graph, Node, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from .atomic import write_text_atomic
from .export import ONTOLOGY_IRI, GraphFileError, compact_term, load_graph
from .namespaces import PKO, PREFIXES
from .resources import ontology_dir

# A rendered expression: pieces of text, each linked to an IRI or not ("pko:A or pko:B").
Expression = tuple[tuple[str, str | None], ...]
ANY_ENTITY: Expression = (("any entity", None),)
NOTHING: Expression = (("—", None),)
SECTIONS = (
    ("Classes", OWL.Class, False),
    ("Object properties", OWL.ObjectProperty, True),
    ("Datatype properties", OWL.DatatypeProperty, True),
    ("Annotation properties", OWL.AnnotationProperty, True),
)
CHARACTERISTICS = {OWL.SymmetricProperty: "symmetric", OWL.TransitiveProperty: "transitive",
                   OWL.FunctionalProperty: "functional"}


@dataclass(frozen=True)
class TermDoc:
    """What the documentation says about one class or property."""

    name: str  # prefixed name, "pko:owns"
    anchor: str  # local name, used as the HTML id
    depth: int  # nesting under its pko: parent, for the hierarchy
    label: str
    comment: str
    parents: Expression
    domain: Expression
    range: Expression
    characteristics: tuple[str, ...]


@dataclass(frozen=True)
class OntologyDoc:
    title: str
    description: str
    iri: str
    version: str
    sections: tuple[tuple[str, bool, tuple[TermDoc, ...]], ...]  # (heading, is property, terms)


def _local(term: Node) -> str:
    return str(term)[len(str(PKO)):]


def _is_pko(term: Node) -> bool:
    return isinstance(term, URIRef) and term.startswith(str(PKO))


def _reference(term: URIRef) -> tuple[str, str | None]:
    """A term's prefixed name, linked within the page for pko: terms, else to its IRI."""
    return (compact_term(term), f"#{_local(term)}" if _is_pko(term) else str(term))


def _expression(ontology: Graph, node: Node | None) -> Expression:
    """A class or property expression in words: unions as "A or B", inverses as "inverse of"."""
    if node is None:
        return NOTHING
    if isinstance(node, URIRef):
        return (_reference(node),)
    union = ontology.value(node, OWL.unionOf)
    if union is not None:
        pieces: list[tuple[str, str | None]] = []
        for index, member in enumerate(Collection(ontology, union)):
            pieces.extend(((" or ", None),) if index else ())
            pieces.extend(_expression(ontology, member))
        return tuple(pieces)
    inverse = ontology.value(node, OWL.inverseOf)
    if inverse is not None:
        return (("inverse of ", None), *_expression(ontology, inverse))
    return ((node.n3(), None),)


def _parents(ontology: Graph, term: URIRef, link: URIRef) -> Expression:
    parents = sorted(ontology.objects(term, link), key=lambda p: (not _is_pko(p), str(p)))
    pieces: list[tuple[str, str | None]] = []
    for index, parent in enumerate(parents):
        pieces.extend(((", ", None),) if index else ())
        pieces.extend(_expression(ontology, parent))
    return tuple(pieces) or NOTHING


def _hierarchy(ontology: Graph, terms: list[URIRef], link: URIRef) -> list[tuple[URIRef, int]]:
    """Terms depth-first under their pko: parents, siblings by name: the tree reads top-down."""
    members = set(terms)
    children: dict[URIRef | None, list[URIRef]] = {}
    for term in terms:
        pko_parents = [p for p in ontology.objects(term, link) if p in members]
        for parent in pko_parents or [None]:
            children.setdefault(parent, []).append(term)
    ordered: list[tuple[URIRef, int]] = []

    def visit(parent: URIRef | None, depth: int) -> None:
        for child in sorted(children.get(parent, []), key=_local):
            ordered.append((child, depth))
            visit(child, depth + 1)

    visit(None, 0)
    return ordered


def _term_doc(ontology: Graph, term: URIRef, depth: int, is_property: bool) -> TermDoc:
    link = RDFS.subPropertyOf if is_property else RDFS.subClassOf
    object_property = (term, RDF.type, OWL.ObjectProperty) in ontology
    range_node = ontology.value(term, RDFS.range)
    return TermDoc(
        name=compact_term(term),
        anchor=_local(term),
        depth=depth,
        label=str(ontology.value(term, RDFS.label) or ""),
        comment=str(ontology.value(term, RDFS.comment) or ""),
        parents=_parents(ontology, term, link),
        domain=_expression(ontology, ontology.value(term, RDFS.domain)) if is_property else (),
        range=(ANY_ENTITY if object_property and range_node is None
               else _expression(ontology, range_node)) if is_property else (),
        characteristics=tuple(word for kind, word in CHARACTERISTICS.items()
                              if (term, RDF.type, kind) in ontology),
    )


def document_ontology(ontology: Graph) -> OntologyDoc:
    """Everything the pages show, read from the ontology graph."""
    sections = []
    for heading, kind, is_property in SECTIONS:
        terms = [t for t in ontology.subjects(RDF.type, kind) if _is_pko(t)]
        link = RDFS.subPropertyOf if is_property else RDFS.subClassOf
        docs = tuple(_term_doc(ontology, term, depth, is_property)
                     for term, depth in _hierarchy(ontology, terms, link))
        sections.append((heading, is_property, docs))
    return OntologyDoc(
        title=str(ontology.value(ONTOLOGY_IRI, DCTERMS.title) or "Ontology"),
        description=str(ontology.value(ONTOLOGY_IRI, DCTERMS.description) or ""),
        iri=str(ONTOLOGY_IRI),
        version=str(ontology.value(ONTOLOGY_IRI, OWL.versionInfo) or "unknown"),
        sections=tuple(sections),
    )


# --------------------------------------------------------------------------- Markdown


def _md_cell(text: str) -> str:
    """Text safe in a Markdown table cell: no raw HTML, no cell breaks, no line breaks."""
    escaped = html.escape(text, quote=False)
    return escaped.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _md_expression(expression: Expression) -> str:
    return "".join(f"[`{text}`]({link})" if link else _md_cell(text) for text, link in expression)


def render_markdown(doc: OntologyDoc) -> str:
    lines = [f"# {_md_cell(doc.title)}", "", _md_cell(doc.description), "",
             f"- IRI: <{doc.iri}>", f"- Version: {_md_cell(doc.version)}",
             "- Generated from `ontology/pko.ttl` by `graphbuild ontology-docs`; do not edit.",
             "", "## Prefixes", "", "| prefix | namespace |", "|---|---|"]
    lines += [f"| `{prefix}:` | <{ns}> |" for prefix, ns in PREFIXES.items()]
    for heading, is_property, terms in doc.sections:
        lines += ["", f"## {heading}", ""]
        if is_property:
            lines += ["| property | label | comment | domain | range | parent |",
                      "|---|---|---|---|---|---|"]
        else:
            lines += ["| class | label | comment | parent |", "|---|---|---|---|"]
        for term in terms:
            indent = "↳ " * term.depth
            comment = _md_cell(term.comment)
            if term.characteristics:
                comment += f" *({', '.join(term.characteristics)})*"
            cells = [f'{indent}<a id="{term.anchor}"></a>`{term.name}`', _md_cell(term.label),
                     comment]
            if is_property:
                cells += [_md_expression(term.domain), _md_expression(term.range)]
            cells.append(_md_expression(term.parents))
            lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- HTML

HTML_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem;
       line-height: 1.45; color: #1b1b1b; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2rem; }
th, td { border: 1px solid #ccc; padding: .35rem .5rem; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
code { font-size: .92em; }
td.term { white-space: nowrap; }
"""


def _h(text: str) -> str:
    return html.escape(text, quote=True)


def _html_expression(expression: Expression) -> str:
    return "".join(f'<a href="{_h(link)}"><code>{_h(text)}</code></a>' if link else _h(text)
                   for text, link in expression)


def render_html(doc: OntologyDoc) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{_h(doc.title)}</title>", f"<style>{HTML_STYLE}</style>", "</head>", "<body>",
           f"<h1>{_h(doc.title)}</h1>", f"<p>{_h(doc.description)}</p>",
           (f'<p>IRI: <a href="{_h(doc.iri)}"><code>{_h(doc.iri)}</code></a><br>'
           f"Version: {_h(doc.version)}<br>Generated from <code>ontology/pko.ttl</code> by "
           "<code>graphbuild ontology-docs</code>; do not edit.</p>"),
           "<h2>Prefixes</h2>", "<table>", "<tr><th>prefix</th><th>namespace</th></tr>"]
    out += [f"<tr><td><code>{_h(prefix)}:</code></td><td><code>{_h(str(ns))}</code></td></tr>"
            for prefix, ns in PREFIXES.items()]
    out.append("</table>")
    for heading, is_property, terms in doc.sections:
        headers = (["property", "label", "comment", "domain", "range", "parent"] if is_property
                   else ["class", "label", "comment", "parent"])
        out += [f"<h2>{_h(heading)}</h2>", "<table>",
                "<tr>" + "".join(f"<th>{h}</th>" for h in headers) + "</tr>"]
        for term in terms:
            comment = _h(term.comment)
            if term.characteristics:
                comment += f" <em>({_h(', '.join(term.characteristics))})</em>"
            cells = [(f'<td class="term" id="{_h(term.anchor)}" '
                     f'style="padding-left: {0.5 + 1.5 * term.depth}rem">'
                     f"<code>{_h(term.name)}</code></td>"),
                     f"<td>{_h(term.label)}</td>", f"<td>{comment}</td>"]
            if is_property:
                cells += [f"<td>{_html_expression(term.domain)}</td>",
                          f"<td>{_html_expression(term.range)}</td>"]
            cells.append(f"<td>{_html_expression(term.parents)}</td>")
            out.append("<tr>" + "".join(cells) + "</tr>")
        out.append("</table>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


def write_ontology_docs(out_dir: str | Path, ontology_file: str | Path | None = None
                        ) -> list[Path]:
    """Write ontology.md and ontology.html into `out_dir`; returns their paths."""
    ontology = load_graph(ontology_file or ontology_dir() / "pko.ttl")
    doc = document_ontology(ontology)
    out_dir = Path(out_dir)
    written = []
    for name, text in (("ontology.md", render_markdown(doc)), ("ontology.html", render_html(doc))):
        write_text_atomic(out_dir / name, text)
        written.append(out_dir / name)
    return written


@click.command("ontology-docs")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(path_type=Path), help="Folder for ontology.md and ontology.html.")
def ontology_docs_command(out_dir: Path) -> None:
    """Write the ontology's documentation (Markdown and HTML) from ontology/pko.ttl."""
    try:
        written = write_ontology_docs(out_dir)
    except GraphFileError as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"{out_dir}: cannot write: {error.strerror}") from error
    for path in written:
        click.echo(f"wrote {path}")
