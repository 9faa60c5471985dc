"""The construction catalogue (tests/constructions.yaml): recall and precision per property.

Every entry of the catalogue becomes one document (<id>.txt) of one corpus, built once. The
facts of an entry are the contract relations whose evidence records (pko:Assertion,
prov:wasDerivedFrom) point at its document, plus its reportAbout facts: a Document node of
that document with pko:publishedBy/pko:authoredBy S and pko:about O gives (S reportAbout O),
as ../shared/tools/score.py counts them.

Names: an expected name matches an entity when, normalised (case, whitespace, punctuation,
"&"/"and" and a leading "the" ignored, as the scorer does), it equals the entity's rdfs:label
or one of its skos:altLabels, or the gazetteer's canonical name for it does ("HMIP" matches
the node labelled "HM Inspectorate of Probation"). A produced property counts as every
contract property it is a sub-property of (pko:leads is also pko:memberOf). partnerOf is
symmetric: either direction matches.

Counting, per property:
  tp  an expected triple that the entry's document produced;
  fn  an expected triple it did not;
  fp  a forbidden triple it produced, and any produced triple of a property the entry covers
      (its `property` and the properties of its `expect` list) that matches no expected
      triple: the catalogue lists every fact of those properties that its text states.
      Negative entries (`property: none`) cover every property. Direct publishedBy /
      authoredBy / about links of a Document node that no name of the entry picks out (an
      unnamed "Report by X" node) are scored only through reportAbout, as the scorer does.
The table (recall, precision and the misses of every property, with the rule that made each
false positive) is printed (pytest -s or -rA) and written to tests/artifacts/constructions.txt.

Run:  python -m pytest tests/test_constructions.py -q -s
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest
import yaml
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS

from graphbuild.gazetteer import load_gazetteer
from graphbuild.namespaces import PKO, PROV

# Overall recall of the catalogue must not fall below this. It was 0.658 when the catalogue
# was written and 0.818 with the dependency frames (2026-11-30, main at 095775b), and 0.880
# over 276 entries at the end of the second session, rounded down to 0.05. Raise it as the
# extraction improves, so that a gain once made is kept.
RECALL_FLOOR = 0.85
# Overall precision (tp / (tp + fp)) over the whole catalogue: the target for relations.
PRECISION_FLOOR = 0.85
# Forbidden triples (reversed direction, wrong pairing in a list, a place as an organisation,
# a report nobody wrote) produced over the whole catalogue. 8 on 2026-11-30; a small number is
# tolerated while the rules are reworked. Lower it as they are fixed, never raise it.
MAX_FORBIDDEN_HITS = 10

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CATALOGUE = HERE / "constructions.yaml"
ARTIFACT = HERE / "artifacts" / "constructions.txt"

PROPS = ["owns", "partOf", "memberOf", "leads", "inspects", "publishedBy", "authoredBy",
         "about", "responsibleFor", "implements", "delivers", "funds", "partnerOf", "uses",
         "operatesIn", "successorOf", "criticises", "reportAbout"]
SYMMETRIC = {"partnerOf"}
DOC_LINKS = {"publishedBy", "authoredBy", "about"}
MIN_PER_PROPERTY = 8
MIN_NEGATIVES = 20


def norm(name: str) -> str:
    s = unicodedata.normalize("NFKD", str(name))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = s.replace("&", " and ").replace("\u2019", "'")
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return re.sub(r"^the ", "", s)


def load_catalogue() -> list[dict]:
    return yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["entries"]


# ------------------------------------------------------------------ the catalogue itself

def test_catalogue_is_well_formed():
    entries = load_catalogue()
    ids = [e["id"] for e in entries]
    assert len(ids) == len(set(ids)), [i for i, n in Counter(ids).items() if n > 1]
    per_prop = Counter()
    for e in entries:
        assert re.fullmatch(r"[A-Za-z0-9_-]+", e["id"]), e["id"]
        assert e["property"] in PROPS or e["property"] == "none", e
        assert e.get("construction") and e.get("text", "").strip(), e
        for t in list(e["expect"] or []) + list(e.get("forbid") or []):
            assert len(t) == 3 and t[1] in PROPS and t[0] and t[2], (e["id"], t)
        if e["property"] == "none":
            assert not e["expect"], e["id"]
        else:
            assert e["expect"], e["id"]
            assert any(t[1] == e["property"] for t in e["expect"]), e["id"]
        per_prop[e["property"]] += 1
    thin = {p: per_prop[p] for p in PROPS if per_prop[p] < MIN_PER_PROPERTY}
    assert not thin, f"fewer than {MIN_PER_PROPERTY} entries: {thin}"
    assert per_prop["none"] >= MIN_NEGATIVES


def test_catalogue_texts_are_not_copied_from_a_corpus():
    """The catalogue measures generalisation only if its sentences are its own."""
    corpora = [ROOT / "data" / "corpus", ROOT.parent / "shared" / "corpus",
               ROOT.parent / "shared" / "corpus-dev2"]
    bodies = [norm(f.read_text(encoding="utf-8", errors="replace"))
              for d in corpora if d.is_dir() for f in sorted(d.iterdir()) if f.is_file()]
    copied = []
    for e in load_catalogue():
        for sentence in re.split(r"(?<=[.!?])\s+", e["text"]):
            key = norm(sentence)
            if len(key.split()) >= 6 and any(key in body for body in bodies):
                copied.append((e["id"], sentence))
    assert not copied, copied


# ------------------------------------------------------------------ one build of everything

@pytest.fixture(scope="module")
def catalogue_graph(tmp_path_factory) -> Graph:
    from graphbuild.build import build_corpus
    from graphbuild.settings import Settings

    corpus = tmp_path_factory.mktemp("constructions-corpus")
    for e in load_catalogue():
        (corpus / f"{e['id']}.txt").write_text(e["text"].strip() + "\n", encoding="utf-8")
    out = tmp_path_factory.mktemp("constructions-build")
    build_corpus(corpus, out, Settings(), progress=False, use_cache=False)
    return Graph().parse(out / "graph.ttl", format="turtle")


def _closure(g: Graph, start, link) -> set:
    seen, todo = set(), [start]
    while todo:
        x = todo.pop()
        if x in seen:
            continue
        seen.add(x)
        todo.extend(o for o in g.objects(x, link) if isinstance(o, URIRef))
    return seen


class GraphFacts:
    """The facts of a built graph, grouped by the catalogue entry whose document gave them."""

    def __init__(self, g: Graph):
        self.g = g
        self._props: dict = {}
        self.names: dict = defaultdict(set)
        self.label: dict = {}
        for node in set(g.subjects(RDF.type, None)):
            if not str(node).startswith("https://w3id.org/probation-kg/id/"):
                continue
            for link in (RDFS.label, SKOS.prefLabel, SKOS.altLabel):
                self.names[node].update(norm(x) for x in g.objects(node, link))
            self.label[node] = str(g.value(node, RDFS.label) or node)
        document = PKO.Document
        self.documents = {n for n in self.names
                          if any(document in _closure(g, t, RDFS.subClassOf)
                                 for t in g.objects(n, RDF.type))}
        entry_of_doc = {doc: Path(str(g.value(doc, DCTERMS.identifier))).stem
                        for doc in g.subjects(RDF.type, PKO.SourceDocument)}
        # entry id -> {(s, predicate, o): sorted extractor names}
        self.edges: dict = defaultdict(lambda: defaultdict(set))
        for a in g.subjects(RDF.type, PKO.Assertion):
            entry = entry_of_doc.get(g.value(a, PROV.wasDerivedFrom))
            s, p, o = g.value(a, RDF.subject), g.value(a, RDF.predicate), g.value(a, RDF.object)
            if entry and self.contract_props(p):
                self.edges[entry][(s, p, o)].add(str(g.value(a, PKO.extractor) or "?"))

    def contract_props(self, p) -> set:
        if p not in self._props:
            pko = str(PKO)
            self._props[p] = {str(x)[len(pko):] for x in _closure(self.g, p, RDFS.subPropertyOf)
                              if str(x).startswith(pko) and str(x)[len(pko):] in PROPS}
        return self._props[p]

    def produced(self, entry: str) -> list[tuple]:
        """(subject, {contract properties}, object, own property, extractors) of an entry."""
        out, links = [], defaultdict(lambda: defaultdict(set))
        for (s, p, o), rules in self.edges.get(entry, {}).items():
            cps = self.contract_props(p)
            own = str(p)[len(str(PKO)):] if str(p).startswith(str(PKO)) else min(cps)
            out.append((s, cps, o, own, rules))
            if s in self.documents:
                for cp in cps & DOC_LINKS:
                    links[s][cp].add((o, frozenset(rules)))
        for by in links.values():
            for src, r1 in by["publishedBy"] | by["authoredBy"]:
                for topic, r2 in by["about"]:
                    out.append((src, {"reportAbout"}, topic, "reportAbout", set(r1 | r2)))
        return out


class Names:
    """Expected names to the keys they match: the name itself and its gazetteer canonical."""

    def __init__(self):
        self.gazetteer = load_gazetteer()
        self.cache: dict = {}

    def keys(self, name: str) -> set:
        if name not in self.cache:
            keys = {norm(name)}
            hit = self.gazetteer.lookup(name)
            if hit is not None:
                keys.add(norm(hit.name))
            self.cache[name] = keys
        return self.cache[name]


def _matches(facts: GraphFacts, names: Names, triple, s, cps, o) -> bool:
    ts, tp, to = triple
    if tp not in cps:
        return False
    if names.keys(ts) & facts.names[s] and names.keys(to) & facts.names[o]:
        return True
    return tp in SYMMETRIC and bool(names.keys(ts) & facts.names[o]
                                    and names.keys(to) & facts.names[s])


def score_catalogue(facts: GraphFacts, entries: list[dict]) -> dict:
    names = Names()
    counts = {p: Counter() for p in PROPS}
    misses = defaultdict(list)     # property -> lines
    false = defaultdict(list)      # property -> lines
    forbidden_hits = []
    entries_by_prop = defaultdict(list)
    for e in entries:
        entries_by_prop[e["property"]].append(e)
        expect = [tuple(t) for t in e["expect"] or []]
        forbid = [tuple(t) for t in e.get("forbid") or []]
        covered = set(PROPS) if e["property"] == "none" else \
            {e["property"], *(t[1] for t in expect)}
        produced = facts.produced(e["id"])
        entry_names = {k for t in expect + forbid for n in (t[0], t[2]) for k in names.keys(n)}
        ok, ec = True, Counter()
        for t in expect:
            if any(_matches(facts, names, t, s, cps, o) for s, cps, o, _, _ in produced):
                counts[t[1]]["tp"] += 1
                ec["tp"] += 1
            else:
                counts[t[1]]["fn"] += 1
                ec["fn"] += 1
                ok = False
                misses[t[1]].append(f"{e['id']} [{e['construction']}] missed: {' '.join(t)}")
        for t in forbid:
            for s, cps, o, _, rules in produced:
                if _matches(facts, names, t, s, cps, o):
                    counts[t[1]]["fp"] += 1
                    ec["fp"] += 1
                    ok = False
                    line = (f"{e['id']} [{e['construction']}] FORBIDDEN: {' '.join(t)} "
                            f"({', '.join(sorted(rules))})")
                    false[t[1]].append(line)
                    forbidden_hits.append(line)
                    break
        for s, cps, o, own, rules in produced:
            if s in facts.documents and cps <= DOC_LINKS and not facts.names[s] & entry_names:
                continue  # an unnamed report node: scored through reportAbout
            if any(_matches(facts, names, t, s, cps, o) for t in expect):
                continue
            if any(_matches(facts, names, t, s, cps, o) for t in forbid):
                continue  # counted above
            hit = sorted(cps & covered, key=lambda p: p != own)
            if not hit:
                continue
            counts[hit[0]]["fp"] += 1
            ec["fp"] += 1
            ok = False
            false[hit[0]].append(f"{e['id']} [{e['construction']}] unexpected: "
                                 f"{facts.label[s]} {hit[0]} {facts.label[o]} "
                                 f"({', '.join(sorted(rules))})")
        e["_ok"], e["_counts"] = ok, ec
    return {"counts": counts, "misses": misses, "false": false,
            "forbidden": forbidden_hits, "entries": entries_by_prop}


FAMILIES = {"active", "passive", "relative", "apposition", "possessive", "compound", "copula",
            "coordination", "list", "pronoun", "short-reference", "unknown", "nominal",
            "co-occurrence", "role-title", "rated", "contrast-pairing"}


def family(construction: str) -> str:
    """The kind of a construction tag: 'relative-passive' -> relative; a trigger phrase
    ('awarded-the-contract-by') -> phrase."""
    for fam in sorted(FAMILIES, key=len, reverse=True):
        if construction == fam or construction.startswith(fam + "-"):
            return fam
    return "phrase"


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def _cell(a: int, b: int, width: int) -> str:
    return f"{a / b:>{width}.3f}" if b else f"{'-':>{width}}"


def report(result: dict) -> tuple[str, float, float]:
    counts, entries = result["counts"], result["entries"]
    lines = ["Construction catalogue (tests/constructions.yaml): facts per property",
             (f"{'property':<15} {'entries':>7} {'clean':>5} {'tp':>4} {'fn':>4} {'fp':>4} "
              f"{'recall':>7} {'precision':>9}")]
    total = Counter()
    for p in PROPS + ["none"]:
        c = counts.get(p, Counter())
        total.update(c)
        es = entries.get(p, [])
        clean = sum(1 for e in es if e["_ok"])
        if p == "none":
            fp_none = sum(1 for e in es if not e["_ok"])
            lines.append(f"{'(negatives)':<15} {len(es):>7} {clean:>5} {'':>4} {'':>4} "
                         f"{fp_none:>4}")
            continue
        lines.append(f"{p:<15} {len(es):>7} {clean:>5} {c['tp']:>4} {c['fn']:>4} {c['fp']:>4} "
                     f"{_cell(c['tp'], c['tp'] + c['fn'], 7)} "
                     f"{_cell(c['tp'], c['tp'] + c['fp'], 9)}")
    recall = _ratio(total["tp"], total["tp"] + total["fn"])
    precision = _ratio(total["tp"], total["tp"] + total["fp"])
    lines.append(f"{'ALL':<15} {sum(len(v) for v in entries.values()):>7} "
                 f"{sum(1 for v in entries.values() for e in v if e['_ok']):>5} "
                 f"{total['tp']:>4} {total['fn']:>4} {total['fp']:>4} {recall:>7.3f} "
                 f"{precision:>9.3f}")
    lines.append(f"floors: recall >= {RECALL_FLOOR}, precision >= {PRECISION_FLOOR}, "
                 f"forbidden hits <= {MAX_FORBIDDEN_HITS} (now {len(result['forbidden'])})")
    lines.append("('clean': entries with every expected fact and no false one; "
                 "fp of the negatives row is counted under the produced property)")
    lines.append("")
    lines.append("By kind of construction (first word of the entry's `construction` tag)")
    lines.append(f"{'construction':<16} {'entries':>6} {'clean':>5} {'tp':>4} {'fn':>4} "
                 f"{'fp':>4} {'recall':>7} {'precision':>9}")
    families = defaultdict(list)
    for es in entries.values():
        for e in es:
            families[family(e["construction"])].append(e)
    for fam in sorted(families, key=lambda f: (f == "phrase", f)):
        es = families[fam]
        c = sum((e["_counts"] for e in es), Counter())
        lines.append(f"{fam:<16} {len(es):>6} {sum(e['_ok'] for e in es):>5} {c['tp']:>4} "
                     f"{c['fn']:>4} {c['fp']:>4} {_cell(c['tp'], c['tp'] + c['fn'], 7)} "
                     f"{_cell(c['tp'], c['tp'] + c['fp'], 9)}")
    for p in PROPS:
        if result["misses"].get(p) or result["false"].get(p):
            lines.append(f"\n{p}:")
            lines.extend(f"  {x}" for x in result["misses"].get(p, []))
            lines.extend(f"  {x}" for x in result["false"].get(p, []))
    return "\n".join(lines), recall, precision


def test_construction_catalogue(catalogue_graph):
    result = score_catalogue(GraphFacts(catalogue_graph), load_catalogue())
    text, recall, precision = report(result)
    print("\n" + text)
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text(text + "\n", encoding="utf-8")
    assert precision >= PRECISION_FLOOR, f"precision {precision:.3f} < {PRECISION_FLOOR}"
    assert recall >= RECALL_FLOOR, f"recall {recall:.3f} < {RECALL_FLOOR}"
    assert len(result["forbidden"]) <= MAX_FORBIDDEN_HITS, result["forbidden"]
