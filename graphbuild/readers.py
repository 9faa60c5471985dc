"""Readers for formats beyond plain text: Word files and the main text of web pages.

PDF is in pdf.py. Each reader returns a `Reading` or raises `Unreadable` with a one-line
reason; corpus.py names the file and blanks the furniture.
"""

from __future__ import annotations

import io
import re
import zipfile

from .pdf import Reading, Unreadable

# An OLE compound file: a Word file encrypted with a password (or an old binary .doc).
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def read_docx(data: bytes) -> Reading:
    """Paragraphs and table cells in document order, one line each; title, date and
    author from the document's properties (the title falls back to its first heading)."""
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    if data.startswith(_OLE_MAGIC):
        raise Unreadable("encrypted Word file (or an old binary .doc), not a readable .docx; "
                         "skipped")
    try:
        document = docx.Document(io.BytesIO(data))
        lines, heading = _docx_lines(document)
        props = document.core_properties
        title, author, created = props.title, props.author, props.created
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as e:
        raise Unreadable(f"truncated or malformed Word file ({type(e).__name__}: {e}); "
                         "skipped") from e
    text = "\n".join(lines)
    if not text.strip():
        raise Unreadable("no text in this Word file; skipped")
    return Reading(text=text, title=(title or "").strip() or heading,
                   date=created.date().isoformat() if created else None,
                   author=(author or "").strip() or None)


def _docx_lines(document) -> tuple[list[str], str | None]:
    """The body's paragraphs and each table cell's paragraphs (a merged cell once), and the
    first paragraph styled as a title or heading."""
    lines: list[str] = []
    heading = None
    for block in document.iter_inner_content():
        if hasattr(block, "rows"):
            for row in block.rows:
                seen = set()
                for cell in row.cells:
                    if cell._tc in seen:
                        continue
                    seen.add(cell._tc)
                    lines += [p.text for p in cell.paragraphs if p.text.strip()]
        elif block.text.strip():
            style = (block.style.name if block.style is not None else "") or ""
            if heading is None and style.startswith(("Title", "Heading")):
                heading = block.text.strip()[:200]
            lines.append(block.text)
    return [" ".join(line.split()) for line in lines], heading


def _no_space(s: str) -> str:
    return re.sub(r"\s+", "", s)


_TABLE_RULE = re.compile(r"^\|?(?:\s*:?-+:?\s*\|)+\s*$")


def _plain_lines(text: str) -> list[str]:
    """trafilatura's text without its markdown: a table row's cells one per line (as in a
    Word file), a list item without its dash."""
    out = []
    for line in text.splitlines():
        line = line.strip()
        if _TABLE_RULE.match(line):
            continue
        if line.startswith("|"):
            out += [cell.strip() for cell in line.strip("|").split("|") if cell.strip()]
        elif line:
            out.append(line.removeprefix("- "))
    return out


def read_web_page(html: str, visible: str) -> Reading:
    """The page's main text as trafilatura finds it (menus, cookie banners, share bars,
    footers, related links and readers' comments left out), with its title, date and
    author from the page's metadata.

    `visible` is every text a reader of the page sees (corpus.html_to_text). trafilatura
    keeps some things nobody sees (a <template>), so only its paragraphs that are visible
    count; when it leaves nothing out, `visible` is kept as it was written.
    """
    from trafilatura import bare_extraction

    try:
        # Dates only from the page's markup: a search of its text takes "© 2016" for one.
        found = bare_extraction(html, include_comments=False, include_tables=True,
                                with_metadata=True, deduplicate=False,
                                date_extraction_params={"extensive_search": False,
                                                        "original_date": True})
    except Exception:  # noqa: BLE001 - trafilatura fails on odd markup: all visible text counts
        found = None
    if found is None:
        return Reading(text=visible)
    seen = _no_space(visible)
    kept = [line for line in _plain_lines(found.text or "") if _no_space(line) in seen]
    main = "\n".join(kept)
    text = visible if not kept or _no_space(main) == seen else main
    date = found.date if found.date and re.fullmatch(r"\d{4}-\d{2}-\d{2}", found.date) else None
    return Reading(text=text, title=(found.title or "").strip() or None, date=date,
                   author=(found.author or "").strip() or None)
