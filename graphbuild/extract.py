"""Stages 3–6 for one document: spaCy → mentions (with anaphors) → relation candidates.

Everything here depends on one document only, so its result can be cached and computed in
any process; resolution across documents happens afterwards (resolve.py).
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import islice, pairwise
from typing import NamedTuple

from spacy.tokens import Token

from .frames import (
    NAMING_VERBS,
    classes_ok,
    frames_by_id,
    is_infinitive,
    match_frames,
    quote_open_after,
    quoted_verdicts,
    role_excluded,
    speaker,
)
from .gazetteer import load_gazetteer
from .mentions import (
    BYLINE_LINES_CHARS,
    acceptable_name,
    byline_names,
    common_name_words,
    is_never_a_name,
    mentions_from_doc,
    strip_titles,
)
from .names import acronym_of, fold
from .nlp import RULER_LABEL_PREFIX, ChunkSentences, chunks, gazetteer_names, lemma
from .ontology import is_a
from .records import Mention, RelationCandidate, SourceText
from .relations import TOPIC, match_roles, match_sentence, organisation_of_title, slot_sentence
from .resources import load_yaml, word_set
from .temporal import Validity, timeline_date, validity


@dataclass
class DocExtraction:
    doc_id: str
    mentions: list[Mention] = field(default_factory=list)
    candidates: list[RelationCandidate] = field(default_factory=list)
    words: int = 0


@lru_cache(maxsize=1)
def _anaphors():
    lexicon = load_yaml("lexicon.yaml")
    specs = lexicon.get("anaphors") or []
    modifiers = "|".join(map(re.escape, lexicon.get("anaphor_modifiers") or []))
    out = []
    for a in specs:
        phrase = a["phrase"]
        first = ("" if a.get("case_sensitive") or not phrase[0].isalpha()
                 else f"[{phrase[0].upper()}{phrase[0].lower()}]")
        body = re.escape(phrase[1:] if first else phrase)
        if modifiers and first and phrase.lower().startswith(("the ", "this ")) \
                and not a.get("entity"):  # "the new service", "the Leeds-based charity",
            # "the London company" (the one whose name holds the word: `_named_modifier`)
            det, noun = body.split(r"\ ", 1)
            det = "(?:he|hat)" if det == "he" else det  # ("that CRC")
            body = rf"{det}(?:\ (?:{modifiers}|[A-Z][\w]+-based|[A-Z][a-z]+))?\ {noun}"
            if a.get("possessive"):  # "her inspectorate": the one a person heads
                first, body = "", rf"(?:{first}{det}|[Hh]is|[Hh]er){body[len(det):]}"
        after = f"(?<={a['after']})" if a.get("after") else ""
        target = a.get("entity") or a["class"]
        out.append((re.compile(rf"(?<![\w-]){after}{first}{body}(?![\w-])"), target,
                    a.get("keyword"), tuple(a.get("also") or ())))
    return out


@lru_cache(maxsize=1)
def _anaphor_nouns() -> list[str]:
    """The last word of each description of `_anaphors`, lower-cased, in the same order."""
    return [a["phrase"].split()[-1].lower() for a in load_yaml("lexicon.yaml").get("anaphors") or []]


def _description_hashes(vocab) -> frozenset[int]:
    """The description nouns and their plurals, as the vocabulary's hashes."""
    key = id(vocab)
    if key not in _DESCRIPTION_HASHES:
        _DESCRIPTION_HASHES[key] = frozenset(vocab.strings.add(w) for n in _description_nouns()
                                             for w in (n, n + "s", n + "es"))
    return _DESCRIPTION_HASHES[key]


_DESCRIPTION_HASHES: dict[int, frozenset[int]] = {}


@lru_cache(maxsize=1)
def _description_nouns() -> frozenset[str]:
    """The nouns of the definite descriptions ("the partnership" → partnership)."""
    return frozenset(a["phrase"].split()[-1].lower() for a in
                     load_yaml("lexicon.yaml").get("anaphors") or [] if not a.get("entity"))


class SalientEntity(NamedTuple):
    name: str
    cls: str
    gazetteer_key: str | None
    mentions: int


def _key(e: SalientEntity) -> tuple[str, str]:
    """The key `_Salience` counts an entity under."""
    return (e.gazetteer_key or fold(e.name), e.cls)


def _mention_key(m: Mention) -> tuple[str, str]:
    """The entity a mention names, as `_Salience` keys it (an acronym or short form: the name
    it stands for)."""
    return (m.gazetteer_key or fold(m.long_form or m.text), m.cls)


class _Salience:
    """Which entity of each kind the document is about so far (most mentioned, then latest)."""

    def __init__(self) -> None:
        self.counts: Counter[tuple[str, str]] = Counter()
        self.last: dict[tuple[str, str], int] = {}
        self.first: dict[tuple[str, str], int] = {}  # where it is first named
        self.names: dict[tuple[str, str], str] = {}
        self.described: dict[tuple[str, str], set[str]] = {}  # "X is a partnership"

    def add(self, m: Mention, order: int) -> None:
        key = _mention_key(m)
        self.counts[key] += 1
        self.last[key] = order
        self.first.setdefault(key, m.start)
        self.names.setdefault(key, m.gazetteer_key or m.long_form or m.text)

    def describe(self, sdoc, offset: int, found: list[Mention]) -> None:
        """Note the nouns the text describes names with: "Purple Futures is a partnership
        led by ...", "Napo, the probation union," (so that "the partnership" and "the union"
        find them)."""
        nouns = _description_nouns()
        lowers = sdoc.to_array("LOWER")  # (a Token object for every word cost a tenth)
        wanted = _description_hashes(sdoc.vocab)
        for i in (i for i, h in enumerate(lowers) if h in wanted):
            t = sdoc[i]
            if lemma(t) not in nouns:
                continue
            if t.dep_ == "attr" and lemma(t.head) == "be":
                named = [c for c in t.head.children if c.dep_ in _SUBJECT_DEPS]
            elif t.dep_ == "appos":
                named = [t.head]
            else:
                continue
            for x in named:  # the name up to its head word, not what hangs after it
                start, end = offset + x.left_edge.idx, offset + x.idx + len(x)
                for m in found:
                    if start <= m.start < end and m.source in ("gazetteer", "ner"):
                        key = _mention_key(m)
                        self.described.setdefault(key, set()).add(lemma(t))

    def is_group(self, key: tuple[str, str]) -> bool:
        """Whether the text called the entity a partnership, consortium, venture or alliance."""
        return bool(self.described.get(key, set()) & COLLECTIVE_NOUNS)

    def best(self, cls: str, *keywords: str, before: int | None = None,
             noun: str | None = None, also: tuple[str, ...] = ()) -> SalientEntity | None:
        """The most mentioned entity of `cls`, among those with one of `keywords` in a name
        (else among those the text described with `noun`: "Purple Futures is a
        partnership ... The partnership ran"); with `before`, among those named before that
        offset when there are any (a description points back: "PeoplePlus ... The company
        is owned by Staffline"), and those of the `also` classes named before it ("the
        company" in a text about a Community Rehabilitation Company its owner is named in)."""
        options = []
        for key, c in self.counts:
            if not is_a(c, cls):
                continue
            name = self.names[(key, c)]
            if keywords:
                entry = load_gazetteer().by_name.get(name)
                forms = [name, *(entry.aliases if entry else ())]
                if not any(k in f for k in keywords for f in forms):
                    continue
            options.append((key, c))
        if not options and noun is not None:  # none named so: one the text described so
            # (a partnership, consortium, joint venture or alliance: any of them)
            same = COLLECTIVE_NOUNS if noun in COLLECTIVE_NOUNS else {noun}
            options = [(k, c) for (k, c), nouns in self.described.items()
                       if nouns & same and is_a(c, cls)]
        if before is not None and also:
            options = options + [k for k in self.counts if self.first[k] < before
                                 and any(is_a(k[1], c) for c in also) and k not in options]
        found = self._best_of(options, before)
        if noun is not None and before is not None:
            # "TTG is a resettlement service ... the service": one of another class that the
            # text described with the noun, when it was named more lately
            other = self._best_of([k for k, nouns in self.described.items()
                                   if noun in nouns and not is_a(k[1], cls)
                                   and self.first.get(k, before) < before], before)
            if other is not None and (found is None or self.last.get(_key(other), -1) >
                                      self.last.get(_key(found), -1)):
                return other
        return found

    def _best_of(self, keys: list[tuple[str, str]], before: int | None) -> SalientEntity | None:
        """The most mentioned (then latest) of these entities, among those named before
        `before` when there are any."""
        options = [(self.counts[k], self.last[k], self.names[k], k[1], self.first[k])
                   for k in keys if k in self.counts]
        if before is not None:
            options = [o for o in options if o[4] < before] or options
        if not options:
            return None
        n, _, name, c, _ = max(options)
        gaz = name if name in load_gazetteer().by_name else None
        return SalientEntity(name, c, gaz, n)


_NAME_FOLLOWS = re.compile(r" [A-Z0-9]")
# A speaker's turn in a debate record or transcript: "Jane Smith (Anytown) (Lab): ...".
_SPEAKER_LABEL = re.compile(r"^\s*(?P<name>[A-Z][^:()\n]{2,60}?)(?:\s*\([^()\n]{1,60}\)){0,2}"
                            r"\s*:\s")
CROSSING_REACH = 3  # mentions before a sentence that may run into it
DESCRIBING_SENTENCES = 4  # how early "X is a charity that ..." must come to say who 'we' are
_TIMELESS = Validity(None, None, -1, -1)
_QUOTE_MARK = re.compile(r'["“]')


def _anaphor_mentions(text: str, offset, doc_id, sent_base, taken,
                      sentences: ChunkSentences) -> list[Mention]:
    """Definite descriptions ("the CRC"), typed now and resolved once the document is read."""
    out = []
    lowered = text.lower()
    for (regex, target, *_), noun in zip(_anaphors(), _anaphor_nouns()):
        if noun not in lowered:
            continue  # (a substring test: most chunks hold few of these nouns)
        entry = load_gazetteer().by_name.get(target)
        for m in regex.finditer(text):
            noun_start = m.end() - len(m.group().split()[-1])
            if any(s < m.end() and m.start() < e and (e > noun_start or s < m.start())
                   for s, e in taken):  # a name, or inside one ("Through [the Gate service]"),
                continue  # not a description (a place in "the Leeds-based" is fine)
            if not entry and _NAME_FOLLOWS.match(text, m.end()):
                continue  # "the charity Nacro": a description of the name that follows
            sent = sent_base + sentences.index_at(m.start())
            if entry:  # a fixed referent: "the Government"
                out.append(Mention(doc_id, offset + m.start(), offset + m.end(), entry.name,
                                   entry.cls, "anaphor", entry.name, sent))
            else:
                out.append(Mention(doc_id, offset + m.start(), offset + m.end(), m.group(),
                                   target, "unresolved", None, sent))
            taken.append((m.start(), m.end()))
    return out


PLURAL_REACH = 12  # sentences back in which "the two CRCs" finds the CRCs it means


@lru_cache(maxsize=1)
def _plural_anaphors() -> tuple[re.Pattern, dict[str, int],
                                dict[str, tuple[str, str | None, tuple[str, ...]]]]:
    spec = load_yaml("lexicon.yaml").get("plural_anaphors") or {}
    counts = {str(k).lower(): int(v) for k, v in (spec.get("counts") or {}).items()}
    heads = {w.lower(): (h["class"], h.get("keyword"), tuple(h.get("also") or ()))
             for h in spec.get("heads") or [] for w in h["words"]}
    if not counts or not heads:
        return re.compile(r"(?!)"), counts, heads
    # the count may be left out only before a bulleted list ("the following CRCs:")
    regex = re.compile(r"(?<![\w-])(?:(?:the|these|those|all|its|their|our)\s+)?(?:following\s+)?"
                       r"(?:(?P<n>" + "|".join(map(re.escape, counts))
                       + r")(?:\s+of\s+the|\s+the)?\s+)?(?P<head>"
                       + "|".join(map(re.escape, heads)) + r")(?![\w-])", re.IGNORECASE)
    return regex, counts, heads


def _named_with(m: Mention, keyword: str | None) -> bool:
    if not keyword:
        return True
    entry = load_gazetteer().by_name.get(m.gazetteer_key or "")
    return any(keyword in f for f in [m.text, *((entry.name, *entry.aliases) if entry else ())])


