"""The small typed records passed between pipeline stages.

documents → `SourceText` → `Mention`s and `RelationCandidate`s (per document, cacheable)
→ `Entity` (resolved across the corpus) → `Assertion` (an evidenced fact between entities).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SourceText:
    """One input document: the original text and a same-length copy with furniture blanked."""

    doc_id: str
    identifier: str  # file name relative to the corpus folder
    title: str
    date: str | None  # ISO 8601 (YYYY-MM-DD) when the text starts with a date
    text: str
    clean: str  # len(clean) == len(text): furniture and repeats replaced by spaces
    author: str | None = None  # from a web page's, PDF's or Word file's metadata
    pages: tuple[int, ...] = ()  # a PDF's page starts in `text`, for each fact's page


@dataclass(frozen=True)
class Mention:
    """A name found in a document, with its character span in the original text."""

    doc_id: str
    start: int
    end: int
    text: str
    cls: str  # local name of a pko class
    source: str  # "gazetteer" | "ner" | "pattern"
    gazetteer_key: str | None = None  # canonical name of the gazetteer entry, if any
    sentence: int = -1  # index of the sentence within the document
    long_form: str | None = None  # for an acronym defined in the text: the name it stands for


@dataclass(frozen=True)
class RelationCandidate:
    """A fact found in one sentence, between two mentions of the same document.

    `subject`/`object` index into the document's mention list, or are `gaz:<name>` for a
    gazetteer entity implied by the sentence (a role title). `reportAbout` means a report
    published by the subject about the object.
    """

    doc_id: str
    subject: int | str
    predicate: str
    object: int | str
    sent_start: int
    sent_end: int
    extractor: str
    confidence: float
    valid_from: str | None = None  # when the fact began to hold: YYYY, YYYY-MM or YYYY-MM-DD
    valid_until: str | None = None  # when it ended
    time_start: int = -1  # the temporal phrase(s) in the document text
    time_end: int = -1


@dataclass
class Entity:
    """One real-world thing: a canonical name, a class, and every other name seen for it."""

    key: str  # slug used in the IRI
    label: str
    cls: str
    aliases: set[str] = field(default_factory=set)
    mention_count: int = 0
    documents: set[str] = field(default_factory=set)


@dataclass(frozen=True)
class Assertion:
    """One evidenced fact: subject predicate object, and the sentence it came from."""

    subject: str  # entity key
    predicate: str  # pko property local name
    object: str  # entity key
    doc_id: str
    char_start: int
    char_end: int
    evidence: str
    extractor: str
    confidence: float
    valid_from: str | None = None  # as in RelationCandidate
    valid_until: str | None = None
    time_start: int = -1
    time_end: int = -1
    # where the sentence names the subject / object by a pronoun or description resolved to it
    subject_ref: tuple[int, int] | None = None
    object_ref: tuple[int, int] | None = None
