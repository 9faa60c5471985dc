"""Export the graph in the RDF formats other projects load, each with a dataset description.

Formats: Turtle, N-Triples, N-Quads, TriG, JSON-LD and RDF/XML here; GraphML, GEXF and CSV
are network views written by `graphbuild.analytics.export_network`.

Determinism: Turtle, N-Triples, N-Quads and TriG are written by this module, sorted, with
the contract's prefixes and with blank nodes named from their content, so the same input
gives byte-identical output. The creation time in the dataset description is the one thing
that changes from run to run: it comes from the `created` argument, else from the
SOURCE_DATE_EPOCH environment variable (seconds since 1970, as for reproducible builds),
else from the clock.

Named graphs (TriG, N-Quads):
- `pkg:ontology`: the ontology (subjects in the pko: namespace or the ontology IRI, and
  the blank nodes they use);
- `pkg:<doc id>`, one per source document: the document node and its `pko:mentions`, the
  assertions derived from it, and every relation triple one of those assertions evidences
  (a relation evidenced by two documents is in both graphs);
- `pkg:entities`: entity declarations (type, label, alternative labels, and anything else
  said of an entity that no document evidences); an entity is one node across documents,
  so its declaration is stated once rather than copied into each document's graph;
- the default graph: the dataset description (VoID and DCAT), plus any triple that fits
  none of the above.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import click
from rdflib import BNode, Graph, Literal, Node, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD

from . import __version__
from .atomic import write_bytes_atomic
from .namespaces import DCAT, PK, PKD, PKG, PKO, PREFIXES, PROV, SCHEMA, VOID
from .resources import ontology_dir

Triple = tuple[Node, Node, Node]

RDF_FORMATS = ("turtle", "ntriples", "nquads", "trig", "jsonld", "rdfxml")
NETWORK_FORMATS = ("graphml", "gexf", "csv")
FORMATS = RDF_FORMATS + NETWORK_FORMATS
FORMAT_BY_EXTENSION = {
    ".ttl": "turtle", ".nt": "ntriples", ".nq": "nquads", ".trig": "trig",
    ".jsonld": "jsonld", ".json": "jsonld", ".rdf": "rdfxml", ".owl": "rdfxml", ".xml": "rdfxml",
    ".graphml": "graphml", ".gexf": "gexf", ".csv": "csv",
}
RDFLIB_PARSER_BY_EXTENSION = {".nt": "nt", ".rdf": "xml", ".owl": "xml", ".xml": "xml",
                              ".jsonld": "json-ld", ".json": "json-ld"}

ONTOLOGY_IRI = URIRef(str(PKO).rstrip("#"))
ONTOLOGY_GRAPH = PKG["ontology"]
ENTITIES_GRAPH = PKG["entities"]
DATASET = URIRef("https://w3id.org/probation-kg/dataset")
SOFTWARE = URIRef("https://w3id.org/probation-kg/software/graphbuild")
DESCRIPTION_SUBJECT_PREFIXES = (str(DATASET), str(SOFTWARE))
DATASET_TITLE = "Probation-policy knowledge graph"
DATASET_DESCRIPTION = (
    "Organisations, people, policies, interventions, tools and documents of UK probation "
    "policy and the relations between them, extracted from a corpus of documents; every "
    "relation carries pko:Assertion evidence records pointing at the sentence it came from. "
    "Triple counts describe the graph without this description."
)

# Turtle short forms: a local name safe in every Turtle parser, and bare numbers/booleans.
SAFE_LOCAL_NAME = re.compile(r"^[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_-])?$")
BARE_LITERALS = {
    XSD.integer: re.compile(r"^[+-]?[0-9]+$"),
    XSD.decimal: re.compile(r"^[+-]?[0-9]*\.[0-9]+$"),
    XSD.boolean: re.compile(r"^(?:true|false)$"),
}
STRING_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t",
                  "\b": "\\b", "\f": "\\f"}
NEEDS_STRING_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f]')
NEEDS_IRI_ESCAPE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
LONG_LINE = 90  # characters of objects after a predicate before they go one per line


class GraphFileError(Exception):
    """An input file cannot be read or parsed; the message names the file."""


class ExportError(Exception):
    """An export cannot be made as asked (unknown format, say); the message says why."""


# --------------------------------------------------------------------------- reading


def load_graph(path: str | Path) -> Graph:
    """Parse an RDF file into rdflib (format from its extension, Turtle by default)."""
    path = Path(path)
    if not path.is_file():
        raise GraphFileError(f"{path}: no such file")
    graph = Graph()
    try:
        graph.parse(path, format=RDFLIB_PARSER_BY_EXTENSION.get(path.suffix.lower(), "turtle"))
    except Exception as error:  # rdflib's parsers raise many exception types
        raise GraphFileError(f"{path}: cannot parse: {error}") from error
    return graph


# --------------------------------------------------------------------------- terms


def _escape_string(text: str) -> str:
    if not NEEDS_STRING_ESCAPE.search(text):
        return text
    return "".join(STRING_ESCAPES.get(ch) or (f"\\u{ord(ch):04X}" if ch < " " or ch == "\x7f"
                                              else ch) for ch in text)


def _escape_iri(iri: str) -> str:
    if not NEEDS_IRI_ESCAPE.search(iri):
        return iri
    return NEEDS_IRI_ESCAPE.sub(lambda m: f"\\u{ord(m.group()):04X}", iri)


def blank_node_labels(triples: Iterable[Triple]) -> dict[BNode, str]:
    """Name each blank node from its content (colour refinement), so names survive re-parsing.

    Blank nodes that no refinement can tell apart are interchangeable: numbering them in any
    order gives the same output.
    """
    edges: dict[BNode, list[tuple[str, Node, bool]]] = defaultdict(list)
    for s, p, o in triples:
        if isinstance(s, BNode):
            edges[s].append(("+" + str(p), o, isinstance(o, BNode)))
        if isinstance(o, BNode):
            edges[o].append(("-" + str(p), s, isinstance(s, BNode)))
    if not edges:
        return {}
    colour = {node: "" for node in edges}
    for _ in range(len(edges)):
        refined = {
            node: hashlib.sha256("\n".join(sorted(
                f"{direction} {colour[other] if is_blank else other.n3()}"
                for direction, other, is_blank in node_edges
            )).encode()).hexdigest()
            for node, node_edges in edges.items()
        }
        settled = len(set(refined.values())) == len(set(colour.values()))
        colour = refined
        if settled:
            break
    seen: Counter[str] = Counter()
    labels = {}
    for node in sorted(edges, key=lambda n: colour[n]):
        digest = colour[node][:16]
        labels[node] = f"b{digest}" + (f"x{seen[digest]}" if seen[digest] else "")
        seen[digest] += 1
    return labels


class TermWriter:
    """Writes terms as N-Triples or Turtle, caching each (terms repeat a great deal)."""

    def __init__(self, blank_labels: dict[BNode, str]):
        self.blank_labels = blank_labels
        self._nt: dict[Node, str] = {}
        self._ttl: dict[Node, str] = {}
        self._namespaces = sorted(((str(ns), prefix) for prefix, ns in PREFIXES.items()),
                                  key=lambda pair: -len(pair[0]))

    def nt(self, term: Node) -> str:
        """N-Triples form (also valid in N-Quads, Turtle and TriG)."""
        cached = self._nt.get(term)
        if cached is None:
            cached = self._nt[term] = self._format_nt(term)
        return cached

    def ttl(self, term: Node) -> str:
        """Turtle form: prefixed names, bare numbers and plain strings where they are exact."""
        cached = self._ttl.get(term)
        if cached is None:
            cached = self._ttl[term] = self._format_ttl(term)
        return cached

    def _format_nt(self, term: Node) -> str:
        if isinstance(term, URIRef):
            return f"<{_escape_iri(str(term))}>"
        if isinstance(term, BNode):
            return f"_:{self.blank_labels[term]}"
        if isinstance(term, Literal):
            text = f'"{_escape_string(str(term))}"'
            if term.language:
                return f"{text}@{term.language}"
            if term.datatype and term.datatype != XSD.string:
                return f"{text}^^{self.nt(term.datatype)}"
            return text
        raise ExportError(f"cannot write RDF term {term!r}")

    def _format_ttl(self, term: Node) -> str:
        if isinstance(term, URIRef):
            return self._prefixed(str(term)) or self.nt(term)
        if isinstance(term, Literal) and term.datatype and not term.language:
            bare = BARE_LITERALS.get(term.datatype)
            if bare is not None and bare.match(str(term)):
                return str(term)
            if term.datatype != XSD.string:
                return f'"{_escape_string(str(term))}"^^{self.ttl(term.datatype)}'
        return self.nt(term)

    def _prefixed(self, iri: str) -> str | None:
        for namespace, prefix in self._namespaces:
            if iri.startswith(namespace):
                local = iri[len(namespace):]
                return f"{prefix}:{local}" if SAFE_LOCAL_NAME.match(local) else None
        return None


def compact_term(node: Node) -> str:
    """A term for people to read: a prefixed name when one fits, a quoted literal, or <IRI>."""
    if isinstance(node, Literal):
        return f'"{node}"'
    if isinstance(node, URIRef):
        return _READABLE.ttl(node)
    return node.n3()


_READABLE = TermWriter({})


# --------------------------------------------------------------------------- Turtle / TriG


def _prefix_lines() -> list[str]:
    return [f"@prefix {prefix}: <{ns}> ." for prefix, ns in PREFIXES.items()]


RDF_TYPE = RDF.type  # namespace attribute look-ups are slow in rdflib; these run per triple
PREDICATE_RANK = {RDF.type: 0, RDFS.label: 1}  # entities read type first, then name


def _predicate_key(predicate: Node) -> tuple[int, str]:
    return (PREDICATE_RANK.get(predicate, 2), str(predicate))


class _TurtleBody:
    """The statements of one graph, with blank nodes used once written inline (`[...]`, lists)."""

    def __init__(self, triples: Iterable[Triple], writer: TermWriter):
        self.writer = writer
        self.properties: dict[Node, list[tuple[Node, Node]]] = defaultdict(list)
        references: Counter[Node] = Counter()
        for s, p, o in triples:
            self.properties[s].append((p, o))
            if isinstance(o, BNode):
                references[o] += 1
        self.inline = self._reachable_inline_nodes(
            {node for node, count in references.items() if count == 1})

    def _reachable_inline_nodes(self, candidates: set[Node]) -> set[Node]:
        """Inline only blank nodes reachable from a written subject (a cycle would vanish)."""
        inline: set[Node] = set()
        while True:
            stack = [s for s in self.properties if s not in candidates]
            reached = set()
            while stack:
                for _p, o in self.properties.get(stack.pop(), ()):
                    if o in candidates and o not in reached:
                        reached.add(o)
                        stack.append(o)
            stranded = sorted((c for c in candidates - reached if c in self.properties),
                              key=self.writer.nt)
            if not stranded:
                return inline | reached
            candidates = candidates - {stranded[0]}

    def lines(self) -> list[str]:
        subjects = sorted((s for s in self.properties if s not in self.inline),
                          key=lambda s: (isinstance(s, BNode), self.writer.nt(s)))
        out: list[str] = []
        for subject in subjects:
            statement = self._property_list(subject, " ;\n    ", ",\n        ")
            out.extend([f"{self.writer.ttl(subject)} {statement} .", ""])
        return out

    def _property_list(self, subject: Node, separator: str, long_list_separator: str) -> str:
        """`p o, o ; p o`; objects go one per line when they would make a long line."""
        by_predicate: dict[Node, list[str]] = defaultdict(list)
        for p, o in self.properties.get(subject, ()):
            by_predicate[p].append(self._object(o))
        parts = []
        for predicate in sorted(by_predicate, key=_predicate_key):
            verb = "a" if predicate == RDF_TYPE else self.writer.ttl(predicate)
            objects = sorted(by_predicate[predicate])
            joined = ", ".join(objects)
            if len(objects) > 1 and len(joined) + len(verb) > LONG_LINE:
                joined = long_list_separator.join(objects)
            parts.append(f"{verb} {joined}")
        return separator.join(parts)

    def _object(self, node: Node) -> str:
        if node not in self.inline:
            return self.writer.ttl(node)
        items = self._list_items(node)
        if items is not None:
            return "( " + " ".join(self._object(item) for item in items) + " )" if items else "()"
        inner = self._property_list(node, " ; ", ", ")
        return f"[ {inner} ]" if inner else "[]"

    def _list_items(self, node: Node) -> list[Node] | None:
        """The members of a well-formed RDF list starting at `node`, or None if it is not one."""
        items = []
        while node != RDF.nil:
            properties = self.properties.get(node, [])
            predicates = sorted(str(p) for p, _o in properties)
            if predicates != [str(RDF.first), str(RDF.rest)] or node not in self.inline:
                return None
            values = dict(properties)
            items.append(values[RDF.first])
            node = values[RDF.rest]
        return items


def serialize_turtle(graph: Graph) -> bytes:
    """Deterministic Turtle: contract prefixes, subjects/predicates/objects sorted, UTF-8."""
    triples = list(graph)  # one pass over rdflib's store, which is slow to iterate
    writer = TermWriter(blank_node_labels(triples))
    lines = _prefix_lines() + [""] + _TurtleBody(triples, writer).lines()
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


def serialize_ntriples(graph: Graph) -> bytes:
    triples = list(graph)
    writer = TermWriter(blank_node_labels(triples))
    lines = sorted(f"{writer.nt(s)} {writer.nt(p)} {writer.nt(o)} .\n" for s, p, o in triples)
    return "".join(lines).encode("utf-8")


def serialize_nquads(named_graphs: dict[URIRef | None, list[Triple]]) -> bytes:
    writer = TermWriter(blank_node_labels(t for triples in named_graphs.values() for t in triples))
    lines = []
    for name, triples in named_graphs.items():
        suffix = f" {writer.nt(name)} .\n" if name is not None else " .\n"
        lines.extend(f"{writer.nt(s)} {writer.nt(p)} {writer.nt(o)}{suffix}" for s, p, o in triples)
    return "".join(sorted(lines)).encode("utf-8")


def serialize_trig(named_graphs: dict[URIRef | None, list[Triple]]) -> bytes:
    """TriG: the default graph first, then each named graph in IRI order."""
    writer = TermWriter(blank_node_labels(t for triples in named_graphs.values() for t in triples))
    lines = _prefix_lines() + [""]
    for name in sorted(named_graphs, key=lambda n: "" if n is None else str(n)):
        body = _TurtleBody(named_graphs[name], writer).lines()
        lines.append(f"{writer.ttl(name)} {{" if name is not None else "{")
        lines.extend(f"    {line}".replace("\n", "\n    ") if line else "" for line in body[:-1])
        lines.extend(["}", ""])
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")


# --------------------------------------------------------------------------- named graphs


def document_graph_name(document: URIRef) -> URIRef:
    """pkg:<doc id> for pkd:<doc id>."""
    text = str(document)
    doc_id = text[len(str(PKD)):] if text.startswith(str(PKD)) else re.split(r"[/#]", text)[-1]
    return PKG[doc_id]


def _ontology_subjects(graph: Graph) -> set[Node]:
    """Ontology IRIs and every blank node they reach (owl:unionOf lists, inverse properties)."""
    found: set[Node] = {s for s in graph.subjects(unique=True)
                        if s == ONTOLOGY_IRI or (isinstance(s, URIRef) and s.startswith(str(PKO)))}
    stack = [o for s in found for o in graph.objects(s) if isinstance(o, BNode)]
    while stack:
        node = stack.pop()
        if node not in found:
            found.add(node)
            stack.extend(o for o in graph.objects(node) if isinstance(o, BNode))
    return found


def _evidencing_documents(graph: Graph) -> tuple[dict[Node, set[Node]], dict[Triple, set[Node]]]:
    """Documents of each assertion, and of each relation triple the assertions evidence."""
    symmetric = set(graph.subjects(RDF.type, OWL.SymmetricProperty))
    documents_of_assertion: dict[Node, set[Node]] = {}
    documents_of_fact: dict[Triple, set[Node]] = defaultdict(set)
    for record in graph.subjects(RDF.type, PKO.Assertion):
        documents = set(graph.objects(record, PROV.wasDerivedFrom))
        documents_of_assertion[record] = documents
        s, p, o = (graph.value(record, part) for part in (RDF.subject, RDF.predicate, RDF.object))
        if s is None or p is None or o is None:
            continue
        documents_of_fact[(s, p, o)] |= documents
        if p in symmetric:
            documents_of_fact[(o, p, s)] |= documents
    return documents_of_assertion, documents_of_fact


def named_graphs(graph: Graph) -> dict[URIRef | None, list[Triple]]:
    """Split the graph into the named graphs described in this module's docstring."""
    ontology = _ontology_subjects(graph)
    documents = set(graph.subjects(RDF.type, PKO.SourceDocument))
    documents_of_assertion, documents_of_fact = _evidencing_documents(graph)
    parts: dict[URIRef | None, list[Triple]] = defaultdict(list)
    for triple in graph:
        s = triple[0]
        if s in ontology:
            names = [ONTOLOGY_GRAPH]
        elif s in documents:
            names = [document_graph_name(s)]
        elif s in documents_of_assertion:
            names = [document_graph_name(d) for d in documents_of_assertion[s]] or [None]
        elif triple in documents_of_fact:
            names = [document_graph_name(d) for d in documents_of_fact[triple]]
        elif isinstance(s, URIRef) and s.startswith(str(PK)):
            names = [ENTITIES_GRAPH]
        else:
            names = [None]
        for name in names:
            parts[name].append(triple)
    return dict(parts)


