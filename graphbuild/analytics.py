"""Network analytics over the contract graph: entities and relations as a networkx MultiDiGraph.

The RDF graph (shared/ontology-contract.md) is read once into a `MultiDiGraph` whose nodes
are entity IRIs and whose edges are the direct relation triples, keyed by the predicate's
local name and carrying their evidence. Centrality, communities, components, shortest
connections and the Gephi/spreadsheet exports all work from that one structure.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice, pairwise
from pathlib import Path
from typing import Any

import click
import networkx as nx
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from .atomic import atomic_path
from .namespaces import PK, PKO, PROV

# The contract's entity classes (not SourceDocument/Assertion, which are bookkeeping).
ENTITY_CLASSES: tuple[str, ...] = (
    "Person", "Organisation", "GovernmentBody", "Inspectorate", "LocalAuthority", "Court",
    "ProbationProvider", "Company", "VoluntaryOrganisation", "TradeUnion", "ProfessionalBody",
    "MediaOrganisation", "AcademicInstitution", "Policy", "Intervention", "Tool", "Document",
    "Report", "Place",
)
RELATIONS: tuple[str, ...] = (
    "owns", "partOf", "memberOf", "leads", "inspects", "publishedBy", "authoredBy", "about",
    "responsibleFor", "implements", "delivers", "funds", "partnerOf", "uses", "operatesIn",
    "successorOf", "criticises",
)
SYMMETRIC_RELATIONS: frozenset[str] = frozenset({"partnerOf"})

LOUVAIN_SEED = 42
# Exact betweenness is O(V·E); above this many entities it is estimated from a fixed sample.
EXACT_BETWEENNESS_LIMIT = 1000
BETWEENNESS_SAMPLE = 250
EXPORT_FORMATS: tuple[str, ...] = ("graphml", "gexf", "csv")


@dataclass(frozen=True)
class Evidence:
    """One sentence that states a relation, and the corpus document it stands in."""

    text: str
    source_id: str
    source_title: str
    char_start: int
    extractor: str
    confidence: float | None
    page: int | None = None  # in a paged source (a PDF)
    # who added or confirmed it in a curation file, and when: ("added", "alice", "2025-06-01")
    curation: tuple[tuple[str, str, str], ...] = ()
    valid_from: str | None = None  # when the fact held, as precise as the text (2015, 2015-02)
    valid_until: str | None = None
    stated_on: str | None = None  # the date of the document that states it

    def as_dict(self) -> dict[str, Any]:
        out = {
            "text": self.text, "source": self.source_id, "title": self.source_title,
            "char_start": self.char_start, "extractor": self.extractor,
            "confidence": self.confidence, "page": self.page,
            "valid_from": self.valid_from, "valid_until": self.valid_until,
            "stated_on": self.stated_on,
        }
        if self.curation:
            out["curation"] = [{"what": w, "by": b, "date": d} for w, b, d in self.curation]
        return out

    def citation(self) -> str:
        """The source as cited under a sentence: 'report.pdf, page 2'."""
        return f"{self.source_id}, page {self.page}" if self.page else self.source_id


def load_rdf(path: str | Path) -> Graph:
    """Parse a Turtle (or other rdflib-readable) graph file; errors name the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"graph file not found: {path}")
    graph = Graph()
    fmt = "turtle" if path.suffix in {".ttl", ".turtle"} else None
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many parser-specific types
        raise ValueError(f"cannot parse {path}: {exc}") from exc
    return graph


def local_name(iri: str) -> str:
    """The part of an IRI after its last '#' or '/'."""
    return iri.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


def _ancestors_to_contract(graph: Graph, start: URIRef, link: URIRef, contract: set[URIRef]):
    """Nearest contract term reached from `start` through `link`* (breadth-first, so most specific)."""
    seen, queue = {start}, deque([start])
    while queue:
        term = queue.popleft()
        if term in contract:
            return term
        for parent in sorted(graph.objects(term, link)):
            if isinstance(parent, URIRef) and parent not in seen:
                seen.add(parent)
                queue.append(parent)
    return None


def _contract_map(graph: Graph, terms: Iterable, link: URIRef, names: Iterable[str]) -> dict:
    contract = {PKO[n] for n in names}
    resolved = {t: _ancestors_to_contract(graph, t, link, contract) for t in set(terms)}
    return {t: c for t, c in resolved.items() if c is not None}


