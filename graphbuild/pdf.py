"""PDF text with pypdf: one line per paragraph, page starts kept, running headers marked.

pypdf reports each piece of text with its position; lines are rebuilt from those, grouped
into paragraphs by the vertical gaps between them, and words hyphenated at a line end are
joined again. Lines at the top or bottom of most pages (running headers, footers, page
numbers) stay in the text, in spans that the caller blanks, so offsets and pages still
point into the text returned here. A paragraph cut by a page break is joined across it.
"""

from __future__ import annotations

import io
import logging
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from math import hypot
from statistics import median

from .dates import stated_date
from .ocr import ocr_available, page_image_lines


class Unreadable(Exception):
    """The file yields no text: one line saying why, without the file name."""


@dataclass
class Reading:
    """What a reader found in one file, before furniture is blanked."""

    text: str
    furniture: list[tuple[int, int]] = field(default_factory=list)  # spans to blank
    title: str | None = None
    date: str | None = None  # ISO 8601
    author: str | None = None
    pages: tuple[int, ...] = ()  # offset where each page starts (PDF only)
    notes: list[str] = field(default_factory=list)  # caveats, each one line


@dataclass(slots=True)
class _Line:
    text: str
    y: float
    size: float
    after_blank: bool = False  # OCR saw a blank line before it: a new paragraph