# --------------------------------------------------------------------------- description


def creation_time(created: datetime | None = None) -> datetime:
    """The export's creation time: `created`, else SOURCE_DATE_EPOCH, else now (UTC, seconds)."""
    if created is not None:
        return created
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), tz=UTC)
        except ValueError as error:
            raise ExportError(f"SOURCE_DATE_EPOCH={epoch!r} is not a whole number of "
                              "seconds") from error
    return datetime.now(tz=UTC).replace(microsecond=0)


def ontology_version(graph: Graph) -> str:
    """owl:versionInfo of the ontology the graph carries, else of ontology/pko.ttl."""
    version = graph.value(ONTOLOGY_IRI, OWL.versionInfo)
    if version is None:
        shipped = load_graph(ontology_dir() / "pko.ttl")
        version = shipped.value(ONTOLOGY_IRI, OWL.versionInfo)
    return str(version) if version is not None else "unknown"


def without_description(graph: Graph) -> Graph:
    """The graph minus any dataset description an earlier export added (so counts stay true)."""
    stale = {s for s in graph.subjects(unique=True)
             if isinstance(s, URIRef) and str(s).startswith(DESCRIPTION_SUBJECT_PREFIXES)}
    if not stale:
        return graph
    kept = Graph()
    for triple in graph:
        if triple[0] not in stale:
            kept.add(triple)
    return kept


