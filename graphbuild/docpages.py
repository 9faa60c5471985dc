"""Document pages: each source document's text with its mentions and evidence marked.

`graphbuild build` writes OUT/mentions/<doc-id>.json for every document: its text, the spans
where furniture was blanked and every mention with the entity it was resolved to (the
extraction's own spans, which the graph does not keep). `graphbuild view` turns each into
OUT/documents/<doc-id>.html beside the explorer: mentions in their class colour (the
explorer's legend), each evidence sentence of the graph (pko:charStart/charEnd) underlined
with the facts it supports, a mention's click opening the entity in the explorer
(`explorer.html#entity=IRI`), and `#c<start>-<end>` scrolling to a sentence and marking it.

As in the explorer, every piece of text travels as JSON in a <script type="application/json">
element and reaches the page through textContent only; the page loads nothing.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF

from .atomic import atomic_path, write_text_atomic
from .namespaces import PK, PKD, PKO, PROV
from .records import Entity, Mention, SourceText

MENTIONS_DIR = "mentions"  # beside graph.ttl, written by the build
PAGES_DIR = "documents"  # beside explorer.html, written by `graphbuild view`
CHUNK_CHARACTERS = 4000  # the text is cut into blocks of about this size at line ends
REFERENCES = {"anaphor", "unresolved"}  # "she", "the CRC": marked, but as references
_WORD = re.compile(r"\S+")


# ---- written by the build ----------------------------------------------------------------


def furniture_spans(text: str, clean: str) -> list[list[int]]:
    """The spans that cleaning blanked (clean has spaces where text has words), as
    [start, end] pairs; blanked words next to each other on a line are one span. Only the
    lines that differ are looked at, found a block at a time (a 50 MB archive holds
    millions of lines, most of them often the same in both)."""
    spans: list[list[int]] = []
    block, done = 1 << 16, 0  # lines before `done` are looked at already
    for base in range(0, len(text), block):
        if text[base:base + block] == clean[base:base + block]:
            continue
        start = max(text.rfind("\n", 0, base) + 1, done)
        while start < min(base + block, len(text)):
            end = text.find("\n", start)
            end = len(text) if end < 0 else end
            if text[start:end] != clean[start:end]:
                _blanked_words(text, clean, start, end, spans)
            start = done = end + 1
    return spans


def _blanked_words(text: str, clean: str, start: int, end: int, spans: list[list[int]]) -> None:
    """Add the blanked words of the line text[start:end] to `spans`."""
    last = False  # whether the previous word of this line was blanked
    for word in _WORD.finditer(text, start, end):
        if clean[word.start():word.end()].strip():
            last = False
        elif last:
            spans[-1][1] = word.end()
        else:
            spans.append([word.start(), word.end()])
            last = True


def document_record(doc: SourceText, mentions: list[tuple[int, int, str, bool]]) -> dict:
    """What a document page needs from the build: `mentions` are (start, end, entity key,
    is a reference such as a pronoun)."""
    return {
        "doc": doc.doc_id, "identifier": doc.identifier, "title": doc.title,
        "date": doc.date, "author": doc.author, "text": doc.text,
        "furniture": furniture_spans(doc.text, doc.clean),
        "mentions": [[s, e, key, int(ref)] for s, e, key, ref in sorted(mentions)],
    }


def write_mention_files(out: Path, docs: list[SourceText], mentions: list[Mention],
                        key_of: dict[int, str], entities: dict[str, Entity]) -> None:
    """OUT/mentions/<doc-id>.json for every document (atomically); files of documents no
    longer in the corpus are removed."""
    by_doc: dict[str, list[tuple[int, int, str, bool]]] = defaultdict(list)
    for i, m in enumerate(mentions):
        key = key_of.get(i)
        if key in entities:
            by_doc[m.doc_id].append((m.start, m.end, key, m.source in REFERENCES))
    folder = out / MENTIONS_DIR
    for doc in docs:
        record = document_record(doc, by_doc.get(doc.doc_id, []))
        with atomic_path(folder / f"{doc.doc_id}.json") as tmp, \
                tmp.open("w", encoding="utf-8") as f:  # streamed: a text can be 200 MB
            json.dump(record, f, ensure_ascii=False, separators=(",", ":"))
    current = {f"{doc.doc_id}.json" for doc in docs}
    for stale in folder.glob("*.json"):
        if stale.name not in current:
            stale.unlink()


# ---- written by `graphbuild view` ----------------------------------------------------------


@dataclass(frozen=True)
class DocumentFact:
    """One evidence record of the graph: a fact and where its sentence stands."""

    subject: str
    predicate: str
    object: str
    start: int
    end: int
    extractor: str
    confidence: float | None
    page: int | None


def _number(value) -> float | None:
    """A numeric literal as a float (xsd:decimal would come back as a Decimal)."""
    try:
        return float(value.toPython()) if isinstance(value, Literal) else None
    except (TypeError, ValueError):
        return None


def evidence_by_document(rdf: Graph) -> dict[str, list[DocumentFact]]:
    """Evidence records grouped by the document id (pkd: local part) they come from."""
    found: dict[str, list[DocumentFact]] = defaultdict(list)
    for record in rdf.subjects(RDF.type, PKO.Assertion):
        source = rdf.value(record, PROV.wasDerivedFrom)
        start, end = _number(rdf.value(record, PKO.charStart)), \
            _number(rdf.value(record, PKO.charEnd))
        text = rdf.value(record, PKO.evidenceText)
        if source is None or not str(source).startswith(str(PKD)) or start is None:
            continue
        if end is None:
            end = start + len(str(text or ""))
        predicate = str(rdf.value(record, RDF.predicate))
        page = _number(rdf.value(record, PKO.page))
        found[str(source)[len(str(PKD)):]].append(DocumentFact(
            str(rdf.value(record, RDF.subject)), predicate.rsplit("#", 1)[-1].rsplit("/", 1)[-1],
            str(rdf.value(record, RDF.object)), int(start), int(end),
            str(rdf.value(record, PKO.extractor) or ""), _number(rdf.value(record, PKO.confidence)),
            int(page) if page is not None else None))
    for facts in found.values():
        facts.sort(key=lambda f: (f.start, f.end, f.subject, f.predicate, f.object, f.extractor))
    return found


def document_ids(rdf: Graph) -> dict[str, str]:
    """identifier (file name) → document id, for every source document of the graph."""
    return {str(rdf.value(doc, DCTERMS.identifier) or doc): str(doc)[len(str(PKD)):]
            for doc in rdf.subjects(RDF.type, PKO.SourceDocument) if str(doc).startswith(str(PKD))}


def _non_overlapping(spans: list[tuple[int, int]]) -> list[int]:
    """Indexes of `spans` (sorted by start, longest first) that overlap no earlier kept one."""
    kept, end = [], -1
    for i, (s, e) in enumerate(spans):
        if s >= end and e > s:
            kept.append(i)
            end = e
    return kept


def text_runs(length: int, text: str, mentions: list[tuple[int, int]],
              sentences: list[tuple[int, int]], furniture: list[list[int]]) -> list[list[int]]:
    """The text as blocks of runs [length, mention, sentence, furniture]: a run is a stretch
    with one mention (index or -1), one sentence (index or -1) and either furniture (1) or
    not. Blocks end at a line end after CHUNK_CHARACTERS, so the page can skip laying out
    the ones out of sight. Mentions and sentences must not overlap among themselves."""
    cuts = {0, length}
    for s, e in (*mentions, *sentences, *((s, e) for s, e in furniture)):
        cuts.update((max(0, min(s, length)), max(0, min(e, length))))
    chunk_ends = []
    position = CHUNK_CHARACTERS
    while position < length:
        newline = text.find("\n", position)
        if newline < 0:
            break
        chunk_ends.append(newline + 1)
        position = newline + 1 + CHUNK_CHARACTERS
    cuts.update(chunk_ends)
    points = sorted(cuts)
    layers = [sorted((s, e, i) for i, (s, e) in enumerate(mentions)),
              sorted((s, e, i) for i, (s, e) in enumerate(sentences)),
              sorted((s, e, 1) for s, e in furniture)]
    cursor = [0, 0, 0]
    blocks: list[list[int]] = [[]]
    chunk_end = iter([*chunk_ends, length + 1])
    next_end = next(chunk_end)
    for a, b in pairwise(points):
        if a >= next_end:
            blocks.append([])
            next_end = next(chunk_end)
        values = []
        for k, layer in enumerate(layers):
            while cursor[k] < len(layer) and layer[cursor[k]][1] <= a:
                cursor[k] += 1
            here = layer[cursor[k]] if cursor[k] < len(layer) else None
            values.append(here[2] if here and here[0] <= a else (0 if k == 2 else -1))
        blocks[-1].extend([b - a, *values])
    return blocks


def page_payload(record: dict, facts: list[DocumentFact], entity_info: dict[str, dict],
                 explorer_href: str, class_colours: dict[str, str]) -> dict:
    """Everything a document page shows, as one JSON-ready dictionary. `entity_info`:
    entity IRI → {"name", "cls"}."""
    text = record["text"]
    entities: list[str] = []
    index: dict[str, int] = {}

    def entity(iri: str) -> int:
        if iri not in index:
            index[iri] = len(entities)
            entities.append(iri)
        return index[iri]

    raw = [(s, e, str(PK[key]), ref) for s, e, key, ref in record["mentions"]
           if str(PK[key]) in entity_info and 0 <= s < e <= len(text)]
    raw.sort(key=lambda m: (m[0], -m[1]))
    mentions = [raw[i] for i in _non_overlapping([(s, e) for s, e, _, _ in raw])]
    spans = sorted({(f.start, f.end) for f in facts if 0 <= f.start < f.end <= len(text)},
                   key=lambda span: (span[0], -span[1]))
    shown = [spans[i] for i in _non_overlapping(spans)]
    sentence_of = {span: i for i, span in enumerate(spans)}
    fact_rows = []
    for f in facts:
        if (f.start, f.end) in sentence_of and f.subject in entity_info \
                and f.object in entity_info:
            fact_rows.append([sentence_of[(f.start, f.end)], entity(f.subject), f.predicate,
                              entity(f.object), f.extractor, f.confidence, f.page])
    mention_rows = [[entity(iri), ref] for _, _, iri, ref in mentions]
    counts: dict[str, int] = defaultdict(int)
    for iri in {iri for _, _, iri, _ in mentions}:
        counts[entity_info[iri]["cls"]] += 1
    shown_index = {span: i for i, span in enumerate(spans)}
    return {
        "doc": {k: record.get(k) for k in ("doc", "identifier", "title", "date", "author")},
        "explorer": explorer_href,
        "text": text,
        "blocks": text_runs(len(text), text, [(s, e) for s, e, _, _ in mentions], shown,
                            record["furniture"]),
        # runs name the sentences they show by their index among `shown`
        "shown": [shown_index[span] for span in shown],
        "sentences": [list(span) for span in spans],
        "mentions": mention_rows,
        "entities": [{"id": iri, "name": entity_info[iri]["name"], "cls": entity_info[iri]["cls"]}
                     for iri in entities],
        "facts": fact_rows,
        "classes": [{"name": c, "color": class_colours.get(c, "#999999"), "count": counts[c]}
                    for c in sorted(counts, key=lambda c: (-counts[c], c))],
        "colors": {c: class_colours.get(c, "#999999")
                   for c in sorted({entity_info[i]["cls"] for i in entities})},
    }


def _template(name: str) -> str:
    return resources.files("graphbuild").joinpath("templates", name).read_text(encoding="utf-8")


def render_document_page(payload: dict) -> str:
    """The document template with its CSS, JS and data inlined."""
    from .explorer import json_for_script

    parts = {
        "/*@DOCUMENT_CSS@*/": _template("document.css"),
        "/*@DOCUMENT_JS@*/": _template("document.js"),
        "@DOCUMENT_DATA@": json_for_script(payload),
    }
    page = _template("document.html")
    for marker, content in parts.items():
        if marker != "@DOCUMENT_DATA@" and ("</script" in content.lower()
                                            or "</style" in content.lower()):
            raise ValueError(f"inlined content for {marker} would close its element")
        page = page.replace(marker, content, 1)
    return page


def page_files(rdf: Graph, mentions_dir: Path) -> tuple[dict[str, str], list[str]]:
    """Which source documents of the graph get a page: (identifier → page file name, for
    those whose build record is in `mentions_dir`; the identifiers of the others)."""
    pages: dict[str, str] = {}
    missing: list[str] = []
    for identifier, doc_id in sorted(document_ids(rdf).items()):
        if (mentions_dir / f"{doc_id}.json").is_file():
            pages[identifier] = f"{doc_id}.html"
        else:
            missing.append(identifier)
    return pages, missing


def write_document_pages(rdf: Graph, entity_info: dict[str, dict], mentions_dir: Path,
                         pages_dir: Path, explorer_file: str,
                         class_colours: dict[str, str]) -> int:
    """Write the pages `page_files` names, linking to the explorer `explorer_file`
    (URL-encoded) beside `pages_dir`; pages of documents gone are removed. Returns how many."""
    evidence = evidence_by_document(rdf)
    pages, _ = page_files(rdf, mentions_dir)
    for name in pages.values():
        doc_id = name.removesuffix(".html")
        source = mentions_dir / f"{doc_id}.json"
        try:
            record = json.loads(source.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read {source}: {exc}") from exc
        payload = page_payload(record, evidence.get(doc_id, []), entity_info,
                               f"../{explorer_file}", class_colours)
        write_text_atomic(pages_dir / name, render_document_page(payload))
    for stale in pages_dir.glob("*.html") if pages_dir.is_dir() else ():
        if stale.name not in set(pages.values()):
            stale.unlink()
    return len(pages)


def sentence_anchor(start: int, end: int) -> str:
    """The fragment of a document page that scrolls to the sentence at [start, end)."""
    return f"c{start}-{end}"

