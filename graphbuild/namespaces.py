"""The namespaces fixed by the graph contract, and the prefixes every output declares."""

from rdflib import Namespace
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD

PKO = Namespace("https://w3id.org/probation-kg/ontology#")
PK = Namespace("https://w3id.org/probation-kg/id/")
PKA = Namespace("https://w3id.org/probation-kg/assertion/")
PKD = Namespace("https://w3id.org/probation-kg/doc/")
PKG = Namespace("https://w3id.org/probation-kg/graph/")
PROV = Namespace("http://www.w3.org/ns/prov#")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
VOID = Namespace("http://rdfs.org/ns/void#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
SH = Namespace("http://www.w3.org/ns/shacl#")

PREFIXES: dict[str, Namespace] = {
    "pko": PKO,
    "pk": PK,
    "pka": PKA,
    "pkd": PKD,
    "pkg": PKG,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "prov": PROV,
    "dcterms": Namespace(str(DCTERMS)),
    "org": ORG,
    "foaf": Namespace(str(FOAF)),
    "schema": SCHEMA,
    "void": VOID,
    "dcat": DCAT,
}


def sparql_prologue() -> str:
    """PREFIX lines for every contract prefix, prepended to analysts' queries."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in PREFIXES.items())