def _plural_mentions(text: str, offset, doc_id, sent_base, taken, sentences: ChunkSentences,
                     before: list[Mention], bulleted: list[Mention]) -> list[Mention]:
    """A counted plural description ("both CRCs", "the three companies") stands for that many
    entities of its class named just before it: one mention of each, at its place. It is
    left alone when fewer are in reach, or when the names are spelt out after it, after a
    colon or dash. In the line that introduces a bulleted list ("The six CRCs it bought
    were:"), it stands for the names the bullets list, counted or not."""
    regex, counts, heads = _plural_anaphors()
    out = []
    for hit in regex.finditer(text):
        if any(s < hit.end() and hit.start() < e for s, e in taken):
            continue
        index = sentences.index_at(hit.start())
        sent = sentences.spans[index]
        cls, keyword, also = heads[hit["head"].lower()]
        start = offset + hit.start()
        seen: dict[str, Mention] = {}
        if bulleted and index == len(sentences.spans) - 1:
            for m in bulleted:
                if is_a(m.cls, cls) and _named_with(m, keyword):
                    seen.setdefault(m.gazetteer_key or fold(m.text), m)
            if not seen or hit["n"] and counts[hit["n"].lower()] != len(seen):
                continue
            wanted = len(seen)
        elif not hit["n"] or re.match(r"\s*[:—–]|\s+-\s", text[hit.end():sent.end_char]):
            continue
        else:
            wanted = counts[hit["n"].lower()]
            # of the head's class, else of the class it may also mean ("the five companies"
            # after five CRCs)
            for kind in (cls, *also):
                seen = {}
                # another class is not looked for in the plural's own sentence, whose subject
                # it may be ("the Probation Service took over the work of the two companies")
                last = sent_base + index - (kind != cls)
                for m in sorted(before, key=lambda m: -m.start):
                    if m.end <= start and sent_base + index - PLURAL_REACH <= m.sentence <= last \
                            and m.source in ("gazetteer", "ner", "anaphor") and is_a(
                                m.cls, kind) and _named_with(m, keyword):
                        seen.setdefault(m.gazetteer_key or fold(m.text), m)
                if len(seen) >= wanted:
                    break
            near = list(seen.values())
            if len(near) < wanted or len(near) > wanted and (
                    near[wanted].sentence == near[wanted - 1].sentence):
                continue  # (nor when that many would cut a list in two)
        for m in list(seen.values())[:wanted]:
            out.append(Mention(doc_id, start, offset + hit.end(), m.text, m.cls, "anaphor",
                               m.gazetteer_key, sent_base + index))
        taken.append((hit.start(), hit.end()))
    return out


_BULLET = re.compile(r"\s*(?:[*•·▪‣◦–-]|\(?\d{1,2}[.)])\s+")
BULLET_NAME_WITHIN = 3  # words into a bullet in which its name must start


def _bullet_runs(pieces: list[tuple[str, int]]):
    """Each line ending in a colon with the bulleted lines under it: (index of the line,
    [(bullet text, its offset, where its words start)])."""
    for k, (line, _) in enumerate(pieces):
        if not line.rstrip().endswith(":"):
            continue
        items = []
        for item, item_offset in pieces[k + 1:]:
            bullet = _BULLET.match(item)
            if not bullet:
                break
            items.append((item, item_offset, bullet.end()))
        if len(items) >= 2:
            yield k, items


def _bulleted_names(pieces: list[tuple[str, int]], nlp, doc_id: str) -> dict[int, list[Mention]]:
    """The names that bulleted lines list under a line ending in a colon ("The six CRCs it
    bought were:" / "* Northumbria CRC, covering ..."), keyed by the offset of that line: the
    gazetteer name each bullet opens with."""
    out: dict[int, list[Mention]] = {}
    for k, items in _bullet_runs(pieces):
        names = []
        for item, item_offset, words in items:
            first = next(iter(gazetteer_names(nlp, item)), None)
            if first is not None and len(item[words:first.start_char].split()) < \
                    BULLET_NAME_WITHIN:
                names.append(Mention(doc_id, item_offset + first.start_char,
                                     item_offset + first.end_char, first.text,
                                     first.label_[len(RULER_LABEL_PREFIX):], "gazetteer",
                                     first.ent_id_, -1))
        if len(names) >= 2:
            out[pieces[k][1]] = names
    return out


def _synthetic_facts(doc: SourceText, result: DocExtraction, nlp, text: str, base: int,
                     mentions: list, evidence: tuple[int, int],
                     verb_at: int | None = None) -> list[RelationCandidate]:
    """The frames of a sentence put together from pieces of the page (a line and its bullets,
    a label and what follows it); `mentions` are placed in it as if it began at `base`, and
    `verb_at`, when given, is where a verb must stand for it to be a sentence at all."""
    sdoc = nlp(text + ".")
    if verb_at is not None:
        first = sdoc.char_span(verb_at, verb_at + 1, alignment_mode="expand")
        if first is None or not first[0].tag_.startswith(("VBD", "VBZ", "VBP", "MD")):
            return []
    return [RelationCandidate(doc.doc_id, s, predicate, o, *evidence, rule, conf)
            for s, p, o, rule, conf, inspects, _ in match_frames(
                sdoc[:], base, _frame_mentions(result, mentions))
            for predicate in ((p, "inspects") if inspects else (p,))]


def _said_of(doc: SourceText, result: DocExtraction, nlp, subject: int,
             fragments: list[tuple[str, int, tuple[int, int]]],
             starts: list[int]) -> list[RelationCandidate]:
    """Verb phrases said of a name the page puts before them, each read as a sentence with
    the name as its subject: (the phrase, where it starts in the text, its evidence);
    `starts`: where each of the document's mentions starts, in order."""
    name = result.mentions[subject]
    out = []
    for body, at, evidence in fragments:
        body = body[:_BULLET_TAIL.search(body).start()]
        if not body or body[:1].isupper() and bisect_left(starts, at) < len(starts) and (
                starts[bisect_left(starts, at)] == at):
            continue  # a name, not a verb, opens it
        shift = len(name.text) + 1  # the phrase follows the name in the sentence
        base = at - shift
        mentions = [(subject, base, base + len(name.text), name.cls)] + [
            (i, m.start, m.end, m.cls) for i in range(
                bisect_left(starts, at), bisect_left(starts, at + len(body)))
            for m in [result.mentions[i]]]
        out += _synthetic_facts(doc, result, nlp, f"{name.text} {body[0].lower()}{body[1:]}",
                                base, mentions, evidence, verb_at=shift)
    return out


def _bulleted_sentences(doc: SourceText, result: DocExtraction, nlp,
                        pieces: list[tuple[str, int]]) -> list[RelationCandidate]:
    """A line ending in a colon and its bullets, read as sentences, with the facts of each
    given the evidence of the line it stands on:
    - bullets that open with a verb say what the name ending the line did: "KSS CRC:" / "-
      ran unpaid work schemes in 30 towns;" is read "KSS CRC ran unpaid work schemes in 30
      towns.", with the bullet as evidence;
    - bullets that open with names complete the line: "On 1 February 2015 it took ownership
      of:" / "- Merseyside CRC" / "- West Yorkshire CRC" is read "... it took ownership of
      Merseyside CRC and West Yorkshire CRC.", with the line as evidence."""
    starts = [m.start for m in result.mentions]  # in text order: chunks are read in order

    def named_between(a: int, b: int) -> list[int]:
        return [i for i in range(bisect_left(starts, a), bisect_left(starts, b))
                if result.mentions[i].source in ("gazetteer", "ner")]

    out = []
    for k, runs in _bullet_runs(pieces):
        intro, offset = pieces[k][0].rstrip(), pieces[k][1]
        head_end = offset + len(intro[:-1].rstrip())
        subject = next((i for i in range(bisect_left(starts, offset), len(starts))
                        if result.mentions[i].end == head_end), None)
        if subject is not None:  # "KSS CRC:" / "- delivered ..."
            out += _said_of(doc, result, nlp, subject, [
                (item[words:], item_offset + words,
                 _trim(doc.text, item_offset, item_offset + len(item)))
                for item, item_offset, words in runs], starts)
            continue
        heading = pieces[k - 1][0] if k and len(pieces[k - 1][0].split()) <= HEADING_WORDS else ""
        relational = _relational_list_noun(intro) or _relational_list_noun(heading)
        said = _relational_bullets(doc, result, nlp, relational, runs,  # "New owners
                                   _FIRST_PERSON_WORDS.search(f"{heading} {intro}")  # include:"
                                   is not None) if relational is not None else []
        if said:  # / "- Seetec – Kent, Surrey and Sussex CRC" (else, as in "its members
            out += said  # were:" / "- Shelter, the housing charity;", the list completes
            continue  # the line)
        items = []
        for item, item_offset, words in runs:
            first = next(iter(named_between(item_offset + words, item_offset + len(item))),
                         None)
            if first is not None and len(item[words:result.mentions[first].start
                                               - item_offset].split()) < BULLET_NAME_WITHIN:
                items.append(first)
        if len(items) < 2:
            continue
        stop = intro.rfind(". ", 0, len(intro) - 1)
        start = stop + 2 if stop >= 0 else 0  # the intro's last sentence
        line = intro[start:-1].rstrip()
        base = offset + start
        # the list stands where the line counts what it lists, and the sentence ends there
        # ("we owned six of the 21 CRCs, working with ...:": the line's own sentence says
        # the rest); else at the line's end ("its members were:")
        counted = None if _OPEN_END.search(line) else _COUNTED_PLURAL.search(line)
        text = line[:counted.start() if counted else len(line)].rstrip()
        mentions = [(i, m.start, m.end, m.cls) for i in range(
            bisect_left(starts, base), bisect_left(starts, base + len(text)))
            for m in [result.mentions[i]]]
        for j, i in enumerate(items):  # (each name stands in as one plain word: a list of
            # long names with "&" and "and" in them would not parse as one)
            text += (" and " if j == len(items) - 1 else ", " if j else " ")
            word = _STAND_INS[j % len(_STAND_INS)]
            mentions.append((i, base + len(text), base + len(text) + len(word),
                             result.mentions[i].cls))
            text += word
        out += _synthetic_facts(doc, result, nlp, text, base, mentions,
                                _trim(doc.text, base, offset + len(intro)))
    return out


# Plain words that stand in for the names of a bulleted list in the sentence it completes.
_STAND_INS = ("Alder", "Birch", "Cedar", "Elm", "Fir", "Larch", "Maple", "Oak", "Spruce", "Yew")
# A number of things a list spells out: "six of the 21 Community Rehabilitation Companies",
# "five CRCs" (the last word a plural).
_COUNTED_PLURAL = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\d{1,2})\s+"
    r"(?:of\s+(?:the|its|our|their)\s+(?:\d{1,2}\s+)?)?(?:[\w&-]+\s+){0,4}?[A-Za-z-]+s\b(?![\w'’])")
# A line that ends wanting its list ("took ownership of:", "its members were:")
_OPEN_END = re.compile(r"(?i)\b(?:of|to|in|for|with|by|from|among|as|namely|include|includes|"
                       r"including|are|were|was|is|be)\s*$")
_BULLET_TAIL = re.compile(r"[\s;,.]*(?:\band)?[\s;,.]*$")
_DASH = re.compile(r"\s+[–—|-]\s+|:\s+")
_FIRST_PERSON_WORDS = re.compile(r"(?i)\b(?:our|we|us)\b")
HEADING_WORDS = 6  # a line this short before a list's line is its heading ("Our funders")


def _table_facts(doc: SourceText, result: DocExtraction, nlp,
                 pieces: list[tuple[str, int]]) -> list[RelationCandidate]:
    """A table set out in text, its cells split by "|", under a heading that says how its
    rows' first cells relate ("Our funders 2019–20" / "Funder | What they fund | Amount" /
    "The Tudor Trust | our mentoring work | £60,000"): each row is read as a list's bullet."""
    out = []
    k = 0
    while k < len(pieces):
        if _TABLE_ROW.search(pieces[k][0]) is None:
            k += 1
            continue
        end = k
        while end < len(pieces) and _TABLE_ROW.search(pieces[end][0]):
            end += 1
        heading = pieces[k - 1][0] if k and len(pieces[k - 1][0].split()) <= HEADING_WORDS else ""
        header = pieces[k][0]
        noun = _relational_list_noun(f"{heading} {header}s")  # ("Funder | ...": funders)
        if noun is not None and end - k >= 2:
            runs = [(row[:m.start()] if (m := _TABLE_CELL.search(row, _TABLE_ROW.search(
                row).end())) else row, offset, 0) for row, offset in pieces[k + 1:end]]
            out += _relational_bullets(doc, result, nlp, noun, runs,
                                       _FIRST_PERSON_WORDS.search(heading) is not None)
        k = end
    return out


def _service_bullets(doc: SourceText, result: DocExtraction,
                     pieces: list[tuple[str, int]]) -> list[RelationCandidate]:
    """Bullets under a heading such as "What we do" that open with a programme's name and a
    colon or dash: the organisation whose page it is delivers it (a title-cased label no
    rule named is taken for a programme's name: "- Peer Advisor Programme: ...")."""
    headings = word_set("lexicon.yaml", "service_headings")
    named_at = {m.start: i for i, m in enumerate(result.mentions)}  # (not in order any more)
    out = []
    for k, (line, _) in enumerate(pieces[:-1]):
        if " ".join(line.lower().strip(" :").split()) not in headings:
            continue
        for item, item_offset in pieces[k + 1:]:
            bullet = _BULLET.match(item)
            if not bullet:
                break
            first = item_offset + bullet.end()
            at = named_at.get(first)
            if at is not None:
                m = result.mentions[at]
            else:
                label = _PROGRAMME_LABEL.match(doc.text, first, item_offset + len(item))
                if label is None:
                    continue
                m = Mention(doc.doc_id, first, label.end(1), label[1], "Intervention", "ner",
                            None, max((x.sentence for x in result.mentions if x.start < first),
                                      default=0))
                at = len(result.mentions)
                result.mentions.append(m)
            if is_a(m.cls, "Intervention") and _LABEL.match(doc.text, m.end):
                out.append(RelationCandidate(doc.doc_id, AUTHOR, "delivers", at,
                                             *_trim(doc.text, item_offset, item_offset + len(item)),
                                             "list:ours", 0.6))
    return out


# A bullet's title-cased label before its colon or dash ("Peer Advisor Programme: ...").
_PROGRAMME_LABEL = re.compile(r"((?:[A-Z][\w'’+-]*)(?:\s+(?:[A-Z][\w'’+-]*|of|for|and|the)){1,5})"
                              r"(?=\s*(?:[-–—:]\s))")


