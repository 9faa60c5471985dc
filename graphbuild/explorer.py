"""`graphbuild view`: one self-contained, offline HTML page to explore the entity network.

pyvis assembles the vis-network node/edge records and options; the page itself is our own
template (graphbuild/templates/explorer.*) with vis-network's JS/CSS inlined from the pyvis
package, because pyvis's own templates fetch Bootstrap from a CDN and its filter menus can
blank the graph. Every piece of corpus text travels as JSON inside a
<script type="application/json"> element (with <, > and & escaped) and is put on the page
with textContent only. Positions and label sizes come from graphbuild.layout and physics is
off, so the view is drawn once and stays still. Each evidence sentence links to its place on
its document's page (graphbuild.docpages).
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from importlib import resources, util
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import click
import networkx as nx

from .analytics import (
    RELATIONS,
    Evidence,
    edge_period,
    graph_option,
    load_rdf,
    pagerank,
    resolve_entity,
    to_networkx,
    undirected_projection,
)
from .atomic import write_text_atomic
from .docpages import (
    MENTIONS_DIR,
    PAGES_DIR,
    page_files,
    sentence_anchor,
    write_document_pages,
)
from .layout import DRAW_THRESHOLD_PX, Layout, wrap_label

if TYPE_CHECKING:
    from pyvis.network import Network

DEFAULT_MAX_NODES = 300
MAX_EVIDENCE_PER_FACT = 5  # sentences embedded per relation; the panel says how many more exist
LABEL_CHARACTERS = 40  # longer names are shortened on the canvas; tooltip and panel show all
# vis-network as shipped inside the pyvis package (found without importing pyvis, which is slow).
VIS_DIR = Path(util.find_spec("pyvis").submodule_search_locations[0]) / "lib" / "vis-9.1.2"

# Contract class → (parent class, colour, vis shape). Parents let --types Organisation take in
# every kind of organisation; colours and shapes make the legend.
CLASS_STYLE: dict[str, tuple[str | None, str, str]] = {
    "Person": (None, "#e15759", "dot"),
    "Organisation": (None, "#4e79a7", "square"),
    "GovernmentBody": ("Organisation", "#1f3f77", "square"),
    "Inspectorate": ("GovernmentBody", "#8e44ad", "triangle"),
    "LocalAuthority": ("GovernmentBody", "#2a9d8f", "square"),
    "Court": ("GovernmentBody", "#7f4f24", "triangleDown"),
    "ProbationProvider": ("Organisation", "#f28e2b", "hexagon"),
    "Company": ("Organisation", "#59a14f", "diamond"),
    "VoluntaryOrganisation": ("Organisation", "#9bd17f", "diamond"),
    "TradeUnion": ("Organisation", "#a4161a", "star"),
    "ProfessionalBody": ("Organisation", "#6c8ead", "hexagon"),
    "MediaOrganisation": ("Organisation", "#ff9da7", "triangleDown"),
    "AcademicInstitution": ("Organisation", "#8c8c3c", "triangle"),
    "Policy": (None, "#edc948", "star"),
    "Intervention": (None, "#76b7b2", "dot"),
    "Tool": (None, "#555555", "square"),
    "Document": (None, "#bab0ac", "triangleDown"),
    "Report": ("Document", "#9c755f", "triangle"),
    "Place": (None, "#d4a373", "dot"),
}
FALLBACK_STYLE = (None, "#999999", "dot")
CURATED_COLOUR = "#1a7f37"  # relations an analyst added or confirmed (graphbuild curate)


@dataclass
class ViewOptions:
    """What to draw: a neighbourhood, some classes or relations, and how many entities at most."""

    focus: str | None = None
    depth: int = 1
    types: list[str] = field(default_factory=list)
    relations: list[str] = field(default_factory=list)
    max_nodes: int = DEFAULT_MAX_NODES


@dataclass
class View:
    """The entities and relations drawn, and a sentence saying what was left out."""

    nodes: list[str]
    edges: list[tuple[str, str, str]]
    focus: str | None
    note: str


def _class_lineage(cls: str) -> set[str]:
    lineage = set()
    while cls and cls not in lineage:
        lineage.add(cls)
        cls = CLASS_STYLE.get(cls, FALLBACK_STYLE)[0]
    return lineage


def _match_names(requested: list[str], known: list[str], what: str) -> set[str]:
    """Case-insensitive lookup of class or relation names; unknown names are an error."""
    by_fold = {k.casefold(): k for k in known}
    missing = [r for r in requested if r.casefold() not in by_fold]
    if missing:
        raise ValueError(f"unknown {what} {', '.join(missing)}; known: {', '.join(known)}")
    return {by_fold[r.casefold()] for r in requested}


def select_view(network: nx.MultiDiGraph, options: ViewOptions,
                importance: dict[str, float]) -> View:
    """Restrict by class and relation, then by neighbourhood, then keep the most connected."""
    types = _match_names(options.types, list(CLASS_STYLE), "class") if options.types else None
    relations = _match_names(options.relations, list(RELATIONS), "relation") \
        if options.relations else None
    focus = resolve_entity(network, options.focus) if options.focus else None

    kept = {n for n, d in network.nodes(data=True)
            if types is None or _class_lineage(d["cls"]) & types or n == focus}
    edges = [(s, o, k) for s, o, k, d in network.edges(keys=True, data=True)
             if s in kept and o in kept and (relations is None or d["relation"] in relations)]
    restricted = nx.MultiDiGraph(network.subgraph(kept).edge_subgraph(edges)) if edges \
        else nx.MultiDiGraph()
    restricted.add_nodes_from(kept)
    if relations is not None:  # an entity none of whose relations is wanted is not drawn
        kept = {n for n in kept if restricted.degree(n) > 0 or n == focus}

    if focus is not None:
        simple = undirected_projection(restricted.subgraph(kept))
        distance = nx.single_source_shortest_path_length(simple, focus, cutoff=options.depth)
        rank = sorted(distance, key=lambda n: (distance[n], -restricted.degree(n),
                                               -importance[n], n))
    else:
        rank = sorted(kept, key=lambda n: (-restricted.degree(n), -importance[n], n))
    chosen = rank[:options.max_nodes]
    chosen_set = set(chosen)
    drawn = [(s, o, k) for s, o, k in edges if s in chosen_set and o in chosen_set]
    return View(nodes=chosen, edges=drawn, focus=focus,
                note=_omission_note(network, options, focus, len(rank), chosen, drawn))


def _omission_note(network: nx.MultiDiGraph, options: ViewOptions, focus: str | None,
                   candidates: int, chosen: list[str], drawn: list) -> str:
    total_n, total_e = network.number_of_nodes(), network.number_of_edges()
    parts = [(f"Showing {len(chosen):,} of {total_n:,} entities and {len(drawn):,} of "
             f"{total_e:,} relations.")]
    if focus is not None:
        parts.append(f"Neighbourhood of {network.nodes[focus]['label']} "
                     f"within {options.depth} step{'s' * (options.depth != 1)}.")
    if options.types:
        parts.append(f"Classes: {', '.join(options.types)}.")
    if options.relations:
        parts.append(f"Relations: {', '.join(options.relations)}.")
    if candidates > len(chosen):
        how = "nearest" if focus is not None else "most connected"
        parts.append(f"Only the {len(chosen):,} {how} of {candidates:,} matching entities are "
                     f"drawn; {candidates - len(chosen):,} left out (use --max-nodes, "
                     "--focus, --types or --relations to see them).")
    return " ".join(parts)


def view_layout(network: nx.MultiDiGraph, view: View, importance: dict[str, float]) -> Layout:
    """Positions and label fonts (graphbuild.layout); the entities with relations, most
    important first, are the candidates for a label readable in the fitted view."""
    top = max((importance[n] for n in view.nodes), default=1.0) or 1.0
    sizes = {n: round(8 + 22 * math.sqrt(importance[n] / top), 1) for n in view.nodes}
    labels = {n: wrap_label(_short(network.nodes[n]["label"])) for n in view.nodes}
    drawn = nx.Graph()
    drawn.add_nodes_from(view.nodes)
    drawn.add_edges_from((s, o) for s, o, _ in view.edges if s != o)
    ranked = sorted((n for n in view.nodes if network.degree(n) > 0),
                    key=lambda n: (-importance[n], n))
    return Layout(drawn, sizes, labels, ranked)


def _pyvis_network(network: nx.MultiDiGraph, view: View, layout: Layout,
                   edge_ids: dict) -> Network:
    """vis-network records via pyvis (directed mode: its undirected add_edge is quadratic)."""
    from pyvis.network import Network  # imported here: it takes ~0.7 s, which `--help` need not pay

    net = Network(directed=True)
    for node in view.nodes:
        _, colour, shape = CLASS_STYLE.get(network.nodes[node]["cls"], FALLBACK_STYLE)
        x, y = layout.positions[node]
        net.add_node(node, label=layout.labels[node], shape=shape, color=colour, x=x, y=y,
                     size=layout.sizes[node], physics=False,
                     font={"size": layout.fonts[node]})
    for source, target, key in view.edges:
        data = network.edges[source, target, key]
        net.add_edge(source, target, id=edge_ids[(source, target, key)], label=data["relation"],
                     arrows="" if data["symmetric"] else "to")
    net.toggle_physics(False)
    net.options.edges.smooth.enabled = False
    return net


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARACTERS else label[:LABEL_CHARACTERS - 1] + "\u2026"


def _vis_options(net: Network) -> dict[str, Any]:
    options = json.loads(net.get_network_data()[-1])
    options["edges"].update({
        "color": {"color": "#a0a7b0", "highlight": "#222222", "hover": "#444444"},
        "font": {"size": 11, "color": "#444444", "strokeWidth": 3},  # "middle" leaves a stray label at (0, 0)
        "width": 1.2,
    })
    options["interaction"].update({"hover": True, "tooltipDelay": 150, "hideEdgesOnZoom": False})
    options["layout"] = {"improvedLayout": False}
    # vis-network skips a label smaller on screen than drawThreshold - 1 pixels
    threshold = {"label": {"drawThreshold": DRAW_THRESHOLD_PX + 1}}
    options["nodes"] = {"borderWidth": 1, "scaling": threshold}
    options["edges"]["scaling"] = threshold
    return options


def _document_link(evidence: Evidence, pages: dict[str, str]) -> str | None:
    """The evidence sentence's place on its document page (graphbuild.docpages), if written."""
    if evidence.source_id not in pages or evidence.char_start < 0:
        return None
    anchor = sentence_anchor(evidence.char_start, evidence.char_start + len(evidence.text))
    return f"{PAGES_DIR}/{quote(pages[evidence.source_id])}#{anchor}"


