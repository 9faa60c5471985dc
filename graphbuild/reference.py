"""Facts the gazetteer knows (who owned which CRC), written only on request (`--reference`).

They go into a named graph of their own, `pkg:reference`, in `reference.trig`, each with an
evidence record whose source is the gazetteer, so that no one mistakes them for what a
document said.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from rdflib import Dataset, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from .atomic import write_bytes_atomic
from .gazetteer import load_gazetteer
from .names import slug
from .namespaces import PK, PKA, PKG, PKO, PREFIXES, PROV

GAZETTEER_SOURCE = PKG["gazetteer"]


def write_reference_facts(out: Path) -> int:
    """Write `out/reference.trig`; return the number of facts."""
    gaz = load_gazetteer()
    ds = Dataset()
    for prefix, ns in PREFIXES.items():
        ds.bind(prefix, ns, override=True)
    g = ds.graph(PKG["reference"])
    g.add((GAZETTEER_SOURCE, RDFS.label, Literal("graphbuild gazetteer (ontology/gazetteer.yaml)")))
    for fact in gaz.facts:
        s, o = PK[slug(fact.subject)], PK[slug(fact.object)]
        for name, node in ((fact.subject, s), (fact.object, o)):
            g.add((node, RDF.type, PKO[gaz.by_name[name].cls]))
            g.add((node, RDFS.label, Literal(name)))
        g.add((s, PKO[fact.predicate], o))
        key = f"reference\x1f{fact.subject}\x1f{fact.predicate}\x1f{fact.object}"
        a = PKA["ref-" + hashlib.sha256(key.encode()).hexdigest()[:20]]
        g.add((a, RDF.type, PKO.Assertion))
        g.add((a, RDF.subject, s))
        g.add((a, RDF.predicate, PKO[fact.predicate]))
        g.add((a, RDF.object, o))
        g.add((a, PROV.wasDerivedFrom, GAZETTEER_SOURCE))
        g.add((a, DCTERMS.source, Literal(fact.source)))
        g.add((a, PKO.extractor, Literal("reference:gazetteer")))
        g.add((a, PKO.confidence, Literal(1.0)))
    write_bytes_atomic(out / "reference.trig", ds.serialize(format="trig", encoding="utf-8"))
    return len(gaz.facts)
