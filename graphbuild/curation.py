"""Curation kept as data: an analyst's corrections in a YAML file, re-applied on every build.

A curation file is a YAML list, one decision per entry, with a stable key order so that
a diff shows one decision per hunk:

    - decision: merge
      name: Probation Service
      into: National Probation Service
      by: alice
      date: '2025-06-01'
      reason: the same service

Decisions (every entry has `by` and `date`, and may have `reason`):

    merge    name, into             the entity called `name` is the one called `into`
    drop     name                   a name that is not an entity: its mentions and facts go
    split    name, doc [as, class]  in `doc`, `name` is another entity than it was resolved to
    rename   name, to               a new canonical name (the old one stays an other name)
    retype   name, class            a new class (a pko: entity class)
    reject   subject, property, object [doc]   a wrong fact, everywhere or from one document
    add      subject, property, object, quote, doc | url   a missing fact with its citation
    confirm  subject, property, object          a fact the analyst has checked

`graphbuild build --curation FILE` applies them after resolution, without spaCy: entity
decisions (merge, drop, split, rename, retype) in file order on the resolved mentions, then
fact decisions (reject, add, confirm) in file order on the evidence records. Each decision
is applied, stale (it matches nothing any more: reported, never silently dropped) or
skipped (contradicted by another decision, or ambiguous). Malformed entries and
contradictions are found when the file is read, each with its file and line.

`graphbuild curate ...` writes decisions, resolving names against the current graph so that
a typo is caught at once; `curate list` shows them and `curate check` reports problems and
stale decisions (by a dry run of the build from the cache).
"""

from __future__ import annotations

import datetime
import difflib
import getpass
import hashlib
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import click
import yaml
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from .atomic import write_text_atomic
from .names import fold, slug, tidy
from .namespaces import PK, PKD, PKO, PROV
from .ontology import CONTRACT_RELATIONS, entity_classes, ontology_graph, relation_properties
from .records import Assertion, Entity, Mention, SourceText

DEFAULT_CURATION = Path("curation.yaml")
DEFAULT_GRAPH = Path("out") / "graph.ttl"
REPORT_NAME = "curation-report.json"
EXTRACTOR = "curation"
CONFIDENCE = 1.0
PKC = "https://w3id.org/probation-kg/curation/"  # curators and decisions (not entities)

# Per decision kind: (required fields, optional fields), in the order they are written.
FIELDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "merge": (("name", "into"), ()),
    "drop": (("name",), ()),
    "split": (("name", "doc"), ("as", "class")),
    "rename": (("name", "to"), ()),
    "retype": (("name", "class"), ()),
    "reject": (("subject", "property", "object"), ("doc",)),
    "add": (("subject", "property", "object"), ("doc", "url", "quote")),
    "confirm": (("subject", "property", "object"), ()),
}
KINDS = tuple(FIELDS)
ENTITY_KINDS = ("merge", "drop", "split", "rename", "retype")
FACT_KINDS = ("reject", "add", "confirm")
COMMON = ("by", "date", "reason")
NAME_FIELDS = ("name", "into", "to", "as", "subject", "object")
HEADER = ("# graphbuild curation: one decision per entry, applied after resolution by\n"
          "# `graphbuild build --curation FILE`. Written by `graphbuild curate ...`; may be\n"
          "# edited by hand (README, \"Correcting the graph\").\n")


class CurationError(Exception):
    """The curation file cannot be used at all, or a decision cannot be recorded."""


# --- decisions and the file -----------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """A malformed entry, a contradiction or a duplicate: where it is and what is wrong."""

    file: str
    line: int
    kind: str  # "malformed" | "contradiction" | "duplicate"
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"

    @property
    def fatal(self) -> bool:
        """Stops a build under --strict (a duplicate is only reported)."""
        return self.kind != "duplicate"