def _is_entity(node: Node) -> bool:
    return isinstance(node, URIRef) and node.startswith(str(PK))


def describe_dataset(graph: Graph, created: datetime | None = None) -> Graph:
    """A VoID + DCAT description of `graph`: title, time, sources, counts, versions."""
    graph = without_description(graph)
    entity_classes = {s: o for s, o in graph.subject_objects(RDF.type) if _is_entity(s)}
    relations = Counter(p for s, p, o in graph if _is_entity(s) and _is_entity(o))
    created_at = creation_time(created).astimezone(UTC)

    d = Graph()
    d.add((DATASET, RDF.type, VOID.Dataset))
    d.add((DATASET, RDF.type, DCAT.Dataset))
    d.add((DATASET, DCTERMS.title, Literal(DATASET_TITLE, lang="en")))
    d.add((DATASET, DCTERMS.description, Literal(DATASET_DESCRIPTION, lang="en")))
    d.add((DATASET, DCTERMS.created, Literal(created_at)))
    d.add((DATASET, DCTERMS.conformsTo, ONTOLOGY_IRI))
    d.add((DATASET, SCHEMA.schemaVersion, Literal(ontology_version(graph))))
    d.add((DATASET, VOID.vocabulary, ONTOLOGY_IRI))
    d.add((DATASET, VOID.uriSpace, Literal(str(PK))))
    d.add((DATASET, VOID.triples, Literal(len(graph))))
    d.add((DATASET, VOID.entities, Literal(len(entity_classes))))
    d.add((DATASET, PROV.wasAttributedTo, SOFTWARE))
    for document in graph.subjects(RDF.type, PKO.SourceDocument):
        d.add((DATASET, DCTERMS.source, document))

    relation_subset = URIRef(f"{DATASET}/relations")
    d.add((DATASET, VOID.subset, relation_subset))
    d.add((relation_subset, RDF.type, VOID.Dataset))
    d.add((relation_subset, DCTERMS.title, Literal("Relations between entities", lang="en")))
    d.add((relation_subset, VOID.triples, Literal(sum(relations.values()))))
    for prop, count in relations.items():
        partition = URIRef(f"{DATASET}/property/{_local_name(prop)}")
        d.add((DATASET, VOID.propertyPartition, partition))
        d.add((partition, VOID.property, prop))
        d.add((partition, VOID.triples, Literal(count)))
    for cls, count in Counter(entity_classes.values()).items():
        partition = URIRef(f"{DATASET}/class/{_local_name(cls)}")
        d.add((DATASET, VOID.classPartition, partition))
        d.add((partition, VOID["class"], cls))
        d.add((partition, VOID.entities, Literal(count)))

    d.add((SOFTWARE, RDF.type, PROV.SoftwareAgent))
    d.add((SOFTWARE, RDF.type, SCHEMA.SoftwareApplication))
    d.add((SOFTWARE, RDFS.label, Literal("graphbuild")))
    d.add((SOFTWARE, SCHEMA.softwareVersion, Literal(__version__)))
    return d