_TABLE_ROW = re.compile(r"\S\s+\|\s+\S")
_TABLE_CELL = re.compile(r"\s+\|\s+")


def _relational_list_noun(intro: str) -> str | None:
    """The relation a list's line gives its bullets: "New owners include:" → "owner"."""
    nouns = word_set("lexicon.yaml", "relational_list_nouns")
    return next((w[:-1] for w in re.findall(r"[a-z]+", intro.lower()) if w in nouns), None)


def _relational_bullets(doc: SourceText, result: DocExtraction, nlp, noun: str,
                        runs, ours: bool = False) -> list[RelationCandidate]:
    """Bullets of a list of owners (funders, partners) that give each one, a dash or colon,
    and what it owns: "- MTCnovo – London CRC and Thames Valley CRC" is read "MTCnovo, owner
    of London CRC and Thames Valley CRC."; in a list of `ours` ("Our funders"), each also
    funds (is a partner of) the organisation whose text it is."""
    starts = [m.start for m in result.mentions]

    def named_at(at: int) -> int | None:
        """The mention that starts at `at`, if one does."""
        k = bisect_left(starts, at)
        return k if k < len(starts) and starts[k] == at else None

    out = []
    for item, item_offset, words in runs:
        article = re.match(r"(?i)the\s+", item[words:])  # ("- The Barrow Cadbury Trust: ...")
        if article and named_at(item_offset + words) is None:
            words += article.end()
        dash = _DASH.search(item, words)
        k = named_at(item_offset + words)
        if k is None:
            continue
        if ours and noun in _OWN_LIST_PREDICATES:
            out.append(RelationCandidate(doc.doc_id, k, _OWN_LIST_PREDICATES[noun], AUTHOR,
                                         *_trim(doc.text, item_offset, item_offset + len(item)),
                                         "list:ours", 0.65))
        if dash is None:
            continue
        name, rest = result.mentions[k], item[dash.end():]
        rest = rest[:_BULLET_TAIL.search(rest).start()]
        text = f"{name.text}, {noun} of "
        base = item_offset + dash.end() - len(text)  # the rest keeps its own offsets
        mentions = [(k, base, base + len(name.text), name.cls)] + [
            (i, m.start, m.end, m.cls) for i in range(
                bisect_left(starts, item_offset + dash.end()),
                bisect_left(starts, item_offset + dash.end() + len(rest)))
            for m in [result.mentions[i]]]
        out += _synthetic_facts(doc, result, nlp, text + rest, base, mentions,
                                _trim(doc.text, item_offset, item_offset + len(item)))
    return out
_LABEL = re.compile(r"\s*(?:[-–—:]\s+|:\s*)")


def _labelled_lines(doc: SourceText, result: DocExtraction, nlp,
                    pieces: list[tuple[str, int]]) -> list[RelationCandidate]:
    """A line that opens with a name and a dash or colon, then says what it does: "Tudor
    Trust - funds our mentoring work.", "- Nacro: runs the Thinking Skills Programme with
    us." (a partners page, a list of funders)."""
    starts = [m.start for m in result.mentions]
    out = []
    for line, offset in pieces:
        bullet = _BULLET.match(line)
        at = offset + (bullet.end() if bullet else len(line) - len(line.lstrip()))
        k = bisect_left(starts, at)
        if k == len(starts) or starts[k] != at or result.mentions[k].source not in (
                "gazetteer", "ner"):
            continue
        label = _LABEL.match(doc.text, result.mentions[k].end, offset + len(line))
        if label is None:
            continue
        evidence = _trim(doc.text, offset, offset + len(line))
        out += _said_of(doc, result, nlp, k, [
            (doc.text[label.end():offset + len(line)], label.end(), evidence)], starts)
    return out


@lru_cache(maxsize=1)
def _damning_report_regex() -> re.Pattern:
    """A report called damning (scathing, highly critical): the critical-report frame's
    words before one of frames.yaml's report nouns."""
    words = [" ".join(w) for w in frames_by_id()["critical-report"].nouns]
    nouns = word_set("frames.yaml", "report_nouns")
    return re.compile(rf"\b(?:{'|'.join(map(re.escape, words))})\s+(?:\w+\s+)?"
                      rf"(?:{'|'.join(map(re.escape, nouns))})s?\b", re.IGNORECASE)


def _damning_reports(doc: SourceText, result: DocExtraction) -> list[RelationCandidate]:
    """What a report the sentence calls damning is about, its publisher (named before the
    report, or in its "by" phrase) criticises: "a damning report by HMIP, which inspected
    the Wales company last autumn"."""
    out = []
    for c in result.candidates:
        if c.predicate != "reportAbout" or not isinstance(c.subject, int):
            continue
        damning = _damning_report_regex().search(doc.text, c.sent_start, c.sent_end)
        at = result.mentions[c.subject].start
        if damning and (at < damning.start() or _BY_PHRASE.fullmatch(
                doc.text, damning.end(), max(at, damning.end()))):
            out.append(replace(c, predicate="criticises", extractor=f"{c.extractor}:damning"))
    return out


_BY_PHRASE = re.compile(r"\s+(?:by|from)\s+(?:the\s+)?")


@lru_cache(maxsize=1)
def _signature_role() -> re.Pattern:
    """A role opening a line, and what ends it: relations.yaml's role words."""
    roles = load_yaml("relations.yaml")["roles"]
    return re.compile(rf"[^\S\n]*(?:the\s+)?(?:[\w'’-]+[^\S\n]+){{0,2}}?"
                      rf"(?:(?P<lead>{roles['leading']})|{roles['member']})\b"
                      rf"[^\n,]{{0,40}}?(?P<end>,[^\S\n]*|[^\S\n]+(?:of|at)[^\S\n]+|$)"
                      rf"(?:the[^\S\n]+)?", re.IGNORECASE | re.MULTILINE)


def _signature_lines(doc: SourceText, result: DocExtraction) -> list[RelationCandidate]:
    """A name alone on its line, its role on the next (a letter's or a report's signature:
    "Gareth Davies / Comptroller and Auditor General, National Audit Office"): the person
    heads, or works for, the organisation the role's line names (the one whose own text it
    is, for a bare head's title: `TOPIC`)."""
    text = doc.text
    starts = [m.start for m in result.mentions]
    out = []
    for i, m in enumerate(result.mentions):
        if m.source not in ("ner", "gazetteer") or not (
                is_a(m.cls, "Person") or m.cls == "Organisation"):
            continue
        line_start, line_end = text.rfind("\n", 0, m.start) + 1, text.find("\n", m.end)
        if line_end < 0 or text[line_start:line_end].strip() != m.text:
            continue
        next_end = text.find("\n", line_end + 1)
        next_end = len(text) if next_end < 0 else next_end
        role = _signature_role().match(text, line_end + 1, next_end)
        if role is None:
            continue
        k = bisect_left(starts, role.end())
        titled = organisation_of_title(text[line_end + 1:next_end])
        if titled and role["lead"]:  # a title that names its body ("HM Chief Inspector of
            target = f"gaz:{titled}"  # Probation")
        elif role["end"] == "":  # a bare title: of the body whose text it is
            target = TOPIC if role["lead"] else None
        elif k < len(starts) and starts[k] == role.end() and is_a(
                result.mentions[k].cls, "Organisation"):
            target = k
        else:
            continue
        if target is None:
            continue
        if m.cls == "Organisation":  # (the NER took the name for a body's)
            result.mentions[i] = replace(m, cls="Person")
        start, end = _trim(text, line_start, next_end)
        out.append(RelationCandidate(doc.doc_id, i, "leads" if role["lead"] else "memberOf",
                                     target, start, end, "signature", 0.7))
    return out


def _frame_mentions(result: DocExtraction, mentions: list) -> list:
    """Mentions as the frames take them: a description still to be resolved, or an
    organisation of no known kind, may turn out any kind of its class ("?Class"), or of the
    other classes the description may mean ("?Intervention|Policy": "the programme")."""
    out = []
    for i, a, b, cls in mentions:
        m = result.mentions[i]
        if _kind_unknown(m):
            spec = _description_spec(m) if m.source == "unresolved" else None
            cls = "?" + "|".join((cls, *spec[2])) if spec else f"?{cls}"
        out.append((i, a, b, cls))
    return out


def _title_topics(doc: SourceText, result: DocExtraction, nlp) -> list[RelationCandidate]:
    """What a report's title says it is about: "An Inspection of London Community
    Rehabilitation Company", "A review of X", "Report on X" (the names inside a title are
    no mentions of their own, so they are looked up in the title's words)."""
    out = []
    for r, m in list(enumerate(result.mentions)):
        if not is_a(m.cls, "Document") or m.source not in ("gazetteer", "ner"):
            continue
        opening = _DOCUMENT_OPENING.match(m.text)
        if opening is not None:
            parts = [(opening.end(), len(m.text))]
        else:  # "Transforming Rehabilitation: Progress review": a side of its colon that is
            # one name alone
            colon = m.text.find(": ")
            parts = [(0, colon), (colon + 2, len(m.text))] if colon > 0 else []
        line = doc.text.rfind("\n", 0, m.start) + 1
        end = doc.text.find("\n", m.end)
        start, end = _trim(doc.text, line, len(doc.text) if end < 0 else end)
        for a, b in parts:
            names = gazetteer_names(nlp, m.text[a:b])
            if opening is None:
                names = [n for n in names if n.text == m.text[a:b].strip()]
            out += _title_names(doc, result, r, names, m.start + a, start, end)
    return out


def _title_names(doc: SourceText, result: DocExtraction, report: int, names, at: int,
                 start: int, end: int) -> list[RelationCandidate]:
    """The report is about each name its title holds, at `at` on (a place is where, not
    what); each becomes a mention of its own."""
    out = []
    for name in names:
        cls = name.label_[len(RULER_LABEL_PREFIX):]
        if is_a(cls, "Place"):
            continue
        first = at + name.start_char
        result.mentions.append(Mention(doc.doc_id, first, first + len(name.text), name.text,
                                       cls, "gazetteer", name.ent_id_,
                                       result.mentions[report].sentence))
        out.append(RelationCandidate(doc.doc_id, report, "about", len(result.mentions) - 1,
                                     start, end, "title", 0.7))
    return out


def _title_organisation(mentions: list[Mention], title_end: int) -> Mention | None:
    """The first organisation named before `title_end` (the end of the title line)."""
    return next((m for m in mentions if m.start < title_end and m.source in (
        "gazetteer", "ner") and is_a(m.cls, "Organisation")), None)


def _voice_title_end(text: str) -> int:
    """Where the title line ends, as far as it may name whose voice the text is: nowhere for
    "An inspection of X" (X is what the report is about)."""
    end = text.find("\n")
    end = end if end >= 0 else len(text)
    return 0 if _DOCUMENT_OPENING.match(text[:end]) else end


def _type_first_person(result: DocExtraction, base_index: int, found: list[Mention],
                       title_end: int, described: Mention | None) -> None:
    """Give 'we'/'our' the class of the organisation they will resolve to when it is already
    known (named in the title, or described at the start), so that frames typed narrower
    than Organisation ("under contract to", "funded by") accept them."""
    author = _title_organisation(result.mentions, title_end) or described
    if author is None:
        return
    for j, m in enumerate(found):
        if m.source == "unresolved" and m.text.lower() in _FIRST_PERSON:
            found[j] = result.mentions[base_index + j] = replace(m, cls=author.cls)


def _author_organisation(result: DocExtraction, salience: _Salience, title_end: int,
                         described: Mention | None, issuer: Mention | None = None
                         ) -> SalientEntity | None:
    """Who 'we' are: a press release's issuer; the organisation the title names, else
    `described`: the publisher a report's front matter names, or the one the text opens by
    describing ("Bridgeway Trust is a charity that ..."); else one that dominates the text
    (twice as many mentions as any other, and at least three)."""
    named = issuer or _title_organisation(result.mentions, title_end) or described
    if named is not None:
        return SalientEntity(named.gazetteer_key or named.text, named.cls, named.gazetteer_key,
                             0)
    counts = sorted(((n, key) for key, n in salience.counts.items()
                     if is_a(key[1], "Organisation")), reverse=True)
    if counts and counts[0][0] >= 3 and (len(counts) == 1 or counts[0][0] >= 2 * counts[1][0]):
        name = salience.names[counts[0][1]]
        gaz = name if name in load_gazetteer().by_name else None
        return SalientEntity(name, counts[0][1][1], gaz, counts[0][0])
    return None


def _resolve_anaphors(doc: SourceText, result: DocExtraction, salience: _Salience,
                      title_end: int, described: Mention | None,
                      people: frozenset[str], issuer: Mention | None = None
                      ) -> SalientEntity | None:
    """Point each definite description at the entity of its kind the document is most about,
    'we'/'our' at the organisation whose text it is (returned: a press release's `issuer`
    first), and 'I' at its writer."""
    author = _author_organisation(result, salience, title_end, described, issuer)
    writer = _writer(result, people, doc.clean[:BYLINE_LINES_CHARS])
    for i, m in enumerate(result.mentions):
        if m.source != "unresolved":
            continue
        if m.text.lower() in _FIRST_PERSON:
            target = author
        elif m.text.lower() in _WRITER:
            line = doc.text.rfind("\n", 0, m.start) + 1
            target = None if _quoted(doc.text[line:m.start + 1], m.start - line) else writer
        else:
            _, keyword, also = _description_spec(m) or (m.cls, None, ())
            noun = m.text.split()[-1].lower()  # "the partnership": one described as one
            named = _named_modifier(m.text)
            if m.text[:5].lower() == "that ":  # "that CRC": the one named last before it
                target = _last_named(result.mentions[:i], (m.cls, *also), named or keyword)
            elif named is not None:  # "the London company": only one so named will do
                target = next(filter(None, (salience.best(c, named, before=m.start)
                                            for c in (m.cls, *also))), None)
            else:
                target = salience.best(m.cls, *([keyword] if keyword else []), before=m.start,
                                       noun=noun if noun in _description_nouns() else None,
                                       also=also)
        if target is not None:
            name, cls, gaz, _ = target
            result.mentions[i] = Mention(m.doc_id, m.start, m.end, name, cls, "anaphor", gaz,
                                         m.sentence)
    return author