def _source_documents(graph: Graph) -> dict[URIRef, tuple[str, str]]:
    """identifier and title of every source document, for citing evidence."""
    docs = {}
    for doc in graph.subjects(RDF.type, PKO.SourceDocument):
        ident = graph.value(doc, DCTERMS.identifier)
        title = graph.value(doc, DCTERMS.title)
        docs[doc] = (str(ident) if ident is not None else local_name(str(doc)),
                     str(title) if title is not None else "")
    return docs


def _evidence_index(graph: Graph) -> dict[tuple, list[Evidence]]:
    """Evidence records grouped by the (subject, predicate, object) triple they support."""
    docs = _source_documents(graph)
    index: dict[tuple, list[Evidence]] = defaultdict(list)
    for record in graph.subjects(RDF.type, PKO.Assertion):
        key = (graph.value(record, RDF.subject), graph.value(record, RDF.predicate),
               graph.value(record, RDF.object))
        source = graph.value(record, PROV.wasDerivedFrom)
        source_id, source_title = docs.get(source, (local_name(str(source or "")), ""))
        start = graph.value(record, PKO.charStart)
        confidence = graph.value(record, PKO.confidence)
        page = graph.value(record, PKO.page)
        index[key].append(Evidence(
            text=str(graph.value(record, PKO.evidenceText) or ""),
            source_id=source_id,
            source_title=source_title,
            char_start=int(start.toPython()) if isinstance(start, Literal) else -1,
            extractor=str(graph.value(record, PKO.extractor) or ""),
            confidence=float(confidence.toPython()) if isinstance(confidence, Literal) else None,
            page=int(page.toPython()) if isinstance(page, Literal) else None,
            curation=_curation_marks(graph, record),
            valid_from=_text(graph.value(record, PKO.validFrom)),
            valid_until=_text(graph.value(record, PKO.validUntil)),
            stated_on=_text(graph.value(record, PKO.statedOn)),
        ))
    for records in index.values():
        records.sort(key=lambda e: (e.source_id, e.char_start, e.text))
    return index


def _text(value) -> str | None:
    return str(value) if value is not None else None


def _curation_marks(graph: Graph, record) -> tuple[tuple[str, str, str], ...]:
    """Who added (prov:wasAttributedTo) or confirmed (pko:confirmedBy, dated by its curation
    decision) an evidence record, and when."""
    def name(agent) -> str:
        label = graph.value(agent, RDFS.label)
        return str(label) if label is not None else local_name(str(agent))

    marks = {("added", name(agent), str(graph.value(record, DCTERMS.date) or ""))
             for agent in graph.objects(record, PROV.wasAttributedTo)}
    dated = set()
    for decision in graph.subjects(PKO.curates, record):
        if str(graph.value(decision, PKO.curationKind) or "") == "confirm":
            agent = graph.value(decision, PROV.wasAssociatedWith)
            dated.add(agent)
            marks.add(("confirmed", name(agent), str(graph.value(decision, DCTERMS.date) or "")))
    marks |= {("confirmed", name(agent), "") for agent in graph.objects(record, PKO.confirmedBy)
              if agent not in dated}
    return tuple(sorted(marks))


def _symmetric_relations(graph: Graph) -> set[str]:
    declared = {local_name(str(p)) for p in graph.subjects(RDF.type, OWL.SymmetricProperty)}
    return set(SYMMETRIC_RELATIONS) | (declared & set(RELATIONS))


