"""The whole build: corpus folder → `graph.ttl`, with a per-document cache."""

from __future__ import annotations

import hashlib
import multiprocessing
import pickle
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import repeat
from pathlib import Path

from . import __version__
from .atomic import write_bytes_atomic
from .corpus import CorpusError, ReadProblem, read_corpus
from .curation import CurationError, CurationFile, CurationRun, load_curation, write_report
from .docpages import write_mention_files
from .export import serialize_turtle
from .extract import DocExtraction, extract_document
from .gazetteer import load_gazetteer
from .names import slug
from .nlp import load_pipeline
from .ontology import is_a, super_properties
from .rdfgraph import build_graph
from .records import Assertion, Entity, Mention, SourceText
from .resolve import resolve
from .resources import fingerprint
from .settings import Settings
from .temporal import implied_endings


@dataclass
class BuildSummary:
    documents: int = 0
    words: int = 0
    entities_by_class: Counter = field(default_factory=Counter)
    relations_by_property: Counter = field(default_factory=Counter)
    problems: list[ReadProblem] = field(default_factory=list)
    cached: int = 0
    seconds: float = 0.0
    output: Path | None = None
    curation_lines: list[str] = field(default_factory=list)
    curation_report: dict | None = None

    @property
    def failed(self) -> int:
        return sum(1 for p in self.problems if p.fatal)

    def lines(self) -> list[str]:
        out = [(f"documents  {self.documents} ({self.words} words, {self.cached} from cache, "
                f"{self.failed} failed)")]
        out.append(f"entities   {sum(self.entities_by_class.values())}")
        out += [f"  {c:<22} {n}" for c, n in sorted(self.entities_by_class.items())]
        out.append(f"relations  {sum(self.relations_by_property.values())}")
        out += [f"  {p:<22} {n}" for p, n in sorted(self.relations_by_property.items())]
        out += self.curation_lines
        out.append(f"seconds    {self.seconds:.1f}")
        if self.output:
            out.append(f"wrote      {self.output}")
        return out


class BuildError(Exception):
    """The build cannot proceed; nothing was written."""


@lru_cache(maxsize=8)
def _model_version(model: str) -> str:
    """The installed version of the model package (or of a model folder's meta.json), so an
    upgraded model invalidates the cache even under the same name."""
    import spacy.util

    version = spacy.util.get_package_version(model)
    if version is None and (Path(model) / "meta.json").exists():
        version = hashlib.sha256((Path(model) / "meta.json").read_bytes()).hexdigest()[:16]
    return f"spacy {spacy.__version__}, {model} {version}"


def pipeline_version(settings: Settings) -> str:
    """Everything besides the document that decides its extraction. Not batch_size or
    workers: they change speed, never the result; max_chunk_chars decides where long lines
    are cut before spaCy sees them, so it can."""
    return (f"graphbuild {__version__}; {_model_version(settings.model)}; "
            f"max_chunk_chars {settings.max_chunk_chars}; data and code {fingerprint()}")


def _cache_key(doc: SourceText, settings: Settings, version: str | None = None) -> str:
    h = hashlib.sha256()
    for part in (version or pipeline_version(settings), doc.identifier, doc.text):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    return h.hexdigest()


_worker_nlp = None


def _init_worker(model: str) -> None:
    """Each worker process loads the pipeline once, not once per document."""
    global _worker_nlp
    _worker_nlp = load_pipeline(model)


def _extract_in_worker(doc: SourceText, batch_size: int, max_chunk_chars: int) -> DocExtraction:
    return extract_document(doc, _worker_nlp, batch_size, max_chunk_chars)


def _read_cached(path: Path | None) -> DocExtraction | None:
    if not path or not path.exists():
        return None
    try:
        return pickle.loads(path.read_bytes())
    except Exception:  # noqa: BLE001 - a damaged cache entry is recomputed, never trusted
        return None


def _computed(todo: list[SourceText], settings: Settings):
    """Extractions of `todo` in document order: serially, or in `settings.workers` processes."""
    if settings.workers <= 1 or len(todo) <= 1:
        nlp = load_pipeline(settings.model) if todo else None
        for doc in todo:
            yield extract_document(doc, nlp, settings.batch_size, settings.max_chunk_chars)
        return
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=min(settings.workers, len(todo)), mp_context=context,
                             initializer=_init_worker, initargs=(settings.model,)) as pool:
        yield from pool.map(_extract_in_worker, todo, repeat(settings.batch_size),
                            repeat(settings.max_chunk_chars))


# Maps uncached documents to their extractions, in document order: `_computed` (one process
# or a local pool) by default; graphbuild.distributed supplies one that runs on a Dask cluster.
ExtractMap = Callable[[list[SourceText], Settings], Iterable[DocExtraction]]


