"""Recall on held-out probe texts, and the facts found beyond what their readers marked.

    python bench/probe_recall.py [bench/probes/set_e.yaml ...] [--explain]

Each file under `bench/probes/` is a list of documents written by a helper who had not seen
graphbuild's rules (`text`), with every fact a careful reader marks in it (`want`:
"Subject | property | Object", names as the text writes them). They were written in the
hidden set's genres (news, inspectorate press releases, wiki-style articles, committee
reports, blogs, charity and company pages) to see whether the rules generalise; a set stops
being blind once its misses have been read, so each file's header says when it was first
measured.

Names are compared through the gazetteer (a CRC's full and short names are one entity) and
case-folded; `partnerOf` is symmetric; "England and Wales" is two places, as in the gold
sets. "Beyond" facts are not errors by definition: the readers were conservative (a
report's `reportAbout`, for one, they rarely marked), so the figure bounds precision from
below. This is an estimate, not the accuracy score: the gold
sets and `../shared/tools/score.py` are that.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graphbuild.clean import blank_furniture
from graphbuild.extract import extract_document
from graphbuild.gazetteer import load_gazetteer
from graphbuild.names import fold
from graphbuild.nlp import load_pipeline
from graphbuild.records import SourceText
from graphbuild.settings import Settings

# The gold sets mark "in England and Wales" as two places; some readers marked it as one.
BOTH_NATIONS = {"england and wales": ["England", "Wales"]}
HONORIFICS = re.compile(r"^(?:dame|sir|dr|professor|lord|baroness) ")


def canonical(name: str) -> str:
    """One spelling per entity: the gazetteer's name when it knows the entity."""
    entry = load_gazetteer().lookup(name) or load_gazetteer().lookup_loose(name)
    name = HONORIFICS.sub("", (entry.name if entry else name).lower())
    return fold(name).replace(" & ", " and ").replace(",", "")


def entity(alias: dict[str, str], name: str) -> str:
    """A reader's name as the entity the text's own mention of it was resolved to."""
    return alias.get(canonical(name), canonical(name))


def ordered(fact: tuple[str, str, str]) -> tuple[str, str, str]:
    s, p, o = fact
    return (min(s, o), p, max(s, o)) if p == "partnerOf" else fact


def facts_found(nlp, text: str) -> tuple[set, dict[str, str]]:
    """The facts graphbuild extracts from one text, cleaned of blog furniture (ends that stay
    unresolved are dropped, as in the build), and the text's names mapped to their entities."""
    ex = extract_document(SourceText("p", "p.txt", "p", None, text, blank_furniture(text)), nlp)
    alias = {canonical(m.text): canonical(m.gazetteer_key) for m in ex.mentions
             if m.gazetteer_key}

    # as the build's resolver does: a single word the NER found ("weak") is the one full
    # name of the text that carries it (a person's surname, an organisation's first word),
    # or nothing
    people, firsts = {}, {}
    for m in ex.mentions:
        words = m.text.split()
        if len(words) < 2 or m.source == "unresolved":
            continue
        if m.cls == "Person":
            for word in words:
                people.setdefault(word, set()).add(m.gazetteer_key or m.text)
        else:
            firsts.setdefault(words[0], set()).add(m.gazetteer_key or m.text)

    def name(ref) -> str | None:
        if isinstance(ref, str):
            return canonical(ref.split(":", 1)[1])
        m = ex.mentions[ref]
        if m.source == "unresolved":
            return None
        if m.source == "weak" or m.source == "anaphor" and m.cls == "Person" and (
                len(m.text.split()) == 1):  # ("he" after a surname: the surname's owner)
            owners = people.get(m.text) or firsts.get(m.text)
            return canonical(next(iter(owners))) if owners and len(owners) == 1 else None
        return canonical(m.gazetteer_key or m.long_form or m.text)  # (an acronym, a short form)

    found = set()
    for c in ex.candidates:
        s, o = name(c.subject), name(c.object)
        if s and o and s != o:
            found.add(ordered((s, c.predicate, o)))
    return found, alias


def score(paths: list[Path], explain: bool, by_property: bool) -> None:
    nlp = load_pipeline(Settings().model)
    for path in paths:
        hit, total, beyond = Counter(), Counter(), Counter()
        for k, doc in enumerate(yaml.safe_load(path.read_text(encoding="utf-8"))):
            found, alias = facts_found(nlp, doc["text"])
            want = {ordered((entity(alias, s), p, entity(alias, o)))
                    for s, p, objects in (line.split(" | ") for line in doc["want"])
                    for o in BOTH_NATIONS.get(objects.lower(), [objects])}
            for fact in want:
                total[fact[1]] += 1
                hit[fact[1]] += fact in found
            for fact in found - want:
                if not (fact[1] == "memberOf" and (fact[0], "leads", fact[2]) in want):
                    beyond[fact[1]] += 1
            if explain:
                print(f"== {path.name} #{k}: {doc['text'].splitlines()[0][:70]}")
                for fact in sorted(want - found):
                    print("   missed", " | ".join(fact))
                for fact in sorted(found - want):
                    print("   beyond", " | ".join(fact))
        h, t, b = sum(hit.values()), sum(total.values()), sum(beyond.values())
        print(f"{path.name}: recall {h}/{t} = {h / t:.2f}, {b} facts beyond the readers' "
              f"(precision at least {h / (h + b):.2f})")
        if explain or by_property:
            for p in sorted(total | beyond):
                print(f"  {p:15s} {hit[p]:3d}/{total[p]:3d}  beyond {beyond[p]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path)
    parser.add_argument("--explain", action="store_true", help="list every miss")
    parser.add_argument("--by-property", action="store_true",
                        help="recall per property, without the misses (keeps a set blind)")
    args = parser.parse_args()
    score(args.files or sorted((ROOT / "bench" / "probes").glob("*.yaml")), args.explain,
          args.by_property)


if __name__ == "__main__":
    main()