def to_networkx(graph: Graph) -> nx.MultiDiGraph:
    """Entities and contract relations of `graph` as a MultiDiGraph.

    Nodes are entity IRIs with `label`, `cls` (nearest contract class), `type` (the rdf:type
    IRI), `aliases` (sorted tuple) and `mentions` (number of source documents naming it).
    Edges are keyed by the predicate's local name and carry `relation` (contract property),
    `predicate`, `symmetric`, `evidence` (tuple of Evidence) and `evidence_count`. A symmetric
    relation stated both ways is one edge. Nodes and edges are added in sorted order so
    that every algorithm downstream sees the same graph run after run.
    """
    typed = list(graph.subject_objects(RDF.type))
    class_of = _contract_map(graph, (t for _, t in typed), RDFS.subClassOf, ENTITY_CLASSES)
    entity_type: dict[URIRef, URIRef] = {}
    for subject, rdf_type in sorted(typed):
        if isinstance(subject, URIRef) and str(subject).startswith(str(PK)) and rdf_type in class_of:
            entity_type.setdefault(subject, rdf_type)  # sorted, so deterministic if several

    mentions = Counter(o for _, o in graph.subject_objects(PKO.mentions))
    network = nx.MultiDiGraph()
    for entity in sorted(entity_type):
        label = graph.value(entity, RDFS.label)
        network.add_node(
            str(entity),
            label=str(label) if label is not None else local_name(str(entity)),
            cls=local_name(str(class_of[entity_type[entity]])),
            type=str(entity_type[entity]),
            aliases=tuple(sorted({str(a) for a in graph.objects(entity, SKOS.altLabel)})),
            mentions=mentions.get(entity, 0),
        )

    predicates = {p for _, p, _ in graph if isinstance(p, URIRef)}
    relation_of = _contract_map(graph, predicates, RDFS.subPropertyOf, RELATIONS)
    symmetric = _symmetric_relations(graph)
    evidence = _evidence_index(graph)
    facts: dict[tuple[str, str, str], dict[str, Any]] = {}
    for predicate in sorted(relation_of):
        relation = local_name(str(relation_of[predicate]))
        for subject, obj in graph.subject_objects(predicate):
            if subject not in entity_type or obj not in entity_type:
                continue
            ends = sorted((str(subject), str(obj))) if relation in symmetric else [
                str(subject), str(obj)]
            fact = facts.setdefault((ends[0], ends[1], local_name(str(predicate))), {
                "relation": relation, "predicate": str(predicate),
                "symmetric": relation in symmetric, "evidence": set(),
            })
            fact["evidence"].update(evidence.get((subject, predicate, obj), ()))
    for (source, target, key), fact in sorted(facts.items()):
        records = tuple(sorted(fact.pop("evidence"), key=lambda e: (e.source_id, e.char_start)))
        network.add_edge(source, target, key=key, evidence=records,
                         evidence_count=len(records), **fact)
    return network


def undirected_projection(network: nx.MultiDiGraph) -> nx.Graph:
    """Simple undirected graph; `weight` = number of relations between the two entities."""
    simple = nx.Graph()
    simple.add_nodes_from(network.nodes)
    for source, target in network.edges():
        if source == target:
            continue
        weight = simple.get_edge_data(source, target, {"weight": 0})["weight"]
        simple.add_edge(source, target, weight=weight + 1)
    return simple


def _directed_projection(network: nx.MultiDiGraph) -> nx.DiGraph:
    """Directed simple graph for PageRank; symmetric relations point both ways."""
    directed = nx.DiGraph()
    directed.add_nodes_from(network.nodes)
    for source, target, data in network.edges(data=True):
        pairs = [(source, target), (target, source)] if data["symmetric"] else [(source, target)]
        for a, b in pairs:
            weight = directed.get_edge_data(a, b, {"weight": 0})["weight"]
            directed.add_edge(a, b, weight=weight + 1)
    return directed


def pagerank(network: nx.MultiDiGraph) -> dict[str, float]:
    """PageRank over relations (symmetric ones both ways): the explorer's measure of importance."""
    ranks = nx.pagerank(_directed_projection(network)) if len(network) else {}
    return {node: ranks.get(node, 0.0) for node in network.nodes}


def centrality(network: nx.MultiDiGraph) -> dict[str, dict[str, float]]:
    """Per entity: degree (relation count), betweenness and PageRank."""
    simple = undirected_projection(network)
    if simple.number_of_nodes() > EXACT_BETWEENNESS_LIMIT:
        betweenness = nx.betweenness_centrality(
            simple, k=BETWEENNESS_SAMPLE, seed=LOUVAIN_SEED)
    else:
        betweenness = nx.betweenness_centrality(simple)
    ranks = pagerank(network)
    return {
        node: {
            "degree": network.degree(node),
            "betweenness": betweenness.get(node, 0.0),
            "pagerank": ranks[node],
        }
        for node in network.nodes
    }


def communities(network: nx.MultiDiGraph, seed: int = LOUVAIN_SEED) -> list[list[str]]:
    """Louvain communities, largest first; a fixed seed so the same graph gives the same split."""
    simple = undirected_projection(network)
    found = nx.community.louvain_communities(simple, weight="weight", seed=seed)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))


def components(network: nx.MultiDiGraph) -> list[list[str]]:
    """Weakly connected components, largest first."""
    found = nx.weakly_connected_components(network)
    return sorted((sorted(c) for c in found), key=lambda c: (-len(c), c))


def _ranked(members: Iterable[str], scores: dict[str, dict[str, float]], measure: str):
    return sorted(members, key=lambda n: (-scores[n][measure], n))