def _facts(network: nx.MultiDiGraph, view: View,
           pages: dict[str, str]) -> tuple[list[dict], dict[tuple, int]]:
    """Every relation touching a drawn entity, with its evidence, for the side panel."""
    keys = sorted({(s, o, k) for n in view.nodes
                   for s, o, k in list(network.out_edges(n, keys=True))
                   + list(network.in_edges(n, keys=True))})
    drawn_edges = set(view.edges)
    facts, ids = [], {}
    for source, target, key in keys:
        data = network.edges[source, target, key]
        if (source, target, key) in drawn_edges:
            ids[(source, target, key)] = len(facts)
        # evidence an analyst added or confirmed comes first (sorted() keeps the order otherwise)
        evidence = sorted(data["evidence"], key=lambda e: not e.curation)
        held_from, held_until = edge_period(data["evidence"])
        facts.append({
            "s": source, "o": target, "rel": data["relation"], "sym": data["symmetric"],
            "n": data["evidence_count"], "drawn": (source, target, key) in drawn_edges,
            "from": held_from or None, "until": held_until or None,
            "evidence": [{"text": e.text, "source": e.citation(), "title": e.source_title,
                          "curation": [{"what": w, "by": b, "date": d} for w, b, d in e.curation],
                          "doc": _document_link(e, pages), "from": e.valid_from,
                          "until": e.valid_until, "stated": e.stated_on}
                         for e in evidence[:MAX_EVIDENCE_PER_FACT]],
            "curated": [{"what": w, "by": b, "date": d}
                        for w, b, d in sorted({m for e in evidence for m in e.curation})],
        })
    return facts, ids


