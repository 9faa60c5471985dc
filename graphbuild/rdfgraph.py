"""Stage 7: the RDF graph of the contract: entities, relations, evidence, source documents."""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from collections import Counter

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from .namespaces import PK, PKA, PKD, PKO, PREFIXES, PROV
from .ontology import ontology_graph
from .records import Assertion, Entity, SourceText


def new_graph() -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, override=True)
    return g


def name_key(name: str) -> str:
    """The pko:nameKey form of a name: lower-cased (casefold) with spaces normalised."""
    return " ".join(name.split()).casefold()


def date_literal(value: str) -> Literal:
    """'2015' → xsd:gYear, '2015-02' → xsd:gYearMonth, '2015-02-01' → xsd:date."""
    kind = {4: XSD.gYear, 7: XSD.gYearMonth}.get(len(value), XSD.date)
    return Literal(value, datatype=kind)


def assertion_iri(a: Assertion) -> URIRef:
    key = "\x1f".join([a.subject, a.predicate, a.object, a.doc_id, str(a.char_start),
                       str(a.char_end), a.extractor])
    return PKA[hashlib.sha256(key.encode()).hexdigest()[:20]]


def build_graph(docs: list[SourceText], entities: dict[str, Entity],
                assertions: list[Assertion], mentions_by_doc: dict[str, set[str]]) -> Graph:
    """One graph that stands alone: the ontology's declarations plus what the documents say."""
    g = new_graph()
    for triple in ontology_graph():
        g.add(triple)
    mention_counts = Counter(key for keys in mentions_by_doc.values() for key in keys)
    for e in entities.values():
        node = PK[e.key]
        g.add((node, RDF.type, PKO[e.cls]))
        g.add((node, RDFS.label, Literal(e.label)))
        for alias in e.aliases:
            g.add((node, SKOS.altLabel, Literal(alias)))
        for key in {name_key(name) for name in (e.label, *e.aliases)}:
            g.add((node, PKO.nameKey, Literal(key)))
        g.add((node, PKO.mentionCount, Literal(mention_counts[e.key], datatype=XSD.integer)))
    for d in docs:
        node = PKD[d.doc_id]
        g.add((node, RDF.type, PKO.SourceDocument))
        g.add((node, DCTERMS.identifier, Literal(d.identifier)))
        g.add((node, DCTERMS.title, Literal(d.title)))
        if d.date:
            g.add((node, DCTERMS.date, Literal(d.date, datatype=XSD.date)))
        if d.author:
            g.add((node, DCTERMS.creator, Literal(d.author)))
        for key in mentions_by_doc.get(d.doc_id, ()):
            g.add((node, PKO.mentions, PK[key]))
    texts = {d.doc_id: d.text for d in docs}
    dates = {d.doc_id: d.date for d in docs if d.date}
    page_starts = {d.doc_id: d.pages for d in docs if d.pages}
    for a in assertions:
        s, p, o = PK[a.subject], PKO[a.predicate], PK[a.object]
        g.add((s, p, o))
        node = assertion_iri(a)
        g.add((node, RDF.type, PKO.Assertion))
        g.add((node, RDF.subject, s))
        g.add((node, RDF.predicate, p))
        g.add((node, RDF.object, o))
        g.add((node, PROV.wasDerivedFrom, PKD[a.doc_id]))
        g.add((node, PKO.evidenceText, Literal(texts[a.doc_id][a.char_start:a.char_end])))
        g.add((node, PKO.charStart, Literal(a.char_start, datatype=XSD.integer)))
        g.add((node, PKO.charEnd, Literal(a.char_end, datatype=XSD.integer)))
        if a.doc_id in page_starts:  # the page where the sentence starts
            page = max(bisect_right(page_starts[a.doc_id], a.char_start), 1)
            g.add((node, PKO.page, Literal(page, datatype=XSD.integer)))
        g.add((node, PKO.extractor, Literal(a.extractor)))
        if a.doc_id in dates:
            g.add((node, PKO.statedOn, Literal(dates[a.doc_id], datatype=XSD.date)))
        for prop, value in ((PKO.validFrom, a.valid_from), (PKO.validUntil, a.valid_until)):
            if value:
                g.add((node, prop, date_literal(value)))
        if a.time_start >= 0:
            g.add((node, PKO.timeCharStart, Literal(a.time_start, datatype=XSD.integer)))
            g.add((node, PKO.timeCharEnd, Literal(a.time_end, datatype=XSD.integer)))
        for (start, end), (start_prop, end_prop) in (
                (a.subject_ref or (None, None), (PKO.subjectRefStart, PKO.subjectRefEnd)),
                (a.object_ref or (None, None), (PKO.objectRefStart, PKO.objectRefEnd))):
            if start is not None:
                g.add((node, start_prop, Literal(start, datatype=XSD.integer)))
                g.add((node, end_prop, Literal(end, datatype=XSD.integer)))
        g.add((node, PKO.confidence, Literal(round(a.confidence, 3), datatype=XSD.decimal)))
    return g
