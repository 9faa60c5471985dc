"""graphbuild: documents about UK probation policy → an evidenced RDF knowledge graph."""

__version__ = "0.1.0"
