"""How long the explorer page takes to settle in headless Chromium, for 500 and 2,000 entities.

Usage: python bench/explorer_speed.py [--json] [--sizes 500,2000] [--repeat 3]

For each size a synthetic contract-shaped graph is generated (seeded: preferential attachment,
about two relations per entity, one evidence sentence each), the page is written with
`graphbuild.explorer.write_explorer`, and Chromium opens it from disk `--repeat` times.
"Settled" is the page's own `window.explorerReadyAt`: performance.now() (milliseconds since
navigation started) at vis-network's first `afterDrawing`. Positions come from Python and
physics is off, so the first drawing is the final layout; the benchmark checks this by
measuring how far any node moves during the second after settling.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import DCTERMS, RDF, RDFS

from graphbuild.analytics import ENTITY_CLASSES, RELATIONS, to_networkx
from graphbuild.explorer import ViewOptions, write_explorer
from graphbuild.namespaces import PK, PKA, PKD, PKO, PROV

TARGET_SECONDS = {2000: 2.0}
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--no-first-run", "--disable-sync"]
DOCUMENTS = 50


def synthetic_graph(entities: int, seed: int = 1) -> Graph:
    """Contract-shaped graph: each new entity links to two earlier ones, chosen by degree."""
    rng = random.Random(seed)
    g = Graph()
    for d in range(DOCUMENTS):
        g.add((PKD[f"d{d}"], RDF.type, PKO.SourceDocument))
        g.add((PKD[f"d{d}"], DCTERMS.identifier, Literal(f"doc{d:03}.txt")))
        g.add((PKD[f"d{d}"], DCTERMS.title, Literal(f"Synthetic document {d}")))
    ends: list[int] = []
    for i in range(entities):
        g.add((PK[f"e{i}"], RDF.type, PKO[rng.choice(ENTITY_CLASSES)]))
        g.add((PK[f"e{i}"], RDFS.label, Literal(f"Entity {i} {rng.choice(['Ltd', 'CRC', 'Board'])}")))
        g.add((PKD[f"d{rng.randrange(DOCUMENTS)}"], PKO.mentions, PK[f"e{i}"]))
        targets = {rng.choice(ends) for _ in range(2)} if ends else set()
        for j in sorted(targets):
            relation = PKO[rng.choice(RELATIONS)]
            g.add((PK[f"e{i}"], relation, PK[f"e{j}"]))
            record = PKA[f"a{i}-{j}"]
            g.add((record, RDF.type, PKO.Assertion))
            g.add((record, RDF.subject, PK[f"e{i}"]))
            g.add((record, RDF.predicate, relation))
            g.add((record, RDF.object, PK[f"e{j}"]))
            g.add((record, PROV.wasDerivedFrom, PKD[f"d{rng.randrange(DOCUMENTS)}"]))
            g.add((record, PKO.evidenceText, Literal(
                f"Entity {i} and Entity {j} are linked, says this synthetic sentence.")))
            ends += [i, j]
        ends.append(i)
    return g


def time_page(browser, html: Path) -> dict[str, float]:
    """Milliseconds from navigation start to settled, and the largest drift one second later."""
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    foreign: list[str] = []
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:")
               else (foreign.append(route.request.url), route.abort()))
    page.goto(html.as_uri())
    page.wait_for_function("window.explorerReadyAt !== undefined", timeout=300_000)
    settled = page.evaluate("window.explorerReadyAt")
    before = page.evaluate("explorer.network.getPositions()")
    page.wait_for_timeout(1000)
    after = page.evaluate("explorer.network.getPositions()")
    drift = max((abs(before[n]["x"] - after[n]["x"]) + abs(before[n]["y"] - after[n]["y"])
                 for n in before), default=0.0)
    page.close()
    if foreign:
        raise RuntimeError(f"the page requested other hosts: {foreign}")
    return {"settled_ms": settled, "drift_px": drift}


def run(sizes: list[int], repeat: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    results = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        for size in sizes:
            network = to_networkx(synthetic_graph(size))
            html = Path(tmp) / f"explorer-{size}.html"
            start = time.perf_counter()
            meta = write_explorer(network, html, ViewOptions(max_nodes=size), f"synthetic-{size}")
            write_seconds = time.perf_counter() - start
            runs = [time_page(browser, html) for _ in range(repeat)]
            settled = [r["settled_ms"] / 1000 for r in runs]
            results.append({
                "entities": meta["entities"], "relations": meta["relations"],
                "page_mb": round(html.stat().st_size / 1e6, 2),
                "python_write_s": round(write_seconds, 2),
                "settled_s_median": round(statistics.median(settled), 3),
                "settled_s_runs": [round(s, 3) for s in settled],
                "max_drift_px": max(r["drift_px"] for r in runs),
                "target_s": TARGET_SECONDS.get(size),
            })
        browser.close()
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--sizes", default="500,2000", help="comma-separated entity counts")
    parser.add_argument("--repeat", type=int, default=3, help="page loads per size")
    args = parser.parse_args(argv)
    results = run([int(s) for s in args.sizes.split(",")], args.repeat)
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(f"{'entities':>8} {'relations':>9} {'page MB':>7} {'write s':>7} "
              f"{'settled s (median)':>18} {'runs':>22} {'drift px':>8}")
        for r in results:
            runs = ", ".join(f"{s:.2f}" for s in r["settled_s_runs"])
            print(f"{r['entities']:>8} {r['relations']:>9} {r['page_mb']:>7} "
                  f"{r['python_write_s']:>7} {r['settled_s_median']:>18} {runs:>22} "
                  f"{r['max_drift_px']:>8}")
    missed = [r for r in results if r["target_s"] and r["settled_s_median"] > r["target_s"]]
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