def analyze(network: nx.MultiDiGraph, top: int = 10) -> dict[str, Any]:
    """The analyst's summary: most central actors, communities and components."""
    scores = centrality(network)

    def entity(node: str) -> dict[str, Any]:
        data = network.nodes[node]
        return {"id": node, "label": data["label"], "class": data["cls"], **scores[node]}

    def members(group: list[str]) -> list[dict[str, Any]]:
        return [entity(n) for n in _ranked(group, scores, "pagerank")[:top]]

    found_communities = communities(network)
    found_components = components(network)
    return {
        "entities": network.number_of_nodes(),
        "relations": network.number_of_edges(),
        "central": {m: [entity(n) for n in _ranked(network.nodes, scores, m)[:top]]
                    for m in ("degree", "betweenness", "pagerank")},
        "communities": [{"size": len(c), "members": members(c)} for c in found_communities],
        "components": {
            "count": len(found_components),
            "sizes": [len(c) for c in found_components],
            "largest": [{"size": len(c), "members": members(c)} for c in found_components[:top]],
        },
    }


def format_analysis(report: dict[str, Any], top: int = 10) -> str:
    """Plain-text rendering of `analyze` for people."""
    lines = [f"{report['entities']} entities, {report['relations']} relations", ""]
    for measure, ranked in report["central"].items():
        lines.append(f"Most central by {measure}:")
        lines += [f"  {i:>2}. {e['label']} ({e['class']}): {_fmt(e[measure])}"
                  for i, e in enumerate(ranked, 1)]
        lines.append("")
    shown = report["communities"][:top]
    lines.append(f"Communities (Louvain, seed {LOUVAIN_SEED}): {len(report['communities'])}"
                 + (f", {len(shown)} largest shown" if len(shown) < len(report["communities"])
                    else ""))
    for i, community in enumerate(shown, 1):
        names = ", ".join(e["label"] for e in community["members"][:5])
        lines.append(f"  {i:>2}. {community['size']} entities: {names}")
    comps = report["components"]
    sizes = Counter(comps["sizes"])
    lines += ["", f"Connected components: {comps['count']} (sizes: "
              + ", ".join(f"{s}×{n}" if n > 1 else str(s) for s, n in sorted(
                  sizes.items(), reverse=True)) + ")"]
    for i, comp in enumerate(comps["largest"][:5], 1):
        names = ", ".join(e["label"] for e in comp["members"][:5])
        lines.append(f"  {i:>2}. {comp['size']} entities: {names}")
    return "\n".join(lines)


def _fmt(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:.4f}"


# --- Finding entities by name and the connections between them -------------------------

def resolve_entity(network: nx.MultiDiGraph, name: str) -> str:
    """The entity called `name` (label, alias, IRI or slug; case-insensitive).

    Several matches → the most connected one. No match → LookupError listing close names.
    """
    wanted = name.strip().casefold()
    for names_of in (lambda d: [d["label"]], lambda d: d["aliases"]):
        hits = [n for n, d in network.nodes(data=True)
                if wanted in (x.casefold() for x in names_of(d))]
        if hits:
            return max(hits, key=lambda n: (network.degree(n), n))
    for node in network.nodes:
        if wanted in (node.casefold(), local_name(node).casefold()):
            return node
    close = sorted(d["label"] for n, d in network.nodes(data=True)
                   if wanted in d["label"].casefold()
                   or any(wanted in a.casefold() for a in d["aliases"]))
    hint = f"; did you mean: {', '.join(close[:8])}?" if close else ""
    raise LookupError(f"no entity named {name!r} in the graph{hint}")


@dataclass(frozen=True)
class Hop:
    """One step of a path: the entities it joins and every relation between them."""

    source: str
    target: str
    facts: tuple[tuple[str, str, str, dict[str, Any]], ...]  # (subject, object, key, data)


def shortest_connections(network: nx.MultiDiGraph, source: str, target: str,
                         max_paths: int = 3) -> list[list[Hop]]:
    """Up to `max_paths` shortest paths between two entities, ignoring relation direction."""
    simple = undirected_projection(network)
    try:
        paths = list(islice(nx.all_shortest_paths(simple, source, target), max_paths))
    except nx.NetworkXNoPath:
        return []
    return [[_hop(network, a, b) for a, b in pairwise(path)] for path in paths]


def _hop(network: nx.MultiDiGraph, a: str, b: str) -> Hop:
    facts = [(s, o, key, data)
             for s, o in ((a, b), (b, a))
             for key, data in sorted(network.get_edge_data(s, o, default={}).items())]
    return Hop(a, b, tuple(facts))