# Ends a sentence: . ! ? : ; optionally followed by closing quotes or brackets.
_TERMINAL = re.compile(r"[.!?:;][\"'”’)\]]*$")
_HYPHENS = "-\u2010\u00ad"
_BULLET = re.compile(r"^(?:[•\u2022\u25aa\u25cf\u2013*-]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s)")
# A page number as printed: "12", "- 12 -", "Page 12", "Page 12 of 40", "xii".
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s*)?(?:#+|[ivxlc]+)(?:\s*(?:of|/)\s*#+)?\W*$", re.IGNORECASE)
# Metadata titles that name the file or the program rather than the document.
_NOT_A_TITLE = re.compile(r"(?:\.(?:docx?|pdf|indd|qxd|rtf)$|^microsoft (?:word|powerpoint) - "
                          r"|^untitled\b|^slide \d|^powerpoint presentation$)", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+(?:[-\u2010][^\W\d_]+)*")


def _page_lines(page) -> list[_Line]:
    """The page's lines in content order, each with its baseline height and the font size
    of most of its characters."""
    lines: list[_Line] = []
    parts: list[str] = []
    sizes: Counter[float] = Counter()
    baseline: list[float] = []

    def close() -> None:
        text = " ".join("".join(parts).split())
        if text and baseline:
            lines.append(_Line(text, baseline[0], sizes.most_common(1)[0][0]))
        parts.clear()
        sizes.clear()
        baseline.clear()

    def visit(text, cm, tm, _font, font_size) -> None:
        for k, piece in enumerate(text.split("\n")):
            if k:
                close()
            if piece.strip():
                if not baseline:
                    baseline.append(tm[4] * cm[1] + tm[5] * cm[3] + cm[5])
                scale = hypot(tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
                sizes[round((font_size or 0) * (scale or 1), 1)] += len(piece.strip())
            parts.append(piece)

    page.extract_text(visitor_text=visit)
    close()
    return lines


def _key(text: str) -> str:
    """A line with its numbers and case ignored, to find the same header on every page."""
    return re.sub(r"\d+", "#", text.casefold())


def _furniture(pages: list[list[_Line]]) -> list[set[int]]:
    """Per page, the indexes of its header and footer lines: among the two top and two
    bottom lines, those repeated on at least half the pages, and bare page numbers."""
    edges: list[list[int]] = []
    for lines in pages:
        by_height = sorted(range(len(lines)), key=lambda i: -lines[i].y)
        edges.append(sorted(set(by_height[:2] + by_height[-2:])))
    if len(pages) < 2:
        return [set() for _ in pages]
    seen = Counter(k for lines, idx in zip(pages, edges) for k in {_key(lines[i].text)
                                                                    for i in idx})
    often = max(2, (len(pages) + 1) // 2)
    return [{i for i in idx if seen[_key(lines[i].text)] >= often
             or _PAGE_NUMBER.match(_key(lines[i].text))}
            for lines, idx in zip(pages, edges)]


def _join(left: str, right: str, vocabulary: Counter) -> str:
    """Two lines of one paragraph: a word hyphenated at the line end is whole again, unless
    the document writes it with its hyphen elsewhere ("multi-agency") or it goes on in
    capitals ("Anglo-Saxon")."""
    if left and left[-1] in _HYPHENS and len(left) > 1 and left[-2].isalpha() and right:
        if left[-1] == "\u00ad":
            return left[:-1] + right
        words = _WORD.findall(left[-80:])  # the end only: `left` grows with the paragraph
        head = words[-1] if words else ""
        tail = m.group() if (m := _WORD.match(right)) else ""
        whole, hyphened = (head + tail).casefold(), f"{head}-{tail}".casefold()
        if not right[0].islower() or vocabulary[hyphened] > vocabulary[whole]:
            return left + right
        return left[:-1] + right
    return f"{left} {right}"


@dataclass
class _Paragraph:
    text: str
    runs_on: bool  # its last line fills the width and ends mid-sentence


def _paragraphs(lines: list[_Line], long_line: float, vocabulary: Counter) -> list[_Paragraph]:
    """Consecutive lines grouped into paragraphs: a new one after a gap taller than the
    usual line spacing, at a change of font size, after a short line that ends a sentence,
    or at a bullet."""
    gaps = [a.y - b.y for a, b in pairwise(lines) if a.y > b.y and a.size == b.size]
    spacing = median(gaps) if gaps else None
    out: list[_Paragraph] = []
    for i, line in enumerate(lines):
        if i:
            prev = lines[i - 1]
            gap = prev.y - line.y
            new = (line.after_blank or gap <= 0 or spacing is None or gap > 1.4 * spacing
                   or abs(prev.size - line.size) > 0.5 or _BULLET.match(line.text)
                   or (_TERMINAL.search(prev.text) and len(prev.text) < 0.8 * long_line))
            if not new:
                out[-1].text = _join(out[-1].text, line.text, vocabulary)
                out[-1].runs_on = _runs_on(line.text, long_line)
                continue
        out.append(_Paragraph(line.text, _runs_on(line.text, long_line)))
    return out


def _runs_on(text: str, long_line: float) -> bool:
    return len(text) >= 0.8 * long_line and not _TERMINAL.search(text)


def _continues(prev: _Paragraph, nxt: str) -> bool:
    """Whether the first paragraph of a page carries on the last one of the page before."""
    if _TERMINAL.search(prev.text) or _BULLET.match(nxt):
        return False
    return prev.runs_on or nxt[0].islower()


class _Text:
    """The document text as it is assembled, with furniture spans and page starts."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.furniture: list[tuple[int, int]] = []
        self.page_starts: list[int] = []
        self.open: _Paragraph | None = None  # the paragraph that may go on over the page
        self.waiting: list[str] = []  # header and footer lines, written once it is closed

    def _add(self, s: str) -> None:
        self.parts.append(s)
        self.pos += len(s)

    def close(self) -> None:
        if self.open is not None:
            self._add(self.open.text + "\n")
            self.open = None
        for line in self.waiting:
            self.furniture.append((self.pos, self.pos + len(line)))
            self._add(line + "\n")
        self.waiting.clear()

    def page(self, paragraphs: list[_Paragraph], furniture: list[str],
             vocabulary: Counter) -> None:
        if self.open is not None and paragraphs and _continues(self.open, paragraphs[0].text):
            first = paragraphs.pop(0)
            joined = _join(self.open.text, first.text, vocabulary)
            self.page_starts.append(self.pos + len(joined) - len(first.text))
            self.open = _Paragraph(joined, first.runs_on)
        else:
            self.close()
            self.page_starts.append(self.pos)
        for paragraph in paragraphs:
            self.close()
            self.open = paragraph
        self.waiting.extend(furniture)

    def text(self) -> str:
        self.close()
        return "".join(self.parts)


def page_of(page_starts: tuple[int, ...], offset: int) -> int:
    """The 1-based page holding character `offset`."""
    return max(bisect_right(page_starts, offset), 1)


class _Captured(logging.Handler):
    """pypdf's warnings about a damaged file, kept for the one-line message."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _metadata(reader) -> tuple[str | None, str | None]:
    try:
        meta = reader.metadata
        title = (meta.title or "").strip() if meta else ""
        author = (meta.author or "").strip() if meta else ""
    except Exception:  # noqa: BLE001 - damaged metadata: the text still counts
        return None, None
    return (title if title and not _NOT_A_TITLE.search(title) else None), (author or None)


def _has_images(page) -> bool:
    try:
        objects = page["/Resources"].get_object().get("/XObject")
        return bool(objects) and any(o.get_object().get("/Subtype") == "/Image"
                                     for o in objects.get_object().values())
    except Exception:  # noqa: BLE001 - unusual resources: treat the page as text-only
        return False


def read_pdf(data: bytes) -> Reading:
    """The text of a PDF; raises `Unreadable` for an encrypted, broken or image-only file."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PyPdfError

    log = logging.getLogger("pypdf")
    captured, propagate = _Captured(), log.propagate
    log.addHandler(captured)
    log.propagate = False
    try:
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise Unreadable("encrypted PDF: it needs a password to open; skipped")
            count = len(reader.pages)
        except (FileNotDecryptedError, DependencyError) as e:
            raise Unreadable(f"encrypted PDF that cannot be opened ({e}); skipped") from e
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, OSError,
                RecursionError) as e:
            detail = "; ".join(dict.fromkeys(captured.messages + [str(e) or type(e).__name__]))
            raise Unreadable(f"truncated or malformed PDF ({detail}); skipped") from e
        pages, failed, imaged, ocred = [], [], [], []
        for number in range(count):
            try:
                page = reader.pages[number]
                lines = _page_lines(page)
                if not lines and _has_images(page):
                    (ocred if ocr_available() else imaged).append(number + 1)
                    lines = _ocr_lines(page) if ocr_available() else []
            except Exception as e:  # noqa: BLE001 - one bad page: the others still count
                failed.append(f"page {number + 1} ({type(e).__name__}: {e})")
                lines = []
            pages.append(lines)
        title, author = _metadata(reader)
    finally:
        log.removeHandler(captured)
        log.propagate = propagate
    if not any(pages):
        why = "; ".join(failed) if failed else "no text layer (scanned?)"
        hint = (" (OCR found none either)" if ocred else
                " (install Debian's tesseract-ocr and the ocr extra to read it)" if imaged else "")
        raise Unreadable(f"{why}: no text in its {count} page(s){hint}; skipped")
    reading = _assemble(pages, title, author, failed, imaged)
    if ocred:
        reading.notes.append(f"page(s) {_ranges(ocred)} have no text layer and were read by "
                             "OCR (tesseract): their text may have errors")
    return reading


def _ocr_lines(page) -> list[_Line]:
    """What OCR reads on a scanned page, as lines one unit apart, a blank line starting a
    new paragraph, so that headers and hyphens are found as on a page with text."""
    lines, blank = [], False
    for raw in page_image_lines(page):
        if raw.strip():
            lines.append(_Line(" ".join(raw.split()), -len(lines), 10.0, blank))
        blank = not raw.strip()
    return lines


def _assemble(pages: list[list[_Line]], title, author, failed, imaged) -> Reading:
    vocabulary = Counter(w.casefold() for lines in pages for line in lines
                         for w in _WORD.findall(line.text))
    lengths = sorted(len(line.text) for lines in pages for line in lines)
    long_line = lengths[int(0.9 * (len(lengths) - 1))]
    marked = _furniture(pages)
    out = _Text()
    first_page: list[_Paragraph] = []
    for number, (lines, furniture) in enumerate(zip(pages, marked)):
        body = [line for i, line in enumerate(lines) if i not in furniture]
        paragraphs = _paragraphs(body, long_line, vocabulary)
        if number == 0:
            first_page = list(paragraphs)
        out.page(paragraphs, [lines[i].text for i in sorted(furniture)], vocabulary)
    text = out.text()
    notes = [f"could not read {', '.join(failed)}; the other pages are in"] if failed else []
    if imaged:
        notes.append(f"page(s) {_ranges(imaged)} have images but no text layer (scanned?); "
                     "their text is missing")
    heading = _first_heading(pages[0], marked[0]) if pages[0] else None
    return Reading(text=text, furniture=out.furniture, title=title or heading,
                   date=stated_date(p.text for p in first_page), author=author,
                   pages=tuple(out.page_starts), notes=notes)


def _first_heading(lines: list[_Line], furniture: set[int]) -> str | None:
    """The first line in the largest type on the first page, when it is larger than the
    body text; else its first line."""
    body = [line for i, line in enumerate(lines) if i not in furniture]
    if not body:
        return None
    usual = Counter(line.size for line in body).most_common(1)[0][0]
    biggest = max(line.size for line in body)
    start = next(i for i, line in enumerate(body) if line.size == biggest)
    if biggest <= usual:
        return body[0].text[:200]
    heading = [line.text for line in body[start:start + 3] if line.size == biggest]
    return " ".join(heading)[:200]


def _ranges(numbers: list[int]) -> str:
    out, start = [], None
    for i, n in enumerate(numbers):
        start = n if start is None else start
        if i + 1 == len(numbers) or numbers[i + 1] != n + 1:
            out.append(str(n) if start == n else f"{start}-{n}")
            start = None
    return ", ".join(out)
