"""Stage 5: entity resolution across the corpus: many mentions → one `Entity` each.

Conservative merges only: gazetteer names and aliases; the same name up to case, accents,
'&'/'and' and possessives; the same organisation or thing with a plural last word or a
designator left off ("Rehabilitation Activity Requirements", "St Giles" for "St Giles Trust"),
when one entity only has that looser key; a surname or first name to the one full name that carries it;
a near-miss spelling of a person's name ("Genys" for "Glenys").
"""

from __future__ import annotations

from collections import Counter, defaultdict
from difflib import SequenceMatcher

from .gazetteer import load_gazetteer
from .names import fold, loose_key, slug, tidy
from .ontology import is_a
from .records import Entity, Mention


def _coarse(cls: str) -> str:
    for c in ("Person", "Organisation", "Policy", "Intervention", "Tool", "Report",
              "Document", "Place"):
        if is_a(cls, c):
            return "Document" if c == "Report" else c
    return cls


def resolve(mentions: list[Mention]) -> tuple[dict[int, str], dict[str, Entity]]:
    """Map each mention (by position in `mentions`) to an entity key; return the entities."""
    gaz = load_gazetteer()
    key_of: dict[int, str] = {}
    groups: dict[str, list[int]] = defaultdict(list)
    pending: list[int] = []
    for i, m in enumerate(mentions):
        if m.source == "unresolved":
            continue  # an anaphor with no referent in its document
        if m.gazetteer_key:
            groups["gaz:" + m.gazetteer_key].append(i)
        else:
            pending.append(i)
    # Gazetteer entries by folded name, to catch NER mentions the ruler missed.
    by_fold: dict[tuple[str, str], str] = {}
    for g in groups:
        entry = gaz.by_name[g[4:]]
        for n in (entry.name, *entry.aliases):
            by_fold[(fold(n), _coarse(entry.cls))] = g
    # Looser keys (a plural, 'Trust'/'Ltd' left off) of the gazetteer entities in the corpus,
    # kept only where one entity has the key.
    loose: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g in list(groups):
        entry = gaz.by_name[g[4:]]
        coarse = _coarse(entry.cls)
        for n in (entry.name, *entry.aliases):
            loose[(loose_key(n, coarse == "Organisation"), coarse)].add(g)
    names: dict[tuple[str, str], str] = {}
    loose_names: dict[tuple[str, str], str] = {}
    singles: list[int] = []
    # A pronoun or description stands for an entity named elsewhere: it joins one, never
    # makes one ("he" after a bare "John" is no more a name than "John" was).
    pending.sort(key=lambda i: mentions[i].source == "anaphor")
    for i in pending:
        m = mentions[i]
        if m.source == "anaphor":
            k = (fold(m.text), _coarse(m.cls))
            lk = (loose_key(m.text, k[1] == "Organisation"), k[1])
            target = by_fold.get(k) or names.get(k) or loose_names.get(lk)
            if target:
                groups[target].append(i)
            elif len(m.text.split()) == 1:
                singles.append(i)
            continue
        k = (fold(m.long_form or m.text), _coarse(m.cls))
        lk = (loose_key(m.long_form or m.text, k[1] == "Organisation"), k[1])
        if k in by_fold:
            groups[by_fold[k]].append(i)
        elif k[1] != "Person" and len(loose.get(lk, ())) == 1:
            groups[next(iter(loose[lk]))].append(i)
        elif m.source == "weak":
            singles.append(i)
        else:
            if k not in names:  # "Acme Trust" and "Acme", "Widget Schemes" and "Widget Scheme"
                if k[1] != "Person" and lk in loose_names:
                    names[k] = loose_names[lk]
                else:
                    names[k] = "ner:" + k[0] + ":" + k[1]
                    if k[1] != "Person":
                        loose_names[lk] = names[k]
            groups[names[k]].append(i)
    _merge_near_misses(groups, mentions)
    # Single-token person names join the one full name that has that token.
    persons: dict[str, set[str]] = defaultdict(set)
    for g, idxs in groups.items():
        if _coarse(mentions[idxs[0]].cls) == "Person":
            for token in fold(mentions[idxs[0]].text).split():
                persons[token].add(g)
    for entry in gaz.entries:  # known people, even if only their surname appears
        if entry.cls == "Person" and len(entry.name.split()) > 1:
            persons[fold(entry.name).split()[-1]].add("gaz:" + entry.name)
    known = {fold(mentions[idxs[0]].text): g for g, idxs in groups.items()}
    # An organisation's first word alone ("Langley" after "Langley House Trust") is the one
    # organisation of its document whose name opens with it (whatever the NER took it for).
    openers: dict[tuple[str, str], set[str]] = defaultdict(set)
    for g, idxs in groups.items():
        for j in idxs:
            words = fold(mentions[j].text).split()
            if _coarse(mentions[j].cls) == "Organisation" and len(words) > 1:
                openers[(mentions[j].doc_id, words[0])].add(g)
    for i in singles:
        name = fold(mentions[i].text)
        owners = persons.get(name, set()) or openers.get((mentions[i].doc_id, name), set())
        if len(owners) == 1:
            groups[next(iter(owners))].append(i)
        elif name in known:
            groups[known[name]].append(i)
    return _entities(groups, mentions, key_of)


def _merge_near_misses(groups: dict[str, list[int]], mentions: list[Mention]) -> None:
    """Fold a rare person name into a frequent one that differs by a letter or two."""
    persons = [g for g, idxs in groups.items()
               if _coarse(mentions[idxs[0]].cls) == "Person"]
    for g in sorted(persons, key=lambda g: len(groups[g])):
        a = fold(mentions[groups[g][0]].text)
        if len(a) < 8:
            continue
        for h in persons:
            if h == g or h not in groups or g not in groups:
                continue
            b = fold(mentions[groups[h][0]].text)
            if (len(groups[h]) >= len(groups[g]) and a.split()[-1:] == b.split()[-1:]
                    and SequenceMatcher(None, a, b).ratio() >= 0.9):
                groups[h].extend(groups.pop(g))
                break


def _entities(groups, mentions, key_of):
    gaz = load_gazetteer()
    entities: dict[str, Entity] = {}
    for g, idxs in sorted(groups.items()):
        surface = [tidy(mentions[i].text) for i in idxs if mentions[i].source != "anaphor"]
        if g.startswith("gaz:"):
            entry = gaz.by_name[g[4:]]
            label, cls = entry.name, entry.cls
        else:
            if not surface:
                continue
            counts = Counter(surface)
            label = max(counts, key=lambda s: (len(s.split()), counts[s], s))
            cls = Counter(mentions[i].cls for i in idxs).most_common(1)[0][0]
        key = slug(label)
        if key in entities and entities[key].cls != cls:
            key = f"{key}-{slug(cls)}"
        ent = entities.setdefault(key, Entity(key, label, cls))
        ent.aliases.update(s for s in surface if s and fold(s) != fold(label) or
                           (s != label and s))
        ent.aliases.discard(label)
        ent.mention_count += len(idxs)
        ent.documents.update(mentions[i].doc_id for i in idxs)
        for i in idxs:
            key_of[i] = key
    return key_of, entities
