"""Dates as documents state them: at the start of a text, or on a line of a first page."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date as Date
from datetime import datetime
from itertools import islice

_DAYS = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday),?\s+"
_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|"
           "December")
_DATE_FORMS = [
    (re.compile(rf"^\s*(?:{_DAYS})?(\d{{1,2}})(?:st|nd|rd|th)?\s+({_MONTHS}),?\s+(\d{{4}})\b"),
     lambda m: (int(m[3]), m[2], int(m[1]))),
    (re.compile(rf"^\s*(?:{_DAYS})?({_MONTHS})\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"),
     lambda m: (int(m[3]), m[1], int(m[2]))),
    (re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\b"), lambda m: (int(m[1]), int(m[2]), int(m[3]))),
]


def leading_date(text: str) -> tuple[str | None, int]:
    """The ISO date a text starts with, and the offset just after it (0 when there is none)."""
    for pattern, parts in _DATE_FORMS:
        m = pattern.match(text)
        if not m:
            continue
        year, month, day = parts(m)
        if isinstance(month, str):
            month = datetime.strptime(month, "%B").month
        try:
            return Date(year, month, day).isoformat(), m.end()
        except ValueError:
            return None, 0
    return None, 0


# A word of a short label before a stated date: "Published", "Date:", "Last updated on".
_LABEL_WORD = re.compile(r"[A-Za-z]+:?\s+")


def stated_date(lines: Iterable[str], look_at: int = 30) -> str | None:
    """The ISO date that one of the first `look_at` lines states: after at most three
    words of label, followed by at most five words."""
    for line in islice(lines, look_at):
        cuts = [0]
        for _ in range(3):
            m = _LABEL_WORD.match(line, cuts[-1])
            if not m:
                break
            cuts.append(m.end())
        for cut in cuts:
            iso, end = leading_date(line[cut:])
            if iso and len(line[cut + end:].split()) <= 5:
                return iso
    return None
