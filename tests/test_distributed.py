"""Extraction as a Dask computation on a LocalCluster writes the same graph as a serial build."""

from __future__ import annotations

import importlib.util

import pytest
from conftest import SAMPLE_CORPUS, require

from graphbuild.build import build_corpus


@pytest.fixture(scope="module")
def client():
    require(importlib.util.find_spec("distributed") is not None,
            "dask.distributed is not installed (pip install -e '.[dask]')")
    from graphbuild.distributed import dask_client

    # Two single-threaded worker processes with little memory: the spaCy pipeline takes about
    # 0.3 GB a worker, and documents are extracted one at a time.
    with dask_client(local_workers=2, memory_limit="1.5GiB") as c:
        yield c


def test_dask_build_equals_serial_build(client, sample_graph_path, tmp_path):
    from distributed import get_task_stream

    from graphbuild.distributed import dask_extract_map

    documents = sum(1 for p in SAMPLE_CORPUS.iterdir() if p.is_file())
    with get_task_stream(client) as stream:
        summary = build_corpus(SAMPLE_CORPUS, tmp_path / "dask", progress=False,
                               use_cache=False, extract_map=dask_extract_map(client))
    extractions = [t for t in stream.data if t["key"].startswith("graphbuild-extract-")]
    assert len(extractions) == documents == summary.documents, "every document ran on Dask"
    assert {t["worker"] for t in extractions} <= set(client.scheduler_info()["workers"])
    assert (tmp_path / "dask" / "graph.ttl").read_bytes() == sample_graph_path.read_bytes()


def test_dask_build_fills_and_uses_the_cache(client, tmp_path):
    from distributed import get_task_stream

    from graphbuild.distributed import dask_extract_map

    out = tmp_path / "out"
    first = build_corpus(SAMPLE_CORPUS, out, progress=False, extract_map=dask_extract_map(client))
    with get_task_stream(client) as stream:
        again = build_corpus(SAMPLE_CORPUS, out, progress=False,
                             extract_map=dask_extract_map(client))
    assert (first.cached, again.cached) == (0, first.documents)
    assert not [t for t in stream.data if t["key"].startswith("graphbuild-extract-")]


def test_workers_with_other_data_are_refused(client, monkeypatch):
    import graphbuild.distributed as gd

    # Only this process sees the patch: the workers import graphbuild afresh.
    monkeypatch.setattr(gd, "fingerprint", lambda: "not-this-ontology")
    with pytest.raises(gd.DaskUnavailable, match="different graphbuild version or ontology"):
        gd.check_workers(client)


def test_cli_rejects_two_executors():
    from click.testing import CliRunner

    from graphbuild.cli import main

    result = CliRunner().invoke(main, ["build", str(SAMPLE_CORPUS), "--dask-local", "2",
                                       "--workers", "2"])
    assert result.exit_code != 0 and "--workers" in result.output
    result = CliRunner().invoke(main, ["build", str(SAMPLE_CORPUS), "--dask-local", "2",
                                       "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code != 0 and "not both" in result.output