def page_data(network: nx.MultiDiGraph, options: ViewOptions, source_name: str,
              pages: dict[str, str] | None = None) -> dict:
    """Everything the page needs, as one JSON-ready dictionary; `pages` (source identifier →
    document page file) links each evidence sentence to its place."""
    importance = pagerank(network)
    view = select_view(network, options, importance)
    facts, edge_ids = _facts(network, view, pages or {})
    net = _pyvis_network(network, view, view_layout(network, view, importance), edge_ids)
    nodes, edges = net.get_network_data()[:2]
    shown = set(view.nodes)
    for record in nodes:
        data = network.nodes[record["id"]]
        record.update(name=data["label"], cls=data["cls"], aliases=list(data["aliases"]), mentions=data["mentions"],
                      degree=network.degree(record["id"]))
    for record in edges:
        record["rel"] = record["label"]
        if facts[record["id"]]["curated"]:  # added or confirmed by an analyst: drawn in green
            record.update(curated=True, width=2.6, color={"color": CURATED_COLOUR,
                                                          "highlight": CURATED_COLOUR})
    others = {n: {"label": network.nodes[n]["label"], "cls": network.nodes[n]["cls"]}
              for f in facts for n in (f["s"], f["o"]) if n not in shown}
    class_counts: dict[str, int] = {}
    for record in nodes:
        class_counts[record["cls"]] = class_counts.get(record["cls"], 0) + 1
    relation_counts: dict[str, int] = {}
    for record in edges:
        relation_counts[record["rel"]] = relation_counts.get(record["rel"], 0) + 1
    symmetric = {d["relation"] for *_, d in network.edges(data=True) if d["symmetric"]}
    return {
        "meta": {"source": source_name, "note": view.note, "focus": view.focus,
                 "entities": len(nodes), "relations": len(edges)},
        "classes": [{"name": c, "color": CLASS_STYLE.get(c, FALLBACK_STYLE)[1],
                     "shape": CLASS_STYLE.get(c, FALLBACK_STYLE)[2], "count": class_counts[c]}
                    for c in sorted(class_counts, key=lambda c: (-class_counts[c], c))],
        "relations": [{"name": r, "symmetric": r in symmetric, "count": relation_counts[r]}
                      for r in sorted(relation_counts, key=lambda r: (-relation_counts[r], r))],
        "nodes": nodes,
        "edges": edges,
        "facts": facts,
        "others": others,
        "options": _vis_options(net),
    }


