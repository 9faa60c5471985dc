"""Stage 1: read a folder of documents into `SourceText`s, reporting every file it cannot use.

Offsets in the graph point into the text returned here: for .txt and .md files that is the
decoded file; for .html the page's main text (readers.py); for .pdf the text of its pages
(pdf.py); for .docx its paragraphs and table cells.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import logging
import os
import pickle
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path
from typing import ClassVar

from .atomic import write_bytes_atomic
from .clean import blank_furniture, blank_spans
from .dates import leading_date
from .ocr import ocr_version
from .pdf import Reading, Unreadable, read_pdf
from .readers import read_docx, read_web_page
from .records import SourceText

log = logging.getLogger(__name__)

SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"}
MAX_BYTES_DEFAULT = 200 * 1024 * 1024
# A file this big is still built, with a line saying so: it takes as long as its words do.
LARGE_BYTES = 10 * 1024 * 1024


def megabytes(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB"


@dataclass(frozen=True)
class ReadProblem:
    """A file that was skipped or read with a caveat; `fatal` means it is not in the graph."""

    path: str
    message: str
    fatal: bool = True

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class CorpusError(Exception):
    """The corpus as a whole cannot be read (missing folder, nothing readable)."""


def find_documents(folder: Path) -> tuple[list[Path], list[ReadProblem]]:
    """All document files under `folder`, sorted, following symlinks but never looping."""
    folder = Path(folder)
    if not folder.exists():
        raise CorpusError(f"{folder}: no such folder")
    if folder.is_file():
        return [folder], []
    if not folder.is_dir():
        raise CorpusError(f"{folder}: not a folder")
    found: list[Path] = []
    problems: list[ReadProblem] = []
    seen_dirs: set[tuple[int, int]] = set()

    def walk(d: Path) -> None:
        try:
            st = d.stat()
        except OSError as e:
            problems.append(ReadProblem(str(d), f"cannot read folder ({e.strerror})"))
            return
        if (st.st_dev, st.st_ino) in seen_dirs:
            problems.append(ReadProblem(str(d), "symlink loop: folder already visited, skipped"))
            return
        seen_dirs.add((st.st_dev, st.st_ino))
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as e:
            problems.append(ReadProblem(str(d), f"cannot list folder ({e.strerror})"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError as e:
                problems.append(ReadProblem(str(path), f"cannot stat ({e.strerror})"))
                continue
            if is_dir:
                walk(path)
            elif path.suffix.lower() in SUFFIXES:
                if entry.is_symlink() and not path.exists():
                    problems.append(ReadProblem(str(path), "broken symlink, skipped"))
                    continue
                found.append(path)

    walk(folder)
    return found, problems


def decode(data: bytes, path: str) -> tuple[str, ReadProblem | None]:
    """UTF-8 first; otherwise cp1252 (or Latin-1) with a warning, so no text is lost."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as e:
        where = f"byte {e.start}"
    for encoding in ("cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return text, ReadProblem(path, f"not UTF-8 (first bad {where}); decoded as {encoding}",
                                 fatal=False)
    raise AssertionError("latin-1 decodes every byte string")


def looks_binary(data: bytes) -> bool:
    """A file is binary when NUL or other control bytes make up more than 1 % of its start."""
    head = data[:8192]
    if not head:
        return False
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    return controls / len(head) > 0.01 or head.count(b"\x00") > len(head) // 100


class _VisibleText(HTMLParser):
    """Collect the text a reader sees: no scripts, styles or markup; block tags become newlines.

    The head ends at </head>, at <body> or at the first block of body content, as in a browser,
    so a page that never closes its <head> does not lose its text.
    """

    SKIP: ClassVar[set[str]] = {"script", "style", "noscript", "template"}
    BLOCK: ClassVar[set[str]] = {"p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4",
                                 "h5", "h6", "tr", "table", "section", "article", "blockquote",
                                 "header", "footer", "title", "pre"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: Counter[str] = Counter()  # skipped elements currently open, by tag
        self.in_head = False
        self.title: str | None = None
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.open[tag] += 1
        if tag == "head":
            self.in_head = True
        elif tag == "body" or (tag in self.BLOCK and tag != "title"):
            self.in_head = False
        if tag == "title":
            self._in_title = True
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if self.open[tag]:
            self.open[tag] -= 1
        if tag == "head":
            self.in_head = False
        if tag == "title":
            self._in_title = False
        if tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._in_title and self.title is None and data.strip():
            self.title = data.strip()
        if not self.in_head and not self._in_title and not any(self.open.values()):
            self.parts.append(data)


def html_to_text(html: str) -> tuple[str, str | None]:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t\r\f\v]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip("\n")
    return text, parser.title


def title_of(text: str, after: int) -> str:
    """The first non-empty line after `after` (the leading date, if any), cut to 200 chars."""
    for line in text[after:].splitlines():
        line = line.strip()
        if line:
            return line[:200]
    return ""


# Formats whose reading costs more than decoding: cached by the file's bytes.
CACHED_SUFFIXES = {".pdf", ".docx", ".html", ".htm"}