def extract_document(doc: SourceText, nlp, batch_size: int = 32,
                     max_chunk_chars: int = 5000) -> DocExtraction:
    """Run the pipeline over one document's cleaned text, chunk by chunk."""
    result = DocExtraction(doc.doc_id)
    salience = _Salience()
    described: Mention | None = None  # the organisation the text opens by describing
    name_owners = _NameOwners()
    title_end = _voice_title_end(doc.text)
    announced: int | None = None  # the person a paragraph ending "X said:" announces
    pieces = list(chunks(doc.clean, max_chunk_chars))
    bulleted = _bulleted_names(pieces, nlp, doc.doc_id)
    people = byline_names(doc.clean)
    signed = bool(people) or _SIGNED_LINE.search(doc.clean[:BYLINE_LINES_CHARS]) is not None
    sent_base = 0
    for sdoc, offset in nlp.pipe(pieces, batch_size=batch_size, as_tuples=True):
        result.words += len(sdoc) - int(  # words: not spaces, not punctuation
            (sdoc.to_array("IS_SPACE") | sdoc.to_array("IS_PUNCT")).astype(bool).sum())
        text = sdoc.text  # rebuilt from the tokens on every access
        sentences = ChunkSentences(sdoc)
        found = mentions_from_doc(sdoc, offset, doc.doc_id, sent_base, sentences, people)
        _short_forms(sdoc, offset, doc.doc_id, sent_base, name_owners, found, sentences)
        taken = [(m.start - offset, m.end - offset) for m in found]
        for m in found:
            salience.add(m, len(result.mentions))
        salience.describe(sdoc, offset, found)
        found += _anaphor_mentions(text, offset, doc.doc_id, sent_base, taken, sentences)
        _descriptions_of_the_topic(sdoc, offset, found, sentences)
        found += _pronoun_mentions(offset, doc.doc_id, sent_base, found, sentences)
        pronouns = _inner_pronoun_mentions(sdoc, offset, doc.doc_id, sent_base,
                                           _recent(result.mentions, sent_base - 2) + found,
                                           sentences, signed)
        plurals = _plural_mentions(text, offset, doc.doc_id, sent_base, taken, sentences,
                                   _recent(result.mentions, sent_base - PLURAL_REACH) + found,
                                   bulleted.get(offset, []))
        # the regex patterns read pronouns and plural descriptions as words
        frame_only = {m.start for m in pronouns + plurals}
        found += pronouns + plurals
        named = _named_interventions(text, offset, doc.doc_id, sent_base, found, sentences)
        for m in named:  # ("the Peer Advisor programme ... the programme")
            salience.add(m, len(result.mentions))
        found += named
        acronyms = _acronym_definitions(text, offset, found)
        name_owners.add(acronyms)  # ("Pact" said again in a later paragraph)
        found += acronyms
        found.sort(key=lambda m: m.start)
        base_index = len(result.mentions)
        result.mentions.extend(found)
        for j, m in enumerate(found):
            parent = _parent_in_name(m)
            if parent:
                s0, s1 = _trim(doc.text, *_sentence_span(sentences, offset, m))
                result.candidates.append(RelationCandidate(doc.doc_id, base_index + j, "partOf",
                                                           f"gaz:{parent}", s0, s1,
                                                           "name:unit-of", 0.9))
        quoting, quote_open = None, False  # who speaks in an open quotation of this paragraph
        if described is None and sent_base < DESCRIBING_SENTENCES:
            described = _described_organisation(sentences, offset, found)
        _type_first_person(result, base_index, found, title_end, described)
        line_date = timeline_date(text)  # "2019: ..." opening a timeline's line
        turn = _speaker_turn(text, offset, found, base_index)  # "Name (Party): ..." speaks
        if turn is None and announced is not None and _QUOTE_MARK.match(text.lstrip()):
            turn = (announced, offset - 1)  # "X said:" / "“...”": the quotation is X's
        found_starts = [m.start for m in found]  # sorted
        announced = None
        for i, sent in enumerate(sentences.spans):
            s_start, s_end = offset + sent.start_char, offset + sent.end_char
            first = bisect_left(found_starts, s_start)
            in_sent = [(base_index + j, found[j].start, found[j].end, found[j].cls)
                       for j in range(first, bisect_left(found_starts, s_end))]
            # (by where a mention starts: a title may run past a colon)
            quoted_by = quoting if quote_open else None
            if quoted_by is None and turn is not None and turn[1] < s_start:
                quoted_by = turn[0]  # the rest of a speaker's turn is the speaker's
            opening = _QUOTE_MARK.search(sent.text) if not quote_open else None
            quote_open = quote_open_after(sent, quote_open)
            said_here = speaker(sent, offset, in_sent) if opening else None
            quoting = None if not quote_open else (quoted_by or said_here)
            if not in_sent:
                continue
            voice = quoted_by if quoted_by is not None else said_here
            if voice is not None and isinstance(voice, int) and is_a(
                    result.mentions[voice].cls, "Person"):
                quote_start = s_start if quoted_by is not None else s_start + opening.start()
                in_sent = _speaker_as_i(result, in_sent, voice, quote_start)
            tokens = [(offset + t.idx, offset + t.idx + len(t.text), t.text) for t in sent
                      if not t.is_space]
            slotted = slot_sentence(tokens, [x for x in in_sent if x[1] not in frame_only])
            ev_start, ev_end = _trim(doc.text, s_start, s_end)
            actors = {i for i, *_ in in_sent if result.mentions[i].source != "unresolved"}
            if sent.text.rstrip().endswith("?") and not any(  # a question states no fact (but
                    b >= offset + sent.end_char - 1 for _, _, b, _ in in_sent):  # a title may
                continue  # end in a question mark: "Is TR the End of the Probation Ideal?")
            found_facts = [(*f, None) for f in match_sentence(slotted, actors)]
            # the bracketed constituency and party of a speaker's label ("Name (Constituency)
            # (Party):") are no part of what is said
            said = [x for x in in_sent if turn is None or not s_start <= turn[1] < s_end
                    or x[1] > turn[1] or doc.text[x[1] - 1:x[1]] != "("]
            # a title that runs past a colon the parser ended a sentence at ("published X 2020:
            # A Vision for the Future, written by ...") fills roles in the sentence after, too
            said += [(base_index + j, m.start, m.end, m.cls) for j, m in enumerate(
                found[max(0, first - CROSSING_REACH):first], max(0, first - CROSSING_REACH))
                if m.end > s_start]
            found_facts += match_frames(sent, offset, _frame_mentions(result, said))
            named = [x for x in in_sent if x[1] not in frame_only]  # quoted targets: no pronouns
            if quoted_by is not None:
                found_facts += [(*f, None) for f in quoted_verdicts(sent, quoted_by, named,
                                                                    offset)]
            elif said_here is not None:  # 'X said: "...' — what follows the quotation mark
                quote_start = s_start + opening.start()
                found_facts += [(*f, None) for f in quoted_verdicts(
                    sent, said_here, [x for x in named if x[1] > quote_start], offset)]
            elif turn is not None and s_start <= turn[1] < s_end:
                found_facts += [(*f, None) for f in quoted_verdicts(
                    sent, turn[0], [x for x in named if x[1] > turn[1]], offset)]
            elif not opening and not any(is_a(cls, "Organisation") or is_a(cls, "Person")
                                         for _, _, _, cls in named):
                # the writer's own verdict on a policy, in an organisation's own text
                found_facts += [(AUTHOR, p, o, "frame:author-verdict", 0.55, False, None)
                                for _, p, o, *_ in quoted_verdicts(sent, -1, named, offset)
                                if not is_a(result.mentions[o].cls, "Organisation")]
            found_facts += [(person, predicate, org, "role-title", 0.85, False, None)
                            for person, predicate, org in match_roles(slotted)]
            periods: dict[tuple, Validity | None] = {}
            for s, p, o, rule, conf, inspects, trigger in found_facts:
                # a pattern has no word of its own: the main verb's period, and its event
                # only for a role taken up ("became Chief Inspector in 2016")
                events = trigger is not None or rule == "role-title"
                if (trigger, events) not in periods:
                    periods[(trigger, events)] = validity(
                        sent, offset, sdoc[trigger] if trigger is not None else None, line_date,
                        events)
                when = periods[(trigger, events)] or _TIMELESS
                for predicate in (p, "inspects") if inspects else (p,):
                    result.candidates.append(RelationCandidate(
                        doc.doc_id, s, predicate, o, ev_start, ev_end, rule, conf,
                        when.valid_from, when.valid_until, when.start, when.end))
        if text.rstrip().endswith(":") and sentences.spans:  # "X said:", the quotation next
            last = sentences.spans[-1]
            named = [(base_index + j, m.start, m.end, m.cls) for j, m in enumerate(found)
                     if offset + last.start_char <= m.start]
            persons = [n[0] for n in named if is_a(n[3], "Person")]
            said_by = speaker(last, offset, named)  # (or the one person its line names:
            if not isinstance(said_by, int) and len(persons) == 1:  # "Chief Inspector of
                said_by = persons[0]  # Probation Justin Russell said:")
            announced = said_by if isinstance(said_by, int) and is_a(
                result.mentions[said_by].cls, "Person") else None
        sent_base += len(sentences.spans)
    result.candidates += _bulleted_sentences(doc, result, nlp, pieces)
    result.candidates += _labelled_lines(doc, result, nlp, pieces)
    result.candidates += _table_facts(doc, result, nlp, pieces)
    result.candidates += _signature_lines(doc, result)
    result.candidates += _damning_reports(doc, result)
    front = _front_matter_facts(doc, result, salience)
    result.candidates += front
    result.candidates += _service_bullets(doc, result, pieces)  # (adds mentions at the end)
    # a report's publisher, as its front matter names it, speaks as "we"
    publisher = next((_named(result, c.object) for c in front
                      if c.predicate == "publishedBy"), None)
    issuer = _release_issuer(doc, result)  # a press release speaks for its issuer
    titled = "\n" in doc.text
    # the text speaks as "we", for an organisation its title names or it opens by describing
    # (not one a blog merely talks about most, nor the first one an untitled text names)
    own_voice = any(m.source == "unresolved" and m.text.lower() in _FIRST_PERSON
                    for m in result.mentions) and (
        described is not None or publisher is not None or issuer is not None or titled and (
            _title_organisation(result.mentions, title_end) is not None))
    author = _resolve_anaphors(doc, result, salience, title_end, publisher or described,
                               people, issuer)
    _resolve_implied_subjects(result, salience, doc.text, described, author, own_voice)
    result.candidates += _title_topics(doc, result, nlp)  # (its mentions name no author)
    result.candidates = [_partner_of_a_group(result, salience, c) for c in result.candidates
                         if _fits_its_frame(result, c)]
    result.candidates = _members_of_the_group(result, salience)
    result.candidates += _spoken_for(result)
    result.candidates = _not_of_their_own(result)
    return result


FRONT_MATTER_LINES = 6  # lines at the top of a report that name it and who wrote it
FRONT_MATTER_LINE_CHARS = 300
BYLINE_WORDS = 16  # a longer line, or one ending in a full stop, is a sentence, not a byline
_BYLINE = re.compile(r"(?i)(?:^|[—–:]\s*)(?:(?:a|an|the)\s+)?(?:joint\s+|thematic\s+)?(?:(?:report|inspection|"
                     r"review|study|paper|evaluation|audit)\s+by|(?:published|produced|issued|"
                     r"presented)\s+by)\s")
_REPORT_MARKER = re.compile(r"(?i)^\s*(?:(?:executive\s+)?summary(?:\s*\(extract\))?|conclusions and "
                            r"recommendations|.*\breport of session\b.*|.*\bsession \d{4}.*|"
                            r".*\b(?:annual|impact)\s+(?:review|report)\b.*)\s*$")
_DOCUMENT_OPENING = re.compile(r"(?i)^\s*(?:(?:a|an|the)\s+)?(?:joint\s+|thematic\s+)?(?:inspection|"
                               r"review|report|evaluation|audit|study)\s+(?:of|on|into)\s")
_RELEASE_LINE = re.compile(r"(?i)^\s*(?:news|press|media)\s+release\b")
_RELEASE_FROM = re.compile(_RELEASE_LINE.pattern + r"\s*(?:from|by|[-–—:|])\s*(?:the\s+)?")


def _release_issuer(doc: SourceText, result: DocExtraction) -> Mention | None:
    """The organisation a press release's top line names ("Press release from HM
    Inspectorate of Probation", "News release – Napo"): the voice of its "we"."""
    for line in _top_lines(doc.clean, FRONT_MATTER_LINES):
        opening = _RELEASE_FROM.match(line.group())
        if opening:
            at = line.start() + opening.end()
            return next((m for m in result.mentions if m.start == at and m.source in (
                "gazetteer", "ner") and is_a(m.cls, "Organisation")), None)
    return None