def _local_name(iri: Node) -> str:
    """A readable, IRI-safe tail for partition IRIs (pko:owns → owns, foaf:Person → Person)."""
    tail = re.split(r"[/#]", str(iri))[-1]
    return re.sub(r"[^A-Za-z0-9_.-]", "_", tail) or hashlib.sha256(str(iri).encode()).hexdigest()


# --------------------------------------------------------------------------- JSON-LD


def jsonld_context(ontology: Graph | None = None) -> dict:
    """Short names for the contract's terms: every pko: term by its local name, plus the
    standard properties the contract uses, so that a reader sees `{"owns": ...}`."""
    ontology = ontology if ontology is not None else load_graph(ontology_dir() / "pko.ttl")
    context: dict[str, object] = {prefix: str(ns) for prefix, ns in PREFIXES.items()}
    context.update({"id": "@id", "type": "@type"})
    standard_terms = {
        "label": (RDFS.label, None), "altLabel": (SKOS.altLabel, None),
        "comment": (RDFS.comment, None), "subClassOf": (RDFS.subClassOf, "@id"),
        "subPropertyOf": (RDFS.subPropertyOf, "@id"), "domain": (RDFS.domain, "@id"),
        "range": (RDFS.range, "@id"), "subject": (RDF.subject, "@id"),
        "predicate": (RDF.predicate, "@id"), "object": (RDF.object, "@id"),
        "wasDerivedFrom": (PROV.wasDerivedFrom, "@id"), "identifier": (DCTERMS.identifier, None),
        "title": (DCTERMS.title, None), "date": (DCTERMS.date, None),
    }
    for name, (iri, coercion) in standard_terms.items():
        context[name] = {"@id": str(iri), **({"@type": coercion} if coercion else {})}
    for term in sorted(set(ontology.subjects(RDF.type, None)), key=str):
        if not (isinstance(term, URIRef) and term.startswith(str(PKO))):
            continue
        name = str(term)[len(str(PKO)):]
        context[name] = {"@id": str(term), **_coercion(ontology, term)}
    return context


