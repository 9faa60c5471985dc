"""Stage 6c: when a fact held, from the temporal phrases attached to it in its sentence.

spaCy's NER marks dates; the parse says what each date's phrase hangs from and through which
word ("since 2015", "from 2014 to 2021", "until it collapsed in 2019"); ontology/time.yaml
says which words open or close a period and which events start or end one. A date counts
for a fact only when its phrase hangs from the fact's own word (or, for facts found by a
pattern without one, from the sentence's main verb).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Span, Token

from .nlp import lemma
from .ontology import exclusive_properties
from .records import Assertion
from .resources import load_yaml

MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}
_MONTH = r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|" \
         r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
_DATE = re.compile(rf"(?:(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+)?(?:(?P<month>{_MONTH})\.?,?\s+)?"
                   rf"(?P<year>(?:19|20)\d\d)\b", re.IGNORECASE)
_MONTH_ALONE = re.compile(rf"\b(?P<month>{_MONTH})\b")
_RANGE = re.compile(r"(?:(?:from|between)\s+)?(?P<a>(?:19|20)\d\d)\s*(?:to|and|until|-|–|—)\s*"
                    r"(?P<b>(?:19|20)\d\d)\b", re.IGNORECASE)
# "2019:", "June 2021 -", "3 March 2020:" opening a line of a timeline.
_TIMELINE = re.compile(rf"^\s*(?P<date>(?:\d{{1,2}}\s+)?(?:{_MONTH}\s+)?(?:19|20)\d\d)\s*[:–—-]\s")


@dataclass(frozen=True)
class Validity:
    valid_from: str | None
    valid_until: str | None
    start: int  # document offsets covering the temporal phrase(s)
    end: int


def iso_date(text: str, year: str | None = None) -> str | None:
    """'February 2015' → '2015-02', '26 June 2021' → '2021-06-26', '2019' → '2019'; a month
    without a year takes `year` (a timeline line's)."""
    m = _DATE.search(text)
    if m:
        month = MONTHS.get(m["month"][:3].lower()) if m["month"] else None
        if month and m["day"] and 1 <= int(m["day"]) <= 31:
            return f"{m['year']}-{month:02d}-{int(m['day']):02d}"
        return f"{m['year']}-{month:02d}" if month else m["year"]
    m = _MONTH_ALONE.search(text)
    if m and year:
        return f"{year}-{MONTHS[m['month'][:3].lower()]:02d}"
    return None


def timeline_date(line: str) -> str | None:
    """The date a timeline line opens with ('2017: In April HMPPS replaces NOMS')."""
    m = _TIMELINE.match(line)
    return iso_date(m["date"]) if m else None


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    data = load_yaml("time.yaml")
    return tuple(frozenset(data.get(k) or ()) for k in ("starts", "ends", "start_events",
                                                          "end_events"))


def _route(date: Span, trigger: Token) -> str | None:
    """How a date's phrase reaches the trigger: the opening word on the way ('since', 'until',
    'in' or '' for a bare date), or None when it hangs from something else (another clause:
    "X owns Y, which it has run since 2015" does not date the owning)."""
    starts, ends, _, _ = _words()
    word = ""
    t = date.root
    for _ in range(8):
        if t.i == trigger.i:
            return word
        head = t.head
        if t.dep_ in ("pobj", "pcomp") and head.dep_ == "prep" and not word:
            word = head.lower_
        elif t.tag_.startswith("VB"):
            marks = [c.lower_ for c in t.children if c.dep_ == "mark"]
            if t.dep_ != "advcl" or not marks or marks[0] not in starts | ends:
                return None
            word = marks[0]  # "until it collapsed in 2019"
        if head.i == t.i:
            return None
        t = head
    return None


def validity(sent: Span, offset: int, trigger: Token | None, line_date: str | None,
             events: bool = True) -> Validity | None:
    """The period a fact of this sentence held, read from the dates attached to `trigger`
    (the fact's word; None for pattern facts: then the main verb's). Without `events`, only
    a period's own words count ("since", "until"), not an event's date."""
    starts, ends, start_events, end_events = _words()
    if not events:
        start_events = end_events = frozenset()
    anchor = trigger if trigger is not None else sent.root
    year = line_date[:4] if line_date else None
    valid_from = valid_until = None
    spans: list[tuple[int, int]] = []
    for ent in sent.ents:
        if ent.label_ != "DATE":
            continue
        span = (offset + ent.start_char, offset + ent.end_char)
        both = _RANGE.search(ent.text)
        word = _route(ent, anchor)
        if word is None:
            continue
        if both:  # "between 2015 and 2021", "2014-2021"
            valid_from, valid_until = both["a"], both["b"]
            spans.append(span)
            continue
        date = iso_date(ent.text, year)
        if date is None:
            continue
        if word in starts:
            valid_from = date
        elif word in ends:
            valid_until = date
        elif lemma(anchor) in start_events:
            valid_from = date
        elif lemma(anchor) in end_events:
            valid_until = date
        else:
            continue
        spans.append(span)
    if line_date and not spans:  # a timeline's date dates the events of its line
        if lemma(anchor) in start_events:
            valid_from = line_date
        elif lemma(anchor) in end_events:
            valid_until = line_date
    if valid_from is None and valid_until is None:
        return None
    start = min((s for s, _ in spans), default=-1)
    end = max((e for _, e in spans), default=-1)
    return Validity(valid_from, valid_until, start, end)


@lru_cache(maxsize=1)
def _change_of_hands() -> re.Pattern:
    words = load_yaml("time.yaml").get("succession_words") or []
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE)


def implied_endings(assertions: list[Assertion]) -> list[Assertion]:
    """When a holder's fact starts with a change of hands (a CRC taken over, a body's new
    head), the other holders' facts of that property and object end then: inferred
    Assertions, each on the sentence that implies it, for properties held by one at a time
    (ontology: pko:heldByOneAtATime)."""
    exclusive = exclusive_properties()
    change = _change_of_hands()
    held: dict[tuple[str, str], list[Assertion]] = defaultdict(list)
    for a in assertions:
        if a.predicate in exclusive:
            held[(a.predicate, a.object)].append(a)
    ended: dict[tuple, Assertion] = {}
    for (predicate, obj), facts in sorted(held.items()):
        for new in facts:
            if not new.valid_from or not change.search(new.evidence):
                continue
            for old in facts:
                if old.subject == new.subject or old.valid_until or (
                        old.valid_from and old.valid_from >= new.valid_from):
                    continue
                key = (old.subject, predicate, obj, new.doc_id, new.char_start)
                ended.setdefault(key, Assertion(
                    old.subject, predicate, obj, new.doc_id, new.char_start, new.char_end,
                    new.evidence, "inferred:succession", min(old.confidence, new.confidence),
                    old.valid_from, new.valid_from, new.time_start, new.time_end))
    return [ended[k] for k in sorted(ended)]