_CHAIR_LINE = re.compile(r"\s*(?:Chair|Chairman|Chairwoman|Chairperson)\s*:\s*")
_CHAIR_BRACKET = re.compile(r"\(\s*(?:Chair|Chairman|Chairwoman|Chairperson)\s*:\s*[^()\n]{2,60}\)")
_SUMMARY_OPENING = re.compile(r"(?i)^\s*(?:executive\s+)?summary(?:\s+of\s+(?:the\s+)?"
                              r"(?:findings|report|inspection))?\s*[.:—–-]\s*")
_LINE_FILLER = re.compile(r"(?i)^[\s,;:()—–-]*(?:\d{1,2}\s+)?(?:january|february|march|april|may|june|"
                          r"july|august|september|october|november|december)?\s*(?:\d{4})?[\s.,;:()—–-]*$")


def _named(result: DocExtraction, ref: int | str) -> Mention:
    """The mention a candidate's end refers to; a gazetteer entity's own name for "gaz:X"."""
    if isinstance(ref, int):
        return result.mentions[ref]
    name = ref.split(":", 1)[1]
    entry = load_gazetteer().by_name[name]
    return Mention(result.doc_id, 0, 0, name, entry.cls, "gazetteer", name, 0)


def _front_matter_facts(doc: SourceText, result: DocExtraction,
                        salience: _Salience) -> list[RelationCandidate]:
    """A report's own front matter: a title line, an organisation's line ("Public Accounts
    Committee", "HM Inspectorate of Probation, November 2019") and a byline ("Report by the
    Comptroller and Auditor General, Gareth Davies", "A joint inspection by A and B"). The
    title becomes a document (so that "this report" finds it), published by the
    organisations and written by the people those lines name. A news story's headline and
    newspaper line are not a report's: the title must open with a report's noun, or a byline
    or a report's heading ("Summary", "Report of Session") must follow."""
    text = doc.clean
    lines = [(m.start(), m.end()) for m in _top_lines(text, FRONT_MATTER_LINES)]
    # a report's front matter is short lines; a long one is its text (and a 50 MB line
    # would make these patterns slow)
    lines = lines[:next((k for k, (a, b) in enumerate(lines)
                         if b - a > FRONT_MATTER_LINE_CHARS), len(lines))]
    named = [(i, m) for i, m in enumerate(result.mentions) if m.source in ("gazetteer", "ner")]

    def names_in(a: int, b: int) -> list[int]:
        return [i for i, m in named if a <= m.start < b]

    def organisation_line(a: int, b: int) -> list[int]:
        orgs = [i for i in names_in(a, b) if is_a(result.mentions[i].cls, "Organisation")]
        rest = _SUMMARY_OPENING.sub("", text[a:b], count=1)  # ("Summary of findings. X")
        rest = _CHAIR_BRACKET.sub(" ", rest)  # ("Justice Committee (Chair: Bob Neill MP)")
        rest = _DEFINED.sub(" ", rest)  # ("Prison Advice and Care Trust (Pact)")
        for i in orgs:
            rest = rest.replace(result.mentions[i].text, " ")
        return orgs if orgs and _LINE_FILLER.match(rest) else []

    def marked_by_publisher(a: int, b: int) -> bool:
        """A report's marker line that opens with its publisher: "Public Accounts Committee -
        Ninety-Second Report of Session 2017-19"."""
        start = a + len(text[a:b]) - len(text[a:b].lstrip())
        return _REPORT_MARKER.match(text[a:b]) is not None and any(
            result.mentions[i].start == start and is_a(result.mentions[i].cls, "Organisation")
            for i in names_in(a, b))

    def parents(orgs: list[int]) -> dict[int, int]:
        """An organisation's name right before another's is its parent's: "House of Commons
        Committee of Public Accounts"."""
        return {j: i for i, j in pairwise(orgs)
                if not text[result.mentions[i].end:result.mentions[j].start].strip()}

    if not lines:
        return []
    first = 1 if organisation_line(*lines[0]) and len(lines) > 1 else 0
    title, rest = lines[first], lines[first + 1:]
    bylines = [line for line in rest if _BYLINE.search(text[line[0]:line[1]])
               and len(text[line[0]:line[1]].split()) <= BYLINE_WORDS
               and not text[line[0]:line[1]].rstrip().endswith(".")]
    marked = any(_REPORT_MARKER.match(text[a:b]) for a, b in [title, *rest])
    opening = _DOCUMENT_OPENING.match(text[title[0]:title[1]])
    org_lines = [line for line in ([lines[0]] if first else []) + rest
                 if organisation_line(*line) or marked_by_publisher(*line)]
    if not (bylines or marked and (first or org_lines) or opening and org_lines):
        return []
    report = next((i for i in names_in(*title) if is_a(result.mentions[i].cls, "Document")), None)
    if report is None:
        a, b = title
        # "Title — Executive summary", "Title: Fifth Report of Session 2021–22 (extract)"
        line = re.sub(r"\s*\(extract\)\s*$", "", text[a:b].strip())
        name = re.split(r"\s+[—–]\s+|[:,]\s+(?=(?:\w+\s+)?Report of Session)", line)[0]
        if len(name.split()) < 3:  # ("Transforming Rehabilitation: Ninth Report of Session
            name = line  # 2017–19" is the report's name in full)
        if len(name.split()) < 3 or name.endswith(".") or _RELEASE_LINE.match(name):
            return []
        a += len(text[a:b]) - len(text[a:b].lstrip())
        report = len(result.mentions)
        mention = Mention(doc.doc_id, a, a + len(name), name, "Document", "ner", None, 0)
        result.mentions.append(mention)
        salience.add(mention, report)
    # "Report by the Comptroller and Auditor General": the organisations on the lines after
    # a publisher named by its head's title are the ones the report is about
    audited_after = next((a for a, b in bylines + org_lines
                          if organisation_of_title(text[a:b]) and not names_in(a, b)), None)
    out = []
    for a, b in bylines + org_lines:
        start, end = _trim(doc.text, a, b)
        above = parents(organisation_line(a, b))
        for part, whole in above.items():
            out.append(RelationCandidate(doc.doc_id, part, "partOf", whole, start, end,
                                         "front-matter", 0.7))
        chair = _CHAIR_BRACKET.search(text, a, b)
        for i in names_in(a, b):
            if i in above.values():
                continue  # the publisher is the committee, not the House
            cls = result.mentions[i].cls
            if chair and chair.start() <= result.mentions[i].start < chair.end():
                line_orgs = [j for j in organisation_line(a, b) if j not in above.values()]
                out += [RelationCandidate(doc.doc_id, i, "leads", j, start, end,
                                          "front-matter", 0.7) for j in line_orgs[:1]]
                continue  # the body's chair, not the report's author
            link = "authoredBy" if is_a(cls, "Person") else (
                ("about" if audited_after is not None and a > audited_after
                 and (a, b) not in bylines else "publishedBy")
                if is_a(cls, "Organisation") else None)
            if link:
                out.append(RelationCandidate(doc.doc_id, report, link, i, start, end,
                                             "front-matter", 0.7))
        titled = organisation_of_title(text[a:b])  # "Report by the Comptroller and Auditor
        if titled and not names_in(a, b):  # General": the National Audit Office
            out.append(RelationCandidate(doc.doc_id, report, "publishedBy", f"gaz:{titled}",
                                         start, end, "front-matter", 0.7))
    publishers = [i for a, b in org_lines for i in organisation_line(a, b)
                  if i not in parents(organisation_line(a, b)).values()]  # (not the House)
    for a, b in rest:  # "Chair: Bob Neill MP" under the committee's name
        if _CHAIR_LINE.match(text, a, b) and publishers:
            out += [RelationCandidate(doc.doc_id, i, "leads", publishers[0],
                                      *_trim(doc.text, a, b), "front-matter", 0.7)
                    for i in names_in(a, b) if is_a(result.mentions[i].cls, "Person")]
    return out


COLLECTIVE_NOUNS = frozenset({"partnership", "consortium", "venture", "alliance"})


def _partner_of_a_group(result: DocExtraction, salience: _Salience,
                        c: RelationCandidate) -> RelationCandidate:
    """"Its partners were A and B" of a body the text calls a partnership or consortium:
    A and B are its members, not its partners."""
    if c.predicate != "partnerOf" or not isinstance(c.subject, int) or not isinstance(
            c.object, int) or c.extractor == "frame:partnership-between":
        return c  # (the members of a venture "between A and B" are each other's partners)
    def is_group(ref: int) -> bool:
        return salience.is_group(_mention_key(result.mentions[ref]))
    for group, member in ((c.subject, c.object), (c.object, c.subject)):
        if is_group(group) and not is_group(member):
            return replace(c, subject=member, predicate="memberOf", object=group,
                           extractor=f"{c.extractor}:group")
    return c


def _members_of_the_group(result: DocExtraction, salience: _Salience) -> list[RelationCandidate]:
    """"X, a partnership led by Y which also includes Z": the parser hangs the relative
    clause from Y, but Z is a member of the partnership Y leads. A member's member, in one
    sentence, of a body the text never called a partnership or consortium, is the group's."""
    def key(ref) -> tuple | None:
        return _mention_key(result.mentions[ref]) if isinstance(ref, int) else None

    groups = {(c.sent_start, key(c.subject)): c.object for c in result.candidates
              if c.predicate == "memberOf" and key(c.subject) is not None}
    out = []
    for c in result.candidates:
        group = groups.get((c.sent_start, key(c.object))) if c.predicate == "memberOf" else None
        if group is not None and key(group) != key(c.subject) and not salience.is_group(
                key(c.object)):
            c = replace(c, object=group, extractor=f"{c.extractor}:group")
        out.append(c)
    return out


def _fits_its_frame(result: DocExtraction, c: RelationCandidate) -> bool:
    """Whether a fact still fits its frame's classes once its descriptions are resolved
    ("the partnership ran X": a partnership that is a company runs a CRC), and no class that
    frames.yaml excludes from its roles fills one."""
    if any(isinstance(ref, int) and role_excluded(c.predicate, role, result.mentions[ref].cls)
           for ref, role in ((c.subject, "subject"), (c.object, "object"))):
        return False
    frame = frames_by_id().get(c.extractor[6:]) if c.extractor.startswith("frame:") else None
    if frame is None:
        return True
    return all(not isinstance(ref, int) or classes_ok(
        ("?" if _kind_unknown(result.mentions[ref]) else "") + result.mentions[ref].cls, allowed)
        for ref, allowed in ((c.subject, frame.subject_classes),
                             (c.object, frame.object_classes)))


def _kind_unknown(m: Mention) -> bool:
    """A description still to be resolved, or an organisation of no known kind ("Avanta
    Enterprise", named by the NER alone): it may fill a role that some kind of its class
    fills."""
    return m.source == "unresolved" or m.cls == "Organisation" and m.gazetteer_key is None


def _reference_key(result: DocExtraction, ref) -> str:
    """The entity a candidate's end names, as a key to compare ends by."""
    if isinstance(ref, str):
        return ref.split(":", 1)[1]
    m = result.mentions[ref]
    return m.gazetteer_key or m.text


def _not_of_their_own(result: DocExtraction) -> list[RelationCandidate]:
    """Criticism of one's own organisation is the parse's, not the speaker's: "Dame Glenys
    Stacey said Working Links had run the CRC on a shoestring, and the inspectorate rated
    its work inadequate" (its: the CRC's)."""
    own = {(_reference_key(result, c.subject), _reference_key(result, c.object))
           for c in result.candidates if c.predicate in ("leads", "memberOf")}
    return [c for c in result.candidates if c.predicate != "criticises" or (
        _reference_key(result, c.subject), _reference_key(result, c.object)) not in own]


def _spoken_for(result: DocExtraction) -> list[RelationCandidate]:
    """A head of an organisation who gives a verdict in their own words speaks for it ("Napo
    General Secretary Ian Lawrence said: 'TR was a disaster'"): the verdict is the
    organisation's too."""
    heads: dict[str, list] = {}
    for c in result.candidates:
        if c.predicate == "leads":
            heads.setdefault(_reference_key(result, c.subject), []).append(c.object)
    return [replace(c, subject=org, extractor="inferred:spoken-for")
            for c in result.candidates if c.extractor == "frame:quoted-verdict"
            for org in heads.get(_reference_key(result, c.subject), [])]


def _salient_provider(salience: _Salience, cls: str) -> SalientEntity | None:
    """A provider named as a CRC beats a division unless the division is far more present,
    and either beats a generic "Probation Service"."""
    crc, division = salience.best(cls, "CRC"), salience.best(cls, "Division")
    if crc and division and division.mentions > 2 * crc.mentions:
        return division
    return crc or division or salience.best(cls)


@lru_cache(maxsize=1)
def _comments_start_regex() -> re.Pattern:
    lines = load_yaml("lexicon.yaml").get("comments_start") or []
    return re.compile(r"^[ \t]*(?:" + "|".join(f"(?:{x})" for x in lines) + r")[ \t]*$",
                      re.MULTILINE)


def comments_start(text: str) -> int:
    """The offset where readers' comments begin (the text's length when there are none)."""
    hit = _comments_start_regex().search(text)
    return hit.start() if hit else len(text)


AUTHOR = "author:"  # a candidate's end: the organisation whose text it is
# what the members of a list of "our funders" / "our partners" are to the text's organisation
_OWN_LIST_PREDICATES = {"funder": "funds", "partner": "partnerOf", "commissioner": "funds"}


def _author_reference(result: DocExtraction, author: SalientEntity | None) -> str | int | None:
    """The writer as a candidate's end: its gazetteer name, or a mention of it."""
    if author is None:
        return None
    if author.gazetteer_key:
        return f"gaz:{author.gazetteer_key}"
    return next((i for i, m in enumerate(result.mentions)
                 if (m.gazetteer_key or m.text) == author.name), None)


