"""The ontology (ontology/pko.ttl) as the build needs it: class and property names and parents."""

from __future__ import annotations

from functools import cache, lru_cache

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from .namespaces import PKO
from .resources import ResourceError, ontology_dir

CONTRACT_RELATIONS = ("owns", "partOf", "memberOf", "leads", "inspects", "publishedBy",
                      "authoredBy", "about", "responsibleFor", "implements", "delivers", "funds",
                      "partnerOf", "uses", "operatesIn", "successorOf", "criticises")
NON_ENTITY_CLASSES = {"SourceDocument", "Assertion"}


@lru_cache(maxsize=1)
def ontology_graph() -> Graph:
    path = ontology_dir() / "pko.ttl"
    g = Graph()
    try:
        g.parse(path, format="turtle")
    except Exception as e:  # rdflib raises several parser exception types
        raise ResourceError(f"{path}: cannot parse the ontology: {e}") from e
    return g


def _local(iri: URIRef) -> str | None:
    s = str(iri)
    return s[len(str(PKO)):] if s.startswith(str(PKO)) else None


@lru_cache(maxsize=1)
def entity_classes() -> frozenset[str]:
    g = ontology_graph()
    names = {_local(c) for c in g.subjects(RDF.type, OWL.Class)}
    return frozenset(n for n in names if n and n not in NON_ENTITY_CLASSES)


@lru_cache(maxsize=1)
def relation_properties() -> frozenset[str]:
    """Contract relation properties and their declared sub-properties."""
    g = ontology_graph()
    found = set()
    for p in g.subjects(RDF.type, OWL.ObjectProperty):
        name = _local(p)
        if not name:
            continue
        ancestors = {_local(a) for a in g.transitive_objects(p, RDFS.subPropertyOf)}
        if ancestors & set(CONTRACT_RELATIONS):
            found.add(name)
    return frozenset(found)


@lru_cache(maxsize=1)
def class_ancestors() -> dict[str, frozenset[str]]:
    """For each pko class, itself and its pko super-classes (for type checks in rules)."""
    g = ontology_graph()
    out = {}
    for c in entity_classes():
        anc = {_local(a) for a in g.transitive_objects(PKO[c], RDFS.subClassOf)}
        out[c] = frozenset(a for a in anc if a)
    return out


def is_a(cls: str, wanted: str) -> bool:
    return wanted in class_ancestors().get(cls, frozenset({cls}))


# A report published by the subject about the object (scored through pko:Report nodes).
REPORT_ABOUT_DOMAIN = frozenset({"Organisation", "Person"})
REPORT_ABOUT_RANGE = frozenset({"Organisation", "Person", "Policy", "Intervention", "Tool"})


def _class_set(g: Graph, node) -> frozenset[str]:
    """The pko classes a domain or range names: one class or an owl:unionOf list."""
    members = list(g.items(g.value(node, OWL.unionOf))) if g.value(node, OWL.unionOf) else [node]
    return frozenset(n for n in (_local(m) for m in members) if n)


@cache
def property_domain_range(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """The classes a property's subject and object may have, from the ontology.

    Raises KeyError for a name that is neither a declared relation nor `reportAbout`.
    """
    if name == "reportAbout":
        return REPORT_ABOUT_DOMAIN, REPORT_ABOUT_RANGE
    if name not in relation_properties():
        raise KeyError(name)
    g = ontology_graph()
    prop = PKO[name]
    chain = [prop, *g.transitive_objects(prop, RDFS.subPropertyOf)]
    domain = next((d for p in chain if (d := g.value(p, RDFS.domain)) is not None), None)
    range_ = next((r for p in chain if (r := g.value(p, RDFS.range)) is not None), None)
    everything = entity_classes()
    return (_class_set(g, domain) if domain is not None else everything,
            _class_set(g, range_) if range_ is not None else everything)


@lru_cache(maxsize=1)
def exclusive_properties() -> frozenset[str]:
    """Relation properties whose object has one subject at a time (pko:heldByOneAtATime)."""
    g = ontology_graph()
    return frozenset(n for p in g.subjects(PKO.heldByOneAtATime, None)
                     if (n := _local(p)) and g.value(p, PKO.heldByOneAtATime).toPython() is True)


@lru_cache(maxsize=1)
def super_properties() -> dict[str, frozenset[str]]:
    """For each relation property, the relation properties it entails (its strict
    super-properties: pko:leads entails pko:memberOf)."""
    g = ontology_graph()
    out = {}
    for name in relation_properties():
        found = {_local(a) for a in g.transitive_objects(PKO[name], RDFS.subPropertyOf)}
        out[name] = frozenset(f for f in found if f and f != name and f in relation_properties())
    return out
