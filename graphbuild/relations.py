"""Stage 6: relation patterns (ontology/relations.yaml) matched over slotted sentences.

A sentence becomes its lower-cased tokens with each mention replaced by a slot
`⟦index|Class|Super-class…⟧`; patterns are regular expressions over that string, with
`{S:Class}`, `{O*:Class}` and `{gap}` placeholders. The rules are data; this module only
compiles and applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .ontology import class_ancestors, relation_properties
from .resources import ResourceError, load_yaml, ontology_dir

_SLOT = re.compile(r"\{(S|O)(\*?):([A-Za-z|]+)\}")
_GAP = re.compile(r"\{gap(?::(\d+))?\}")
_INDEX = re.compile(r"⟦(\d+)\|")


@dataclass(frozen=True)
class Pattern:
    id: str
    predicate: str
    regex: re.Pattern
    confidence: float
    inspects: bool
    symmetric_list: str | None
    implied_subject: str | None


@dataclass(frozen=True)
class Role:
    regex: re.Pattern
    org: str  # "gaz:Name", "salient:Class" (the one of that class the document is about), or
    # TOPIC (the organisation the text opens by describing: "X was chief executive until 2017")
    predicate: str  # `leads` for the head of the organisation, `memberOf` for a junior post


def _slot_regex(group: str, listed: bool, classes: str) -> str:
    alts = "|".join(classes.split("|"))
    one = rf"⟦\d+\|(?:[^⟧]*\|)?(?:{alts})(?:\|[^⟧]*)?⟧"
    if listed:
        aside = r"(?:\( [^()]{0,60}?\) )?"  # "the X CRC ( crc ) and the Y"
        one = rf"{one} ?{aside}(?:(?:,|and|&|/|or) (?:and )?(?:the )?{one} ?{aside})*"
    return f"(?P<{group}>{one})"


def compile_pattern(text: str, where: str, words: dict[str, str]) -> re.Pattern:
    for name, regex in words.items():
        text = text.replace("{" + name + "}", regex)
    text = _GAP.sub(lambda m: rf"(?:\S+ ){{0,{m[1] or 6}}}?", text)
    text = _SLOT.sub(lambda m: _slot_regex(m[1], bool(m[2]), m[3]), text)
    try:
        return re.compile(text)
    except re.error as e:
        raise ResourceError(f"{where}: invalid pattern ({e})") from e


@lru_cache(maxsize=1)
def load_patterns() -> tuple[list[Pattern], list[Role]]:
    path = ontology_dir() / "relations.yaml"
    data = load_yaml("relations.yaml")
    words = {"lead": data["roles"]["leading"], "member": data["roles"]["member"]}
    allowed = relation_properties() | {"reportAbout"}
    patterns = []
    for raw in data["patterns"]:
        where = f"{path}: pattern {raw.get('id')!r}"
        if raw.get("predicate") not in allowed:
            raise ResourceError(f"{where}: unknown predicate {raw.get('predicate')!r}")
        patterns.append(Pattern(raw["id"], raw["predicate"],
                                compile_pattern(raw["pattern"], where, words),
                                float(raw.get("confidence", 0.7)), bool(raw.get("inspects")),
                                raw.get("symmetric_list"), raw.get("implied_subject")))
    # "shadow justice secretary X" holds no office
    roles = [Role(re.compile(rf"(?<!shadow)(?:^| )(?:the )?{r['title']} (?:, |\( )?"
                             rf"(?P<P>⟦(\d+)\|Person[^⟧]*⟧)"),
                  _role_target(r), r.get("predicate", "leads")) for r in data["roles"]["implied"]]
    # "Peter Clarke CVO OBE QPM HM Chief Inspector of Prisons": letters after a name
    letters = "|".join(re.escape(w.lower()) for w in load_yaml("lexicon.yaml")["post_nominals"])
    roles += [Role(re.compile(rf"(?P<P>⟦(\d+)\|Person[^⟧]*⟧) (?:(?:{letters}) )*(?:, |\( )?"
                              rf"(?:who |, who )?(?:is |was |became |becomes |as )?"
                              rf"(?:then |at the time |now )?(?:the )?(?:hm )?{r['title']}(?: |$)"),
                   _role_target(r),
                   r.get("predicate", "leads"))
              for r in data["roles"]["implied"]]
    return patterns, roles


def slot_sentence(tokens: list[tuple[int, int, str]], mentions: list[tuple[int, int, int, str]]):
    """Tokens (char start, end, text) and mentions (index, start, end, class) → slotted string."""
    ancestors = class_ancestors()
    parts = []
    by_start = {m[1]: m for m in mentions}
    skip_until = -1
    for start, end, text in tokens:
        if start < skip_until:
            continue
        m = by_start.get(start)
        if m is not None:
            idx, _, m_end, cls = m
            chain = [cls] + sorted(ancestors.get(cls, frozenset()) - {cls})
            parts.append(f"⟦{idx}|{'|'.join(chain)}⟧")
            skip_until = m_end
            continue
        if any(ms <= start < me for _, ms, me, _ in mentions):
            continue
        parts.append(text.lower())
    return " ".join(parts)


def _indices(span: str) -> list[int]:
    return [int(i) for i in _INDEX.findall(span)]


_ORGANISATION_SLOT = re.compile(r"⟦(\d+)\|[^⟧]*\bOrganisation\b")


def match_sentence(slotted: str, actors: set[int] | None = None):
    """Yield (subject index, predicate, object index, extractor, confidence, inspects).

    `actors` are the mentions that name their organisation outright (not "the CRC"): a
    pattern with an implied subject does not fire where one of them, other than its
    objects, comes first and could be the actor instead.
    """
    patterns, _ = load_patterns()
    for p in patterns:
        for m in p.regex.finditer(slotted):
            objects = _indices(m["O"])
            if p.implied_subject and any(
                    int(i) not in objects and (actors is None or int(i) in actors)
                    for i in _ORGANISATION_SLOT.findall(slotted, 0, m.start())):
                continue  # the sentence names its own actor: "Willowdene provides ..."
            subjects = ([f"salient:{p.implied_subject}"] if p.implied_subject
                        else _indices(m["S"]))
            for s in subjects:
                for o in objects:
                    if s != o:
                        yield s, p.predicate, o, f"pattern:{p.id}", p.confidence, p.inspects
            if p.symmetric_list:
                for i, a in enumerate(subjects):
                    for b in subjects[i + 1:]:
                        if a != b:
                            yield a, p.symmetric_list, b, f"pattern:{p.id}", p.confidence, False


def _role_target(role: dict) -> str:
    if role.get("org_topic"):
        return TOPIC
    return f"gaz:{role['org']}" if "org" in role else f"salient:{role['org_class']}"


TOPIC = "topic:"  # a role's organisation: the one the text opens by describing


@lru_cache(maxsize=1)
def _head_titles() -> list[tuple[re.Pattern, str]]:
    return [(re.compile(rf"(?<![\w-])(?:hm )?{r['title']}(?![\w-])"), r["org"])
            for r in load_yaml("relations.yaml")["roles"]["implied"]
            if "org" in r and r.get("predicate", "leads") == "leads"]


def organisation_of_title(line: str) -> str | None:
    """The organisation a head's role title in a line names ("Report by the Comptroller and
    Auditor General": the National Audit Office)."""
    lower = line.lower()
    return next((org for regex, org in _head_titles() if regex.search(lower)), None)


def match_roles(slotted: str):
    """Yield (person index, predicate, organisation) for role titles that name the
    organisation ("gaz:Name"), or its kind ("salient:Inspectorate" for "Chief Inspector X")."""
    _, roles = load_patterns()
    for role in roles:
        for m in role.regex.finditer(slotted):
            yield int(m[2]), role.predicate, role.org