def _resolve_implied_subjects(result: DocExtraction, salience: _Salience, text: str,
                              described: Mention | None,
                              author: SalientEntity | None, own_voice: bool) -> None:
    """`salient:Class` subjects become the entity of that class the whole document is about,
    in the document's own text; in readers' comments, and in the text of another
    organisation ('we' a charity that names a provider once), they are dropped. The writer's
    own verdicts (`author:`) go to the organisation whose text it is, when it speaks as 'we'. A
    `salient:Class` object (a bare role title) is the entity of that class most named up to
    its sentence; a `topic:` one (a bare head's title) the organisation `described` at the
    text's start (or, on a signature's line, the one whose own text it is)."""
    body_end = comments_start(text)
    resolved = []
    for c in result.candidates:
        if AUTHOR in (c.subject, c.object):  # the writer's verdict, or a list of its
            # funders: theirs only in their own voice
            writer = _author_reference(result, author) if own_voice else None
            if writer is None or c.sent_start >= body_end:
                continue
            c = replace(c, subject=writer) if c.subject == AUTHOR else replace(c, object=writer)
        if isinstance(c.subject, str) and c.subject.startswith("salient:"):
            if c.sent_start >= body_end:
                continue
            cls = c.subject[8:]
            # A provider named as a CRC or division beats a generic "Probation Service".
            target = _salient_provider(salience, cls)
            if target is None or target.gazetteer_key is None:
                continue
            if (author is not None and cls == "ProbationProvider"
                    and not is_a(author.cls, "ProbationProvider")):
                continue
            c = replace(c, subject=f"gaz:{target.gazetteer_key}")
        if c.object == TOPIC:  # a bare head's title: of the organisation the text describes
            if c.sent_start >= body_end:  # (or of the one whose text it is, in its own voice)
                continue
            if described is not None:
                c = replace(c, object=f"gaz:{described.gazetteer_key}"
                            if described.gazetteer_key else result.mentions.index(described))
            else:  # only a signature's line ("Jacob Tas, Chief Executive")
                writer = _author_reference(result, author) if own_voice else None
                if writer is None or not _SIGNATURE_LINE.fullmatch(
                        text[c.sent_start:c.sent_end].strip()):
                    continue
                c = replace(c, object=writer)
        if isinstance(c.object, str) and c.object.startswith("salient:"):
            target = salience.best(c.object[8:], before=c.sent_end)  # "Chief Inspector X"
            if target is None or target.gazetteer_key is None:
                continue
            c = replace(c, object=f"gaz:{target.gazetteer_key}")
        resolved.append(c)
    result.candidates = resolved


_SIGNATURE_LINE = re.compile(r"[^\W\d][\w'’.-]*(?: [^\W\d][\w'’.-]*){1,3}(?:,? |\n)[\w ,'’-]{3,40}")
_DEFINED = re.compile(r"\s*\(([A-Z][A-Za-z0-9&]{1,9})\)")


def _acronym_definitions(text: str, offset: int, found: list[Mention]) -> list[Mention]:
    """'New Direction Activity Requirement (NDAR)': the acronym becomes another name."""
    out = []
    for m in found:  # (a description's bracket abbreviates its noun: "the Community
        # Rehabilitation Company (CRC) for Durham")
        if m.source in ("anaphor", "unresolved") or " " not in m.text:
            continue
        hit = _DEFINED.match(text, m.end - offset)
        if not hit or hit[1] in m.text:
            continue
        initials = acronym_of(m.text.split())
        if not initials.startswith(hit[1].upper()[:2]):
            continue
        start = offset + hit.start(1)
        out.append(Mention(m.doc_id, start, start + len(hit[1]), hit[1], m.cls, "acronym",
                           m.gazetteer_key, m.sentence, long_form=m.text))
    return out


_CALENDAR_WORDS = frozenset(w.lower() for w in (*calendar.month_name[1:], *calendar.day_name))


class _NameOwners:
    """The organisations of a document so far by the words a short form of each may be
    (its name's first words, "the" and its last word, a one-word name itself), and the words
    of its people's full names (and the person each first name or surname is, if one only);
    kept across a document's chunks."""

    def __init__(self) -> None:
        self.owners: dict[tuple[str, ...], set[str]] = {}
        self.first: dict[tuple[str, ...], Mention] = {}
        self.person_names: set[tuple[str, ...]] = set()
        self.called: dict[str, list[Mention]] = {}  # a first name or surname → its people
        self.acronyms: set[tuple[str, ...]] = set()  # the ones the text defined

    def add(self, found: list[Mention]) -> None:
        for m in found:
            if m.source not in ("gazetteer", "ner", "acronym"):
                continue
            words = tuple(m.text.split())
            if is_a(m.cls, "Person"):
                if len(words) > 1:
                    self.person_names.add(words)
                    plain = strip_titles(m.text).split()
                    for word in {plain[0], plain[-1]} if len(plain) > 1 else ():
                        named = self.called.setdefault(word, [])
                        if all(p.text != m.text for p in named):
                            named.append(m)
                continue
            if not is_a(m.cls, "Organisation") or not words[-1].isalpha():
                continue
            if len(words) == 1:  # a one-word name the context typed (or an acronym it
                # defined), said again ("Eve's", "Pact supported")
                keys = [words] if m.source in ("ner", "acronym") and words[0][0].isupper() \
                    else []
            else:  # (and the last word of its known name: "the CRC" of "Durham Tees Valley
                # Community Rehabilitation Company", "Durham Tees Valley CRC")
                keys = [("the", w.split()[-1]) for w in {m.text, m.gazetteer_key or m.text}
                        if " " in w and w.split()[-1].isalpha()]
                if len(words[0]) >= 4 and words[0].isalpha() and words[0][0].isupper() \
                        and words[0].lower() not in common_name_words():
                    keys += [words[:n] for n in range(1, len(words))]
            for key in keys:
                self.owners.setdefault(key, set()).add(m.gazetteer_key or m.text)
                self.first.setdefault(key, m)
            if m.source == "acronym":
                self.acronyms.add(words)

    def person_called(self, word: str, start: int) -> Mention | None:
        """The one person named in full before `start` whose first name or surname this is
        ("Mark joined in 1998" after "Mark Hughes", "Rees leads" after "Amy Rees")."""
        named = self.called.get(word, [])
        return named[0] if len(named) == 1 and named[0].start < start else None

    def people(self) -> frozenset[str]:
        """The words of people's full names (a "person" that is a short form apart: "Blue
        Sky")."""
        return frozenset(w for name in self.person_names if name not in self.owners
                         for w in name)

    def sole(self, words: tuple[str, ...], people: frozenset[str]) -> Mention | None:
        """The one organisation these words may stand for, unless they open with a word of
        a person's full name."""
        names = self.owners.get(words)
        if not names or len(names) > 1 or words[0] in people:
            return None
        return self.first[words]


def _short_forms(sdoc, offset: int, doc_id: str, sent_base: int, owners: _NameOwners,
                 found: list[Mention], sentences: ChunkSentences) -> None:
    """An organisation named by the first words of its name ("chief executive of Framework"
    after "Framework Housing Association", "Blue Sky" after "Blue Sky Development and
    Regeneration"), or by its last word after "the" ("the Institute" after "the Probation
    Institute"): a name the NER took for a person or an organisation of its own becomes a
    short form of the one organisation of the document whose name opens (or ends) with it;
    such a word standing alone mid-sentence, which the NER missed, is added to `found` (the
    chunk's mentions). A first word may be no common word of the trade's names, nor a word
    of a person's full name; a word added may be no modifier ("the Welsh arm") and stand
    beside no capitalised word."""
    owners.add(found)
    if not owners.owners and not owners.called:
        return
    people = owners.people()
    text = sdoc.text  # (rebuilt from the tokens on every access: once, not once per word)

    def owner_of(words: tuple[str, ...], start: int) -> Mention | None:
        """The organisation these words name: after "the", one word is a name's last
        ("the Institute", though another name may open with it)."""
        if len(words) == 1 and text[max(0, start - offset - 4):start - offset] in (
                "the ", "The ") and ("the", *words) in owners.owners:
            return owners.sole(("the", *words), people)
        return owners.sole(words, people)

    def short_form(m: Mention, owner: Mention) -> Mention:
        return Mention(doc_id, m.start, m.end, m.text, owner.cls, "ner", owner.gazetteer_key,
                       m.sentence, long_form=owner.text)

    def in_longer_name(m: Mention) -> bool:
        """Whether a capitalised word stands right before the mention, mid-sentence ("Justice
        Working" is no short form of "Working Links")."""
        span = sdoc.char_span(m.start - offset, m.end - offset, alignment_mode="expand")
        before = sdoc[span.start - 1] if span is not None and span.start > 0 else None
        return before is not None and not span[0].is_sent_start and before.text[:1].isupper() \
            and before.lower_ not in _DETERMINERS

    for k, m in enumerate(found):
        owner = owner_of(tuple(m.text.split()), m.start) if m.source in ("ner", "weak") and (
            is_a(m.cls, "Person") or is_a(m.cls, "Organisation")) else None
        if owner is not None and not in_longer_name(m):
            found[k] = short_form(m, owner)  # the NER's guess gives way
    strings = sdoc.vocab.strings  # (a Token object for every word cost a twentieth)
    wanted = {strings.add(key[-1]) for key in owners.owners if len(key) == 1 or key[0] == "the"}
    wanted |= {strings.add(word) for word in owners.called}
    added = []
    for i in (i for i, orth in enumerate(sdoc.to_array("ORTH")) if orth in wanted):
        t = sdoc[i]
        start = offset + t.idx
        person = owners.person_called(t.text, start)
        # (a sentence's first word is tagged as a common noun at times: "Rees leads ...",
        # "Pact delivers ...")
        tags = ("NNP", "NNPS", "NN", "NNS") if person is not None or (
            t.text,) in owners.acronyms else ("NNP", "NNPS")
        if not t.text[:1].isupper() or t.tag_ not in tags \
                or t.i + 1 >= len(sdoc) or t.dep_ in ("compound", "amod") \
                or t.ent_type_ in ("NORP", "DATE") or sdoc[t.i + 1].text[:1].isupper() \
                or t.lower_ in _CALENDAR_WORDS:
            continue
        if person is not None:  # a person called by the first name or surname alone
            if not any(m.start < start + len(t) and start < m.end for m in found):
                added.append(Mention(doc_id, start, start + len(t), t.text, person.cls, "ner",
                                     None, sent_base + sentences.index_at(t.idx),
                                     long_form=person.text))
            continue
        owner = owner_of((t.text,), start)
        if owner is None or (owner.text.split()[0] == t.text != owner.text and (
                t.is_sent_start or sdoc[t.i - 1].text[:1].isupper())):
            continue
        if not any(m.start < start + len(t) and start < m.end for m in found):
            added.append(short_form(Mention(doc_id, start, start + len(t), t.text, "", "", None,
                                            sent_base + sentences.index_at(t.idx)), owner))
    found += added
    found.sort(key=lambda m: m.start)
    owners.add(found)  # a short form said again is the same organisation ("our CRC")


@lru_cache(maxsize=1)
def _named_intervention_regex() -> re.Pattern:
    heads = load_yaml("lexicon.yaml").get("intervention_heads") or ["programme"]
    word = r"[A-Z][a-z]+(?:-[A-Za-z]+|['’]s)?"
    lower = "|".join(map(re.escape, heads))
    upper = "|".join(re.escape(h[0].upper() + h[1:]) for h in heads if not h.endswith("s"))
    # after "the", heads that never end an organisation's name: "the GPS Knife Crime Pilot"
    # (but "the Probation Service")
    the_upper = "|".join(re.escape(h[0].upper() + h[1:]) for h in heads
                         if h in ("pilot", "programme", "scheme", "project", "initiative"))
    # "the Becoming Respectful programme"; "an Enhanced Support Service", "Our Women's Diversion Scheme" (an indefinite article or
    # a possessive: "the Probation Service" names an organisation)
    return re.compile(rf"\b(?:(?:the|a|an|its|their|our|this)\s+[‘'“\"]?(?P<name>{word}"
                      rf"(?:(?:\s+(?:and|of|for|to|&|{word}))*?\s+{word})?)[’'”\"]?\s+"
                      rf"(?:{lower})|(?:a|an|[Oo]ur|[Ii]ts|[Tt]heir)\s+(?P<whole>{word}"
                      rf"(?:\s+(?:and|&|{word}))*?\s+{word}\s+(?:{upper}))"
                      rf"|the\s+(?P<the>(?:[A-Z]{{2,5}}\s+)?{word}(?:\s+(?:and|&|{word}))*?"
                      rf"\s+(?:{the_upper})))\b")


def _named_interventions(text: str, offset: int, doc_id: str, sent_base: int,
                         found: list[Mention], sentences: ChunkSentences) -> list[Mention]:
    """Title-cased words before "programme", "service", "course"...: an intervention's name.

    None of the words may already be a known mention (a place, an organisation) or a word
    that is never a name, so "the London service" or "the Probation service" stay out; a
    guess of the statistical model ("Pathways" taken for an organisation) gives way, and is
    removed from `found`.
    """
    taken = [(m.start - offset, m.end - offset, m) for m in found]
    out = []
    for hit in _named_intervention_regex().finditer(text):
        group = next(g for g in ("name", "whole", "the") if hit[g])
        start, end = hit.span(group)
        name = hit[group]
        overlapping = [m for s, e, m in taken if s < end and start < e]
        if any((m.source not in ("weak", "ner") or m.cls != "Organisation") and not (
                group != "name" and m.cls == "Place") for m in overlapping) \
                or not acceptable_name(name, "Intervention"):  # ("an Anytown Support Service")
            continue
        words = name.split()[:-1] if group != "name" else name.split()  # the head is generic
        if any(is_never_a_name(w) for w in words):
            continue
        for m in overlapping:
            found.remove(m)
        out.append(Mention(doc_id, offset + start, offset + end, name, "Intervention", "ner",
                           None, sent_base + sentences.index_at(start)))
    return out