def format_paths(network: nx.MultiDiGraph, paths: list[list[Hop]], max_evidence: int = 2) -> str:
    """Each path as a chain of labels, then each hop's relations with evidence sentences."""
    def label(node: str) -> str:
        return network.nodes[node]["label"]

    lines: list[str] = []
    for number, path in enumerate(paths, 1):
        chain = " — ".join([label(path[0].source)] + [label(h.target) for h in path])
        lines.append(f"Path {number} ({len(path)} hop{'s' if len(path) > 1 else ''}): {chain}")
        for hop in path:
            for subject, obj, _, data in hop.facts:
                arrow = "—" if data["symmetric"] else "→"
                lines.append(f"  {label(subject)} {arrow}{data['relation']}{arrow} {label(obj)}")
                for record in data["evidence"][:max_evidence]:
                    title = f": {_clip(record.source_title)}" if record.source_title else ""
                    lines.append(f"      “{record.text}”")
                    lines.append(f"      [{record.citation()}{title}]")
                extra = data["evidence_count"] - max_evidence
                if extra > 0:
                    lines.append(f"      (+{extra} more evidence sentence{'s' * (extra > 1)})")
                if not data["evidence"]:
                    lines.append("      (no evidence record in the graph)")
        lines.append("")
    return "\n".join(lines).rstrip()


def _clip(text: str, limit: int = 80) -> str:
    """Source titles can be a whole first paragraph; a citation needs only its start."""
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


def paths_as_json(network: nx.MultiDiGraph, paths: list[list[Hop]]) -> list[list[dict]]:
    """Paths for scripts: each hop with its relations and all evidence."""
    return [[{
        "from": hop.source, "to": hop.target,
        "relations": [{
            "subject": s, "subject_label": network.nodes[s]["label"],
            "relation": d["relation"], "predicate": d["predicate"],
            "object": o, "object_label": network.nodes[o]["label"],
            "evidence": [e.as_dict() for e in d["evidence"]],
        } for s, o, _, d in hop.facts],
    } for hop in path] for path in paths]


# --- Export for Gephi and spreadsheets ---------------------------------------------------

NODE_COLUMNS = ("id", "label", "class", "type", "aliases", "mentions", "degree",
                "betweenness", "pagerank", "community", "component")
EDGE_COLUMNS = ("source", "target", "source_label", "target_label", "relation", "predicate",
                "symmetric", "evidence_count", "evidence", "valid_from", "valid_until")


def export_table(network: nx.MultiDiGraph) -> tuple[list[dict], list[dict]]:
    """Node and edge rows with scalar attributes only (what GraphML, GEXF and CSV can hold)."""
    scores = centrality(network)
    community_of = {n: i for i, c in enumerate(communities(network)) for n in c}
    component_of = {n: i for i, c in enumerate(components(network)) for n in c}
    nodes = [{
        "id": node, "label": data["label"], "class": data["cls"], "type": data["type"],
        "aliases": "; ".join(data["aliases"]), "mentions": data["mentions"],
        "degree": scores[node]["degree"], "betweenness": scores[node]["betweenness"],
        "pagerank": scores[node]["pagerank"], "community": community_of[node],
        "component": component_of[node],
    } for node, data in network.nodes(data=True)]
    edges = [{
        "key": key, "source": s, "target": o,
        "source_label": network.nodes[s]["label"], "target_label": network.nodes[o]["label"],
        "relation": d["relation"], "predicate": d["predicate"], "symmetric": d["symmetric"],
        "evidence_count": d["evidence_count"],
        "evidence": d["evidence"][0].text if d["evidence"] else "",
        **dict(zip(("valid_from", "valid_until"), edge_period(d["evidence"]))),
    } for s, o, key, d in network.edges(keys=True, data=True)]
    return nodes, edges


def edge_period(evidence) -> tuple[str, str]:
    """When a relation held, over its evidence records ("" where unknown): the earliest
    start, and the latest end unless some record says it still holds."""
    starts = [e.valid_from for e in evidence if e.valid_from]
    ends = [e.valid_until for e in evidence if e.valid_until]
    still = any(e.valid_from and not e.valid_until for e in evidence)
    return min(starts, default=""), "" if still else max(ends, default="")


def _day(date: str) -> str:
    """A gYear or gYearMonth as the first day of its period, for Gephi's timeline."""
    return {4: f"{date}-01-01", 7: f"{date}-01"}.get(len(date), date)