def _extract_all(docs, settings, cache_dir, progress,
                 extract_map: ExtractMap | None = None) -> tuple[list[DocExtraction], int]:
    version = pipeline_version(settings)
    paths = [cache_dir / f"{_cache_key(doc, settings, version)}.pkl" if cache_dir else None
             for doc in docs]
    results: list[DocExtraction | None] = [_read_cached(p) for p in paths]
    hits = sum(1 for r in results if r is not None)
    todo = [i for i, r in enumerate(results) if r is None]
    computed = (extract_map or _computed)([docs[i] for i in todo], settings)
    for n, (i, result) in enumerate(zip(todo, computed, strict=True), hits + 1):
        results[i] = result
        if paths[i]:
            write_bytes_atomic(paths[i], pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
        if progress:
            bar = "#" * int(30 * n / len(docs))
            print(f"\rextracting [{bar:<30}] {n}/{len(docs)} {docs[i].identifier[:40]:<40}",
                  end="", file=sys.stderr, flush=True)
    if progress and docs:
        print(file=sys.stderr)
    return results, hits


def _endpoint(ref, base: int, key_of: dict[int, str], entities: dict[str, Entity]) -> str | None:
    if isinstance(ref, str):
        name = ref[4:]
        entry = load_gazetteer().by_name.get(name)
        if entry is None:
            return None
        key = slug(entry.name)
        entities.setdefault(key, Entity(key, entry.name, entry.cls))
        return key
    return key_of.get(base + ref)


def assertions_from(extractions, key_of, entities, docs_by_id) -> list[Assertion]:
    """Turn per-document candidates into entity-level assertions; reports become nodes."""
    found: dict[tuple, Assertion] = {}
    base = 0
    for ex in extractions:
        doc = docs_by_id[ex.doc_id]
        for c in ex.candidates:
            s = _endpoint(c.subject, base, key_of, entities)
            o = _endpoint(c.object, base, key_of, entities)
            if not s or not o or s == o:
                continue
            evidence = doc.text[c.sent_start:c.sent_end]
            s_ref, o_ref = _reference(ex, c.subject), _reference(ex, c.object)
            facts = [(s, c.predicate, o, s_ref, o_ref)]
            if c.predicate == "reportAbout":
                report = _report_entity(entities, s, doc)
                link = "authoredBy" if is_a(entities[s].cls, "Person") else "publishedBy"
                facts = [(report, link, s, None, s_ref), (report, "about", o, None, o_ref)]
            for fs, fp, fo, fs_ref, fo_ref in facts:
                a = Assertion(fs, fp, fo, ex.doc_id, c.sent_start, c.sent_end, evidence,
                              c.extractor, c.confidence, c.valid_from, c.valid_until,
                              c.time_start, c.time_end, fs_ref, fo_ref)
                k = (fs, fp, fo, ex.doc_id, c.sent_start)
                found[k] = _better(found.get(k), a)
        base += len(ex.mentions)
    return sorted(_without_entailed(list(found.values())), key=assertion_order)


def _without_entailed(assertions: list[Assertion]) -> list[Assertion]:
    """Drop a fact that a more specific fact between the same two entities entails: a
    memberOf where the graph says the person leads the organisation (pko:leads is a
    sub-property of pko:memberOf)."""
    supers = super_properties()
    entailed = {(a.subject, p, a.object) for a in assertions for p in supers.get(a.predicate, ())}
    return [a for a in assertions if (a.subject, a.predicate, a.object) not in entailed]


def assertion_order(a: Assertion) -> tuple:
    """The order assertions are written in (the graph's triples are sorted anyway; this keeps
    the build's own lists deterministic)."""
    return a.subject, a.predicate, a.object, a.doc_id, a.char_start, a.extractor


def _reference(ex: DocExtraction, ref) -> tuple[int, int] | None:
    """The span of a pronoun or description ('it', 'the company') that stands for an entity."""
    if isinstance(ref, int) and ex.mentions[ref].source == "anaphor":
        return ex.mentions[ref].start, ex.mentions[ref].end
    return None


def _better(kept: Assertion | None, new: Assertion) -> Assertion:
    """Of two readings of one fact in one sentence: the more confident, with the dates that
    either found."""
    if kept is None:
        return new
    best, other = (new, kept) if new.confidence > kept.confidence else (kept, new)
    if (best.valid_from, best.valid_until) == (None, None) and other.time_start >= 0:
        best = replace(best, valid_from=other.valid_from, valid_until=other.valid_until,
                       time_start=other.time_start, time_end=other.time_end)
    return best


def _report_entity(entities: dict[str, Entity], publisher: str, doc: SourceText) -> str:
    """The report a document describes, one per publisher and document."""
    key = f"report-{slug(doc.doc_id)}-{publisher}"
    if key not in entities:
        title = doc.title if len(doc.title) <= 80 else doc.title[:77] + "..."
        entities[key] = Entity(key, f"Report by {entities[publisher].label} described in "
                                    f"“{title}”", "Report", documents={doc.doc_id})
    return key


def _load_curation(path: str | Path | None, strict: bool, loud: bool) -> CurationFile | None:
    """The curation file, checked before any work: problems are printed (with file and line);
    under `strict` any malformed entry or contradiction stops the build."""
    if path is None:
        return None
    try:
        curation_file = load_curation(path)
    except CurationError as e:
        raise BuildError(f"{e}; nothing written") from e
    if loud:
        for p in curation_file.problems:
            print(f"{'error' if p.fatal else 'warning'}: {p}", file=sys.stderr)
    if strict and curation_file.fatal_problems:
        raise BuildError(f"{path}: {len(curation_file.fatal_problems)} malformed or "
                         "contradictory curation entries and --strict is set; nothing written")
    return curation_file


def build_corpus(corpus: str | Path, out: str | Path, settings: Settings | None = None,
                 progress: bool = True, strict: bool = False, use_cache: bool = True,
                 extract_map: ExtractMap | None = None, curation: str | Path | None = None,
                 write: bool = True) -> BuildSummary:
    """Read `corpus`, extract, resolve and write `out/graph.ttl` atomically.

    `extract_map`, when given, computes the uncached extractions instead of this process or
    its local pool (see graphbuild.distributed); resolution and the graph stay here.
    `curation`, a curation file (graphbuild.curation), is applied after resolution and
    reported in `out/curation-report.json`. `write=False` is a dry run: nothing is written
    but the cache (`graphbuild curate check`).
    """
    started = time.perf_counter()
    settings = settings or Settings()
    out = Path(out)
    curation_file = _load_curation(curation, strict, write)
    cache_dir = out / ".cache" if use_cache else None
    try:
        docs, problems = read_corpus(Path(corpus), settings.max_bytes, cache_dir)
    except CorpusError as e:
        raise BuildError(str(e)) from e
    for p in problems:
        print(f"warning: {p}" if not p.fatal else f"error: {p}", file=sys.stderr)
    if strict and problems:
        raise BuildError(f"{len(problems)} file(s) had problems and --strict is set; "
                         "nothing written")
    if not docs:
        raise BuildError(f"{corpus}: no readable documents (.txt, .md, .html, .pdf, .docx); "
                         "nothing written")
    extractions, hits = _extract_all(docs, settings, cache_dir, progress, extract_map)
    all_mentions: list[Mention] = [m for ex in extractions for m in ex.mentions]
    key_of, entities = resolve(all_mentions)
    docs_by_id = {d.doc_id: d for d in docs}
    run = CurationRun(curation_file, docs) if curation_file else None
    if run:
        run.apply_to_entities(all_mentions, key_of, entities)
    assertions = assertions_from(extractions, key_of, entities, docs_by_id)
    if run:
        assertions = run.apply_to_facts(assertions, entities, extractions, key_of)
    assertions = sorted(assertions + implied_endings(assertions), key=assertion_order)
    mentioned: dict[str, set[str]] = defaultdict(set)
    for i, m in enumerate(all_mentions):
        if i in key_of:
            mentioned[m.doc_id].add(key_of[i])
    for a in assertions:
        for key in (a.subject, a.object):
            if entities[key].cls == "Report":
                mentioned[a.doc_id].add(key)
    if run:
        run.add_mentions(mentioned)
    target = out / "graph.ttl"
    if write:
        graph = build_graph(docs, entities, assertions, mentioned)
        if run:
            run.annotate(graph)
        write_bytes_atomic(target, serialize_turtle(graph))
        write_mention_files(out, docs, all_mentions, key_of, entities)  # document pages
    summary = BuildSummary(documents=len(docs), words=sum(ex.words for ex in extractions),
                           problems=problems, cached=hits, output=target if write else None)
    summary.entities_by_class = Counter(e.cls for e in entities.values())
    every = assertions + (run.external_assertions() if run else [])
    summary.relations_by_property = Counter(p for (_, p, _) in {(a.subject, a.predicate,
                                                                  a.object) for a in every})
    if run:
        summary.curation_report = run.report()
        report = write_report(run, out) if write else None
        summary.curation_lines = run.summary_lines(report)
        if write:
            for decision, outcome in run.stale():
                print(f"warning: {decision.where}: stale: {decision.describe()}: "
                      f"{outcome.effect}", file=sys.stderr)
    elif write:
        write_report(None, out)
    summary.seconds = time.perf_counter() - started
    return summary
