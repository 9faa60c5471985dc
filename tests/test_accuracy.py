"""The dev-set scorecard: the graph of data/corpus against ../shared/gold."""

from __future__ import annotations

import json
import subprocess
import sys


def test_sample_graph_meets_accuracy_targets(sample_graph_path, shared_dir):
    scorer = shared_dir / "tools" / "score.py"
    run = subprocess.run([sys.executable, str(scorer), str(sample_graph_path), "--gold",
                          str(shared_dir / "gold"), "--corpus", "data/corpus", "--json"],
                         capture_output=True, text=True, check=True)
    card = json.loads(run.stdout)
    print(json.dumps({k: card[k] for k in ("entities", "relations", "duplicates",
                                           "evidence_coverage")}, indent=1))
    assert card["evidence_coverage"] == 1.0
    assert card["duplicates"] <= 2
    assert card["entities"]["f1"] >= 0.85
    assert card["relations"]["f1"] >= 0.60