def _dynamic(flat: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GEXF time intervals ('start'/'end' on each dated edge) for Gephi's timeline."""
    dated = False
    for _, _, data in flat.edges(data=True):
        start, end = data.pop("valid_from", ""), data.pop("valid_until", "")
        if start:
            data["start"] = _day(start)
        if end:
            data["end"] = _day(end)
        dated = dated or bool(start or end)
    if dated:
        flat.graph["mode"] = "dynamic"
    return flat


def _scalar_graph(nodes: list[dict], edges: list[dict]) -> nx.MultiDiGraph:
    flat = nx.MultiDiGraph()
    for row in nodes:
        flat.add_node(row["id"], **{k: v for k, v in row.items() if k != "id"})
    for row in edges:
        attrs = {k: v for k, v in row.items() if k not in {"key", "source", "target"}}
        flat.add_edge(row["source"], row["target"], key=row["key"], **attrs)
    return flat


def csv_paths(out_path: str | Path) -> tuple[Path, Path]:
    """CSV export writes two files beside OUT: <stem>_nodes.csv and <stem>_edges.csv."""
    out_path = Path(out_path)
    stem = out_path.with_suffix("") if out_path.suffix.lower() == ".csv" else out_path
    return (stem.parent / f"{stem.name}_nodes.csv", stem.parent / f"{stem.name}_edges.csv")


def _write_csv(path: Path, columns: tuple[str, ...], rows: list[dict]) -> None:
    with atomic_path(path) as tmp, tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)


def export_network(rdf_graph: Graph, fmt: str, out_path: str | Path) -> list[Path]:
    """Write the entity network as graphml, gexf or csv; returns the files written.

    Nodes carry label, class, aliases and metrics (degree, betweenness, PageRank, Louvain
    community, component); edges carry relation, predicate, evidence count and the first
    evidence sentence. `csv` writes OUT's stem + `_nodes.csv` and `_edges.csv`.
    """
    fmt = fmt.lower()
    if fmt not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")
    nodes, edges = export_table(to_networkx(rdf_graph))
    if fmt == "csv":
        nodes_path, edges_path = csv_paths(out_path)
        _write_csv(nodes_path, NODE_COLUMNS, nodes)
        _write_csv(edges_path, EDGE_COLUMNS, edges)
        return [nodes_path, edges_path]
    flat = _scalar_graph(nodes, edges)
    if fmt == "gexf":
        flat = _dynamic(flat)
    writer = nx.write_graphml if fmt == "graphml" else nx.write_gexf
    with atomic_path(out_path) as tmp:
        writer(flat, tmp)
    return [Path(out_path)]


def analysis_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, ensure_ascii=False)


# --- Command line: `graphbuild analyze` and `graphbuild path` ----------------------------

DEFAULT_GRAPH = Path("out") / "graph.ttl"


def load_network(graph_path: str | Path) -> nx.MultiDiGraph:
    """The entity network of a graph file, with load errors as click errors naming the file."""
    try:
        return to_networkx(load_rdf(graph_path))
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc


graph_option = click.option(
    "--graph", "graph_path", type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_GRAPH, show_default=True, help="The built graph (Turtle).")


@click.command("analyze")
@graph_option
@click.option("--top", type=click.IntRange(min=1), default=10, show_default=True,
              help="How many entities to list per measure, community and component.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def analyze_command(graph_path: Path, top: int, fmt: str) -> None:
    """Most central actors (degree, betweenness, PageRank), Louvain communities, components."""
    report = analyze(load_network(graph_path), top=top)
    click.echo(analysis_json(report) if fmt == "json" else format_analysis(report, top=top))


@click.command("path")
@click.argument("source")
@click.argument("target")
@graph_option
@click.option("--max-paths", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
def path_command(source: str, target: str, graph_path: Path, max_paths: int, fmt: str) -> None:
    """Shortest connections between SOURCE and TARGET (names or aliases), evidence per hop."""
    network = load_network(graph_path)
    try:
        ends = resolve_entity(network, source), resolve_entity(network, target)
    except LookupError as exc:
        raise click.ClickException(f"{exc.args[0]} ({graph_path})") from exc
    paths = shortest_connections(network, *ends, max_paths=max_paths)
    if not paths:
        labels = [network.nodes[e]["label"] for e in ends]
        raise click.ClickException(f"{labels[0]} and {labels[1]} are not connected in {graph_path}")
    if fmt == "json":
        click.echo(json.dumps(paths_as_json(network, paths), indent=2, ensure_ascii=False))
    else:
        click.echo(format_paths(network, paths))