@dataclass(frozen=True)
class Decision:
    kind: str
    values: tuple[tuple[str, str], ...]  # the kind's fields that are set, in FIELDS order
    by: str
    date: str  # ISO 8601
    reason: str = ""
    file: str = ""
    line: int = 0

    def get(self, name: str) -> str | None:
        return dict(self.values).get(name)

    def __getitem__(self, name: str) -> str:
        return dict(self.values)[name]

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def entry(self) -> dict[str, str]:
        """The YAML mapping, in the stable key order."""
        out = {"decision": self.kind, **dict(self.values), "by": self.by, "date": self.date}
        if self.reason:
            out["reason"] = self.reason
        return out

    def fact(self) -> tuple[str, str, str]:
        return self["subject"], self["property"], self["object"]

    def describe(self) -> str:
        v = dict(self.values)
        if self.kind == "merge":
            return f'merge "{v["name"]}" into "{v["into"]}"'
        if self.kind == "drop":
            return f'drop "{v["name"]}"'
        if self.kind == "split":
            extra = "".join(f" as {q}" for q in (f'"{v["as"]}"' if "as" in v else None,
                                                 v.get("class")) if q)
            return f'split "{v["name"]}" in {v["doc"]}{extra}'
        if self.kind == "rename":
            return f'rename "{v["name"]}" to "{v["to"]}"'
        if self.kind == "retype":
            return f'retype "{v["name"]}" as {v["class"]}'
        fact = f'"{v["subject"]}" {v["property"]} "{v["object"]}"'
        if self.kind == "reject":
            return f"reject {fact}" + (f" in {v['doc']}" if "doc" in v else "")
        if self.kind == "add":
            return f"add {fact} from {v.get('doc') or v.get('url')}"
        return f"confirm {fact}"

    def identity(self) -> tuple:
        """What the decision says, names folded: two entries with one identity are duplicates."""
        return (self.kind,) + tuple((k, fold(v) if k in NAME_FIELDS else v)
                                    for k, v in self.values)

    def digest(self) -> str:
        text = json.dumps(self.entry(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(text.encode()).hexdigest()[:16]


@dataclass
class CurationFile:
    path: Path
    decisions: list[Decision]  # well-formed and not contradicted: the ones a build applies
    problems: list[Problem]
    skipped: list[tuple[Decision, str]] = field(default_factory=list)  # contradicted/duplicate
    entries: int = 0

    @property
    def fatal_problems(self) -> list[Problem]:
        return [p for p in self.problems if p.fatal]


class _LineLoader(yaml.SafeLoader):
    """Safe YAML whose mappings remember the line they start on (as `__line__`)."""


def _mapping_with_line(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def _parse_yaml(text: str, path: Path) -> list:
    try:
        data = yaml.load(text, Loader=_LineLoader)  # a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark else ""
        raise CurationError(f"{path}{where}: invalid YAML ({getattr(e, 'problem', None) or e}); "
                            "nothing from this file can be applied") from e
    if data is None:
        return []
    if not isinstance(data, list):
        line = data.get("__line__", 1) if isinstance(data, dict) else 1
        raise CurationError(f"{path}:{line}: a curation file is a YAML list of decisions "
                            "(entries starting with '- decision: ...')")
    return data


def _property_name(value: str) -> str | None:
    known = set(CONTRACT_RELATIONS) | set(relation_properties())
    by_fold = {p.casefold(): p for p in known}
    return by_fold.get(value.removeprefix("pko:").strip().casefold())


def _class_name(value: str) -> str | None:
    by_fold = {c.casefold(): c for c in entity_classes()}
    return by_fold.get(value.removeprefix("pko:").strip().casefold())


def _iso_date(value: Any) -> str | None:
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    try:
        return datetime.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        return None


def _text(value: Any) -> str | None:
    """A scalar as text with whitespace collapsed (YAML may read a name like 2020 as a number)."""
    if value is None or isinstance(value, (list, dict)):
        return None
    if isinstance(value, bool):
        return str(value).lower()
    return " ".join(str(value).split()) or None


def make_decision(raw: Any, file: str, line: int) -> Decision:
    """A decision from one YAML entry; raises ValueError with what is wrong with it."""
    if not isinstance(raw, dict):
        raise ValueError("an entry must be a mapping starting with 'decision:' "  # noqa: TRY004
                         f"(one of {', '.join(KINDS)})")
    raw = {k: v for k, v in raw.items() if k != "__line__"}
    kind = raw.get("decision")
    if kind not in FIELDS:
        what = "no 'decision:'" if kind is None else f"unknown decision {kind!r}"
        raise ValueError(f"{what}; expected one of {', '.join(KINDS)}")
    required, optional = FIELDS[kind]
    unknown = sorted(str(k) for k in raw if k not in ("decision", *required, *optional, *COMMON))
    if unknown:
        raise ValueError(f"{kind}: unknown field(s) {', '.join(unknown)} (a {kind} has "
                         f"{', '.join((*required, *optional, *COMMON))})")
    values: dict[str, str] = {}
    for name in (*required, *optional):
        if name not in raw:
            if name in required:
                raise ValueError(f"{kind}: missing '{name}'")
            continue
        text = raw[name] if name == "quote" and isinstance(raw[name], str) else _text(raw[name])
        if not text or not str(text).strip():
            raise ValueError(f"{kind}: '{name}' must be non-empty text")
        values[name] = text
    if "property" in values:
        prop = _property_name(values["property"])
        if prop is None:
            raise ValueError(f"{kind}: unknown property {values['property']!r} (one of "
                             f"{', '.join(CONTRACT_RELATIONS)})")
        values["property"] = prop
    if "class" in values:
        cls = _class_name(values["class"])
        if cls is None:
            raise ValueError(f"{kind}: unknown class {values['class']!r} (one of "
                             f"{', '.join(sorted(entity_classes()))})")
        values["class"] = cls
    if kind == "add":
        if ("doc" in values) == ("url" in values):
            raise ValueError("add: give exactly one of 'doc' (a corpus document) and 'url' "
                             "(an external source)")
        if "quote" not in values:
            raise ValueError("add: missing 'quote' (the words of the source that state the fact)")
        if "url" in values and not re.match(r"https?://\S+$", values["url"]):
            raise ValueError(f"add: 'url' must be an http(s) address, not {values['url']!r}")
    if kind == "merge" and fold(values["name"]) == fold(values["into"]):
        raise ValueError(f'merge: "{values["name"]}" is merged into itself')
    if kind in FACT_KINDS and fold(values["subject"]) == fold(values["object"]):
        raise ValueError(f"{kind}: subject and object are the same name")
    by = _text(raw.get("by"))
    if not by:
        raise ValueError(f"{kind}: missing 'by' (who decided)")
    date = _iso_date(raw.get("date")) if raw.get("date") is not None else None
    if date is None:
        raise ValueError(f"{kind}: 'date' must be a date as YYYY-MM-DD"
                         + (f", not {raw['date']!r}" if raw.get("date") is not None else ""))
    reason = raw.get("reason")
    if reason is not None and not isinstance(reason, (str, int, float)):
        raise ValueError(f"{kind}: 'reason' must be text")
    ordered = tuple((n, values[n]) for n in (*required, *optional) if n in values)
    return Decision(kind, ordered, by, date, str(reason).strip() if reason is not None else "",
                    file, line)


def _symmetric(prop: str) -> bool:
    return (PKO[prop], RDF.type, OWL.SymmetricProperty) in ontology_graph()


def _fact_key(s: str, p: str, o: str) -> tuple[str, str, str]:
    s, o = fold(s), fold(o)
    return (min(s, o), p, max(s, o)) if _symmetric(p) else (s, p, o)


def contradictions(decisions: list[Decision]) -> list[tuple[Decision, Decision, str]]:
    """Pairs of decisions that cannot both hold (later, earlier, why), in file order."""
    found: list[tuple[Decision, Decision, str]] = []
    seen: list[Decision] = []
    for d in decisions:
        for e in seen:
            why = _conflict(e, d)
            if why:
                found.append((d, e, why))
        seen.append(d)
    # merge chains that come back to where they started
    into = {}
    for d in decisions:
        if d.kind == "merge":
            into.setdefault(fold(d["name"]), d)
    for d in decisions:
        if d.kind != "merge":
            continue
        path, name = [d], fold(d["into"])
        while name in into and into[name] not in path:
            path.append(into[name])
            name = fold(into[name]["into"])
        if name == fold(d["name"]) and len(path) > 2:
            later = max(path, key=lambda x: x.line)
            if later is d:
                found.append((d, path[1], "these merges go round in a circle"))
    return found


def _names_of(d: Decision) -> set[str]:
    return {fold(v) for k, v in d.values if k in NAME_FIELDS}


def _conflict(a: Decision, b: Decision) -> str | None:
    """Why decisions `a` (earlier) and `b` contradict each other, or None."""
    kinds = {a.kind, b.kind}
    if kinds == {"merge"}:
        if fold(a["name"]) == fold(b["name"]) and fold(a["into"]) != fold(b["into"]):
            return f'"{a["name"]}" is merged into two different entities'
        if fold(a["name"]) == fold(b["into"]) and fold(a["into"]) == fold(b["name"]):
            return "each merges into the other"
        return None
    if kinds == {"merge", "split"}:
        m, s = (a, b) if a.kind == "merge" else (b, a)
        if fold(m["name"]) == fold(s["name"]):
            return f'"{m["name"]}" is merged into "{m["into"]}" and also split off'
        return None
    if "drop" in kinds:
        dropped, other = (a, b) if a.kind == "drop" else (b, a)
        if other.kind in ("reject", "drop"):
            return None
        if fold(dropped["name"]) in _names_of(other):
            return f'"{dropped["name"]}" is dropped as not an entity but used by a {other.kind}'
        return None
    if kinds == {"rename"} and fold(a["name"]) == fold(b["name"]) and a["to"] != b["to"]:
        return f'"{a["name"]}" is renamed twice, to "{a["to"]}" and to "{b["to"]}"'
    if kinds == {"retype"} and fold(a["name"]) == fold(b["name"]) and a["class"] != b["class"]:
        return f'"{a["name"]}" is given two classes, {a["class"]} and {b["class"]}'
    if "reject" in kinds and kinds & {"confirm", "add"} and len(kinds) == 2:
        reject, other = (a, b) if a.kind == "reject" else (b, a)
        if _fact_key(*reject.fact()) != _fact_key(*other.fact()):
            return None
        if reject.get("doc") is None:
            return f"the fact is rejected everywhere and also {other.kind}ed"
        if other.kind == "add" and other.get("doc") == reject.get("doc"):
            return f"the fact is rejected and added from the same document {reject['doc']}"
    return None


def check_decisions(raws: Iterable[tuple[Any, int]], file: str) -> CurationFile:
    """Validate entries (raw YAML values with their lines) and find contradictions."""
    problems: list[Problem] = []
    decisions: list[Decision] = []
    count = 0
    for raw, line in raws:
        count += 1
        try:
            decisions.append(make_decision(raw, file, line))
        except ValueError as e:
            problems.append(Problem(file, line, "malformed", f"{e}; not applied"))
    result = CurationFile(Path(file), [], problems, entries=count)
    firsts: dict[tuple, Decision] = {}
    unique = []
    for d in decisions:
        if d.identity() in firsts:
            first = firsts[d.identity()]
            problems.append(Problem(file, d.line, "duplicate",
                                    f"{d.describe()} repeats {first.where}; applied once"))
            result.skipped.append((d, f"duplicate of {first.where}"))
        else:
            firsts[d.identity()] = d
            unique.append(d)
    bad: dict[Decision, str] = {}
    for later, earlier, why in contradictions(unique):
        problems.append(Problem(file, later.line, "contradiction",
                                f"{later.describe()} contradicts {earlier.where} "
                                f"({earlier.describe()}): {why}; neither is applied"))
        bad.setdefault(later, f"contradicts {earlier.where}: {why}")
        bad.setdefault(earlier, f"contradicts {later.where}: {why}")
    result.decisions = [d for d in unique if d not in bad]
    result.skipped += [(d, bad[d]) for d in unique if d in bad]
    result.problems.sort(key=lambda p: (p.line, p.kind, p.message))
    return result


def load_curation(path: str | Path) -> CurationFile:
    """Read and check a curation file. A file that is not YAML raises CurationError; a bad
    entry is a Problem (with its line) and is left out."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as e:
        raise CurationError(f"{path}: no such curation file") from e
    except (OSError, UnicodeDecodeError) as e:
        raise CurationError(f"{path}: cannot read ({e})") from e
    data = _parse_yaml(text, path)
    lines = _entry_lines(text, len(data))
    raws = [(raw, raw.get("__line__") if isinstance(raw, dict) else lines[i])
            for i, raw in enumerate(data)]
    return check_decisions(raws, str(path))


def _entry_lines(text: str, count: int) -> list[int]:
    """Line numbers of the top-level '- ' items (for entries that are not mappings)."""
    found = [i + 1 for i, line in enumerate(text.splitlines()) if line.startswith("-")]
    return (found + [1] * count)[:count]


def default_curation() -> Path | None:
    """`curation.yaml` in the current directory, if there is one."""
    return DEFAULT_CURATION if DEFAULT_CURATION.is_file() else None


# --- name lookup ------------------------------------------------------------------------------

class NameIndex:
    """Entities by folded name (canonical name and other names), kept up to date."""

    def __init__(self) -> None:
        self.labels: dict[str, set[str]] = defaultdict(set)
        self.aliases: dict[str, set[str]] = defaultdict(set)
        self.names: dict[str, tuple[str, set[str]]] = {}

    @classmethod
    def of(cls, entities: dict[str, Entity]) -> NameIndex:
        index = cls()
        for key, e in entities.items():
            index.add(key, e.label, e.aliases)
        return index

    def add(self, key: str, label: str, aliases: Iterable[str]) -> None:
        aliases = set(aliases)
        self.names[key] = (label, aliases)
        self.labels[fold(label)].add(key)
        for a in aliases:
            self.aliases[fold(a)].add(key)

    def remove(self, key: str) -> None:
        label, aliases = self.names.pop(key, ("", set()))
        self.labels[fold(label)].discard(key)
        for a in aliases:
            self.aliases[fold(a)].discard(key)

    def lookup(self, name: str) -> list[str]:
        """Entities whose canonical name is `name`, else those with it as an other name."""
        f = fold(name)
        return sorted(self.labels.get(f) or self.aliases.get(f) or ())

    def having(self, name: str) -> list[str]:
        """Every entity that has `name` as canonical or other name."""
        f = fold(name)
        return sorted(self.labels.get(f, set()) | self.aliases.get(f, set()))

    def close(self, name: str, n: int = 3) -> list[str]:
        every = {lab for lab, _ in self.names.values()}
        every |= {a for _, aliases in self.names.values() for a in aliases}
        return difflib.get_close_matches(name, sorted(every), n=n, cutoff=0.6)


# --- applying decisions during a build -------------------------------------------------------

@dataclass
class Outcome:
    status: str  # "applied" | "stale" | "skipped"
    effect: str  # what it did, or why not
    graph_effect: str = ""  # the same for the graph, without the names it took out
    targets: list = field(default_factory=list)  # entity keys / Assertions it touched
    details: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ExternalFact:
    """A fact added from an external source: the quote is all the graph holds of it."""

    subject: str
    predicate: str
    object: str
    url: str
    quote: str

    @property
    def doc_id(self) -> str:
        return "web-" + hashlib.sha256(self.url.encode()).hexdigest()[:16]

    def assertion(self) -> Assertion:
        return Assertion(self.subject, self.predicate, self.object, self.doc_id, 0,
                         len(self.quote), self.quote, EXTRACTOR, CONFIDENCE)


def _n(count: int, word: str, many: str | None = None) -> str:
    return f"{count} {word if count == 1 else many or word + 's'}"


def find_quote(text: str, quote: str) -> tuple[int, int] | None:
    """Offsets of `quote` in `text`: exactly, else with any run of whitespace matching any
    other and straight and curly quotes alike."""
    i = text.find(quote)
    if i >= 0:
        return i, i + len(quote)
    words = quote.split()
    if not words:
        return None
    quotes = {"'": "['‘’`]", "‘": "['‘’`]", "’": "['‘’`]", '"': '["“”]', "“": '["“”]',
              "”": '["“”]'}
    pattern = r"\s+".join("".join(quotes.get(c, re.escape(c)) for c in w) for w in words)
    m = re.search(pattern, text)
    return (m.start(), m.end()) if m else None


class CurationRun:
    """One application of a curation file during a build."""

    def __init__(self, cfile: CurationFile, docs: list[SourceText]):
        self.file = cfile
        self.docs = {d.doc_id: d for d in docs}
        self.doc_ids = {d.identifier: d.doc_id for d in docs}
        self.outcomes: dict[Decision, Outcome] = {}
        self.redirect: dict[str, str | None] = {}  # entity key → where it went (None: dropped)
        self.dropped_by: dict[str, Decision] = {}  # dropped entity key → decision
        self.unmapped: dict[int, tuple[str, Decision]] = {}  # mention → (old label, decision)
        self.added: dict[Assertion, Decision] = {}
        self.external: list[tuple[ExternalFact, Decision]] = []
        self.confirmed: dict[Assertion, list[Decision]] = defaultdict(list)
        self.extra_mentions: dict[str, set[str]] = defaultdict(set)
        self.final: set[Assertion] = set()  # the evidence records the graph gets

    # -- helpers
    def _doc(self, ref: str) -> str | None:
        ref = ref.strip()
        if ref in self.docs:
            return ref
        return self.doc_ids.get(ref) or self.doc_ids.get(ref.removeprefix("pkd:"))

    def _one(self, names: NameIndex, entities: dict[str, Entity], name: str,
             role: str = "") -> tuple[str | None, Outcome | None]:
        keys = names.lookup(name)
        if not keys:
            return None, Outcome("stale", f'no entity is named "{name}"{role} (any more)')
        if len(keys) > 1:
            which = "; ".join(f"{entities[k].label} ({entities[k].cls})" for k in keys)
            return None, Outcome("skipped", f'"{name}" is ambiguous: it names {len(keys)} '
                                            f"entities ({which})")
        return keys[0], None

    # -- entity decisions, on the resolved mentions
    def apply_to_entities(self, mentions: list[Mention], key_of: dict[int, str],
                          entities: dict[str, Entity]) -> None:
        decisions = [d for d in self.file.decisions if d.kind in ENTITY_KINDS]
        if not decisions:
            return
        state = _EntityState(mentions, key_of, entities)
        for d in decisions:
            handler = getattr(self, f"_{d.kind}")
            self.outcomes[d] = handler(d, state)
        for key in sorted(state.touched):
            e = entities.get(key)
            mine = state.mentions_of.get(key, [])
            if e is not None and mine:
                e.documents = {mentions[i].doc_id for i in mine}
                e.mention_count = len(mine)

    def _merge(self, d: Decision, st: _EntityState) -> Outcome:
        a, why = self._one(st.names, st.entities, d["name"])
        if why:
            return why
        b, why = self._one(st.names, st.entities, d["into"])
        if why:
            return why
        if a == b:
            return Outcome("stale", f'"{d["name"]}" and "{d["into"]}" are one entity already '
                                    f'({st.entities[a].label})')
        ea, eb = st.entities[a], st.entities[b]
        moved = st.mentions_of.pop(a, [])
        for i in moved:
            st.key_of[i] = b
        st.mentions_of[b].extend(moved)
        st.names.remove(a)
        st.names.remove(b)
        eb.aliases |= {ea.label} | ea.aliases
        eb.aliases.discard(eb.label)
        eb.documents |= ea.documents
        st.names.add(b, eb.label, eb.aliases)
        del st.entities[a]
        self.redirect[a] = b
        st.touched.add(b)
        mentioned = _n(len(moved), "mention")
        effect = (f'"{ea.label}" ({ea.cls}, {mentioned}) merged into '
                  f'"{eb.label}" ({eb.cls})')
        return Outcome("applied", effect, effect, [b], {"from": ea.label, "into": eb.label,
                                                        "mentions": len(moved)})

    def _drop(self, d: Decision, st: _EntityState) -> Outcome:
        name = d["name"]
        f = fold(name)
        keys = st.names.having(name)
        if not keys:
            return Outcome("stale", f'no entity has the name "{name}" (any more)')
        removed_entities, removed_names, count = [], [], 0
        for key in keys:
            e = st.entities[key]
            own = st.mentions_of.get(key, [])
            named = [i for i in own if st.surface(i) == f]
            others = [i for i in own if st.surface(i) != f and st.mentions[i].source != "anaphor"]
            if fold(e.label) == f or (own and not others):  # the entity had no other name
                gone = st.mentions_of.pop(key, [])
                for i in gone:
                    del st.key_of[i]
                    self.unmapped[i] = (e.label, d)
                count += len(gone)
                st.names.remove(key)
                del st.entities[key]
                self.redirect[key] = None
                self.dropped_by[key] = d
                removed_entities.append(f"{e.label} ({e.cls})")
                continue
            for i in named:
                del st.key_of[i]
                self.unmapped[i] = (name, d)
            gone = set(named)
            st.mentions_of[key] = [i for i in own if i not in gone]
            count += len(named)
            st.names.remove(key)
            e.aliases = {a for a in e.aliases if fold(a) != f}
            st.names.add(key, e.label, e.aliases)
            st.touched.add(key)
            removed_names.append(f'"{name}" of {e.label}')
        parts = []
        if removed_entities:
            parts.append(f"removed entity {', '.join(removed_entities)}")
        if removed_names:
            parts.append(f"removed the name {', '.join(removed_names)}")
        effect = "; ".join(parts) + f" ({_n(count, 'mention')})"
        graph_effect = (f"removed a name that is not an entity: "
                        f"{_n(len(removed_entities), 'entity', 'entities')} and "
                        f"{_n(len(removed_names), 'other name')}, {_n(count, 'mention')} "
                        f"(listed in {REPORT_NAME})")
        return Outcome("applied", effect, graph_effect,
                       [k for k in keys if k in st.entities],
                       {"name": name, "entities": removed_entities, "names": removed_names,
                        "mentions": count, "facts_removed": []})

    def _split(self, d: Decision, st: _EntityState) -> Outcome:
        name, f = d["name"], fold(d["name"])
        doc = self._doc(d["doc"])
        if doc is None:
            return Outcome("stale", f"no document {d['doc']} in the corpus (any more)")
        found: dict[str, list[int]] = defaultdict(list)
        for key in st.names.having(name):
            for i in st.mentions_of.get(key, []):
                if st.mentions[i].doc_id == doc and st.surface(i) == f:
                    found[key].append(i)
        if not found:
            return Outcome("stale", f'no mention of "{name}" in {doc} is resolved to an '
                                    "entity (any more)")
        made = []
        for old, idxs in sorted(found.items()):
            e = st.entities[old]
            surfaces = sorted({tidy(st.mentions[i].text) for i in idxs})
            label = d.get("as") or name
            key = slug(label)
            if key in st.entities:
                key = f"{key}-{slug(doc)}"
            n = 2
            while key in st.entities:
                key, n = f"{slug(label)}-{slug(doc)}-{n}", n + 1
            self.redirect.pop(key, None)
            new = Entity(key, label, d.get("class") or e.cls,
                         aliases={s for s in surfaces if s != label}, documents={doc})
            st.entities[key] = new
            st.created.add(key)
            moved = set(idxs)
            for i in idxs:
                st.key_of[i] = key
            st.mentions_of[key] = list(idxs)
            st.mentions_of[old] = [i for i in st.mentions_of[old] if i not in moved]
            st.names.remove(old)
            if not any(st.surface(i) == f for i in st.mentions_of[old]):
                e.aliases = {a for a in e.aliases if fold(a) != f}
            if not st.mentions_of[old] and old not in self.redirect:
                del st.entities[old]
                self.redirect[old] = key
            else:
                st.names.add(old, e.label, e.aliases)
                st.touched.add(old)
            st.names.add(key, new.label, new.aliases)
            st.touched.add(key)
            made.append((e.label, new, len(idxs)))
        effect = "; ".join(f'{n} mentions of "{name}" in {doc} taken from "{old}" into a new '
                           f"entity \"{new.label}\" ({new.cls})" for old, new, n in made)
        return Outcome("applied", effect, effect, [new.key for _, new, _ in made],
                       {"doc": doc, "entities": [new.label for _, new, _ in made]})

    def _rename(self, d: Decision, st: _EntityState) -> Outcome:
        key, why = self._one(st.names, st.entities, d["name"])
        if why:
            return why
        e, new = st.entities[key], d["to"]
        if e.label == new:
            return Outcome("stale", f'the entity is named "{new}" already')
        new_key = slug(new)
        if new_key != key and new_key in st.entities:
            other = st.entities[new_key]
            return Outcome("skipped", f'"{new}" would take the identifier of another entity, '
                                      f'"{other.label}" ({other.cls}); merge them instead')
        old = e.label
        st.names.remove(key)
        e.aliases.add(old)
        e.aliases.discard(new)
        e.label = new
        if new_key != key:
            self.redirect.pop(new_key, None)
            del st.entities[key]
            e.key = new_key
            st.entities[new_key] = e
            moved = st.mentions_of.pop(key, [])
            for i in moved:
                st.key_of[i] = new_key
            st.mentions_of[new_key] = moved
            self.redirect[key] = new_key
            st.touched.discard(key)
            key = new_key
        st.names.add(key, e.label, e.aliases)
        st.touched.add(key)
        effect = f'"{old}" renamed "{new}" ({e.cls})'
        return Outcome("applied", effect, effect, [key], {"from": old, "to": new})

    def _retype(self, d: Decision, st: _EntityState) -> Outcome:
        key, why = self._one(st.names, st.entities, d["name"])
        if why:
            return why
        e = st.entities[key]
        if e.cls == d["class"]:
            return Outcome("stale", f'"{e.label}" is a {e.cls} already')
        old, e.cls = e.cls, d["class"]
        effect = f'"{e.label}" retyped from {old} to {e.cls}'
        return Outcome("applied", effect, effect, [key], {"from": old, "to": e.cls})

    # -- fact decisions, on the evidence records
    def apply_to_facts(self, assertions: list[Assertion], entities: dict[str, Entity],
                       extractions: list | None = None,
                       key_of: dict[int, str] | None = None) -> list[Assertion]:
        """Facts after the entity decisions (redirected, dropped) and the fact decisions."""
        lost = self._lost_facts(extractions or [], key_of or {}, entities)
        records: dict[tuple, Assertion] = {}
        for a in assertions:
            s, o = self._follow(a.subject), self._follow(a.object)
            if s is None or o is None:
                gone = a.subject if s is None else a.object
                decision = self.dropped_by.get(self._last(gone))
                if decision is not None:
                    lost[decision].add((entities.get(a.subject, Entity("", a.subject, "")).label,
                                        a.predicate, entities.get(a.object,
                                                                  Entity("", a.object, "")).label,
                                        a.doc_id, a.evidence))
                continue
            if s == o:
                continue
            if (s, o) != (a.subject, a.object):
                a = replace(a, subject=s, object=o)
            k = (s, a.predicate, o, a.doc_id, a.char_start)
            if k not in records or records[k].confidence < a.confidence:
                records[k] = a
        for key in self.redirect:
            if self._follow(key) != key:
                entities.pop(key, None)
        for decision, facts in lost.items():
            outcome = self.outcomes.get(decision)
            if outcome is not None:
                outcome.details["facts_removed"] = [
                    {"subject": s, "property": p, "object": o, "doc": doc, "evidence": ev}
                    for s, p, o, doc, ev in sorted(facts)]
                outcome.effect += f"; {_n(len(facts), 'fact')} not extracted"
        decisions = [d for d in self.file.decisions if d.kind in FACT_KINDS]
        current = list(records.values())
        if decisions:
            state = _FactState(current, entities)
            for d in decisions:
                self.outcomes[d] = getattr(self, f"_{d.kind}")(d, state)
            current = [a for a in state.records if a not in state.removed]
        self.final = set(current)
        return sorted(current, key=lambda a: (a.subject, a.predicate, a.object, a.doc_id,
                                              a.char_start, a.extractor))

    def _follow(self, key: str) -> str | None:
        seen = set()
        while key in self.redirect and key not in seen:
            seen.add(key)
            nxt = self.redirect[key]
            if nxt is None:
                return None
            key = nxt
        return key

    def _last(self, key: str) -> str:
        while key in self.redirect and self.redirect[key] is not None:
            key = self.redirect[key]
        return key

    def _lost_facts(self, extractions, key_of, entities) -> dict[Decision, set]:
        """Candidates of the extraction that a drop left without an end (for the report)."""
        lost: dict[Decision, set] = defaultdict(set)
        if not self.unmapped:
            return lost
        base = 0
        for ex in extractions:
            doc = self.docs.get(ex.doc_id)
            for c in ex.candidates:
                ends = [base + x if isinstance(x, int) else None for x in (c.subject, c.object)]
                hit = next((self.unmapped[i] for i in ends if i in self.unmapped), None)
                if hit is None or doc is None:
                    continue
                labels = []
                for x, i in zip((c.subject, c.object), ends, strict=True):
                    if i is None:
                        labels.append(str(x)[4:])
                    elif i in self.unmapped:
                        labels.append(self.unmapped[i][0])
                    elif i in key_of and key_of[i] in entities:
                        labels.append(entities[key_of[i]].label)
                    else:
                        labels.append("?")
                lost[hit[1]].add((labels[0], c.predicate, labels[1], ex.doc_id,
                                  doc.text[c.sent_start:c.sent_end]))
            base += len(ex.mentions)
        return lost

    def _fact_ends(self, d: Decision, st: _FactState):
        s, why = self._one(st.names, st.entities, d["subject"], " (subject)")
        if why:
            return None, None, why
        o, why = self._one(st.names, st.entities, d["object"], " (object)")
        if why:
            return None, None, why
        return s, o, None

    def _reject(self, d: Decision, st: _FactState) -> Outcome:
        s, o, why = self._fact_ends(d, st)
        if why:
            return why
        doc = None
        if d.get("doc"):
            doc = self._doc(d["doc"])
            if doc is None:
                return Outcome("stale", f"no document {d['doc']} in the corpus (any more)")
        hits = [a for a in st.matching(s, d["property"], o) if doc is None or a.doc_id == doc]
        if not hits:
            where = f" from {doc}" if doc else ""
            return Outcome("stale", f"{self._fact_text(st, s, d['property'], o)} is not "
                                    f"extracted{where} (any more)")
        st.removed.update(hits)
        left = [a for a in st.matching(s, d["property"], o) if a not in st.removed]
        fact = self._fact_text(st, s, d["property"], o)
        effect = (f"removed {_n(len(hits), 'evidence record')} of {fact}"
                  + ("" if left else "; the fact is gone")
                  + (f" ({len(left)} records from other documents remain)" if left else ""))
        graph_effect = (f"removed {_n(len(hits), 'evidence record')} of a fact between these "
                        "entities"
                        + ("" if left else "; the fact is gone") + f" (listed in {REPORT_NAME})")
        return Outcome("applied", effect, graph_effect, [s, o], {
            "facts_removed": [{"subject": st.entities[a.subject].label, "property": a.predicate,
                               "object": st.entities[a.object].label, "doc": a.doc_id,
                               "evidence": a.evidence, "extractor": a.extractor}
                              for a in hits],
            "fact_gone": not left})

    def _add(self, d: Decision, st: _FactState) -> Outcome:
        s, o, why = self._fact_ends(d, st)
        if why:
            return why
        prop, quote = d["property"], d["quote"]
        note = self._type_note(st, s, prop, o)
        if d.get("url"):
            fact = ExternalFact(s, prop, o, d["url"], " ".join(quote.split()))
            self.external.append((fact, d))
            effect = f"added {self._fact_text(st, s, prop, o)} from {d['url']}{note}"
            return Outcome("applied", effect, effect, [fact.assertion()], {"url": d["url"]})
        doc = self._doc(d["doc"])
        if doc is None:
            return Outcome("stale", f"no document {d['doc']} in the corpus (any more)")
        span = find_quote(self.docs[doc].text, quote)
        if span is None:
            return Outcome("stale", f"the quote is not in {doc} (any more): {quote!r}")
        already = bool(st.matching(s, prop, o))
        a = Assertion(s, prop, o, doc, span[0], span[1], self.docs[doc].text[span[0]:span[1]],
                      EXTRACTOR, CONFIDENCE)
        st.add(a)
        self.added[a] = d
        self.extra_mentions[doc] |= {s, o}
        effect = (f"added {self._fact_text(st, s, prop, o)} from {doc} at "
                  f"{span[0]}-{span[1]}" + ("; also extracted" if already else "") + note)
        return Outcome("applied", effect, effect, [a], {"doc": doc, "char_start": span[0],
                                                        "char_end": span[1]})

    def _confirm(self, d: Decision, st: _FactState) -> Outcome:
        s, o, why = self._fact_ends(d, st)
        if why:
            return why
        hits = [a for a in st.matching(s, d["property"], o) if a not in st.removed]
        if not hits:
            return Outcome("stale", f"{self._fact_text(st, s, d['property'], o)} is not in "
                                    "the graph (any more)")
        for a in hits:
            self.confirmed[a].append(d)
        effect = (f"confirmed {self._fact_text(st, s, d['property'], o)} "
                  f"({_n(len(hits), 'evidence record')})")
        return Outcome("applied", effect, effect, hits, {"records": len(hits)})

    @staticmethod
    def _fact_text(st: _FactState, s: str, p: str, o: str) -> str:
        return f'"{st.entities[s].label}" {p} "{st.entities[o].label}"'

    @staticmethod
    def _type_note(st: _FactState, s: str, p: str, o: str) -> str:
        from .ontology import is_a, property_domain_range

        try:
            domain, range_ = property_domain_range(p)
        except KeyError:
            return ""
        bad = [f"{st.entities[k].label} is a {st.entities[k].cls}, not {' or '.join(sorted(c))}"
               for k, c in ((s, domain), (o, range_))
               if not any(is_a(st.entities[k].cls, x) for x in c)]
        return f" (note: {'; '.join(bad)})" if bad else ""

    # -- the graph, the report and the summary
    def add_mentions(self, mentioned: dict[str, set[str]]) -> None:
        for doc, keys in self.extra_mentions.items():
            mentioned.setdefault(doc, set()).update(keys)

    def external_assertions(self) -> list[Assertion]:
        return [f.assertion() for f, d in self.external if self.outcomes.get(d) and
                self.outcomes[d].status == "applied"]

    def annotate(self, g: Graph) -> None:
        """Curators, decisions and their marks on the evidence records of the built graph."""
        from .rdfgraph import assertion_iri

        def agent(name: str) -> URIRef:
            node = URIRef(f"{PKC}agent/{slug(name)}")
            g.add((node, RDF.type, PROV.Agent))
            g.add((node, RDFS.label, Literal(name)))
            return node

        for fact, d in self.external:
            if self.outcomes[d].status != "applied":
                continue
            a = fact.assertion()
            source = PKD[fact.doc_id]
            g.add((source, RDF.type, PKO.SourceDocument))
            g.add((source, DCTERMS.identifier, Literal(fact.url)))
            g.add((source, DCTERMS.title, Literal(fact.url)))
            g.add((source, DCTERMS.source, URIRef(fact.url)))
            s, p, o = PK[a.subject], PKO[a.predicate], PK[a.object]
            g.add((s, p, o))
            node = assertion_iri(a)
            for pred, obj in ((RDF.type, PKO.Assertion), (RDF.subject, s), (RDF.predicate, p),
                              (RDF.object, o), (PROV.wasDerivedFrom, source),
                              (PKO.evidenceText, Literal(a.evidence)),
                              (PKO.charStart, Literal(0, datatype=XSD.integer)),
                              (PKO.charEnd, Literal(len(a.evidence), datatype=XSD.integer)),
                              (PKO.extractor, Literal(EXTRACTOR)),
                              (PKO.confidence, Literal(CONFIDENCE, datatype=XSD.decimal))):
                g.add((node, pred, obj))
        for a, d in self.added.items():
            if a not in self.final:
                continue
            node = assertion_iri(a)
            g.add((node, PROV.wasAttributedTo, agent(d.by)))
            g.add((node, DCTERMS.date, Literal(d.date, datatype=XSD.date)))
        for fact, d in self.external:
            if self.outcomes[d].status == "applied":
                node = assertion_iri(fact.assertion())
                g.add((node, PROV.wasAttributedTo, agent(d.by)))
                g.add((node, DCTERMS.date, Literal(d.date, datatype=XSD.date)))
        for a, ds in self.confirmed.items():
            if a not in self.final:
                continue
            for d in ds:
                g.add((assertion_iri(a), PKO.confirmedBy, agent(d.by)))
        for d, outcome in self.outcomes.items():
            if outcome.status != "applied":
                continue
            node = URIRef(f"{PKC}decision/{d.digest()}")
            g.add((node, RDF.type, PROV.Activity))
            g.add((node, PKO.curationKind, Literal(d.kind)))
            g.add((node, PROV.wasAssociatedWith, agent(d.by)))
            g.add((node, DCTERMS.date, Literal(d.date, datatype=XSD.date)))
            g.add((node, PKO.curationEffect, Literal(outcome.graph_effect or outcome.effect)))
            if d.reason:
                g.add((node, RDFS.comment, Literal(d.reason)))
            for target in outcome.targets:
                if isinstance(target, Assertion) and target.doc_id.startswith("web-"):
                    g.add((node, PKO.curates, assertion_iri(target)))
                elif isinstance(target, Assertion):
                    if target in self.final:
                        g.add((node, PKO.curates, assertion_iri(target)))
                else:
                    final = self._follow(target)
                    if final is not None:
                        g.add((node, PKO.curates, PK[final]))

    def stale(self) -> list[tuple[Decision, Outcome]]:
        return [(d, o) for d, o in self._ordered() if o.status == "stale"]

    def _ordered(self) -> list[tuple[Decision, Outcome]]:
        return sorted(self.outcomes.items(), key=lambda item: item[0].line)

    def report(self) -> dict:
        decisions = []
        for d, o in self._ordered():
            decisions.append({"line": d.line, "decision": d.kind, "entry": d.entry(),
                              "describe": d.describe(), "status": o.status, "effect": o.effect,
                              **({"details": o.details} if o.details else {})})
        for d, why in sorted(self.file.skipped, key=lambda x: x[0].line):
            decisions.append({"line": d.line, "decision": d.kind, "entry": d.entry(),
                              "describe": d.describe(), "status": "skipped", "effect": why})
        decisions.sort(key=lambda x: x["line"])
        counts = {s: sum(1 for x in decisions if x["status"] == s)
                  for s in ("applied", "stale", "skipped")}
        return {
            "curation": str(self.file.path),
            "entries": self.file.entries,
            "counts": {**counts, "malformed": sum(1 for p in self.file.problems
                                                  if p.kind == "malformed")},
            "decisions": decisions,
            "problems": [{"line": p.line, "kind": p.kind, "message": p.message}
                         for p in self.file.problems],
            "dropped": [{"line": d.line, **o.details} for d, o in self._ordered()
                        if d.kind == "drop" and o.status == "applied"],
            "rejected": [{"line": d.line, **o.details} for d, o in self._ordered()
                         if d.kind == "reject" and o.status == "applied"],
        }

    def summary_lines(self, report_path: Path | None = None) -> list[str]:
        r = self.report()
        c = r["counts"]
        applied = [x for x in r["decisions"] if x["status"] == "applied"]
        kinds = defaultdict(int)
        for x in applied:
            kinds[x["decision"]] += 1
        done = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        line = (f"curation   {self.file.path}: {r['entries']} entries, {c['applied']} applied"
                + (f" ({done})" if done else "") + f", {c['stale']} stale, {c['skipped']} "
                f"skipped, {c['malformed']} malformed")
        out = [line]
        for x in r["decisions"]:
            if x["status"] != "applied":
                out.append(f"  {x['status']:<8} {self.file.path}:{x['line']}: {x['describe']}: "
                           f"{x['effect']}")
        if report_path:
            out.append(f"  report   {report_path}")
        return out


class _EntityState:
    def __init__(self, mentions, key_of, entities):
        self.mentions, self.key_of, self.entities = mentions, key_of, entities
        self.names = NameIndex.of(entities)
        self.mentions_of: dict[str, list[int]] = defaultdict(list)
        for i, k in key_of.items():
            self.mentions_of[k].append(i)
        self.touched: set[str] = set()
        self.created: set[str] = set()
        self._surface: dict[int, str] = {}

    def surface(self, i: int) -> str:
        if i not in self._surface:
            self._surface[i] = fold(tidy(self.mentions[i].text))
        return self._surface[i]


class _FactState:
    def __init__(self, records: list[Assertion], entities: dict[str, Entity]):
        self.records = list(records)
        self.entities = entities
        self.names = NameIndex.of(entities)
        self.removed: set[Assertion] = set()
        self.by_fact: dict[tuple, list[Assertion]] = defaultdict(list)
        for a in records:
            self.by_fact[(a.subject, a.predicate, a.object)].append(a)

    def add(self, a: Assertion) -> None:
        self.records.append(a)
        self.by_fact[(a.subject, a.predicate, a.object)].append(a)

    def matching(self, s: str, p: str, o: str) -> list[Assertion]:
        hits = list(self.by_fact.get((s, p, o), ()))
        if _symmetric(p):
            hits += self.by_fact.get((o, p, s), ())
        return [a for a in hits if a not in self.removed]


def write_report(run: CurationRun | None, out: Path) -> Path | None:
    """out/curation-report.json for this build (removed when the build had no curation)."""
    target = Path(out) / REPORT_NAME
    if run is None:
        target.unlink(missing_ok=True)
        return None
    write_text_atomic(target, json.dumps(run.report(), indent=2, sort_keys=True,
                                         ensure_ascii=False) + "\n")
    return target


# --- the current graph, for `graphbuild curate` ------------------------------------------------

@dataclass
class GraphFacts:
    """What `curate` checks names and facts against: a built graph's entities and facts."""

    path: Path
    names: NameIndex
    classes: dict[str, str]
    facts: set[tuple[str, str, str]]
    fact_docs: dict[tuple[str, str, str], set[str]]
    docs: dict[str, str]  # doc id → identifier (file name in the corpus)

    @classmethod
    def load(cls, path: str | Path) -> GraphFacts:
        import pyoxigraph as ox

        path = Path(path)
        if not path.is_file():
            raise CurationError(f"{path}: no such graph; build it first (graphbuild build) or "
                                "give --graph")
        pk, pkd, pko = str(PK), str(PKD), str(PKO)
        labels: dict[str, str] = {}
        aliases: dict[str, set[str]] = defaultdict(set)
        classes: dict[str, str] = {}
        facts: set[tuple[str, str, str]] = set()
        records: dict[str, dict[str, str]] = defaultdict(dict)
        docs: dict[str, str] = {}
        relations = set(CONTRACT_RELATIONS) | set(relation_properties())
        wanted = {str(RDF.subject): "s", str(RDF.predicate): "p", str(RDF.object): "o",
                  str(PROV.wasDerivedFrom): "doc"}
        try:
            triples = ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
            for t in triples:
                s, p, o = t.subject.value, t.predicate.value, t.object.value
                if p in wanted:
                    records[s][wanted[p]] = o
                elif not s.startswith(pk) and not s.startswith(pkd):
                    continue
                elif p == str(RDFS.label) and s.startswith(pk):
                    labels[s[len(pk):]] = o
                elif p == "http://www.w3.org/2004/02/skos/core#altLabel":
                    aliases[s[len(pk):]].add(o)
                elif p == str(RDF.type) and s.startswith(pk) and o.startswith(pko):
                    classes[s[len(pk):]] = o[len(pko):]
                elif p == str(DCTERMS.identifier) and s.startswith(pkd):
                    docs[s[len(pkd):]] = o
                elif p.startswith(pko) and p[len(pko):] in relations and o.startswith(pk):
                    facts.add((s[len(pk):], p[len(pko):], o[len(pk):]))
        except (SyntaxError, ValueError, OSError) as e:
            raise CurationError(f"{path}: cannot parse the graph: {e}") from e
        names = NameIndex()
        for key, label in labels.items():
            names.add(key, label, aliases.get(key, ()))
        fact_docs: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        for r in records.values():
            if {"s", "p", "o", "doc"} <= r.keys() and r["s"].startswith(pk):
                fact_docs[(r["s"][len(pk):], r["p"][len(pko):], r["o"][len(pk):])].add(
                    r["doc"][len(pkd):])
        return cls(path, names, classes, facts, dict(fact_docs), docs)

    def entity(self, name: str, role: str = "") -> tuple[str, str]:
        """(key, the name as the graph has it) for a name; CurationError when it is unknown
        or ambiguous."""
        keys = self.names.lookup(name)
        what = f"{role} " if role else ""
        if not keys:
            near = self.names.close(name)
            hint = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
            raise CurationError(f'{self.path}: no entity is named "{name}"{hint} '
                                f"({what}nothing written)")
        if len(keys) > 1:
            which = "; ".join(f"{self.names.names[k][0]} ({self.classes.get(k, '?')})"
                              for k in keys)
            raise CurationError(f'{self.path}: "{name}" names {len(keys)} entities: {which}; '
                                "use a name only one of them has (nothing written)")
        label, aliases = self.names.names[keys[0]]
        exact = next((n for n in (label, *sorted(aliases)) if n == name), None)
        folded = next((n for n in (label, *sorted(aliases)) if fold(n) == fold(name)), name)
        return keys[0], exact or folded

    def has_fact(self, s: str, p: str, o: str, doc: str | None = None) -> bool:
        pairs = [(s, p, o)] + ([(o, p, s)] if _symmetric(p) else [])
        for fact in pairs:
            if fact in self.facts and (doc is None or doc in self.fact_docs.get(fact, ())):
                return True
        return False

    def doc(self, ref: str) -> str:
        ref = ref.strip().removeprefix("pkd:")
        if ref in self.docs:
            return ref
        for doc_id, identifier in self.docs.items():
            if identifier == ref:
                return doc_id
        raise CurationError(f"{self.path}: no source document {ref!r} (give the document id, "
                            "such as 001_89337ab193575816, or its file name; nothing written)")


def _label(graph: GraphFacts, key: str) -> str:
    return graph.names.names[key][0]


def resolve_entry(kind: str, values: dict[str, str], graph: GraphFacts,
                  corpus: Path | None = None) -> dict[str, str]:
    """Check a new decision's names and facts against the graph (and an added quote against
    its document); returns the fields to record, with names as the graph has them."""
    values = {k: v for k, v in values.items() if v is not None}
    out = dict(values)
    if kind in ENTITY_KINDS:
        key, out["name"] = graph.entity(values["name"])
        if kind == "merge":
            into, out["into"] = graph.entity(values["into"])
            if into == key:
                raise CurationError(f'{graph.path}: "{values["name"]}" and "{values["into"]}" '
                                    f"are one entity already ({_label(graph, key)}); "
                                    "nothing written")
        if kind == "split":
            out["doc"] = graph.doc(values["doc"])
        if kind == "rename" and _label(graph, key) == values["to"]:
            raise CurationError(f'{graph.path}: the entity is named "{values["to"]}" already; '
                                "nothing written")
        cls = _class_name(values.get("class") or "")
        if kind == "retype" and cls and graph.classes.get(key) == cls:
            raise CurationError(f'{graph.path}: "{_label(graph, key)}" is a {cls} already; '
                                "nothing written")
        return out
    s, out["subject"] = graph.entity(values["subject"], "subject:")
    o, out["object"] = graph.entity(values["object"], "object:")
    prop = _property_name(values["property"]) or values["property"]
    fact = f'"{_label(graph, s)}" {prop} "{_label(graph, o)}"'
    if kind in ("reject", "confirm"):
        doc = graph.doc(values["doc"]) if values.get("doc") else None
        if doc:
            out["doc"] = doc
        if _property_name(prop) and not graph.has_fact(s, prop, o, doc):
            where = f" from {doc}" if doc else ""
            raise CurationError(f"{graph.path}: the graph has no fact {fact}{where}; "
                                "nothing written")
    if kind == "add" and values.get("doc"):
        doc = graph.doc(values["doc"])
        out["doc"] = doc
        path, text = _document_text(graph, doc, corpus)
        if find_quote(text, values.get("quote", "")) is None:
            raise CurationError(f"{path}: the quote is not in document {doc}: "
                                f"{values.get('quote', '')!r}; nothing written")
    return out


def _document_text(graph: GraphFacts, doc: str, corpus: Path | None) -> tuple[Path, str]:
    from .corpus import read_document

    corpus = Path(corpus or "data/corpus")
    path = corpus / graph.docs[doc]
    if not path.is_file():
        raise CurationError(f"{path}: document {doc} is not in the corpus folder {corpus} "
                            "(give --corpus); nothing written")
    source, problems = read_document(path, corpus)
    if source is None:
        raise CurationError(f"{path}: cannot read: {'; '.join(str(p) for p in problems)}")
    return path, source.text


def default_curator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def record_decision(path: str | Path, kind: str, values: dict[str, str | None], *,
                    graph: str | Path = DEFAULT_GRAPH, by: str | None = None,
                    date: str | None = None, reason: str | None = None,
                    corpus: str | Path | None = None) -> Decision:
    """Check a new decision (names against the graph, contradictions against the file) and
    append it to the curation file atomically. Raises CurationError; then nothing is written."""
    path = Path(path)
    values = {k: v for k, v in values.items() if v is not None}
    graph_facts = GraphFacts.load(graph)
    resolved = resolve_entry(kind, values, graph_facts, Path(corpus) if corpus else None)
    entry = {"decision": kind, **resolved, "by": by or default_curator(),
             "date": date or datetime.date.today().isoformat()}
    if reason:
        entry["reason"] = reason
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    data = _parse_yaml(existing, path)
    current = check_decisions(
        [(raw, raw.get("__line__") if isinstance(raw, dict) else line)
         for raw, line in zip(data, _entry_lines(existing, len(data)), strict=True)], str(path))
    try:
        new = make_decision(entry, str(path), 0)
    except ValueError as e:
        raise CurationError(f"{path}: {e}; nothing written") from e
    ordered = new.entry()
    every = current.decisions + [d for d, _ in current.skipped]
    for d in every:
        if d.identity() == new.identity():
            raise CurationError(f"{d.where}: already recorded ({d.describe()}); nothing written")
    for d in current.decisions:
        why = _conflict(d, new)
        if why:
            raise CurationError(f"{d.where}: {new.describe()} would contradict "
                                f"{d.describe()}: {why}; nothing written")
    text = existing if existing.strip() else HEADER
    if not text.endswith("\n"):
        text += "\n"
    text += yaml.safe_dump([ordered], sort_keys=False, allow_unicode=True, width=100,
                           default_flow_style=False)
    try:
        parsed = _parse_yaml(text, path)
    except CurationError:
        parsed = []
    last = parsed[-1] if parsed else None
    if not isinstance(last, dict) or {k: v for k, v in last.items() if k != "__line__"} != ordered:
        raise CurationError(f"{path}: cannot append a decision to this file (is it a list "
                            "written as '- ...' entries?); nothing written")
    write_text_atomic(path, text)
    return replace(new, line=last["__line__"])


def list_decisions(path: str | Path) -> list[str]:
    """One line per entry (and per problem) of a curation file."""
    cfile = load_curation(path)
    skipped = dict(cfile.skipped)
    lines = []
    for d in sorted(cfile.decisions + list(skipped), key=lambda d: d.line):
        note = f"  [not applied: {skipped[d]}]" if d in skipped else ""
        why = f" ({d.reason})" if d.reason else ""
        lines.append(f"{d.where}  {d.describe()}  by {d.by} on {d.date}{why}{note}")
    lines += [f"{p}" for p in cfile.problems if p.kind == "malformed"]
    return lines


def check_curation(path: str | Path, corpus: str | Path | None = None,
                   out: str | Path = "out", settings=None) -> tuple[list[str], bool]:
    """Problems of the file and, with a corpus, stale and skipped decisions from a dry run of
    the build (extractions from the cache). Returns (lines, everything fine)."""
    cfile = load_curation(path)
    lines = [str(p) for p in cfile.problems]
    ok = not cfile.problems
    if corpus is not None:
        from .build import BuildError, build_corpus

        try:
            summary = build_corpus(corpus, out, settings, progress=False, curation=path,
                                   write=False)
        except BuildError as e:
            raise CurationError(str(e)) from e
        report = summary.curation_report or {}
        for x in report.get("decisions", []):
            if x["status"] == "stale" or (x["status"] == "skipped"
                                          and "contradicts" not in x["effect"]
                                          and "duplicate" not in x["effect"]):
                lines.append(f"{path}:{x['line']}: {x['status']}: {x['describe']}: {x['effect']}")
                ok = False
        counts = report.get("counts", {})
        lines.append(f"{path}: {cfile.entries} entries: {counts.get('applied', 0)} would apply, "
                     f"{counts.get('stale', 0)} stale, {counts.get('skipped', 0)} skipped, "
                     f"{counts.get('malformed', 0)} malformed")
    else:
        lines.append(f"{path}: {cfile.entries} entries, {len(cfile.decisions)} well-formed and "
                     f"consistent, {len(cfile.problems)} problems")
    return lines, ok


# --- the `graphbuild curate` commands -----------------------------------------------------------

def _common(f):
    options = [
        click.option("--curation", "curation", type=click.Path(dir_okay=False, path_type=Path),
                     default=DEFAULT_CURATION, show_default=True, help="The curation file."),
        click.option("--graph", "graph", type=click.Path(dir_okay=False, path_type=Path),
                     default=DEFAULT_GRAPH, show_default=True,
                     help="The built graph that names are checked against."),
        click.option("--by", "by", default=None, help="Who decides (default: your user name)."),
        click.option("--reason", default=None, help="Why, in a few words."),
        click.option("--date", "date", default=None, metavar="YYYY-MM-DD",
                     help="The date of the decision (default: today)."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _record(kind: str, values: dict, curation: Path, graph: Path, by, reason, date,
            corpus=None) -> None:
    try:
        d = record_decision(curation, kind, values, graph=graph, by=by, date=date,
                            reason=reason, corpus=corpus)
    except CurationError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"{d.where}: {d.describe()} (by {d.by}, {d.date}); applied by the next "
               f"`graphbuild build --curation {curation}`")


@click.group("curate")
def curate_command() -> None:
    """Record corrections to the graph in a curation file (applied on every build)."""


@curate_command.command("merge")
@click.argument("name")
@click.argument("into")
@_common
def curate_merge(name, into, **common):
    """NAME is the same entity as INTO (INTO's canonical name is kept)."""
    _record("merge", {"name": name, "into": into}, **common)


@curate_command.command("drop")
@click.argument("name")
@_common
def curate_drop(name, **common):
    """NAME is not an entity: its mentions and facts are left out."""
    _record("drop", {"name": name}, **common)


@curate_command.command("split")
@click.argument("name")
@click.option("--doc", required=True, help="The document (id or file name) whose mentions of "
              "NAME are another entity.")
@click.option("--as", "as_", default=None, help="The new entity's name (default NAME).")
@click.option("--class", "cls", default=None, help="The new entity's class (default: the "
              "class of the entity it is split from).")
@_common
def curate_split(name, doc, as_, cls, **common):
    """NAME in one document is another entity than the one it was resolved to."""
    _record("split", {"name": name, "doc": doc, "as": as_, "class": cls}, **common)


@curate_command.command("rename")
@click.argument("name")
@click.argument("new")
@_common
def curate_rename(name, new, **common):
    """Give the entity called NAME the canonical name NEW."""
    _record("rename", {"name": name, "to": new}, **common)


@curate_command.command("retype")
@click.argument("name")
@click.argument("cls", metavar="CLASS")
@_common
def curate_retype(name, cls, **common):
    """Give the entity called NAME the class CLASS (Person, Company, Policy, ...)."""
    _record("retype", {"name": name, "class": cls}, **common)


@curate_command.command("reject")
@click.argument("subject")
@click.argument("prop", metavar="PROPERTY")
@click.argument("obj", metavar="OBJECT")
@click.option("--doc", default=None, help="Only the evidence from this document.")
@_common
def curate_reject(subject, prop, obj, doc, **common):
    """The fact SUBJECT PROPERTY OBJECT is wrong (everywhere, or in --doc)."""
    _record("reject", {"subject": subject, "property": prop, "object": obj, "doc": doc},
            **common)


@curate_command.command("add")
@click.argument("subject")
@click.argument("prop", metavar="PROPERTY")
@click.argument("obj", metavar="OBJECT")
@click.option("--doc", default=None, help="The corpus document that states the fact.")
@click.option("--url", default=None, help="Or an external source (http(s) address).")
@click.option("--quote", required=True, help="The words of the source that state the fact "
              "(must occur in --doc).")
@click.option("--corpus", type=click.Path(file_okay=False, path_type=Path),
              default=Path("data/corpus"), show_default=True,
              help="The corpus folder the quote is checked in.")
@_common
def curate_add(subject, prop, obj, doc, url, quote, corpus, **common):
    """Add the fact SUBJECT PROPERTY OBJECT with its citation."""
    if bool(doc) == bool(url):
        raise click.UsageError("give --doc or --url (one of them)")
    _record("add", {"subject": subject, "property": prop, "object": obj, "doc": doc,
                    "url": url, "quote": quote}, corpus=corpus, **common)


@curate_command.command("confirm")
@click.argument("subject")
@click.argument("prop", metavar="PROPERTY")
@click.argument("obj", metavar="OBJECT")
@_common
def curate_confirm(subject, prop, obj, **common):
    """The fact SUBJECT PROPERTY OBJECT has been checked by a person."""
    _record("confirm", {"subject": subject, "property": prop, "object": obj}, **common)


@curate_command.command("list")
@click.option("--curation", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CURATION, show_default=True)
def curate_list(curation: Path) -> None:
    """Every decision of the curation file, with its line."""
    try:
        lines = list_decisions(curation)
    except CurationError as e:
        raise click.ClickException(str(e)) from e
    for line in lines or [f"{curation}: no decisions"]:
        click.echo(line)


@curate_command.command("check")
@click.option("--curation", type=click.Path(dir_okay=False, path_type=Path),
              default=DEFAULT_CURATION, show_default=True)
@click.option("--corpus", type=click.Path(path_type=Path), default=Path("data/corpus"),
              show_default=True, help="The corpus to check the decisions against.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("out"),
              show_default=True, help="The build folder whose cache is used.")
@click.option("--static", is_flag=True, help="Only check the file itself (entries and "
              "contradictions), without a dry run of the build.")
def curate_check(curation: Path, corpus: Path, out: Path, static: bool) -> None:
    """Malformed entries, contradictions, and decisions that match nothing any more (a dry
    run of the build from its cache; nothing is written). Exit status 1 on any problem."""
    try:
        lines, ok = check_curation(curation, None if static else corpus, out)
    except CurationError as e:
        raise click.ClickException(str(e)) from e
    for line in lines:
        click.echo(line)
    if not ok:
        sys.exit(1)