def _coercion(ontology: Graph, term: URIRef) -> dict:
    """Object properties take IRIs; a datatype property whose values JSON cannot hold
    natively (decimals, dates) takes its declared range as the value type."""
    if (term, RDF.type, OWL.ObjectProperty) in ontology:
        return {"@type": "@id"}
    datatype = ontology.value(term, RDFS.range)
    if (term, RDF.type, OWL.DatatypeProperty) in ontology and datatype not in (
            None, XSD.string, XSD.integer, XSD.boolean):
        return {"@type": str(datatype)}
    return {}


def serialize_jsonld(graph: Graph) -> bytes:
    """JSON-LD compacted with `jsonld_context`.

    rdflib drops a blank node's own statements when it is the value of a term coerced to
    "@id" (measured: 44 of 258 ontology triples lost), so terms that have blank-node values
    in this graph lose their coercion and keep their values as node objects.
    """
    context = jsonld_context()
    with_blank_values = {str(p) for p in graph.predicates(None, None, unique=True)
                         if any(isinstance(o, BNode) for o in graph.objects(None, p))}
    for name, definition in context.items():
        if isinstance(definition, dict) and definition.get("@id") in with_blank_values:
            context[name] = {"@id": definition["@id"]}
    text = graph.serialize(format="json-ld", context=context, indent=1, sort_keys=True)
    return text.encode("utf-8")


