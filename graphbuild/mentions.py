"""Stage 4: turn spaCy entities into typed `Mention`s, filtering what is never a name."""

from __future__ import annotations

import re
from functools import lru_cache

from .gazetteer import load_gazetteer
from .names import is_acronym, tidy
from .nlp import RULER_LABEL_PREFIX, ChunkSentences
from .records import Mention
from .resources import load_yaml

NER_CLASSES = {"PERSON": "Person", "ORG": "Organisation", "GPE": "Place", "LOC": "Place",
               "LAW": "Policy", "WORK_OF_ART": "WorkOfArt"}


@lru_cache(maxsize=1)
def _lexicon():
    lex = load_yaml("lexicon.yaml")
    not_names = {n.lower() for n in lex["not_names"]} | {g.lower() for g in lex["grades"]}
    honorific = re.compile(r"^(?:(?:" + "|".join(map(re.escape, lex["honorifics"]))
                           + r")\.?\s+)+")
    post = re.compile(r"(?:\s+(?:" + "|".join(map(re.escape, lex["post_nominals"])) + r"))+$")
    redactions = [re.compile(p) for p in lex["redaction_patterns"]]
    org_words = [(re.compile(r"\b(?:" + "|".join(map(re.escape, r["words"])) + r")\b"),
                  r["class"]) for r in lex["org_class_by_word"]]
    generic_last = {w.lower() for w in lex["generic_last_words"]}
    person_prefix = re.compile(r"^(?:(?:" + "|".join(map(re.escape, lex["person_prefix_words"]))
                               + r")\s+)+")
    return not_names, honorific, post, redactions, org_words, generic_last, person_prefix


def strip_titles(name: str) -> str:
    """'Dame Glenys Stacey' → 'Glenys Stacey'; 'Bob Neill MP' → 'Bob Neill'."""
    lex = _lexicon()
    honorific, post, person_prefix = lex[1], lex[2], lex[6]
    name = person_prefix.sub("", honorific.sub("", name))
    return post.sub("", honorific.sub("", name)).strip()


def org_class(name: str) -> str:
    """The finer organisation class suggested by the words of its name."""
    for pattern, cls in _lexicon()[4]:
        if pattern.search(name):
            return cls
    return "Organisation"


def is_never_a_name(word: str) -> bool:
    """Furniture, a grade or a generic word of the lexicon's `not_names`."""
    return word.lower() in _lexicon()[0]


def acceptable_name(name: str, cls: str) -> bool:
    """False for furniture, grades, job titles, redactions, common nouns and noise."""
    not_names, _, _, redactions, _, generic_last, _ = _lexicon()
    if len(name) < 2 or name.lower() in not_names or "\n" in name:
        return False
    words = name.split()
    if words[-1].lower() in {"&", "and", "of", "the", "greater", "for"}:
        return False  # a name cut short: "Cheshire & Greater"
    if words[-1].lower() in generic_last and cls not in ("Document", "Intervention"):
        return False  # a title-cased common noun phrase
    if "," in name and cls != "Place":
        return False  # a list, not a name
    if any(p.match(name) for p in redactions):
        return False
    if not re.search(r"[A-Za-z]", name) or name == name.lower():
        return False
    if cls == "Person":
        if any(not w[0].isupper() for w in words if w[0].isalpha()) or len(words) > 4:
            return False
        if any(w.isupper() and len(w) > 1 for w in words):
            return False
    # Unknown acronyms only count once the gazetteer or a definition names them.
    return not (is_acronym(name) and cls != "Place")


def _shouted(sdoc, ent) -> bool:
    """Capitals beside capitals ("this is IN ADDITION TO the ...") are emphasis, not a name."""
    if not ent.text.isupper() or len(ent.text) < 4:
        return False
    around = [sdoc[i] for i in (ent.start - 1, ent.end) if 0 <= i < len(sdoc)]
    return any(t.is_alpha and t.is_upper and len(t) > 1 for t in around)


def mentions_from_doc(sdoc, offset: int, doc_id: str, sentence_base: int,
                      sentences: ChunkSentences | None = None) -> list[Mention]:
    """Mentions of one spaCy Doc (a chunk starting at `offset` of the document text)."""
    sentences = sentences or ChunkSentences(sdoc)
    out = []
    for ent in sdoc.ents:
        sent = sentence_base + sentences.index_at(ent.start_char)
        start, end = offset + ent.start_char, offset + ent.end_char
        if ent.label_.startswith(RULER_LABEL_PREFIX):
            out.append(Mention(doc_id, start, end, ent.text, ent.label_[len(RULER_LABEL_PREFIX):],
                               "gazetteer", ent.ent_id_, sent))
            continue
        cls = NER_CLASSES.get(ent.label_)
        if cls is None or _shouted(sdoc, ent):
            continue
        raw = ent.text
        lead = len(raw) - len(raw.lstrip())
        name = tidy(re.sub(r"^(?:the|The)\s+", "", raw.split("(")[0] if ")" not in raw else raw))
        if cls == "Person":
            name = strip_titles(name)
        if not name:
            continue
        known = load_gazetteer().lookup(name)
        if known:
            out.append(Mention(doc_id, start + lead, end, raw.strip(), known.cls, "gazetteer",
                               known.name, sent))
            continue
        if cls in ("Organisation", "Person") or ent.label_ == "WORK_OF_ART":
            finer = org_class(name)
            if cls == "Organisation" or finer in ("Document", "Intervention"):
                cls = finer
        if cls == "WorkOfArt":
            continue  # titles count only when their words say they are reports or programmes
        if not acceptable_name(name, cls):
            continue
        s = raw.find(name)
        s = start + (max(s, 0))
        # One capitalised word is kept only as a possible surname or a known name's short form.
        source = "weak" if len(name.split()) == 1 and cls != "Place" else "ner"
        out.append(Mention(doc_id, s, s + len(name), name, cls, source, None, sent))
    return out