def _read_text(data: bytes, suffix: str) -> Reading:
    """A text file (or a web page's source) decoded; its caveats as notes."""
    if looks_binary(data):
        raise Unreadable("binary file, not text; skipped")
    text, problem = decode(data, "")
    notes = [problem.message] if problem else []
    if "\x00" in text:
        text = text.replace("\x00", " ")
        notes.append("NUL bytes replaced by spaces")
    if suffix in {".html", ".htm"}:
        visible, html_title = html_to_text(text)
        visible = visible.replace("\r\n", "\n").replace("\r", "\n")
        reading = read_web_page(text, visible)
        reading.title = reading.title or html_title
    else:
        reading = Reading(text=text.replace("\r\n", "\n").replace("\r", "\n"))
    reading.notes = notes + reading.notes
    return reading


def _read(data: bytes, suffix: str) -> Reading:
    if suffix == ".pdf":
        return read_pdf(data)
    if suffix == ".docx":
        return read_docx(data)
    return _read_text(data, suffix)


@lru_cache(maxsize=1)
def reader_version() -> str:
    """The readers' code and libraries: a change to either makes every cached reading stale."""
    h = hashlib.sha256()
    for name in ("corpus.py", "pdf.py", "readers.py", "dates.py", "ocr.py"):
        h.update((Path(__file__).parent / name).read_bytes())
    for dist in ("pypdf", "python-docx", "trafilatura"):
        try:
            h.update(f"{dist} {importlib.metadata.version(dist)}".encode())
        except importlib.metadata.PackageNotFoundError:
            h.update(dist.encode())
    h.update(ocr_version().encode())
    return h.hexdigest()[:16]


def _reading(data: bytes, suffix: str, cache_dir: Path | None) -> Reading:
    """`_read`, or what it gave for the same bytes before (failures are not cached)."""
    if cache_dir is None or suffix not in CACHED_SUFFIXES:
        return _read(data, suffix)
    key = hashlib.sha256(f"{reader_version()}{suffix}".encode() + data).hexdigest()
    path = cache_dir / "read" / f"{key}.pkl"
    try:
        cached = pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - missing or damaged entry: read the file again
        cached = None
    if isinstance(cached, Reading):
        return cached
    reading = _read(data, suffix)
    write_bytes_atomic(path, pickle.dumps(reading, protocol=pickle.HIGHEST_PROTOCOL))
    return reading


def read_document(path: Path, root: Path, max_bytes: int = MAX_BYTES_DEFAULT,
                  cache_dir: Path | None = None):
    """Read one file. Returns (SourceText or None, problems)."""
    identifier = path.relative_to(root).as_posix() if path != root else path.name
    try:
        size = path.stat().st_size
        if size > max_bytes:
            return None, [ReadProblem(str(path), f"{megabytes(size)} ({size:,} bytes) is over "
                                                 f"the limit of {max_bytes:,} bytes; skipped "
                                                 "(raise it with --max-bytes or "
                                                 "GRAPHBUILD_MAX_BYTES)")]
        data = path.read_bytes()
    except OSError as e:
        return None, [ReadProblem(str(path), f"cannot read ({e.strerror or e})")]
    if not data.strip():
        return None, [ReadProblem(str(path), "empty file; skipped")]
    try:
        reading = _reading(data, path.suffix.lower(), cache_dir)
    except Unreadable as e:
        return None, [ReadProblem(str(path), str(e))]
    problems = [ReadProblem(str(path), note, fatal=False) for note in reading.notes]
    text = reading.text
    if not text.strip():
        return None, problems + [ReadProblem(str(path), "no text after reading; skipped")]
    iso, after = leading_date(text)
    doc = SourceText(
        doc_id=identifier.rsplit(".", 1)[0].replace("/", "__"),
        identifier=identifier,
        title=reading.title or title_of(text, after) or path.stem,
        date=reading.date or iso,
        text=text,
        clean=blank_furniture(blank_spans(text, reading.furniture)),
        author=reading.author,
        pages=reading.pages,
    )
    if size > LARGE_BYTES:
        words = sum(1 for _ in re.finditer(r"\S+", doc.clean))
        problems.append(ReadProblem(str(path), f"large document ({megabytes(size)}, {words:,} "
                                               "words besides furniture): built paragraph by "
                                               "paragraph with bounded memory, in the time "
                                               "that many words take", fatal=False))
    return doc, problems


def read_corpus(folder: Path, max_bytes: int = MAX_BYTES_DEFAULT, cache_dir: Path | None = None):
    """Read every document under `folder`. Returns (documents, problems), documents by id.
    With `cache_dir`, PDFs, Word files and web pages read before are not parsed again."""
    folder = Path(folder)
    paths, problems = find_documents(folder)
    root = folder if folder.is_dir() else folder.parent
    docs: list[SourceText] = []
    seen_ids: dict[str, str] = {}
    for path in paths:
        doc, doc_problems = read_document(path, root, max_bytes, cache_dir)
        problems.extend(doc_problems)
        if doc is None:
            continue
        if doc.doc_id in seen_ids:
            problems.append(ReadProblem(str(path), f"same document id as {seen_ids[doc.doc_id]}; "
                                                   "skipped"))
            continue
        seen_ids[doc.doc_id] = str(path)
        docs.append(doc)
    return docs, problems