def json_for_script(data: Any) -> str:
    """JSON that cannot end its <script> element: <, > and & become \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _template(name: str) -> str:
    return resources.files("graphbuild").joinpath("templates", name).read_text(encoding="utf-8")


def _without_source_map(script: str) -> str:
    """Drop the sourceMappingURL comment: developer tools would try to fetch the map file."""
    return re.sub(r"^//# sourceMappingURL=.*$", "", script, flags=re.MULTILINE)


def render_page(data: dict) -> str:
    """The explorer template with vis-network, our CSS/JS and the data inlined."""
    parts = {
        "/*@VIS_CSS@*/": (VIS_DIR / "vis-network.css").read_text(encoding="utf-8"),
        "/*@EXPLORER_CSS@*/": _template("explorer.css"),
        "/*@VIS_JS@*/": _without_source_map((VIS_DIR / "vis-network.min.js").read_text("utf-8")),
        "/*@EXPLORER_JS@*/": _template("explorer.js"),
        "@GRAPH_DATA@": json_for_script(data),
    }
    page = _template("explorer.html")
    for marker, content in parts.items():
        if "</script" in content.lower() or "</style" in content.lower():
            raise ValueError(f"inlined content for {marker} would close its element")
        page = page.replace(marker, content, 1)
    return page


def write_explorer(network: nx.MultiDiGraph, out_path: str | Path, options: ViewOptions,
                   source_name: str, pages: dict[str, str] | None = None) -> dict[str, Any]:
    """Write the page atomically; returns the page's meta (counts and the omission note)."""
    data = page_data(network, options, source_name, pages)
    write_text_atomic(out_path, render_page(data))
    return data["meta"]


def _names(values: tuple[str, ...]) -> list[str]:
    """Repeated or comma-separated option values as one list."""
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


@click.command("view")
@graph_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("out") / "explorer.html", show_default=True)
@click.option("--focus", help="Draw only the neighbourhood of this entity (name or alias).")
@click.option("--depth", type=click.IntRange(min=0), default=1, show_default=True,
              help="Steps from --focus.")
@click.option("--types", multiple=True, help="Classes to draw (comma-separated or repeated; "
              "a class takes in its subclasses).")
@click.option("--relations", multiple=True, help="Relations to draw (comma-separated or repeated).")
@click.option("--max-nodes", type=click.IntRange(min=1), default=DEFAULT_MAX_NODES,
              show_default=True, help="Draw at most this many entities (the most connected).")
def view_command(graph_path: Path, out_path: Path, focus: str | None, depth: int,
                 types: tuple[str, ...], relations: tuple[str, ...], max_nodes: int) -> None:
    """Write a self-contained offline HTML explorer of the graph, and beside it a page per
    source document (documents/<doc-id>.html) with its mentions and evidence marked."""
    try:
        rdf = load_rdf(graph_path)
    except (FileNotFoundError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    network = to_networkx(rdf)
    options = ViewOptions(focus=focus, depth=depth, types=_names(types),
                          relations=_names(relations), max_nodes=max_nodes)
    pages_dir, mentions_dir = out_path.parent / PAGES_DIR, graph_path.parent / MENTIONS_DIR
    pages, missing = page_files(rdf, mentions_dir)
    try:
        meta = write_explorer(network, out_path, options, graph_path.name, pages)
        written = write_document_pages(
            rdf, {n: {"name": d["label"], "cls": d["cls"]} for n, d in network.nodes(data=True)},
            mentions_dir, pages_dir, quote(out_path.name),
            {c: style[1] for c, style in CLASS_STYLE.items()})
    except (LookupError, ValueError) as exc:
        raise click.ClickException(f"{exc.args[0]} ({graph_path})") from exc
    click.echo(f"Wrote {out_path}: {meta['note']}")
    click.echo(f"Wrote {written} document pages to {pages_dir}")
    if missing:
        click.echo(f"warning: no text for {len(missing)} document{'s' * (len(missing) != 1)} "
                   f"of {graph_path} (none in "
                   f"{mentions_dir}; `graphbuild build` writes it), so no "
                   f"page: {', '.join(missing[:5])}{', …' if len(missing) > 5 else ''}", err=True)
