"""The gazetteer of known entities (ontology/gazetteer.yaml): names, classes and aliases.

It names and types entities; it adds no facts to a build, except its `reference_facts`
on request (`graphbuild build --reference`), into a named graph of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .names import fold, is_acronym, loose_key
from .resources import ResourceError, load_yaml, ontology_dir

_NOT_ORGANISATIONS = {"Person", "Place", "Policy", "Intervention", "Tool", "Document", "Report"}


@dataclass(frozen=True)
class GazetteerEntry:
    name: str
    cls: str
    aliases: tuple[str, ...]
    case_sensitive: bool = False  # for names that are also common phrases ("Probation Service")


@dataclass(frozen=True)
class ReferenceFact:
    subject: str
    predicate: str
    object: str
    source: str


class Gazetteer:
    """Known entities, looked up by any of their names (acronyms case-sensitively)."""

    def __init__(self, entries: list[GazetteerEntry], facts: list[ReferenceFact]):
        self.entries = entries
        self.facts = facts
        self.by_name = {e.name: e for e in entries}
        self._exact: dict[str, GazetteerEntry] = {}
        self._folded: dict[str, GazetteerEntry] = {}
        self._loose: dict[str, set[str]] = {}
        for e in entries:
            for n in (e.name, *e.aliases):
                if is_acronym(n) or e.case_sensitive:
                    self._exact.setdefault(n, e)
                else:
                    self._folded.setdefault(fold(n), e)
                if e.cls not in _NOT_ORGANISATIONS and not e.case_sensitive:
                    self._loose.setdefault(loose_key(n), set()).add(e.name)

    def lookup(self, name: str) -> GazetteerEntry | None:
        name = name.strip()
        hit = self._exact.get(name)
        if hit:
            return hit
        if is_acronym(name):
            return None
        hit = self._folded.get(fold(name))
        if hit is None or hit.case_sensitive:
            return None
        return hit

    def lookup_loose(self, name: str) -> GazetteerEntry | None:
        """An organisation under a looser key: 'Serco plc', 'Acme Trust' for 'Acme', a plural;
        only when one entry has that key, and never for acronyms."""
        if is_acronym(name.strip()):
            return None
        hits = self._loose.get(loose_key(name), set())
        return self.by_name[next(iter(hits))] if len(hits) == 1 else None

    def surface_forms(self):
        """(entry, form, case_sensitive) for every name and alias, for the entity ruler.

        A person's one-word name (a surname) is matched as written: "Truss", not "truss".
        """
        for e in self.entries:
            for n in dict.fromkeys((e.name, *e.aliases)):
                yield e, n, (e.case_sensitive or is_acronym(n)
                             or (e.cls == "Person" and " " not in n))


def _entries_from(data: dict, path: str, classes: set[str]) -> list[GazetteerEntry]:
    entries = []
    for i, raw in enumerate(data.get("entities") or []):
        if not isinstance(raw, dict) or "name" not in raw or "class" not in raw:
            raise ResourceError(f"{path}: entity #{i + 1} needs a name and a class: {raw!r}")
        if raw["class"] not in classes:
            raise ResourceError(f"{path}: entity {raw['name']!r} has unknown class "
                                f"{raw['class']!r}")
        aliases = tuple(str(a) for a in raw.get("aliases") or [])
        entries.append(GazetteerEntry(str(raw["name"]), raw["class"], aliases,
                                      bool(raw.get("case_sensitive", False))))
    return entries


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    from .ontology import entity_classes, relation_properties

    path = str(ontology_dir() / "gazetteer.yaml")
    data = load_yaml("gazetteer.yaml")
    entries = _entries_from(data, path, entity_classes())
    names = {e.name for e in entries}
    props = relation_properties()
    facts = []
    for raw in data.get("reference_facts") or []:
        s, p, o = raw.get("s"), raw.get("p"), raw.get("o")
        if s not in names or o not in names or p not in props:
            raise ResourceError(f"{path}: reference fact {raw!r} must name two gazetteer "
                                "entities and a contract property")
        facts.append(ReferenceFact(s, p, o, str(raw.get("source", "gazetteer"))))
    return Gazetteer(entries, facts)
