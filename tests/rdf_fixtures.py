"""A small graph shaped like the contract, for export and validation tests.

It carries the ontology, two source documents, entities with labels and alternative labels,
relations (one symmetric, one evidenced by both documents) and their evidence records, with
text that stresses serialisers: quotes, backslashes, newlines, non-ASCII characters.
"""

from __future__ import annotations

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from graphbuild.namespaces import PK, PKA, PKD, PKO, PROV
from graphbuild.resources import ontology_dir

DOCS = {
    "000_aaaaaaaaaaaaaaaa": ("000_aaaaaaaaaaaaaaaa.txt", "Probation: the new owners", "2014-06-01"),
    "001_bbbbbbbbbbbbbbbb": ("001_bbbbbbbbbbbbbbbb.txt", 'A "quoted" title \\ with slash', None),
}
ENTITIES = {
    "peopleplus": ("PeoplePlus", PKO.Company, ["People Plus"]),
    "warwickshire-west-mercia-crc": (
        "Warwickshire & West Mercia CRC", PKO.ProbationProvider, ["WWM CRC"]),
    "hm-inspectorate-of-probation": (
        "HM Inspectorate of Probation", PKO.Inspectorate, ["HMIP", "HMI Probation"]),
    "chris-grayling": ("Chris Grayling", PKO.Person, ["Grayling"]),
    "transforming-rehabilitation": ("Transforming Rehabilitation", PKO.Policy, ["TR"]),
    "napo": ("Napo", PKO.TradeUnion, []),
    "sodexo": ("Sodexo Justice Services — Société", PKO.Company, []),
    "report-hmip-wwm-crc": ("HMIP report on WWM CRC", PKO.Report, []),
}
# (subject, predicate, object, document, start, end, text, extractor, confidence)
FACTS = [
    ("peopleplus", "owns", "warwickshire-west-mercia-crc", "000_aaaaaaaaaaaaaaaa", 10, 60,
     'PeoplePlus owns the "WWM CRC".', "pattern:owner-of", "0.9"),
    ("peopleplus", "owns", "warwickshire-west-mercia-crc", "001_bbbbbbbbbbbbbbbb", 5, 40,
     "The CRC, owned by PeoplePlus,\nwas inspected.", "pattern:owned-by", "0.8"),
    ("chris-grayling", "responsibleFor", "transforming-rehabilitation", "000_aaaaaaaaaaaaaaaa",
     100, 150, "Chris Grayling's Transforming Rehabilitation \\ reforms", "pattern:architect",
     "0.75"),
    ("napo", "criticises", "transforming-rehabilitation", "001_bbbbbbbbbbbbbbbb", 200, 260,
     "Napo condemned TR — «a disaster».", "pattern:criticise", "1.0"),
    ("sodexo", "partnerOf", "napo", "001_bbbbbbbbbbbbbbbb", 300, 340,
     "Sodexo worked in partnership with Napo.", "pattern:partner", "0.6"),
    ("report-hmip-wwm-crc", "publishedBy", "hm-inspectorate-of-probation", "000_aaaaaaaaaaaaaaaa",
     400, 480, "HMIP published a report on WWM CRC.", "pattern:report", "0.9"),
    ("report-hmip-wwm-crc", "about", "warwickshire-west-mercia-crc", "000_aaaaaaaaaaaaaaaa",
     400, 480, "HMIP published a report on WWM CRC.", "pattern:report", "0.9"),
    ("hm-inspectorate-of-probation", "inspects", "warwickshire-west-mercia-crc",
     "000_aaaaaaaaaaaaaaaa", 400, 480, "HMIP published a report on WWM CRC.", "pattern:report",
     "0.9"),
]


def ontology_graph() -> Graph:
    return Graph().parse(ontology_dir() / "pko.ttl", format="turtle")


def contract_graph() -> Graph:
    """The ontology plus a handful of entities, relations and evidence, all per the contract."""
    graph = ontology_graph()
    for doc_id, (identifier, title, date) in DOCS.items():
        doc = PKD[doc_id]
        graph.add((doc, RDF.type, PKO.SourceDocument))
        graph.add((doc, DCTERMS.identifier, Literal(identifier)))
        graph.add((doc, DCTERMS.title, Literal(title)))
        if date:
            graph.add((doc, DCTERMS.date, Literal(date, datatype=XSD.date)))
    for key, (label, cls, alt_labels) in ENTITIES.items():
        graph.add((PK[key], RDF.type, cls))
        graph.add((PK[key], RDFS.label, Literal(label)))
        for alt in alt_labels:
            graph.add((PK[key], SKOS.altLabel, Literal(alt)))
    for index, (s, p, o, doc_id, start, end, text, extractor, confidence) in enumerate(FACTS):
        graph.add((PK[s], PKO[p], PK[o]))
        record = PKA[f"{index:04d}"]
        graph.add((record, RDF.type, PKO.Assertion))
        graph.add((record, RDF.subject, PK[s]))
        graph.add((record, RDF.predicate, PKO[p]))
        graph.add((record, RDF.object, PK[o]))
        graph.add((record, PROV.wasDerivedFrom, PKD[doc_id]))
        graph.add((record, PKO.evidenceText, Literal(text)))
        graph.add((record, PKO.charStart, Literal(start)))
        graph.add((record, PKO.charEnd, Literal(end)))
        graph.add((record, PKO.extractor, Literal(extractor)))
        graph.add((record, PKO.confidence, Literal(confidence, datatype=XSD.decimal)))
        for entity in (s, o):
            graph.add((PKD[doc_id], PKO.mentions, PK[entity]))
    return graph
