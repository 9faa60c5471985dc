"""The dev-set scorecards: the graph of data/corpus against ../shared/gold, and the graph of
../shared/corpus-dev2 (twelve documents in genres the seeds lack) against ../shared/gold-dev2,
both scored by ../shared/tools/score.py."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SAMPLE_CORPUS, require


def _score(shared_dir: Path, graph: Path, gold: Path, corpus: Path) -> dict:
    scorer = shared_dir / "tools" / "score.py"
    run = subprocess.run([sys.executable, str(scorer), str(graph), "--gold", str(gold),
                          "--corpus", str(corpus), "--json"],
                         capture_output=True, text=True, check=True)
    card = json.loads(run.stdout)
    print(json.dumps({k: card[k] for k in ("entities", "relations", "duplicates",
                                           "evidence_coverage")}, indent=1))
    return card


# Relations F1 on the seeds: 0.722 at the start of the second session on issue 12, 0.750 at
# its end (2026-11-30), 0.762 at the end of the fifth, 0.802 in the sixth (2026-12-01): the
# floor is now issue 12's target.
SEED_RELATIONS_F1 = 0.80


def test_sample_graph_meets_accuracy_targets(sample_graph_path, shared_dir):
    card = _score(shared_dir, sample_graph_path, shared_dir / "gold", SAMPLE_CORPUS)
    assert card["evidence_coverage"] == 1.0
    assert card["duplicates"] <= 1
    assert card["entities"]["f1"] >= 0.92
    assert card["relations"]["f1"] >= SEED_RELATIONS_F1
    assert card["relations"]["precision"] >= 0.85


# The second development set (issue 12): its targets, entities F1 >= 0.90 and relations
# F1 >= 0.65 with relation precision >= 0.85, met on 2026-11-30 (entities F1 0.991,
# relations F1 0.659, precision 0.919, no duplicate); relations F1 0.765 at the end of the
# second session, 0.844 in the third, 0.863 in the fourth, 0.867 in the fifth and 0.890 in
# the sixth, so the floor is raised to keep the gains.
DEV2_ENTITIES_F1 = 0.95
DEV2_RELATIONS_F1 = 0.87
DEV2_RELATIONS_PRECISION = 0.85
DEV2_DUPLICATES = 0


@pytest.fixture(scope="module")
def dev2_graph_path(shared_dir, tmp_path_factory) -> Path:
    corpus, gold = shared_dir / "corpus-dev2", shared_dir / "gold-dev2"
    require(corpus.is_dir() and gold.is_dir(),
            f"{corpus} or {gold} (the second development set) is missing")
    from graphbuild.build import build_corpus

    out = tmp_path_factory.mktemp("dev2-build")
    build_corpus(corpus, out, progress=False)
    return out / "graph.ttl"


def test_second_development_set_meets_accuracy_floors(dev2_graph_path, shared_dir):
    card = _score(shared_dir, dev2_graph_path, shared_dir / "gold-dev2",
                  shared_dir / "corpus-dev2")
    assert card["evidence_coverage"] == 1.0
    assert card["duplicates"] <= DEV2_DUPLICATES
    assert card["entities"]["f1"] >= DEV2_ENTITIES_F1
    assert card["relations"]["f1"] >= DEV2_RELATIONS_F1
    assert card["relations"]["precision"] >= DEV2_RELATIONS_PRECISION
