"""Stage 2: blank out blog furniture and repeated passages, keeping every offset.

The cleaned text has exactly the length of the original: what is not content is replaced by
spaces (newlines kept), so a span found in the cleaned text is the same span in the original.
"""

from __future__ import annotations

import re
from functools import lru_cache

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


def _blank(chars: list[str], start: int, end: int) -> None:
    for i in range(start, end):
        if chars[i] != "\n":
            chars[i] = " "


def _squash(s: str) -> str:
    return " ".join(s.split())


def blank_furniture(text: str) -> str:
    """Return `text` with furniture lines, prefixes and repeated passages replaced by spaces."""
    whole, prefix, inline, repeat_min = _furniture_patterns()
    chars = list(text)
    for pattern in (whole, prefix) + ((inline,) if inline else ()):
        for m in pattern.finditer(text):
            _blank(chars, m.start(), m.end())
    cleaned = "".join(chars)
    # Repeats: a line, or a quoted passage, seen earlier in the document.
    seen = set()
    for m in re.finditer(r"[^\n]+", cleaned):
        line = _squash(m.group())
        if len(line) >= repeat_min:
            if line in seen:
                _blank(chars, m.start(), m.end())
                continue
            seen.add(line)
        for q in _QUOTED.finditer(m.group()):
            quoted = _squash(q.group(1))
            if len(quoted) >= repeat_min and _squash(cleaned[: m.start() + q.start()]).find(
                    quoted) >= 0:
                _blank(chars, m.start() + q.start(), m.start() + q.end())
    return "".join(chars)