_PRONOUN = re.compile(r"^(?:It|Its|They|Their)$")
# What a sentence-opening 'It' may stand for: never a person or a place.
_IT_CLASSES = ("Organisation", "Policy", "Intervention", "Tool", "Document")
# "It was good to meet ...", "It is clear that ...": an 'it' that refers to nothing.
_EXPLETIVE_IT = re.compile(r"It(?: is|'s|’s| was| has been| seems| seemed| will be| would be)"
                           r"(?: \w+){1,3}? (?:to|that)\b")


def _pronoun_mentions(offset, doc_id, sent_base, found: list[Mention],
                      sentences: ChunkSentences) -> list[Mention]:
    """A sentence opening with 'It'/'Its' refers to the organisation (or policy, programme,
    report) that is the subject of the previous sentence; when that subject names none ("The
    think tank argues that the Ministry ..."), to nothing."""
    out: list[Mention] = []
    sents = sentences.spans
    for i, sent in enumerate(sents[1:], 1):
        first = sent[0]
        if not _PRONOUN.match(first.text):  # or the subject after an opening phrase:
            first = next((c for c in sent.root.children if c.dep_ in _SUBJECT_DEPS  # "Like
                          and c.lower_ == "it"), first)  # the other trusts, it was funded"
        if not _PRONOUN.match(first.text.capitalize()) or _EXPLETIVE_IT.match(sent.text):
            continue
        orgs = _subject_mentions(sents[i - 1], offset, found + out)
        kind = _possessor_class(first) if first.lower_ == "its" else None
        if kind is not None:  # "Its chief inspector": an inspectorate, found by the next rule
            orgs = [m for m in orgs if is_a(m.cls, kind)]
        if not orgs:
            continue
        a = min(orgs, key=lambda m: m.start)
        start = offset + first.idx
        source = "unresolved" if a.source == "unresolved" else "anaphor"
        out.append(Mention(doc_id, start, start + len(first.text), a.text, a.cls, source,
                           a.gazetteer_key, sent_base + i))
    return out


def _subject_mentions(sent, offset: int, mentions: list[Mention],
                      head_only: bool = False) -> list[Mention]:
    """The organisations (or policies, programmes, reports) a sentence's subject names; of
    a passive whose subject names none, its doer's. `head_only`: only a name that is the
    subject itself, not one inside it ("An inspection of the Wales CRC was ...")."""
    root = sent.root
    phrases = [c for c in root.children if c.dep_ in _SUBJECT_DEPS + ("csubj",)] + [
        p for c in root.children if c.dep_ == "agent" for p in c.children if p.dep_ == "pobj"]
    for phrase in phrases:
        start, end = offset + phrase.left_edge.idx, offset + phrase.right_edge.idx + len(
            phrase.right_edge)
        if head_only:
            end = offset + phrase.idx + len(phrase)
        orgs = [m for m in mentions if start <= m.start < end
                and any(is_a(m.cls, c) for c in _IT_CLASSES)]
        if orgs or phrase.dep_ in ("nsubj", "csubj"):
            return orgs
    return []


def _last_named(before: list[Mention], classes: tuple[str, ...],
                keyword: str | None) -> SalientEntity | None:
    """The entity of one of these classes named last in `before` (with `keyword` in a name)."""
    m = next((m for m in reversed(before) if m.source in ("gazetteer", "ner", "anaphor")
              and any(is_a(m.cls, c) for c in classes) and _named_with(m, keyword)), None)
    return None if m is None else SalientEntity(m.gazetteer_key or m.long_form or m.text,
                                                m.cls, m.gazetteer_key, 1)


def _named_modifier(description: str) -> str | None:
    """The capitalised word of a description ("London" of "the London company")."""
    words = description.split()
    return words[1] if len(words) == 3 and words[1][:1].isupper() and (
        not words[1].endswith("-based")) else None


def _description_spec(m: Mention) -> tuple[str, str | None, tuple[str, ...]] | None:
    """The lexicon's entry for an unresolved description: its class, the keyword a name it
    stands for must hold, and the other classes it may mean."""
    return next(((cls, keyword, also) for regex, cls, keyword, also in _anaphors()
                 if cls == m.cls and regex.fullmatch(m.text)), None)


def _descriptions_of_the_topic(sdoc, offset, found: list[Mention],
                               sentences: ChunkSentences) -> None:
    """A definite description stands for the name it is in apposition to ("Purple Futures,
    the partnership led by Interserve"; "the report, An inspection of X,"), else for the subject of the sentence before it when
    that subject can be so described ("KSS CRC supervises 11,000 people. Under its contract
    the company delivers ...": the CRC, though a firm named earlier is a company too)."""
    for k, m in enumerate(found):
        if m.source != "unresolved" or m.text.lower() in _FIRST_PERSON | _WRITER:
            continue
        spec = _description_spec(m)
        if spec is None:
            continue
        cls, keyword, also = spec
        keyword = _named_modifier(m.text) or keyword  # ("the London company")
        span = sdoc.char_span(m.start - offset, m.end - offset, alignment_mode="expand")
        i = sentences.index_at(m.start - offset)
        # the name in apposition right after it, or given by a participle ("the project,
        # called Reset,")
        named = next(iter([c for c in span.root.children if c.dep_ == "appos"
                           and c.left_edge.i in (span.end, span.end + 1)] + [
            o for c in span.root.children if c.dep_ == "acl" and c.lower_ in NAMING_VERBS
            for o in c.children if o.dep_ in ("oprd", "attr", "dobj")]), None) \
            if span is not None else None
        if span is not None and span.root.dep_ == "appos":
            head = span.root.head
            topic = [t for t in found if t.start <= offset + head.idx < t.end]
        elif named is not None:  # "The report, An inspection of X, is published today"
            topic = [t for t in found if t.start == offset + named.left_edge.idx]
            keyword = None  # (named there: "the project, called Reset")
        elif i >= 1:
            topic = _subject_mentions(sentences.spans[i - 1], offset, found, True)
        else:
            continue
        topic = [t for t in topic if t.source != "unresolved" and any(
            is_a(t.cls, c) for c in (cls, *also)) and (keyword is None or _named_with(t, keyword))]
        if len({_mention_key(t) for t in topic}) == 1:
            t = topic[0]
            found[k] = Mention(m.doc_id, m.start, m.end, t.gazetteer_key or t.text, t.cls,
                               "anaphor", t.gazetteer_key, m.sentence)


_DETERMINERS = frozenset({"the", "a", "an", "this", "its", "our", "their", "his", "her"})
# Pronouns inside a sentence, by the class of what they stand for. First-person ones in an
# organisation's own text stand for that organisation ("our offices in Leeds"). 'its' and
# 'their' are left out: the nearest organisation before them was wrong as often as right
# (measured on the development sets).
_INNER_PRONOUNS = {"he": "Person", "she": "Person", "his": "Person", "her": "Person",
                   "its": "Organisation", "it": "Organisation"}
_FIRST_PERSON = {"we", "our", "us"}
_WRITER = {"i", "me", "my"}  # the person a byline names ("Posted ... by Jane Smith")
# a line a writer's name opens: "Frances Crook, chief executive of the Howard League, ..."
_SIGNED_LINE = re.compile(r"(?m)^(?P<name>[A-Z][a-z'’-]+(?: [A-Z][a-z'’-]+){1,2}), [a-z]")


def _top_lines(text: str, n: int) -> list[re.Match]:
    """The first `n` lines of a text that are not blank (read lazily: a document may be one
    line of 50 MB)."""
    return list(islice((m for m in re.finditer(r"[^\n]+", text) if not m.group().isspace()), n))


def _speaker_as_i(result: DocExtraction, in_sent: list, speaker_index: int,
                  quote_start: int) -> list:
    """In a speaker's quoted words, 'I'/'my' is the speaker ("Stacey said: 'I am critical of
    HMPPS'"): those mentions become the speaker's, before the sentence's frames run."""
    who = result.mentions[speaker_index]
    out = []
    for idx, a, b, cls in in_sent:
        m = result.mentions[idx]
        if m.source == "unresolved" and m.text.lower() in _WRITER and a >= quote_start:
            result.mentions[idx] = Mention(m.doc_id, m.start, m.end, who.text, who.cls,
                                           "anaphor", who.gazetteer_key, m.sentence)
            cls = who.cls
        out.append((idx, a, b, cls))
    return out


def _quoted(text: str, at: int) -> bool:
    """Whether offset `at` of a paragraph lies inside a quotation."""
    before = text[:at]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _writer(result: DocExtraction, people: frozenset[str], top: str) -> SalientEntity | None:
    """Who 'I' is: the person the byline names (`people`: "Posted 14 January 2020 by Sarah
    Whitlock", "By Hannah Okafor | 7 March 2023"), or one a line at the top of the text
    opens with ("Frances Crook, chief executive of the Howard League, 28 July 2018")."""
    signers = {m["name"] for m in _SIGNED_LINE.finditer(top)}
    return next((SalientEntity(m.gazetteer_key or m.text, "Person", m.gazetteer_key, 0)
                 for m in result.mentions if m.start < len(top) and m.cls == "Person"
                 and m.source in ("gazetteer", "ner") and (m.text in people
                                                          or m.text in signers)), None)


_SUBJECT_DEPS = ("nsubj", "nsubjpass")


@lru_cache(maxsize=1)
def _possessor_classes() -> dict[str, str]:
    """Nouns whose possessor is of a known kind: "its chief inspector" is an inspectorate's
    (lexicon.yaml `possessor_classes`)."""
    spec = load_yaml("lexicon.yaml").get("possessor_classes") or {}
    return {noun.lower(): cls for cls, nouns in spec.items() for noun in nouns}


def _possessor_class(pronoun: Token) -> str | None:
    """The kind of organisation an 'its' must be, from the noun it possesses."""
    if pronoun.dep_ != "poss":
        return None
    noun = pronoun.head
    words = [c.lower_ for c in noun.children if c.dep_ in ("compound", "amod") and c.i > pronoun.i]
    table = _possessor_classes()
    return table.get(" ".join([*words, noun.lower_])) or table.get(noun.lower_)


def _recent(mentions: list[Mention], since_sentence: int) -> list[Mention]:
    """The mentions from sentence `since_sentence` on: the list is in document order, so
    only its tail is read (a pronoun looks two sentences back at most)."""
    start = len(mentions)
    while start > 0 and mentions[start - 1].sentence >= since_sentence:
        start -= 1
    return mentions[start:]


