"""Stage 2: blank out blog furniture and repeated passages, keeping every offset.

The cleaned text has exactly the length of the original: what is not content is replaced by
spaces (newlines kept), so a span found in the cleaned text is the same span in the original.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from hashlib import blake2b
from heapq import merge

from .resources import load_yaml

_QUOTED = re.compile(r"[\"“”]([^\"“”\n]{20,})[\"“”]")


@lru_cache(maxsize=1)
def _furniture_patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern | None, int]:
    spec = load_yaml("lexicon.yaml")["furniture"]
    whole = re.compile(r"^[ \t\u00a0]*(?:" + "|".join(spec["lines"]) + r")[ \t\u00a0]*$",
                       re.MULTILINE)
    prefix = re.compile(r"^[ \t\u00a0]*(?:" + "|".join(spec["prefixes"]) + r")", re.MULTILINE)
    inline = re.compile("|".join(spec["inline"])) if spec.get("inline") else None
    return whole, prefix, inline, int(spec.get("repeat_min_chars", 40))


# How far back (in whitespace-squashed characters) a quoted passage is looked for.
QUOTE_LOOKBACK = 2_000_000
_NOT_NEWLINE = re.compile(r"[^\n]+")
_SPACE = re.compile(r"\s")
_TEXT_LINE = re.compile(r"^[^\S\n]*\S[^\n]*", re.MULTILINE)


def _spaces(m: re.Match) -> str:
    return " " * (m.end() - m.start())


def _blanked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with every character of `spans` (sorted by start) but newlines replaced by a
    space. Pieces are joined as they come, so millions of spans never exist at once."""
    blocks: list[str] = []
    out: list[str] = []
    pos = 0
    for start, end in spans:
        start = max(start, pos)
        if end <= start:
            continue
        out.append(text[pos:start])
        gap = text[start:end]
        out.append(_NOT_NEWLINE.sub(_spaces, gap) if "\n" in gap else " " * len(gap))
        pos = end
        if len(out) >= 8192:
            blocks.append("".join(out))
            out.clear()
    if not blocks and not out:
        return text
    out.append(text[pos:])
    blocks.append("".join(out))
    return "".join(blocks)


def blank_spans(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with `spans` (sorted) blanked, newlines kept: furniture that a reader found by
    its place on the page (a PDF's running headers)."""
    return _blanked(text, spans)


def _squash(s: str) -> str:
    return " ".join(s.split())


def _squash_in_blocks(text: str, block: int = 1 << 20) -> str:
    """`_squash(text)`, a block at a time: one pass over a whole huge text would hold a
    string object per word at once."""
    parts, start = [], 0
    while start < len(text):
        end = start + block
        if end < len(text):
            gap = _SPACE.search(text, end)  # cut at a space, so no word is split
            end = gap.end() if gap else len(text)
        part = _squash(text[start:end])
        if part:
            parts.append(part)
        start = end
    return " ".join(parts)


class _SquashedLength:
    """len(_squash(text[:p])) for increasing p, in time linear in the text overall."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.length = text, 0, 0

    def at(self, p: int) -> int:
        segment = self.text[self.pos:p]
        n = len(_squash(segment))
        if n and self.length and (segment[0].isspace() or self.text[self.pos - 1].isspace()):
            self.length += 1  # the two parts' words are joined by one space
        self.length += n
        self.pos = p
        return self.length


def blank_furniture(text: str) -> str:
    """Return `text` with furniture lines, prefixes and repeated passages replaced by spaces.

    A quoted passage is looked for in the `QUOTE_LOOKBACK` characters before it, so the time
    stays linear in the length of the text: a document of tens of megabytes (a whole blog
    archive in one file) is cleaned in seconds, and any shorter document exactly as before.
    """
    whole, prefix, inline, repeat_min = _furniture_patterns()
    patterns = (whole, prefix) + ((inline,) if inline else ())
    cleaned = _blanked(text, merge(*(map(re.Match.span, p.finditer(text)) for p in patterns)))
    return _blanked(cleaned, sorted(_repeats(cleaned, repeat_min)))


def _repeats(cleaned: str, repeat_min: int) -> list[tuple[int, int]]:
    """Spans of lines and quoted passages that repeat earlier text."""
    # Repeats: a line, or a quoted passage, seen earlier in the document. A quoted passage is
    # a repeat when it occurs, whitespace squashed, in the squashed text before its opening
    # quote: that text is a prefix of the whole squashed text, so one search answers it.
    repeats: list[tuple[int, int]] = []
    seen = set()
    squashed: str | None = None
    prefix_length = _SquashedLength(cleaned)
    for m in _TEXT_LINE.finditer(cleaned):  # lines with more than whitespace
        line = _squash(m.group())
        if len(line) >= repeat_min:
            digest = blake2b(line.encode("utf-8", "surrogatepass"), digest_size=16).digest()
            if digest in seen:  # a 128-bit digest: the set stays small for a huge document
                repeats.append(m.span())
                continue
            seen.add(digest)
        for q in _QUOTED.finditer(m.group()):
            quoted = _squash(q.group(1))
            if len(quoted) < repeat_min:
                continue
            if squashed is None:
                squashed = _squash_in_blocks(cleaned)
            end = prefix_length.at(m.start() + q.start())
            if squashed.find(quoted, max(0, end - QUOTE_LOOKBACK), end) >= 0:
                repeats.append((m.start() + q.start(), m.start() + q.end()))
    return repeats
