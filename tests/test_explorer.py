"""The explorer page: view selection in Python, and the page itself in a real Chromium."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, BrowserPage, require, require_executable
from rdflib import Graph
from test_analytics import DOCS, FACTS, HOSTILE_NAME, HOSTILE_SENTENCE, iri, small_graph

from graphbuild.analytics import centrality, to_networkx
from graphbuild.cli import main
from graphbuild.explorer import (
    ViewOptions,
    json_for_script,
    page_data,
    render_page,
    select_view,
    write_explorer,
)
from graphbuild.layout import Mark
from graphbuild.namespaces import PKO

ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
PAGE_TITLE = "graphbuild explorer"
OWNERSHIP_SENTENCE = next(f[3] for f in FACTS if f[1] == PKO.majorityOwns)


def importance(network):
    return {n: s["pagerank"] for n, s in centrality(network).items()}


# --- Python side -------------------------------------------------------------------------

def test_json_for_script_cannot_close_its_element():
    text = json_for_script({"name": "</script><script>alert(1)</script> & <!--"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script> & <!--"}


def test_page_inlines_everything_and_escapes_corpus_text():
    page = render_page(page_data(to_networkx(small_graph()), ViewOptions(), "graph.ttl"))
    # only the page's own three script elements are ever closed (the browser tests count them)
    assert page.lower().count("</script") == 3
    assert "sourceMappingURL" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "<link" not in page.lower()
    assert HOSTILE_NAME not in page and "<script>alert(" not in page
    data = json.loads(page.split('id="graph-data">', 1)[1].split("</script>", 1)[0])
    assert any(n["name"] == HOSTILE_NAME for n in data["nodes"])
    arrows = {e["rel"]: e["arrows"] for e in data["edges"]}
    assert arrows["partnerOf"] == "" and arrows["owns"] == "to"  # symmetric: no arrow
    assert {c["name"] for c in data["classes"]} == {d["cls"] for d in data["nodes"]}  # legend


def test_default_view_keeps_the_most_connected_and_says_what_it_left_out():
    network = to_networkx(small_graph())
    view = select_view(network, ViewOptions(max_nodes=3), importance(network))
    degrees = sorted((network.degree(n) for n in network.nodes), reverse=True)
    assert sorted((network.degree(n) for n in view.nodes), reverse=True) == degrees[:3]
    assert all(s in view.nodes and o in view.nodes for s, o, _ in view.edges)
    assert f"{len(network) - 3} left out" in view.note


def test_focus_depth_types_and_relations_restrict_the_view():
    network = to_networkx(small_graph())
    scores = importance(network)
    near = select_view(network, ViewOptions(focus="PeoplePlus", depth=1), scores)
    assert set(near.nodes) == {iri("peopleplus"), iri("wwm-crc"), iri("acme-hostile")}
    assert "Neighbourhood of PeoplePlus" in near.note
    organisations = select_view(network, ViewOptions(types=["organisation"]), scores)
    classes = {network.nodes[n]["cls"] for n in organisations.nodes}
    assert classes == {"GovernmentBody", "Inspectorate", "Company", "ProbationProvider",
                       "TradeUnion", "VoluntaryOrganisation"}
    owns = select_view(network, ViewOptions(relations=["owns"]), scores)
    assert set(owns.nodes) == {iri("peopleplus"), iri("wwm-crc")}
    assert [k for *_, k in owns.edges] == ["majorityOwns"]
    with pytest.raises(ValueError, match="unknown class"):
        select_view(network, ViewOptions(types=["Wizard"]), scores)


def test_view_command_writes_the_page_and_reports_errors(tmp_path):
    graph_file = tmp_path / "graph.ttl"
    small_graph().serialize(graph_file, format="turtle")
    out = tmp_path / "explorer.html"
    runner = CliRunner()
    result = runner.invoke(main, ["view", "--graph", str(graph_file), "--out", str(out),
                                  "--types", "Company,ProbationProvider"])
    assert result.exit_code == 0, result.output
    assert out.is_file() and "Showing" in result.output
    bad = runner.invoke(main, ["view", "--graph", str(graph_file), "--out", str(out),
                               "--focus", "Nobody At All"])
    assert bad.exit_code != 0 and "Nobody At All" in bad.output


# --- In Chromium -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def chromium():
    path = require_executable("chromium")
    require(importlib.util.find_spec("playwright") is not None, "playwright is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


class Session(BrowserPage):
    """The explorer page in Chromium (conftest.BrowserPage: nothing may leave the page)."""

    def __init__(self, browser, html: Path):
        super().__init__(browser, html.as_uri(), "window.explorerReadyAt", (1400, 900))

    def drawn_pixels(self) -> int:
        return self.js("""() => {
            const c = document.querySelector('#network canvas');
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let n = 0; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++; return n; }""")

    def search(self, text: str) -> None:
        self.page.fill("#search", text)
        self.page.press("#search", "Enter")

    def click_node(self, node_id: str) -> None:
        x, y = self.js("""id => {
            const p = explorer.network.canvasToDOM(explorer.network.getPositions([id])[id]);
            const r = document.querySelector('#network canvas').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""", node_id)
        self.page.mouse.click(x, y)

    def details(self) -> str:
        return self.page.inner_text("#details")

    def assert_clean(self) -> None:
        assert self.foreign == [], f"requests left the page: {self.foreign}"
        assert self.dialogs == [], f"a script ran: {self.dialogs}"
        assert self.errors == [], self.errors
        assert self.page.title() == PAGE_TITLE
        assert self.js("document.querySelectorAll('img').length") == 0
        assert self.js("document.querySelectorAll('script').length") == 3


def _write_page(tmp_path: Path, rdf: Graph, options: ViewOptions | None = None) -> Path:
    out = tmp_path / "explorer.html"
    write_explorer(to_networkx(rdf), out, options or ViewOptions(), "graph.ttl")
    return out


@pytest.mark.browser
def test_small_graph_page_search_click_and_hostile_text(chromium, tmp_path):
    session = Session(chromium, _write_page(tmp_path, small_graph()))
    assert session.drawn_pixels() > 1000, "the network canvas is blank"

    session.search("PeoplePlus")
    assert session.js("explorer.network.getSelectedNodes()") == [iri("peopleplus")]
    session.js("explorer.network.unselectAll(); document.getElementById('details').textContent=''")
    session.click_node(iri("peopleplus"))
    assert session.js("explorer.network.getSelectedNodes()") == [iri("peopleplus")]
    panel = session.details()
    assert OWNERSHIP_SENTENCE in panel
    assert DOCS[FACTS[3][4]][0] in panel  # the source document is cited

    session.search("<img")  # the hostile entity, found by its literal name
    panel = session.details()
    assert HOSTILE_NAME in panel and HOSTILE_SENTENCE in panel
    assert DOCS["doc-b"][1] in panel or DOCS["doc-b"][0] in panel
    session.page.hover("#network", position={"x": 5, "y": 5})
    session.click_node(iri("acme-hostile"))
    session.page.mouse.move(*session.js("""id => {
        const p = explorer.network.canvasToDOM(explorer.network.getPositions([id])[id]);
        const r = document.querySelector('#network canvas').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y]; }""", iri("acme-hostile")))
    session.page.wait_for_timeout(600)  # the tooltip delay
    tooltip = session.js("(document.querySelector('.vis-tooltip') || {}).innerText || ''")
    assert HOSTILE_NAME in tooltip
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=ARTIFACTS / "explorer-small-graph.png")
    session.assert_clean()


@pytest.mark.browser
def test_small_graph_page_edge_click_and_filters(chromium, tmp_path):
    session = Session(chromium, _write_page(tmp_path, small_graph()))
    edge = session.js("""() => explorer.edges.get().find(e => e.rel === 'owns').id""")
    x, y = session.js("""id => {
        const e = explorer.edges.get(id);
        const p = explorer.network.getPositions([e.from, e.to]);
        const m = explorer.network.canvasToDOM({x: (p[e.from].x + p[e.to].x) / 2,
                                                y: (p[e.from].y + p[e.to].y) / 2});
        const r = document.querySelector('#network canvas').getBoundingClientRect();
        return [r.left + m.x, r.top + m.y]; }""", edge)
    session.page.mouse.click(x, y)
    assert OWNERSHIP_SENTENCE in session.details()

    visible = "() => explorer.network.body.nodeIndices.slice()"
    everyone = session.js(visible)
    session.page.uncheck("#class-filter input[value='Company']")
    assert iri("peopleplus") not in session.js(visible)
    session.page.check("#class-filter input[value='Company']")
    session.page.uncheck("#relation-filter input[value='owns']")
    assert "majorityOwns" not in json.dumps(session.js(
        "() => explorer.network.body.edgeIndices.map(i => explorer.edges.get(i).rel)"))
    session.page.fill("#min-degree", "3")
    session.page.dispatch_event("#min-degree", "input")
    network = to_networkx(small_graph())
    assert set(session.js(visible)) == {n for n in everyone if network.degree(n) >= 3}
    session.assert_clean()


@pytest.mark.browser
def test_sample_graph_page_finds_the_peopleplus_ownership(chromium, tmp_path, request):
    require(importlib.util.find_spec("graphbuild.build") is not None,
            "graphbuild.build (the lead's build) does not exist yet")
    rdf = Graph().parse(request.getfixturevalue("sample_graph_path"))
    network = to_networkx(rdf)
    owner = next((n for n, d in network.nodes(data=True) if d["label"] == "PeoplePlus"), None)
    assert owner is not None, "the sample build has no PeoplePlus entity"
    owned = [d for _, _, d in network.out_edges(owner, data=True) if d["relation"] == "owns"]
    assert owned and owned[0]["evidence"], "the sample build has no evidenced PeoplePlus owns fact"

    session = Session(chromium, _write_page(tmp_path, rdf))
    assert session.drawn_pixels() > 1000, "the network canvas is blank"
    session.search("PeoplePlus")
    assert session.js("explorer.network.getSelectedNodes()") == [owner]
    session.js("explorer.network.unselectAll(); document.getElementById('details').textContent=''")
    session.click_node(owner)
    assert owned[0]["evidence"][0].text in session.details()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=ARTIFACTS / "explorer-sample-graph.png")
    session.assert_clean()


# Each visible node's label as vis-network drew it: its box in canvas units, on screen, and the
# size of its font on screen (labels under the draw threshold are not drawn at all).
LABEL_BOXES = """() => {
    const net = explorer.network, scale = net.getScale(), boxes = [];
    for (const id of net.body.nodeIndices) {
        const node = net.body.nodes[id], label = node.labelModule, s = label.size;
        if (!node.options.label) continue;
        const corner = net.canvasToDOM({x: s.left, y: s.top});
        boxes.push({id, px: label.fontOptions.size * scale, x: node.x, y: node.y,
                    canvas: [s.left, s.top, s.width, s.height],
                    screen: [corner.x, corner.y, s.width * scale, s.height * scale]});
    }
    return boxes; }"""


def overlapping_labels(boxes: list[dict]) -> list[tuple[str, str]]:
    return [(a["id"], b["id"]) for k, a in enumerate(boxes) for b in boxes[k + 1:]
            if a["screen"][0] < b["screen"][0] + b["screen"][2]
            and b["screen"][0] < a["screen"][0] + a["screen"][2]
            and a["screen"][1] < b["screen"][1] + b["screen"][3]
            and b["screen"][1] < a["screen"][1] + a["screen"][3]]


@pytest.mark.browser
def test_sample_view_labels_are_readable_and_never_overlap(chromium, tmp_path, request):
    """The fitted default view of the sample graph: at least 30 labels drawn at 6 px or more,
    none overlapping another; zoomed in, the other names appear, still without overlaps."""
    rdf = Graph().parse(request.getfixturevalue("sample_graph_path"))
    network = to_networkx(rdf)
    session = Session(chromium, _write_page(tmp_path, rdf))
    fitted = [b for b in session.js(LABEL_BOXES) if b["px"] >= 6]
    assert len(fitted) >= 30, f"only {len(fitted)} labels are readable in the fitted view"
    assert overlapping_labels(fitted) == []
    session.js("explorer.network.moveTo({scale: 1, animation: false}); explorer.network.redraw()")
    zoomed = session.js(LABEL_BOXES)
    assert len(zoomed) == sum(1 for n in network if network.degree(n) > 0)
    assert all(b["px"] >= 14 for b in zoomed) and overlapping_labels(zoomed) == []
    # every drawn label lies inside the rectangle the layout kept free for it
    data = session.js("explorer.data.nodes")
    marks = {n["id"]: Mark(n["size"], n["label"], n["font"]["size"]) for n in data}
    for box in zoomed:
        half, above, below = marks[box["id"]].extents()
        left, top, width, height = box["canvas"]
        assert box["x"] - half <= left and left + width <= box["x"] + half, box["id"]
        assert box["y"] - above <= top and top + height <= box["y"] + below, box["id"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=ARTIFACTS / "explorer-sample-zoomed.png")
    session.assert_clean()


@pytest.mark.browser
def test_the_date_control_hides_a_fact_before_its_start(chromium, tmp_path):
    """Issue 16: the network as of a date; a fact held from 2015 is gone on 2014-06-01."""
    from rdflib import RDF, Literal
    from rdflib.namespace import XSD

    rdf = small_graph()
    owning = next(a for a in rdf.subjects(RDF.predicate, PKO.majorityOwns))
    rdf.add((owning, PKO.validFrom, Literal("2015", datatype=XSD.gYear)))
    ends = [str(rdf.value(owning, RDF.subject)), str(rdf.value(owning, RDF.object))]
    session = Session(chromium, _write_page(tmp_path, rdf))
    shown = """([s, o]) => explorer.network.body.edgeIndices.map(i => explorer.edges.get(i))
        .filter(e => e.from === s && e.to === o).length"""
    visible = "() => explorer.network.body.edgeIndices.length"
    assert session.js(shown, ends) == 1
    before = session.js(visible)
    session.page.fill("#as-of", "2014-06-01")
    session.page.dispatch_event("#as-of", "change")
    assert session.js(shown, ends) == 0
    assert session.js(visible) == before - 1, "undated relations stay shown"
    assert session.js("() => explorer.edges.get().filter(e => e.dashes).length") == before - 1
    session.page.fill("#as-of", "2016-06-01")
    session.page.dispatch_event("#as-of", "change")
    assert session.js(shown, ends) == 1
    session.page.click("#as-of-clear")
    assert session.js("() => explorer.edges.get().filter(e => e.dashes).length") == 0
    session.click_node(iri("peopleplus"))
    assert "Held from 2015" in session.details()
    session.assert_clean()