def serialize_rdfxml(graph: Graph) -> bytes:
    return graph.serialize(format="xml").encode("utf-8")


# --------------------------------------------------------------------------- export


def format_for(out_path: str | Path, fmt: str | None = None) -> str:
    """The export format: as given, else from the output file's extension."""
    if fmt is not None:
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
        return fmt
    suffix = Path(out_path).suffix.lower()
    if suffix not in FORMAT_BY_EXTENSION:
        raise ExportError(f"{out_path}: cannot tell the format from the extension {suffix!r}; "
                          f"give --format ({', '.join(FORMATS)})")
    return FORMAT_BY_EXTENSION[suffix]


def with_description(graph: Graph, created: datetime | None = None) -> Graph:
    """The graph plus its dataset description, as every single-graph export carries it."""
    described = Graph()
    for triple in without_description(graph):
        described.add(triple)
    for triple in describe_dataset(graph, created):
        described.add(triple)
    return described


def serialize(graph: Graph, fmt: str, created: datetime | None = None) -> bytes:
    """Bytes of `graph` plus its dataset description in one of RDF_FORMATS."""
    if fmt in ("trig", "nquads"):
        parts = named_graphs(without_description(graph))
        parts[None] = parts.get(None, []) + list(describe_dataset(graph, created))
        return serialize_trig(parts) if fmt == "trig" else serialize_nquads(parts)
    described = with_description(graph, created)
    writers = {"turtle": serialize_turtle, "ntriples": serialize_ntriples,
               "jsonld": serialize_jsonld, "rdfxml": serialize_rdfxml}
    if fmt not in writers:
        raise ExportError(f"{fmt!r} is not an RDF format ({', '.join(RDF_FORMATS)})")
    return writers[fmt](described)


