"""Document pages: the build's per-document mentions, the pages `graphbuild view` writes from
them and the graph's evidence, and (in Chromium) a hostile document, the explorer's link to a
sentence and a mention's link back to the explorer."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT, BrowserPage, wait_until
from test_explorer import CHROMIUM_FLAGS, chromium  # noqa: F401 - the browser fixture

from graphbuild.cli import main
from graphbuild.docpages import (
    MENTIONS_DIR,
    PAGES_DIR,
    furniture_spans,
    text_runs,
    write_mention_files,
)
from graphbuild.export import serialize_turtle
from graphbuild.namespaces import PK
from graphbuild.rdfgraph import build_graph
from graphbuild.records import Assertion, Entity, Mention, SourceText

ARTIFACTS = ROOT / "tests" / "artifacts"
HOSTILE_NAME = "<b onmouseover=alert('name')>Acme</b> Ltd"
HOSTILE_TEXT = (
    "Share this <script>alert('furniture')</script>\n"
    "Acme <img src=x onerror=alert('img')> said <b onmouseover=alert('name')>Acme</b> Ltd "
    "works with PeoplePlus. </script><script>alert('close')</script> & <!-- more -->\n"
    "<iframe src=\"https://example.org/\"></iframe> PeoplePlus <a href=https://example.org/>"
    "owns</a> Acme.\n"
)


def corpus(tmp_path: Path, docs: list[tuple[SourceText, list[tuple[str, str, str]],
                                              list[tuple[str, str, str, str]]]]) -> Path:
    """graph.ttl and mentions/ as the build writes them, through the build's own code.
    Each document comes with its mentions (text, entity key, class; every occurrence) and
    facts (subject key, predicate, object key, evidence sentence)."""
    entities: dict[str, Entity] = {}
    mentions: list[Mention] = []
    key_of: dict[int, str] = {}
    assertions: list[Assertion] = []
    mentioned: dict[str, set[str]] = {}
    for doc, names, facts in docs:
        for name, key, cls in names:
            entities.setdefault(key, Entity(key, name, cls))
            for match in re.finditer(re.escape(name), doc.text):
                key_of[len(mentions)] = key
                mentions.append(Mention(doc.doc_id, match.start(), match.end(), name, cls, "ner"))
                mentioned.setdefault(doc.doc_id, set()).add(key)
        for subject, predicate, obj, sentence in facts:
            start = doc.text.index(sentence)
            assertions.append(Assertion(subject, predicate, obj, doc.doc_id, start,
                                        start + len(sentence), sentence, "test", 0.9))
    out = tmp_path / "out"
    plain = [d for d, _, _ in docs]
    (out).mkdir(parents=True, exist_ok=True)
    (out / "graph.ttl").write_bytes(serialize_turtle(build_graph(plain, entities, assertions,
                                                                 mentioned)))
    write_mention_files(out, plain, mentions, key_of, entities)
    return out


def source(doc_id: str, text: str, title: str = "A title", clean: str | None = None) -> SourceText:
    return SourceText(doc_id, f"{doc_id}.txt", title, "2019-03-14", text, clean or text)


def view(out: Path) -> tuple[dict, str]:
    result = CliRunner().invoke(main, ["view", "--graph", str(out / "graph.ttl"),
                                       "--out", str(out / "explorer.html")])
    assert result.exit_code == 0, result.output
    page = (out / "explorer.html").read_text(encoding="utf-8")
    return json.loads(page.split('id="graph-data">', 1)[1].split("</script>", 1)[0]), result.output


def page_payload_of(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8").split('id="doc-data">', 1)[1]
                      .split("</script>", 1)[0])


# --- Python side ---------------------------------------------------------------------------

def test_furniture_spans_are_the_blanked_words():
    text = "Menu Home About\nReal text here.\nShare this post\n"
    clean = "               \nReal text here.\n           post\n"
    assert furniture_spans(text, clean) == [[0, 15], [32, 42]]
    assert furniture_spans(text, text) == []


def test_furniture_spans_agree_with_a_line_by_line_reading_across_blocks():
    """The block-skipping reading finds what reading every line would, lines across blocks
    of 64 KB included."""
    def line_by_line(text, clean):
        spans, pos = [], 0
        for line in text.split("\n"):
            last = False
            for word in re.finditer(r"\S+", line):
                a, b = pos + word.start(), pos + word.end()
                if clean[a:b].strip():
                    last = False
                elif last:
                    spans[-1][1] = b
                else:
                    spans.append([a, b])
                    last = True
            pos += len(line) + 1
        return spans

    rng = random.Random(3)
    words = ["alpha", "Reply", "Delete", "x" * 3000]
    for _ in range(40):
        text = "\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(0, 60)))
                         for _ in range(rng.randint(1, 60)))
        clean = list(text)
        for _ in range(rng.randint(0, 4)):
            a = rng.randrange(len(text) + 1)
            for i in range(a, min(len(text), a + rng.randint(0, 90_000))):
                clean[i] = clean[i] if clean[i] == "\n" else " "
        clean = "".join(clean)
        assert furniture_spans(text, clean) == line_by_line(text, clean)


def test_runs_cover_the_text_once_with_mentions_sentences_and_furniture():
    text = "Menu\nAcme owns Beta. Then more.\n" + "x" * 9000 + "\nEnd.\n"
    blocks = text_runs(len(text), text, mentions=[(5, 9), (15, 19)], sentences=[(5, 20)],
                       furniture=[[0, 4]])
    runs = [b[i:i + 4] for b in blocks for i in range(0, len(b), 4)]
    assert sum(r[0] for r in runs) == len(text)
    assert len(blocks) == 2  # cut at the first line end after CHUNK_CHARACTERS
    spans, pos = [], 0
    for length, mention, sentence, furniture in runs:
        spans.append((text[pos:pos + length], mention, sentence, furniture))
        pos += length
    assert spans[:6] == [("Menu", -1, -1, 1), ("\n", -1, -1, 0), ("Acme", 0, 0, 0),
                         (" owns ", -1, 0, 0), ("Beta", 1, 0, 0), (".", -1, 0, 0)]


def test_build_writes_mentions_and_removes_those_of_documents_gone(tmp_path):
    doc = source("d1", "Acme owns Beta. Beta is a company.")
    out = corpus(tmp_path, [(doc, [("Acme", "acme", "Company"), ("Beta", "beta", "Company")],
                             [("acme", "owns", "beta", "Acme owns Beta.")])])
    record = json.loads((out / MENTIONS_DIR / "d1.json").read_text(encoding="utf-8"))
    assert record["text"] == doc.text and record["identifier"] == "d1.txt"
    assert record["mentions"] == [[0, 4, "acme", 0], [10, 14, "beta", 0], [16, 20, "beta", 0]]
    (out / MENTIONS_DIR / "gone.json").write_text("{}")
    write_mention_files(out, [doc], [], {}, {})
    assert sorted(p.name for p in (out / MENTIONS_DIR).iterdir()) == ["d1.json"]


def test_view_writes_a_page_per_document_and_links_evidence_to_it(tmp_path):
    filler = "".join(f"Paragraph {n} says nothing at all about anyone.\n" for n in range(400))
    sentence = "Acme owns Beta, the parent company said."
    doc = source("long", filler + sentence + "\n" + filler)
    out = corpus(tmp_path, [(doc, [("Acme", "acme", "Company"), ("Beta", "beta", "Company")],
                             [("acme", "owns", "beta", sentence)]),
                            (source("other", "Nothing here."), [], [])])
    data, output = view(out)
    assert "Wrote 2 document pages" in output
    pages = sorted(p.name for p in (out / PAGES_DIR).iterdir())
    assert pages == ["long.html", "other.html"]
    start = doc.text.index(sentence)
    links = [e["doc"] for f in data["facts"] for e in f["evidence"]]
    assert links == [f"{PAGES_DIR}/long.html#c{start}-{start + len(sentence)}"]
    payload = page_payload_of(out / PAGES_DIR / "long.html")
    assert payload["sentences"] == [[start, start + len(sentence)]]
    assert [payload["entities"][m[0]]["name"] for m in payload["mentions"]] == ["Acme", "Beta"]
    assert payload["explorer"] == "../explorer.html"
    assert payload["classes"] == [{"name": "Company", "color": "#59a14f", "count": 2}]
    # a page of a document no longer in the graph goes; a graph without mentions/ says so
    (out / PAGES_DIR / "stale.html").write_text("old")
    (out / MENTIONS_DIR / "other.json").unlink()
    _, output = view(out)
    assert sorted(p.name for p in (out / PAGES_DIR).iterdir()) == ["long.html"]
    assert "no text for 1 document of" in output and "other.txt" in output


def test_sample_build_and_view_mark_every_documents_mentions(sample_build, tmp_path):
    out = tmp_path / "view"
    result = CliRunner().invoke(main, ["view", "--graph", str(sample_build / "graph.ttl"),
                                       "--out", str(out / "explorer.html")])
    assert result.exit_code == 0, result.output
    records = sorted((sample_build / MENTIONS_DIR).glob("*.json"))
    pages = sorted((out / PAGES_DIR).glob("*.html"))
    assert len(records) == 5 and [p.stem for p in pages] == [r.stem for r in records]
    for page in pages:
        payload = page_payload_of(page)
        assert len(payload["mentions"]) >= 20, page.name
        text = payload["text"]
        for s, e in payload["sentences"]:
            assert text[s:e].strip(), page.name
    explorer = (out / "explorer.html").read_text(encoding="utf-8")
    data = json.loads(explorer.split('id="graph-data">', 1)[1].split("</script>", 1)[0])
    links = [e["doc"] for f in data["facts"] for e in f["evidence"] if e["doc"]]
    assert links and all((out / link.split("#")[0]).is_file() for link in links)


# --- In Chromium ---------------------------------------------------------------------------

class DocumentSession(BrowserPage):
    """A document page in Chromium (conftest.BrowserPage: nothing may leave the page)."""

    def __init__(self, browser, url: str):
        super().__init__(browser, url, "window.documentReadyAt", (1300, 800))

    def assert_clean(self, scripts: int) -> None:
        assert self.foreign == [], f"requests left the page: {self.foreign}"
        assert self.dialogs == [], f"a script ran: {self.dialogs}"
        assert self.errors == [], self.errors
        assert self.js("document.querySelectorAll('script').length") == scripts
        assert self.js("document.querySelectorAll('img, iframe, b, object, embed').length") == 0
        assert self.js("""() => Array.from(document.querySelectorAll('*')).filter(e =>
            Array.from(e.attributes).some(a => a.name.startsWith('on'))).length""") == 0


@pytest.mark.browser
def test_hostile_document_page_runs_nothing_and_loads_nothing(chromium, tmp_path):  # noqa: F811
    doc = source("hostile", HOSTILE_TEXT, title="<script>alert('title')</script> report",
                 clean=" " * 46 + "\n" + HOSTILE_TEXT[47:])
    out = corpus(tmp_path, [(doc, [(HOSTILE_NAME, "acme", "Company"),
                                   ("PeoplePlus", "peopleplus", "Company")],
                             [("acme", "partnerOf", "peopleplus",
                               HOSTILE_TEXT.split("\n")[1].split(" </script>")[0])])])
    view(out)
    session = DocumentSession(chromium, (out / PAGES_DIR / "hostile.html").as_uri())
    text = session.page.inner_text("#text")
    for piece in ("<script>alert('furniture')</script>", "<img src=x onerror=alert('img')>",
                  "</script><script>alert('close')</script> & <!-- more -->", HOSTILE_NAME,
                  '<iframe src="https://example.org/"></iframe>'):
        assert piece in text
    assert session.page.inner_text("#title") == "<script>alert('title')</script> report"
    # the entity with markup in its name: marked in its class colour, linked to the explorer
    mention = "document.querySelector('#text a.m')"
    assert session.js(f"{mention}.textContent") == HOSTILE_NAME
    assert session.js(f"getComputedStyle({mention}).borderBottomColor") == "rgb(89, 161, 79)"
    assert session.js(f"{mention}.getAttribute('href')") == \
        "../explorer.html#entity=" + str(PK["acme"]).replace(":", "%3A").replace("/", "%2F")
    assert session.js("document.querySelector('#text .furniture').textContent") == \
        "Share this <script>alert('furniture')</script>"
    session.page.hover("#text a.m")
    assert HOSTILE_NAME in session.page.inner_text("#tip")
    session.page.focus("#text .ev")
    assert "partnerOf PeoplePlus" in session.page.inner_text("#tip")
    assert HOSTILE_NAME in session.page.inner_text("#fact-list")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    session.page.screenshot(path=ARTIFACTS / "document-hostile.png")
    session.assert_clean(scripts=2)


@pytest.mark.browser
def test_panel_link_lands_on_the_sentence_and_a_mention_leads_back(chromium, tmp_path):  # noqa: F811
    filler = "".join(f"Paragraph {n} says nothing at all about anyone in particular.\n"
                     for n in range(600))
    sentence = "In 2015 Acme bought Beta outright, the parent company said."
    doc = source("long", filler + sentence + "\n" + filler)
    out = corpus(tmp_path, [(doc, [("Acme", "acme", "Company"), ("Beta", "beta", "Company")],
                             [("acme", "owns", "beta", sentence)])])
    view(out)
    page = chromium.new_page(viewport={"width": 1300, "height": 800})
    foreign: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (foreign.append(route.request.url), route.abort()))
    page.goto((out / "explorer.html").as_uri())
    wait_until(page, "window.explorerReadyAt !== undefined")
    page.evaluate("id => explorer.chooseNode(id)", str(PK["acme"]))
    with page.expect_navigation():  # so the waits below run in the new page
        page.click("#details a.doc-link")
    wait_until(page, "window.documentPage && window.documentPage.settled !== null")
    start = doc.text.index(sentence)
    assert page.url.endswith(f"/{PAGES_DIR}/long.html#c{start}-{start + len(sentence)}")
    marked = page.evaluate("""() => Array.from(document.querySelectorAll('#text .target'))
        .map(p => p.textContent).join('')""")
    assert marked == sentence
    box = page.evaluate("""() => { const r = document.querySelector('#text .target')
        .getBoundingClientRect(); return [r.top, r.bottom, window.innerHeight]; }""")
    assert 0 <= box[0] and box[1] <= box[2], f"the sentence is out of sight: {box}"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / "document-from-explorer.png")
    with page.expect_navigation():
        page.click("#text .target a.m >> text=Beta")
    wait_until(page, "window.explorerReadyAt !== undefined")
    assert page.evaluate("explorer.network.getSelectedNodes()") == [str(PK["beta"])]
    assert "Beta" in page.inner_text("#details")
    assert foreign == []


def test_a_view_that_fails_writes_no_page(tmp_path):
    doc = source("d1", "Acme owns Beta.")
    out = corpus(tmp_path, [(doc, [("Acme", "acme", "Company"), ("Beta", "beta", "Company")],
                             [("acme", "owns", "beta", "Acme owns Beta.")])])
    result = CliRunner().invoke(main, ["view", "--graph", str(out / "graph.ttl"),
                                       "--out", str(out / "explorer.html"), "--focus", "Nobody"])
    assert result.exit_code != 0 and "Nobody" in result.output
    assert not (out / PAGES_DIR).exists() and not (out / "explorer.html").exists()
