"""A small contract-shaped graph for the query, server and push tests (no tests here).

Built from data: entities, relations with one evidence sentence each, two source
documents, plus the shipped ontology, so sub-class / sub-property matching is exercised.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from graphbuild.namespaces import PK, PKA, PKD, PKO

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "pko.ttl"

# slug: (class, label, alt labels)
ENTITIES = {
    "peopleplus": ("Company", "PeoplePlus", []),
    "purple-futures": ("Company", "Purple Futures", []),
    "interserve": ("Company", "Interserve", []),
    "wwm-crc": ("ProbationProvider", "Warwickshire & West Mercia CRC", ["WWM CRC"]),
    "cgm-crc": ("ProbationProvider", "Cheshire & Greater Manchester CRC", ["CGM CRC"]),
    "hmip": ("Inspectorate", "HM Inspectorate of Probation", ["HMIP", "HMI Probation"]),
    "chris-grayling": ("Person", "Chris Grayling", ["Grayling"]),
    "moj": ("GovernmentBody", "Ministry of Justice", ["MoJ"]),
    "tr": ("Policy", "Transforming Rehabilitation", ["TR"]),
    "unpaid-work": ("Intervention", "Unpaid Work", []),
    "napo": ("TradeUnion", "Napo", []),
    "cgm-report": ("Report", "An inspection of probation in Cheshire", []),
    "hostile": ("Company", '<img src=x onerror="document.title=1">', []),
}

# (subject, property, object, document, evidence sentence)
FACTS = [
    ("peopleplus", "owns", "wwm-crc", "d1",
     "PeoplePlus owns the Warwickshire & West Mercia CRC."),
    ("purple-futures", "owns", "cgm-crc", "d1",
     "Purple Futures, led by Interserve, owns Cheshire & Greater Manchester CRC."),
    ("interserve", "memberOf", "purple-futures", "d1",
     "Purple Futures, led by Interserve, owns Cheshire & Greater Manchester CRC."),
    ("chris-grayling", "leads", "moj", "d2",
     "Chris Grayling was Secretary of State at the Ministry of Justice."),
    ("chris-grayling", "responsibleFor", "tr", "d2",
     "Chris Grayling introduced Transforming Rehabilitation."),
    ("cgm-crc", "delivers", "unpaid-work", "d2",
     "CGM CRC delivers unpaid work across Greater Manchester."),
    ("cgm-report", "publishedBy", "hmip", "d2",
     "HMIP published An inspection of probation in Cheshire."),
    ("cgm-report", "about", "cgm-crc", "d2",
     "HMIP published An inspection of probation in Cheshire."),
    ("hmip", "criticises", "cgm-crc", "d2", "HMIP criticised the CGM CRC for high caseloads."),
    ("napo", "criticises", "tr", "d1", "Napo condemned Transforming Rehabilitation."),
    ("hostile", "owns", "wwm-crc", "d1", '<img src=x onerror="document.title=1"> owns it.'),
]

DOCUMENTS = {
    "d1": ("001_sample.txt", "Who runs probation now", "2016-05-01"),
    "d2": ("002_sample.txt", "The inspectorate's view", "2019-03-12"),
}


def _lit(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def small_graph_turtle() -> str:
    """The small graph as Turtle: the shipped ontology followed by the instance data."""
    lines = [ONTOLOGY.read_text(encoding="utf-8"), ""]
    for slug, (cls, label, alts) in ENTITIES.items():
        lines.append(f"<{PK[slug]}> a <{PKO[cls]}> ; <http://www.w3.org/2000/01/rdf-schema#label> "
                     f"{_lit(label)} .")
        for alt in alts:
            lines.append(f"<{PK[slug]}> <http://www.w3.org/2004/02/skos/core#altLabel> {_lit(alt)} .")
    mentioned: dict[str, set[str]] = {d: set() for d in DOCUMENTS}
    for subject, prop, obj, doc, sentence in FACTS:
        mentioned[doc] |= {subject, obj}
        key = hashlib.sha1(f"{subject}|{prop}|{obj}|{doc}".encode()).hexdigest()[:16]
        lines += [
            f"<{PK[subject]}> <{PKO[prop]}> <{PK[obj]}> .",
            f"<{PKA[key]}> a <{PKO.Assertion}> ;",
            f"  <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{PK[subject]}> ;",
            f"  <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> <{PKO[prop]}> ;",
            f"  <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> <{PK[obj]}> ;",
            f"  <http://www.w3.org/ns/prov#wasDerivedFrom> <{PKD[doc]}> ;",
            f"  <{PKO.evidenceText}> {_lit(sentence)} ;",
            f"  <{PKO.charStart}> 0 ; <{PKO.charEnd}> {len(sentence)} ;",
            f"  <{PKO.extractor}> \"test:fixture\" ; <{PKO.confidence}> 0.9 .",
        ]
    for doc, (identifier, title, date) in DOCUMENTS.items():
        lines += [
            f"<{PKD[doc]}> a <{PKO.SourceDocument}> ;",
            f"  <http://purl.org/dc/terms/identifier> {_lit(identifier)} ;",
            f"  <http://purl.org/dc/terms/title> {_lit(title)} ;",
            f"  <http://purl.org/dc/terms/date> \"{date}\"^^<http://www.w3.org/2001/XMLSchema#date> .",
        ]
        lines += [f"<{PKD[doc]}> <{PKO.mentions}> <{PK[e]}> ." for e in sorted(mentioned[doc])]
    return "\n".join(lines) + "\n"


def write_small_graph(path: Path) -> Path:
    path.write_text(small_graph_turtle(), encoding="utf-8")
    return path