def export_graph(graph: Graph, out_path: str | Path, fmt: str | None = None,
                 created: datetime | None = None) -> list[Path]:
    """Write `graph` to `out_path` (CSV: two files beside it); returns the files written."""
    fmt = format_for(out_path, fmt)
    if fmt in NETWORK_FORMATS:
        from .analytics import export_network  # the explorer's module, needed only here

        return export_network(graph, fmt, Path(out_path))
    write_bytes_atomic(out_path, serialize(graph, fmt, created))
    return [Path(out_path)]


def export_file(graph_path: str | Path, out_path: str | Path, fmt: str | None = None,
                created: datetime | None = None) -> list[Path]:
    fmt = format_for(out_path, fmt)  # fail on a bad format before a slow parse
    return export_graph(load_graph(graph_path), out_path, fmt, created)


# --------------------------------------------------------------------------- command line


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="Output format (default: from the extension of --out).")
@click.option("--graph", "graph_path", default="out/graph.ttl", show_default=True,
              type=click.Path(path_type=Path), help="The graph to export (Turtle).")
@click.option("--out", "out_path", required=True, type=click.Path(path_type=Path),
              help="The file to write.")
def export_command(fmt: str | None, graph_path: Path, out_path: Path) -> None:
    """Export the graph as Turtle, N-Triples, N-Quads, TriG, JSON-LD, RDF/XML, GraphML, GEXF
    or CSV. RDF exports carry a VoID/DCAT dataset description whose creation time is taken
    from SOURCE_DATE_EPOCH when set (for byte-identical re-exports)."""
    try:
        fmt = format_for(out_path, fmt)
        written = export_file(graph_path, out_path, fmt)
    except (GraphFileError, ExportError) as error:
        raise click.ClickException(str(error)) from error
    except OSError as error:
        raise click.ClickException(f"{out_path}: cannot write: {error.strerror}") from error
    for path in written:
        click.echo(f"wrote {path} ({fmt})")
