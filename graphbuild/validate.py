"""Check a graph against the contract's SHACL shapes (ontology/shapes.ttl) and explain the result.

pyshacl runs without inference (the graph carries its own ontology, and SHACL's class
targets already follow rdfs:subClassOf in the data) and with SHACL Advanced Features on,
because entities are selected by a SPARQL target. Each broken rule becomes a `Violation`
that names the node, the rule and, where it helps, the offending values.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from pyshacl import validate as shacl_validate
from rdflib import Graph, Node, URIRef
from rdflib.namespace import RDF, RDFS

from .export import GraphFileError, compact_term, load_graph
from .namespaces import SH
from .resources import ontology_dir

SHAPES_FILE_NAME = "shapes.ttl"
SHAPES_NAMESPACE = "https://w3id.org/probation-kg/shapes#"
MAX_VALUES_SHOWN = 3


@dataclass(frozen=True, order=True)
class Violation:
    """One broken rule, in words: the node, the rule and what was found."""

    focus: str  # the node that breaks the rule, compacted ("pk:chris-grayling")
    rule: str  # local name of the rule in ontology/shapes.ttl ("EntityHasOneLabel")
    message: str  # the rule in plain language
    severity: str  # "Violation" or "Warning"
    focus_label: str = ""  # the node's rdfs:label, or the fact an assertion evidences
    path: str = ""  # the property concerned, compacted
    values: tuple[str, ...] = ()  # offending or found values

    def describe(self) -> str:
        """One line for a person: which node, which rule, what is wrong."""
        who = f"{self.focus} ({self.focus_label})" if self.focus_label else self.focus
        found = f" [{self.path}: {', '.join(self.values)}]" if self.values else ""
        return f"{self.severity}: {who} breaks rule {self.rule}: {self.message}{found}"


def compact(node: Node) -> str:
    """A node in prefixed form (contract prefixes, or pksh: for rules) when one fits."""
    if isinstance(node, URIRef) and str(node).startswith(SHAPES_NAMESPACE):
        return f"pksh:{str(node)[len(SHAPES_NAMESPACE):]}"
    return compact_term(node)


def shapes_path() -> Path:
    return ontology_dir() / SHAPES_FILE_NAME


def validate_graph(data: Graph, shapes: Graph | None = None) -> list[Violation]:
    """Every result pyshacl reports for `data` (violations and warnings), sorted."""
    shapes = shapes if shapes is not None else load_graph(shapes_path())
    _conforms, report, _text = shacl_validate(
        data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
    )
    if not isinstance(report, Graph):  # pyshacl returns, not raises, its own failures
        raise GraphFileError(f"{shapes_path()}: the shapes cannot be applied: {report}")
    results = report.subjects(RDF.type, SH.ValidationResult)
    return sorted(_violation(data, report, result) for result in results)


def validate_file(path: str | Path) -> list[Violation]:
    return validate_graph(load_graph(path))


def failures(violations: list[Violation]) -> list[Violation]:
    """The results that make a graph non-conforming (warnings excluded)."""
    return [v for v in violations if v.severity == "Violation"]


def _violation(data: Graph, report: Graph, result: Node) -> Violation:
    focus = report.value(result, SH.focusNode)
    path = report.value(result, SH.resultPath)
    value = report.value(result, SH.value)
    rule = _rule_of(report, result)
    values = (value,) if value is not None else _values_at(data, focus, path)
    return Violation(
        focus=compact(focus),
        rule=rule,
        message=str(report.value(result, SH.resultMessage) or ""),
        severity=str(report.value(result, SH.resultSeverity)).removeprefix(str(SH)),
        focus_label=_describe_node(data, focus),
        path=compact(path) if isinstance(path, URIRef) else "",
        values=tuple(compact(v) for v in values),
    )


def _rule_of(report: Graph, result: Node) -> str:
    """The named rule: the SPARQL constraint if one fired, else the property or node shape."""
    for predicate in (SH.sourceConstraint, SH.sourceShape):
        source = report.value(result, predicate)
        if isinstance(source, URIRef) and str(source).startswith(SHAPES_NAMESPACE):
            return str(source)[len(SHAPES_NAMESPACE):]
    return compact(report.value(result, SH.sourceConstraintComponent))


def _values_at(data: Graph, focus: Node, path: Node) -> tuple[Node, ...]:
    """The values a count rule found (two labels, say), so the report can show them."""
    if not isinstance(path, URIRef):
        return ()
    return tuple(sorted(data.objects(focus, path), key=str)[:MAX_VALUES_SHOWN])


def _describe_node(data: Graph, node: Node) -> str:
    """A label for the report: the entity's label, or the fact an assertion evidences."""
    labels = sorted(str(label) for label in data.objects(node, RDFS.label))
    if labels:
        return " / ".join(labels)
    fact = [data.value(node, p) for p in (RDF.subject, RDF.predicate, RDF.object)]
    if all(part is not None for part in fact):
        return "evidence of " + " ".join(compact(part) for part in fact)
    return ""


@click.command("validate")
@click.argument("graph_file", default="out/graph.ttl", type=click.Path(path_type=Path))
def validate_command(graph_file: Path) -> None:
    """Check GRAPH_FILE (default out/graph.ttl) against ontology/shapes.ttl; list each broken
    rule in words and exit with status 1 if any rule is violated (warnings do not fail)."""
    try:
        results = validate_file(graph_file)
    except GraphFileError as error:
        raise click.ClickException(str(error)) from error
    for result in results:
        click.echo(result.describe())
    broken = failures(results)
    warnings = len(results) - len(broken)
    if broken:
        click.echo(f"{graph_file}: {len(broken)} violation(s), {warnings} warning(s)", err=True)
        sys.exit(1)
    click.echo(f"{graph_file}: conforms to the shapes ({warnings} warning(s))")