def _inner_pronoun_mentions(sdoc, offset, doc_id, sent_base, before: list[Mention],
                            sentences: ChunkSentences, signed: bool = True) -> list[Mention]:
    """Pronouns that no earlier rule made a mention of: 'she'/'his' is the nearest person
    before it, at most two sentences back; 'its'/'it' the nearest organisation that is the
    subject of its own sentence, in this sentence or the one before, within the paragraph,
    or the only organisation named there (the nearest organisation of any kind was wrong as
    often as right, measured on the development sets); 'we'/'our' the organisation whose
    text it is, and 'I'/'my' its writer (both resolved once the whole document is read)."""
    out = []
    named_back: list[Mention] = []  # "the latter": what a later 'it' may stand for
    text = sdoc.text  # rebuilt from the tokens on every access
    for t in sdoc:
        lower = t.lower_
        if lower in _FORMER_LATTER:
            sent = sent_base + sentences.index_at(t.idx)
            named = _former_or_latter(sdoc, t, offset, before, sent)
            if named is not None:  # the mention spans "the latter"
                named_back.append(Mention(doc_id, offset + t.idx - 4, offset + t.idx + len(
                    t.text), named.text, named.cls, "anaphor", named.gazetteer_key, sent))
                out.append(named_back[-1])
            continue
        if not t.tag_.startswith("PRP") or (lower not in _INNER_PRONOUNS
                                             and lower not in _FIRST_PERSON
                                             and lower not in _WRITER):
            continue
        start = offset + t.idx
        sent = sent_base + sentences.index_at(t.idx)
        if any(m.start <= start < m.end for m in before):
            continue  # already a mention ("It" opening a sentence)
        if lower in _FIRST_PERSON:
            out.append(Mention(doc_id, start, start + len(t.text), t.text, "Organisation",
                               "unresolved", None, sent))
            continue
        if lower in _WRITER:  # the writer, or a quotation's speaker (`_speaker_as_i`)
            if signed or _quoted(text, t.idx):  # (an unsigned text's 'I' stands for no one)
                out.append(Mention(doc_id, start, start + len(t.text), t.text, "Person",
                                   "unresolved", None, sent))
            continue
        ahead = _fronted_possessor(t) if lower == "its" else None
        if ahead is not None:  # "Under its Dynamic Framework the Ministry ...": the Ministry
            m = next((m for m in before if m.start <= offset + ahead.idx < m.end
                      and is_a(m.cls, "Organisation")), None)
            if m is not None:
                source = "unresolved" if m.source == "unresolved" else "anaphor"
                out.append(Mention(doc_id, start, start + len(t.text), m.text, m.cls, source,
                                   m.gazetteer_key, sent))
                continue
        # 'it' may be a programme or a policy too ("the scheme ... it has been a failure")
        wanted = _IT_CLASSES if lower == "it" else (_INNER_PRONOUNS[lower],)
        options = [m for m in before + named_back if m.end <= start and m.sentence >= sent - 2
                   and any(is_a(m.cls, w) for w in wanted)
                   and m.text.lower() not in _FIRST_PERSON]
        kind = _possessor_class(t) if lower == "its" else None
        if kind is not None:  # "its chief inspector": the nearest inspectorate
            options = [m for m in options if is_a(m.cls, kind)]
        elif lower in ("it", "its"):  # 'it' is never a plural description ("inspectors")
            near = [m for m in options if m.start >= offset and m.sentence >= sent - 1
                    and not (m.source == "unresolved" and m.text.endswith("s"))
                    and m.source != "weak"]  # (nor a lone word no name stands behind yet)
            subjects = [m for m in near if _is_subject(sdoc, m.start - offset, m.end - offset,
                                                       relative=m.sentence == sent)
                        and not _same_clause_subject(sdoc, t, m.start - offset, m.end - offset)]
            # a main clause's subject outranks one of a clause inside it ("X, a consortium
            # in which Y holds a stake. Its other members ...": X's)
            subjects = [m for m in subjects if not _in_relative_clause(
                sdoc, m.start - offset, m.end - offset)] or subjects
            # the object of the verb it shares a subject with ("bought A4e and renamed it"),
            # the possessor of a noun it is listed with; else a subject; else the only
            # organisation named in reach
            parallel = _parallel_object(t)
            same_object = [m for m in near if parallel is not None
                           and parallel.left_edge.idx <= m.start - offset
                           < parallel.right_edge.idx + len(parallel.right_edge)]
            here = [m for m in near if m.sentence == sent]  # (or the only one in its own
            # sentence: "he would be supervised by X and offered help through its service";
            # never the subject of its own clause: "X, which has funded it")
            options = same_object or subjects or [m for m in next(
                (group for group in (near, here)
                 if len({m.gazetteer_key or m.text for m in group}) == 1), [])
                if not _same_clause_subject(sdoc, t, m.start - offset, m.end - offset)]
        if not options:
            continue
        a = max(options, key=lambda m: m.start)
        # a description not yet resolved ("the CRC") is copied, to be resolved with it
        source = "unresolved" if a.source == "unresolved" else "anaphor"
        out.append(Mention(doc_id, start, start + len(t.text), a.text, a.cls, source,
                           a.gazetteer_key, sent))
    return out


_FORMER_LATTER = {"former": -2, "latter": -1}


def _former_or_latter(sdoc, t: Token, offset: int, before: list[Mention],
                      sent: int) -> Mention | None:
    """What "the former" or "the latter" stands for: the first or the second of the last two
    things named before it, in its sentence or the one before, leaving out the subjects of
    its own sentence ("Working Links owned A and B. HMIP inspected the latter": B)."""
    if t.dep_ in ("amod", "compound") or not any(
            c.lower_ == "the" and c.i == t.i - 1 for c in t.children):
        return None  # "the former chief executive"
    named: list[Mention] = []
    for m in _recent(before, sent - 1):
        if m.end > offset + t.idx or m.source == "unresolved" or not any(
                is_a(m.cls, c) for c in (*_IT_CLASSES, "Person")):
            continue
        if m.sentence == sent and m.start >= offset and _is_subject(
                sdoc, m.start - offset, m.end - offset, relative=False):
            continue
        if not named or _mention_key(named[-1]) != _mention_key(m):
            named.append(m)
    return named[_FORMER_LATTER[t.lower_]] if len(named) >= 2 else None


def _speaker_turn(text: str, offset: int, found: list[Mention],
                  base_index: int) -> tuple[int, int] | None:
    """The person whose turn a paragraph is ("Name (Constituency) (Party): words"), and the
    offset of the colon after which the words are theirs."""
    label = _SPEAKER_LABEL.match(text)
    if not label:
        return None
    start, end = offset + label.start("name"), offset + label.end("name")
    person = next((j for j, m in enumerate(found)
                   if start <= m.start < end and m.cls == "Person"), None)
    if person is None:
        return None
    return base_index + person, offset + label.end() - 1


def _described_organisation(sentences: ChunkSentences, offset: int,
                            found: list[Mention]) -> Mention | None:
    """An organisation named as the subject of 'is a/an ...' ("Bridgeway Trust is a charity
    that supports women leaving prison"), or the one the writer works for ("I have worked for
    the Wales CRC since ...", "At X, we ...", "my CRC, X")."""
    for sent in sentences.spans:
        root = sent.root
        employer = _writers_employer(root, offset, found) or _writers_place(sent, offset, found)
        if employer is not None:
            return employer
        if root.lower_ not in ("is", "are", "was", "were") or not any(  # ("X was a British
                c.dep_ == "attr" for c in root.children):  # company": an encyclopedia's past)
            continue
        subject = next((c for c in root.children if c.dep_ == "nsubj"), None)
        if subject is None:
            continue
        start, end = offset + subject.left_edge.idx, offset + subject.idx + len(subject)
        named = [m for m in found if start <= m.start and m.end <= end
                 and m.source in ("gazetteer", "ner") and is_a(m.cls, "Organisation")]
        if named:
            return named[0]
    return None


def _named_in(t, offset: int, found: list[Mention]) -> Mention | None:
    """The organisation named by a token's phrase."""
    start = offset + t.left_edge.idx
    end = offset + t.right_edge.idx + len(t.right_edge)
    return next((m for m in found if start <= m.start and m.end <= end
                 and is_a(m.cls, "Organisation") and m.source != "unresolved"), None)


def _writers_place(sent, offset: int, found: list[Mention]) -> Mention | None:
    """X in "At X, we provide ...", "those of us at X", "my CRC, X", "our employer, X"."""
    for t in sent:
        if t.dep_ == "prep" and t.lower_ == "at":
            head = t.head
            speaks = head.lower_ in ("us", "me") or any(
                c.dep_ == "nsubj" and c.lower_ in ("we", "i") for c in head.children)
            pobj = next((c for c in t.children if c.dep_ == "pobj"), None)
            if speaks and pobj is not None:
                named = _named_in(pobj, offset, found)
                if named:
                    return named
        if t.dep_ == "poss" and t.lower_ in ("my", "our"):
            for appos in (c for c in t.head.children if c.dep_ == "appos"):
                named = _named_in(appos, offset, found)
                if named:
                    return named
    return None


def _writers_employer(verb, offset: int, found: list[Mention]) -> Mention | None:
    """X in "I work for X" / "I have worked at X"."""
    if lemma(verb) != "work":
        return None
    if not any(c.dep_ == "nsubj" and c.lower_ == "i" for c in verb.children):
        return None
    for prep in verb.children:
        if prep.dep_ == "prep" and prep.lower_ in ("for", "at"):
            for pobj in prep.children:
                start = offset + pobj.left_edge.idx
                end = offset + pobj.right_edge.idx + len(pobj.right_edge)
                named = [m for m in found if start <= m.start and m.end <= end
                         and is_a(m.cls, "Organisation") and m.source != "unresolved"]
                if named:
                    return named[0]
    return None


def _parallel_object(pronoun):
    """The object of the first of two conjoined verbs, for an 'it' that is the second's
    object: "X bought A4e and renamed it PeoplePlus" (it is A4e); the possessor of the first
    of two conjoined nouns, for an 'its' of the second: "praised the CRC's partnership with
    X and its joint work with Y" (it is the CRC)."""
    if pronoun.lower_ == "its" and pronoun.dep_ == "poss" and pronoun.head.dep_ == "conj":
        first = pronoun.head.head
        if first.tag_.startswith("VB"):  # (the second noun misparsed as the verb's conjunct)
            first = next((c for c in first.children if c.dep_ == "dobj"), first)
        return next((c for c in first.children if c.dep_ == "poss"), None)
    verb = _object_of(pronoun) if pronoun.lower_ == "it" else None
    if verb is None or verb.dep_ != "conj":
        return None
    return next((c for c in verb.head.children if c.dep_ == "dobj"), None)


def _fronted_possessor(pronoun):
    """The subject an 'its' in a phrase before it points forward to: "Under its Dynamic
    Framework the Ministry of Justice buys ..." (the Ministry's framework)."""
    phrase = pronoun
    while phrase.dep_ not in ("prep", "advcl", "npadvmod") and phrase.head.i != phrase.i:
        phrase = phrase.head
    verb = phrase.head
    if phrase.dep_ not in ("prep", "advcl", "npadvmod") or not verb.tag_.startswith("VB"):
        return None
    subject = next((c for c in verb.children if c.dep_ in _SUBJECT_DEPS), None)
    return subject if subject is not None and phrase.i < subject.i else None


def _object_of(pronoun):
    """The verb whose object a pronoun is: its head, or for the subject of an infinitive the
    verb above it ("found it to be failing": found), or the verb of a part of it ("rated much
    of it inadequate")."""
    if pronoun.dep_ == "dobj":
        return pronoun.head
    if pronoun.dep_ == "pobj" and pronoun.head.lower_ == "of" and pronoun.head.head.dep_ == (
            "dobj"):  # "rated much of it inadequate"
        return pronoun.head.head.head
    clause = pronoun.head
    if pronoun.dep_ in _SUBJECT_DEPS and clause.dep_ in ("ccomp", "xcomp") and is_infinitive(
            clause):
        return clause.head
    return None


def _same_clause_subject(sdoc, pronoun, start: int, end: int) -> bool:
    """Whether a name is the subject of the clause an object 'it' is in: "X is part of it"
    never means part of X (that would be "itself"), nor "X is its partner" X's own."""
    if pronoun.lower_ == "its":
        if pronoun.dep_ != "poss" or pronoun.head.dep_ != "attr":
            return False
        clause = pronoun.head.head
    elif pronoun.lower_ != "it":
        return False
    elif pronoun.dep_ in _SUBJECT_DEPS:  # "X found it to be failing": the subject of an
        clause = _object_of(pronoun)  # infinitive is the object of the verb above it
        if clause is None:
            return False
    else:
        clause = next((a for a in pronoun.ancestors if a.tag_.startswith("VB")), None)
    span = sdoc.char_span(start, end, alignment_mode="expand")
    verbs, antecedents = set(), set()
    while clause is not None:  # "X bought A and renamed it": the shared subject too
        verbs.add(clause.i)
        if clause.dep_ == "relcl" and any(c.dep_ in _SUBJECT_DEPS and c.lower_ in (
                "which", "who", "that") for c in clause.children):
            antecedents.add(clause.head.i)  # "X, which has funded it": X funds it
        clause = clause.head if clause.dep_ == "conj" and clause.head.i != clause.i else None
    return span is not None and (span.root.head.i in verbs or span.root.i in antecedents)


def _is_subject(sdoc, start: int, end: int, relative: bool = True) -> bool:
    """Whether the name at these chunk offsets is the subject of its clause or (`relative`:
    for a pronoun in the same sentence) of a relative clause on it, or the doer of a noun
    ("plans by Sodexo to cut jobs in the CRCs it owns", "Sodexo's plans")."""
    span = sdoc.char_span(start, end, alignment_mode="expand")
    if span is None:
        return False
    root = span.root
    if root.dep_ in _SUBJECT_DEPS or root.dep_ == "appos" and root.head.dep_ in _SUBJECT_DEPS:
        return True  # (or in apposition to it: "The firm, Working Links, said")
    if relative and any(c.dep_ == "relcl" and any(s.dep_ in _SUBJECT_DEPS and s.lower_ in ("which", "who",
                                                                             "that")
                                     for s in c.children) for c in root.children):
        return True  # "X, which won six contracts with ... its partner": X does the winning
    head = root.head
    if root.dep_ == "pobj" and head.lower_ == "by" and (
            head.head.tag_.startswith("NN") or head.dep_ != "agent"):
        return True  # not a passive's "by", which the subject outranks
    if root.dep_ == "attr" and head.lower_ in ("is", "are", "was", "were") and not any(
            c.dep_ in _SUBJECT_DEPS and c.tag_.startswith(("NNP", "PRP")) for c in head.children):
        return True  # "The biggest winner was X": X is what the sentence is about
    return root.dep_ == "poss" and head.tag_.startswith("NN") and head.dep_ in _SUBJECT_DEPS


def _in_relative_clause(sdoc, start: int, end: int) -> bool:
    """Whether the name at these chunk offsets stands inside a relative clause."""
    span = sdoc.char_span(start, end, alignment_mode="expand")
    return span is not None and any(a.dep_ == "relcl" for a in span.root.ancestors)


_UNIT_OF = re.compile(r"\b(?:Division|division|Directorate|directorate|Unit|unit|Region|region|"
                      r"Arm|arm) of (?:the )?(.+)$")


def _parent_in_name(m: Mention) -> str | None:
    """'North East Division of the NPS' names its parent organisation."""
    if m.source == "anaphor" or not is_a(m.cls, "Organisation"):
        return None
    hit = _UNIT_OF.search(m.text)
    entry = load_gazetteer().lookup(hit[1]) if hit else None
    return entry.name if entry and is_a(entry.cls, "Organisation") else None


def _sentence_span(sentences: ChunkSentences, offset: int, m: Mention) -> tuple[int, int]:
    sent = sentences.spans[sentences.index_at(m.start - offset)]
    return offset + sent.start_char, offset + sent.end_char


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end
