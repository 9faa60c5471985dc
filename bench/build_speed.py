"""Build speed, scaling, memory and rebuild time against spaCy alone.

    python bench/build_speed.py --scales 1,10,100 [--json] [--workers N]

For each scale k it writes a corpus of k copies of data/corpus (each copy with its own file
names, a shuffled order and a distinguishing line, so no cache can serve one copy for
another), then measures, each in a fresh child process: the whole build, spaCy alone
(`nlp.pipe` over the same paragraphs with the same model) and an immediate rebuild, which is
checked to take every document from the cache (a rebuild that does not, because the pipeline
changed mid-run, is reported on stderr and measured again), and a rebuild after an analyst's
curation edit (`curated_rebuild_s`: a curation file of a dozen decisions picked from the graph,
a merge, drops, rejects, confirmations and an added fact; every document from the cache).
Peak memory is the child's maximum resident set size (resource.getrusage).

The code and data measured are copied once at the start (`graphbuild/` and `ontology/` of the
working tree, or of `--git-ref REV`), so edits made while the benchmark runs, which change the
cache key, cannot turn the rebuild into a first build.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "corpus"
FIELDS = ["scale", "documents", "words", "build_s", "build_words_per_s", "spacy_words_per_s",
          "ratio", "peak_rss_mb", "rebuild_s", "curated_rebuild_s"]


def make_corpus(scale: int, folder: Path) -> int:
    """Write `scale` varied copies of the sample corpus; returns the number of documents."""
    sources = sorted(p for p in SAMPLE.iterdir() if p.is_file())
    rng = random.Random(scale)
    jobs = [(copy, src) for copy in range(scale) for src in sources]
    rng.shuffle(jobs)
    for order, (copy, src) in enumerate(jobs):
        text = src.read_text(encoding="utf-8")
        name = f"{order:05d}_copy{copy:03d}_{src.stem[::-1]}{src.suffix}"
        (folder / name).write_text(f"{text}\n\nArchive copy {copy} of {src.stem}.\n",
                                   encoding="utf-8")
    return len(jobs)


def _child_build(corpus: str, out: str, workers: int) -> dict:
    from graphbuild.build import build_corpus, pipeline_version
    from graphbuild.settings import Settings

    settings = Settings(workers=workers)
    summary = build_corpus(corpus, out, settings, progress=False)
    return {"seconds": summary.seconds, "words": summary.words, "cached": summary.cached,
            "documents": summary.documents, "pipeline": pipeline_version(settings)}


def _child_curated(corpus: str, out: str, workers: int, curation: str) -> dict:
    from graphbuild.build import build_corpus
    from graphbuild.settings import Settings

    summary = build_corpus(corpus, out, Settings(workers=workers), progress=False,
                           curation=curation)
    return {"seconds": summary.seconds, "cached": summary.cached,
            "documents": summary.documents, "counts": summary.curation_report["counts"]}


def write_curation(graph: Path, path: Path) -> int:
    """A curation file of about a dozen decisions on names and facts of `graph`."""
    import yaml
    from rdflib import Graph

    g = Graph().parse(graph)
    pk, pko = "https://w3id.org/probation-kg/id/", "https://w3id.org/probation-kg/ontology#"
    rows = g.query(f"""
        SELECT ?sl ?p ?ol ?text ?doc WHERE {{
          ?a <{pko}evidenceText> ?text ; <http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> ?s ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#predicate> ?p ;
             <http://www.w3.org/1999/02/22-rdf-syntax-ns#object> ?o ;
             <http://www.w3.org/ns/prov#wasDerivedFrom> ?d .
          ?s <http://www.w3.org/2000/01/rdf-schema#label> ?sl .
          ?o <http://www.w3.org/2000/01/rdf-schema#label> ?ol .
          ?d <http://purl.org/dc/terms/identifier> ?doc .
          FILTER(STRSTARTS(STR(?s), "{pk}")) }} ORDER BY ?sl ?p ?ol ?doc""")
    facts, seen = [], set()
    for sl, p, ol, text, doc in rows:  # one row per fact (its first evidence record)
        if (sl, p, ol) not in seen:
            seen.add((sl, p, ol))
            facts.append((str(sl), str(p)[len(pko):], str(ol), str(text),
                          str(doc).rsplit(".", 1)[0]))
    stamp = {"by": "bench", "date": "2025-01-01"}
    entries = []
    for s, p, o, _, _ in facts[:8:2]:
        entries.append({"decision": "reject", "subject": s, "property": p, "object": o, **stamp})
    for s, p, o, _, _ in facts[1:8:2]:
        entries.append({"decision": "confirm", "subject": s, "property": p, "object": o,
                        **stamp})
    used = {n for f in facts[:8] for n in (f[0], f[2])}
    free = sorted({f[0] for f in facts} - used)
    if len(free) >= 4:
        entries.append({"decision": "merge", "name": free[0], "into": free[1], **stamp})
        entries += [{"decision": "drop", "name": n, **stamp} for n in free[2:4]]
    s, p, o, text, doc = facts[-1]
    entries.append({"decision": "add", "subject": o, "property": "criticises", "object": s,
                    "doc": doc.replace("/", "__"), "quote": text, **stamp})
    path.write_text(yaml.safe_dump(entries, sort_keys=False, allow_unicode=True),
                    encoding="utf-8")
    return len(entries)


def _child_spacy(corpus: str, workers: int) -> dict:
    """spaCy alone: the same model, the same paragraphs, the same process count."""
    import spacy

    from graphbuild.corpus import read_corpus
    from graphbuild.nlp import chunks
    from graphbuild.settings import Settings

    settings = Settings()
    docs, _ = read_corpus(Path(corpus))
    pieces = [piece for d in docs for piece, _ in chunks(d.clean, settings.max_chunk_chars)]
    started = time.perf_counter()
    nlp = spacy.load(settings.model)
    words = 0
    for sdoc in nlp.pipe(pieces, batch_size=settings.batch_size, n_process=workers):
        words += sum(1 for t in sdoc if not t.is_space and not t.is_punct)
    return {"seconds": time.perf_counter() - started, "words": words}


SNAPSHOT: Path | None = None  # a frozen copy of graphbuild/ and ontology/ the children import


def snapshot(folder: Path, git_ref: str | None) -> Path:
    """Copy the package and its data into `folder` (from the working tree or a git revision)."""
    if git_ref:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", git_ref, "graphbuild",
                                  "ontology"], check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    else:
        for name in ("graphbuild", "ontology"):
            shutil.copytree(ROOT / name, folder / name,
                            ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def _in_child(args: list[str]) -> dict:
    """Run one measurement in a fresh interpreter; add its peak RSS (children included)."""
    env = dict(os.environ)
    if SNAPSHOT:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SNAPSHOT),
                                                          env.get("PYTHONPATH")]))
        env.pop("GRAPHBUILD_ONTOLOGY_DIR", None)
    done = subprocess.run([sys.executable, __file__, "--child", *args], check=True,
                          capture_output=True, text=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _rebuild(corpus: Path, out: Path, workers: int, first: dict) -> dict:
    """An immediate rebuild, which must take every document from the cache. If it does not,
    the pipeline changed during the run (someone edited the gazetteer, the patterns or the
    extraction code, which the cache key covers): say so, and measure a second rebuild."""
    for _attempt in range(2):
        rebuild = _in_child(["build", str(corpus), str(out), str(workers)])
        if rebuild["cached"] == rebuild["documents"]:
            return rebuild
        print(f"warning: rebuild took {rebuild['cached']}/{rebuild['documents']} documents from "
              f"the cache ({rebuild['seconds']:.1f} s); pipeline at the first build: "
              f"{first['pipeline']}; now: {rebuild['pipeline']}. Rebuilding again.",
              file=sys.stderr, flush=True)
        first = rebuild
    raise SystemExit("the rebuild of an unchanged corpus missed the cache twice")


def measure(scale: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{scale}-") as tmp:
        corpus, out = Path(tmp) / "corpus", Path(tmp) / "out"
        corpus.mkdir()
        documents = make_corpus(scale, corpus)
        build = _in_child(["build", str(corpus), str(out), str(workers)])
        spacy_alone = _in_child(["spacy", str(corpus), str(workers)])
        rebuild = _rebuild(corpus, out, workers, build)
        curation = Path(tmp) / "curation.yaml"
        write_curation(out / "graph.ttl", curation)
        curated = _in_child(["curated", str(corpus), str(out), str(workers), str(curation)])
        if curated["cached"] != curated["documents"]:
            print(f"warning: the curated rebuild took {curated['cached']}/"
                  f"{curated['documents']} documents from the cache", file=sys.stderr)
    build_wps = build["words"] / build["seconds"]
    spacy_wps = spacy_alone["words"] / spacy_alone["seconds"]
    return {"scale": scale, "documents": documents, "words": build["words"],
            "build_s": round(build["seconds"], 2), "build_words_per_s": round(build_wps),
            "spacy_words_per_s": round(spacy_wps), "ratio": round(build_wps / spacy_wps, 3),
            "peak_rss_mb": round(build["peak_rss_mb"], 1),
            "rebuild_s": round(rebuild["seconds"], 2),
            "curated_rebuild_s": round(curated["seconds"], 2)}


def table(rows: list[dict]) -> str:
    lines = ["  ".join(f"{f:>17}" for f in FIELDS)]
    lines += ["  ".join(f"{row[f]:>17}" for f in FIELDS) for row in rows]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "--child":
        kind, rest = argv[1], argv[2:]
        if kind == "build":
            result = _child_build(rest[0], rest[1], int(rest[2]))
        elif kind == "curated":
            result = _child_curated(rest[0], rest[1], int(rest[2]), rest[3])
        else:
            result = _child_spacy(rest[0], int(rest[1]))
        peak_kb = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                      resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
        print(json.dumps({**result, "peak_rss_mb": peak_kb / 1024}))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100",
                        help="Comma-separated multiples of the sample corpus.")
    parser.add_argument("--workers", type=int, default=1, help="Processes for both sides.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--git-ref", default=None, help="Measure this git revision's code and "
                        "data instead of the working tree's.")
    args = parser.parse_args(argv)
    global SNAPSHOT
    frozen = tempfile.TemporaryDirectory(prefix="bench-code-")
    SNAPSHOT = snapshot(Path(frozen.name), args.git_ref)
    rows = []
    for scale in (int(s) for s in args.scales.split(",")):
        rows.append(measure(scale, args.workers))
        if not args.json:
            print(table(rows[-1:]) if len(rows) == 1 else table(rows[-1:]).splitlines()[1],
                  flush=True)
    if args.json:
        print(json.dumps({"scales": rows}))


if __name__ == "__main__":
    main()
