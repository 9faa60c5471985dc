"""Extraction as a Dask computation: the per-document stage runs on a `dask.distributed` cluster.

Only extraction (spaCy, mentions, relation candidates: everything that depends on one document)
is distributed. The cache, resolution across the corpus and the graph stay in the process that
runs the build, so a Dask build writes exactly the graph a serial build writes.

    from graphbuild.distributed import dask_client, dask_extract_map
    with dask_client(local_workers=2) as client:           # or scheduler="tcp://host:8786"
        build_corpus(corpus, out, extract_map=dask_extract_map(client))

Workers need graphbuild installed with the same version and the same ontology/ data files;
`check_workers` refuses a cluster whose workers would extract differently.

Dask is an optional extra: `pip install -e '.[dask]'`.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from . import __version__
from .extract import DocExtraction, extract_document
from .records import SourceText
from .resources import fingerprint
from .settings import Settings


class DaskUnavailable(Exception):
    """dask.distributed is not installed, or the cluster cannot be used."""


def _distributed():
    try:
        import distributed
    except ImportError as e:
        raise DaskUnavailable("Dask is not installed: pip install -e '.[dask]' (or "
                              "pip install 'dask[distributed]')") from e
    return distributed


def extract_on_worker(doc: SourceText, model: str, batch_size: int,
                      max_chunk_chars: int) -> DocExtraction:
    """The task each worker runs: the pipeline is loaded once per worker process (lru_cache)."""
    from .nlp import load_pipeline

    return extract_document(doc, load_pipeline(model), batch_size, max_chunk_chars)


def worker_signature() -> tuple[str, str]:
    """What decides extraction apart from the document: the package version and data files."""
    return __version__, fingerprint()


def check_workers(client) -> int:
    """Number of workers; refuses none, and workers whose graphbuild or ontology/ differ."""
    info = client.scheduler_info()
    if not info.get("workers"):
        raise DaskUnavailable(f"the Dask cluster at {client.scheduler.address} has no workers")
    try:
        signatures = client.run(worker_signature)
    except Exception as e:  # e.g. graphbuild is not importable on a worker
        raise DaskUnavailable(f"the Dask workers cannot run graphbuild: {e}") from e
    mine = worker_signature()
    wrong = sorted(addr for addr, sig in signatures.items() if tuple(sig) != mine)
    if wrong:
        raise DaskUnavailable(
            f"Dask worker(s) {', '.join(wrong)} have a different graphbuild version or ontology/ "
            f"data (version, fingerprint: {mine} here); install the same on every worker")
    return len(signatures)


def _task_key(doc: SourceText, settings: Settings) -> str:
    h = hashlib.sha256()
    for part in (settings.model, str(settings.batch_size), str(settings.max_chunk_chars),
                 doc.identifier, doc.text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return f"graphbuild-extract-{h.hexdigest()[:24]}"


def dask_extract_map(client, in_flight: int | None = None):
    """An `extract_map` for `build_corpus` that runs each document as one task on `client`.

    Results come back in document order. At most `in_flight` documents (default: four per
    worker thread) are on the cluster at once, so the client never holds the whole corpus
    twice and a large corpus streams through a small cluster.
    """
    _distributed()

    def run(docs: list[SourceText], settings: Settings) -> Iterator[DocExtraction]:
        if not docs:
            return
        check_workers(client)
        limit = in_flight or max(2, 4 * sum(client.nthreads().values()))
        pending: deque = deque()
        for doc in docs:
            pending.append(client.submit(extract_on_worker, doc, settings.model,
                                         settings.batch_size, settings.max_chunk_chars,
                                         key=_task_key(doc, settings), retries=1))
            if len(pending) >= limit:
                yield _take(pending.popleft())
        while pending:
            yield _take(pending.popleft())

    return run


def _take(future) -> DocExtraction:
    result = future.result()
    future.release()
    return result


@contextmanager
def dask_client(scheduler: str | None = None, local_workers: int | None = None,
                memory_limit: str = "2GiB"):
    """A `distributed.Client`: connected to `scheduler`, or to a fresh `LocalCluster` of
    `local_workers` single-threaded worker processes (listening on 127.0.0.1 only, no
    dashboard), closed on exit."""
    if (scheduler is None) == (local_workers is None):
        raise ValueError("give exactly one of scheduler and local_workers")
    distributed = _distributed()
    if scheduler is not None:
        try:
            client = distributed.Client(scheduler, timeout="20s")
        except OSError as e:
            raise DaskUnavailable(f"cannot reach the Dask scheduler at {scheduler}: {e}") from e
        with client:
            yield client
        return
    with distributed.LocalCluster(n_workers=local_workers, threads_per_worker=1,
                                  processes=True, host="127.0.0.1", dashboard_address=None,
                                  memory_limit=memory_limit) as cluster, \
            distributed.Client(cluster) as client:
        yield client
