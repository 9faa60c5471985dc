"""How fast the stored questions run, on a generated graph shaped like the contract.

    python bench/query_speed.py --triples 1000000 [--json]
        every stored question on both engines: median ms and the rdflib/oxigraph ratio
        (rdflib may be measured at a smaller size with --rdflib-triples; a question that
        runs past --rdflib-timeout is reported as a timeout, not waited for)
    python bench/query_speed.py --load [--triples N | --graph FILE] [--clients 8] [--seconds 30]
        8 concurrent clients against `graphbuild serve` on loopback, mixing stored
        questions: requests/s, p50, p99 and errors; every question is asked before and
        after the load and must give the same answers (exit code 1 otherwise).

The generated graph is shaped like one that `graphbuild build` writes from a real corpus
(see `generate`): entities of every contract class, relations of every contract property
(domain and range respected) repeated across documents as real coverage repeats them, one
pko:Assertion per evidence record, pko:SourceDocument nodes with dates and pko:mentions,
the build's pko:nameKey and pko:mentionCount, and the shipped ontology.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY = ROOT / "ontology" / "pko.ttl"
PKO = "https://w3id.org/probation-kg/ontology#"
PK = "https://w3id.org/probation-kg/id/"
PKA = "https://w3id.org/probation-kg/assertion/"
PKD = "https://w3id.org/probation-kg/doc/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
PROV = "http://www.w3.org/ns/prov#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"

# The generated graph is shaped like a graph that graphbuild builds from a real corpus,
# scaled up. Figures measured on the sample graph (data/corpus, 5 documents):
EVIDENCE_PER_DOCUMENT = 19  # 95 evidence records
MENTIONS_PER_DOCUMENT = 37  # 184 pko:mentions
SAMPLE_ENTITIES, SAMPLE_DOCUMENTS = 146, 5
# New names grow more slowly than the corpus (Heaps' law): the entities of a corpus of
# n documents number SAMPLE_ENTITIES * (n / SAMPLE_DOCUMENTS) ** HEAPS_EXPONENT.
HEAPS_EXPONENT = 0.75
# Relations known in the world, per entity; documents repeat them (as every report on
# the CRCs repeats who owns them), so most evidence records back an already-seen fact.
FACTS_PER_ENTITY = 1.5
# Popularity is Zipf-like: the entity of rank r is picked with weight 1 / r ** exponent.
ENTITY_ZIPF, FACT_ZIPF = 1.0, 0.8

# class: share of the open classes' entities
CLASS_WEIGHTS = {
    "Person": 20, "Organisation": 3, "GovernmentBody": 8, "Inspectorate": 1,
    "LocalAuthority": 5, "Court": 3, "ProbationProvider": 8, "Company": 10,
    "VoluntaryOrganisation": 10, "TradeUnion": 1, "ProfessionalBody": 2,
    "MediaOrganisation": 3, "AcademicInstitution": 3, "Policy": 6, "Intervention": 6,
    "Tool": 2, "Document": 3, "Report": 6, "Place": 5,
}
# Classes whose real members are few, however large the corpus: at most this many
# entities (the real bodies plus as many again for name variants left unmerged).
# Inspectorates: HMI Probation, HMI Prisons, Ofsted, CQC, HMICFRS. Probation providers:
# 21 CRCs, 7 NPS divisions, 12 regions, 35 trusts, about 150 youth offending teams.
CLASS_CAPS = {
    "Inspectorate": 10, "ProbationProvider": 450, "GovernmentBody": 300,
    "LocalAuthority": 700, "Court": 500, "TradeUnion": 20, "ProfessionalBody": 40,
    "Tool": 60,
}
ORGANISATIONS = ["Organisation", "GovernmentBody", "Inspectorate", "LocalAuthority", "Court",
                 "ProbationProvider", "Company", "VoluntaryOrganisation", "TradeUnion",
                 "ProfessionalBody", "MediaOrganisation", "AcademicInstitution"]
AGENTS = ORGANISATIONS + ["Person"]
DOCUMENTS = ["Document", "Report"]
ANY = list(CLASS_WEIGHTS)
# property: (share of the relations, subject classes, object classes)
RELATIONS = {
    "owns": (6, ["Company", "Person"], ["ProbationProvider", "Company"]),
    "partOf": (6, ORGANISATIONS, ORGANISATIONS),
    "memberOf": (10, AGENTS, ORGANISATIONS),
    "leads": (6, ["Person"], ORGANISATIONS),
    "inspects": (4, ["Inspectorate", "GovernmentBody"], ORGANISATIONS),
    "publishedBy": (8, DOCUMENTS, AGENTS),
    "authoredBy": (4, DOCUMENTS, ["Person"]),
    "about": (8, DOCUMENTS, ANY),
    "responsibleFor": (6, AGENTS, ["Policy"]),
    "implements": (5, ORGANISATIONS, ["Policy"]),
    "delivers": (6, ORGANISATIONS, ["Intervention"]),
    "funds": (4, AGENTS, ORGANISATIONS + ["Intervention"]),
    "partnerOf": (5, ORGANISATIONS, ORGANISATIONS),
    "uses": (4, ORGANISATIONS, ["Tool"]),
    "operatesIn": (6, ORGANISATIONS, ["Place"]),
    "successorOf": (2, ORGANISATIONS, ORGANISATIONS),
    "criticises": (10, AGENTS, ANY),
}


def _lit(text: str, datatype: str | None = None) -> str:
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{quoted}^^<{datatype}>" if datatype else quoted


def _zipf_weights(count: int, exponent: float) -> list[float]:
    """Cumulative weights for random.choices: rank r weighs 1 / r ** exponent."""
    total, cumulative = 0.0, []
    for rank in range(1, count + 1):
        total += rank ** -exponent
        cumulative.append(total)
    return cumulative


def _entities(rng: random.Random, count: int) -> list[str]:
    """The class of each entity: the open classes by CLASS_WEIGHTS, the closed ones capped."""
    classes = rng.choices(list(CLASS_WEIGHTS), weights=list(CLASS_WEIGHTS.values()), k=count)
    seen: dict[str, int] = {}
    open_classes = [c for c in CLASS_WEIGHTS if c not in CLASS_CAPS]
    open_weights = [CLASS_WEIGHTS[c] for c in open_classes]
    for i, cls in enumerate(classes):
        seen[cls] = seen.get(cls, 0) + 1
        if seen[cls] > CLASS_CAPS.get(cls, count):
            classes[i] = rng.choices(open_classes, weights=open_weights)[0]
    return classes


def _world_facts(rng: random.Random, classes: list[str], count: int) -> list[tuple[int, str, int]]:
    """Distinct (subject, property, object) facts; popular entities take part in more."""
    by_class: dict[str, list[int]] = {c: [] for c in CLASS_WEIGHTS}
    for i, cls in enumerate(classes):
        by_class[cls].append(i)
    weights = {c: _zipf_weights(len(pool), ENTITY_ZIPF) for c, pool in by_class.items() if pool}
    properties = list(RELATIONS)
    shares = [RELATIONS[p][0] for p in properties]
    facts: dict[tuple[int, str, int], None] = {}
    for _ in range(count * 2):
        if len(facts) == count:
            break
        prop = rng.choices(properties, weights=shares)[0]
        _, domain, range_ = RELATIONS[prop]
        subject_class = rng.choice([c for c in domain if by_class[c]])
        object_class = rng.choice([c for c in range_ if by_class[c]])
        pool = by_class[subject_class]
        # A document is about, published and written by few: its facts are not Zipf-skewed.
        subject = (rng.choice(pool) if subject_class in DOCUMENTS
                   else rng.choices(pool, cum_weights=weights[subject_class])[0])
        obj = rng.choices(by_class[object_class], cum_weights=weights[object_class])[0]
        if subject != obj:
            facts[(subject, prop, obj)] = None
    order = list(facts)
    rng.shuffle(order)  # fact popularity does not follow creation order
    return order


def _names(i: int, cls: str, label: str) -> list[str]:
    """An entity's label, and a short other name for every second one."""
    return [label] + ([f"{cls[:3].upper()}{i}"] if i % 2 == 0 else [])


def _entity_triple_count(names: list[str]) -> int:
    """Type, label, mention count, an altLabel per other name and a nameKey per name."""
    return 3 + 2 * len(names) - 1


def generate(path: Path, triples: int, seed: int = 7) -> dict:
    """Write a graph of about `triples` triples shaped like graphbuild's; return its facts.

    Documents are written until the size is reached. Each one backs EVIDENCE_PER_DOCUMENT
    facts drawn from a fixed world of facts by Zipf-like popularity, with one
    pko:Assertion per evidence record and the direct triple the first time a fact is
    seen, and mentions MENTIONS_PER_DOCUMENT entities. Every entity mentioned gets its
    type, label, other names, pko:nameKey and pko:mentionCount, as a build writes them.
    """
    import pyoxigraph as ox

    from graphbuild.rdfgraph import name_key

    rng = random.Random(seed)
    ontology = ox.serialize(ox.parse(path=str(ONTOLOGY), format=ox.RdfFormat.TURTLE),
                            format=ox.RdfFormat.N_TRIPLES).decode()
    expected_documents = max(SAMPLE_DOCUMENTS, triples // 330)
    n_entities = int(SAMPLE_ENTITIES * (expected_documents / SAMPLE_DOCUMENTS) ** HEAPS_EXPONENT)
    classes = _entities(rng, n_entities)
    labels = [f"{cls} {i}" for i, cls in enumerate(classes)]
    world = _world_facts(rng, classes, int(n_entities * FACTS_PER_ENTITY))
    fact_weights = _zipf_weights(len(world), FACT_ZIPF)
    entity_weights = _zipf_weights(n_entities, ENTITY_ZIPF)
    popularity = list(range(n_entities))
    rng.shuffle(popularity)  # popularity across all classes, independent of the id
    count = ontology.count("\n")
    facts, mentions, stated = [], [], set()
    mention_counts = [0] * n_entities
    entity_triples = 0
    with path.open("w", encoding="utf-8") as out:
        out.write(ontology)
        while count + entity_triples < triples:
            doc = len(mentions)
            date = f"{2010 + doc % 13}-{1 + doc % 12:02d}-{1 + doc % 28:02d}"
            out.write(f"<{PKD}d{doc}> <{RDF}type> <{PKO}SourceDocument> .\n"
                      f"<{PKD}d{doc}> <{DCT}identifier> {_lit(f'{doc:05d}.txt')} .\n"
                      f"<{PKD}d{doc}> <{DCT}title> {_lit(f'Source document {doc}')} .\n"
                      f"<{PKD}d{doc}> <{DCT}date> {_lit(date, XSD + 'date')} .\n")
            count += 4
            mentioned: set[int] = set()
            for subject, prop, obj in rng.choices(world, cum_weights=fact_weights,
                                                  k=EVIDENCE_PER_DOCUMENT):
                a = len(facts)
                facts.append((subject, prop, obj, doc))
                mentioned |= {subject, obj}
                if (subject, prop, obj) not in stated:
                    stated.add((subject, prop, obj))
                    out.write(f"<{PK}e{subject}> <{PKO}{prop}> <{PK}e{obj}> .\n")
                    count += 1
                sentence = f"{labels[subject]} {prop} {labels[obj]}, according to report {doc}."
                start = rng.randrange(50_000)
                node = f"<{PKA}a{a}>"
                out.write(
                    f"{node} <{RDF}type> <{PKO}Assertion> .\n"
                    f"{node} <{RDF}subject> <{PK}e{subject}> .\n"
                    f"{node} <{RDF}predicate> <{PKO}{prop}> .\n"
                    f"{node} <{RDF}object> <{PK}e{obj}> .\n"
                    f"{node} <{PROV}wasDerivedFrom> <{PKD}d{doc}> .\n"
                    f"{node} <{PKO}evidenceText> {_lit(sentence)} .\n"
                    f"{node} <{PKO}charStart> {_lit(str(start), XSD + 'integer')} .\n"
                    f"{node} <{PKO}charEnd> {_lit(str(start + len(sentence)), XSD + 'integer')} .\n"
                    f"{node} <{PKO}extractor> {_lit('pattern:' + prop)} .\n"
                    f"{node} <{PKO}confidence> {_lit('0.8', XSD + 'decimal')} .\n"
                )
                count += 10
            while len(mentioned) < MENTIONS_PER_DOCUMENT:
                mentioned.add(popularity[rng.choices(range(n_entities),
                                                     cum_weights=entity_weights)[0]])
            for e in sorted(mentioned):
                out.write(f"<{PKD}d{doc}> <{PKO}mentions> <{PK}e{e}> .\n")
                if mention_counts[e] == 0:
                    entity_triples += _entity_triple_count(_names(e, classes[e], labels[e]))
                mention_counts[e] += 1
            count += len(mentioned)
            mentions.append(mentioned)
        for i, cls in enumerate(classes):
            if not mention_counts[i]:
                continue
            names = _names(i, cls, labels[i])
            out.write(f"<{PK}e{i}> <{RDF}type> <{PKO}{cls}> .\n"
                      f"<{PK}e{i}> <{RDFS}label> {_lit(names[0])} .\n"
                      f"<{PK}e{i}> <{PKO}mentionCount> "
                      f"{_lit(str(mention_counts[i]), XSD + 'integer')} .\n")
            for name in names[1:]:
                out.write(f"<{PK}e{i}> <{SKOS}altLabel> {_lit(name)} .\n")
            for name in names:
                out.write(f"<{PK}e{i}> <{PKO}nameKey> {_lit(name_key(name))} .\n")
    return {"triples": count + entity_triples, "labels": labels, "facts": facts,
            "mentions": mentions}


def question_params(graph: dict) -> dict[str, dict[str, str]]:
    """Parameters that match something in the generated graph, for every stored question."""
    labels, facts = graph["labels"], graph["facts"]
    first = facts[len(facts) // 3]
    chain = next((a, b) for a in facts for b in facts[:2000]
                 if a[2] == b[0] and b[2] != a[0])
    doc = max(range(len(graph["mentions"])), key=lambda d: len(graph["mentions"][d]))
    pair = sorted(graph["mentions"][doc])[:2]
    target = next(f[2] for f in facts if f[1] == "criticises")
    return {
        "critics": {"name": labels[target].upper()},
        "entity": {"name": labels[first[0]]},
        "evidence": {"subject": labels[first[0]], "object": labels[first[2]].lower()},
        "co-mentions": {"first": labels[pair[0]], "second": labels[pair[1]]},
        "connection": {"from": labels[chain[0][0]], "to": labels[chain[1][2]]},
        "find": {"text": "company 12"},
    }


# ---- engine timing --------------------------------------------------------------------


def _engine_worker(graph_path: str, engine: str, requests, answers) -> None:
    """Load the graph once, then time each question sent over `requests`."""
    from graphbuild.query import run, stored_questions
    from graphbuild.store import load_graph

    started = time.perf_counter()
    store = load_graph(graph_path, engine)
    answers.put(("loaded", time.perf_counter() - started, len(store)))
    questions = stored_questions()
    while (job := requests.get()) is not None:
        name, params, repeats = job
        timings, rows = [], 0
        for _ in range(repeats):
            started = time.perf_counter()
            rows = len(run(store, questions[name].text, params, questions[name]))
            timings.append((time.perf_counter() - started) * 1000)
        answers.put((name, timings, rows))


class EngineRunner:
    """One engine in a child process, so that a runaway query can be abandoned."""

    def __init__(self, graph_path: Path, engine: str):
        self.graph_path, self.engine = str(graph_path), engine
        self.load_seconds = 0.0
        self._start()

    def _start(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.requests, self.answers = context.Queue(), context.Queue()
        self.process = context.Process(target=_engine_worker, daemon=True,
                                       args=(self.graph_path, self.engine,
                                             self.requests, self.answers))
        self.process.start()
        _, self.load_seconds, self.size = self.answers.get()

    def time_question(self, name: str, params: dict, repeats: int, timeout: float):
        """Median ms and row count, or None when the question ran past `timeout`."""
        self.requests.put((name, params, repeats))
        try:
            _, timings, rows = self.answers.get(timeout=timeout)
        except Exception:  # noqa: BLE001 - queue.Empty: the question is still running
            self.close()
            self._start()
            return None
        return statistics.median(timings), rows

    def close(self) -> None:
        self.process.kill()
        self.process.join()


def measure(triples: int, rdflib_triples: int, repeats: int, rdflib_timeout: float) -> dict:
    """Time every stored question on both engines."""
    from graphbuild.query import stored_questions

    names = list(stored_questions())
    report: dict = {"questions": {}, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        sizes = sorted({triples, rdflib_triples})
        graphs = {}
        for size in sizes:
            path = Path(tmp) / f"graph-{size}.nt"
            started = time.perf_counter()
            graphs[size] = (path, generate(path, size))
            print(f"generated {graphs[size][1]['triples']} triples in "
                  f"{time.perf_counter() - started:.1f} s", file=sys.stderr)
        plan = [("oxigraph", size) for size in sizes] + [("rdflib", rdflib_triples)]
        for engine, size in plan:
            path, graph = graphs[size]
            params = question_params(graph)
            runner = EngineRunner(path, engine)
            key = f"{engine}@{size}"
            report["sizes"][key] = {"triples": runner.size, "load_s": round(runner.load_seconds, 2)}
            print(f"{key}: loaded {runner.size} triples in {runner.load_seconds:.1f} s",
                  file=sys.stderr)
            for name in names:
                timeout = rdflib_timeout if engine == "rdflib" else 600
                outcome = runner.time_question(name, params.get(name, {}),
                                               repeats if engine == "oxigraph" else 1, timeout)
                entry = report["questions"].setdefault(name, {})
                entry[key] = ({"median_ms": round(outcome[0], 2), "rows": outcome[1]}
                              if outcome else {"timeout_s": timeout})
                print(f"  {name:22} {entry[key]}", file=sys.stderr)
            runner.close()
    for entry in report["questions"].values():
        ox, rd = entry.get(f"oxigraph@{rdflib_triples}", {}), entry.get(f"rdflib@{rdflib_triples}", {})
        if "median_ms" in ox and "median_ms" in rd:
            entry["ratio_rdflib_over_oxigraph"] = round(rd["median_ms"] / max(ox["median_ms"], 0.01), 1)
        elif "median_ms" in ox:
            entry["ratio_rdflib_over_oxigraph"] = f"> {rd['timeout_s'] * 1000 / max(ox['median_ms'], 0.01):.0f}"
    return report


def print_report(report: dict, triples: int, rdflib_triples: int) -> None:
    ox_key, rd_key = f"oxigraph@{triples}", f"rdflib@{rdflib_triples}"
    ox_small = f"oxigraph@{rdflib_triples}"
    print(f"sizes: {json.dumps(report['sizes'])}")
    header = f"{'question':22} {ox_key + ' ms':>20} {ox_small + ' ms':>20} {rd_key + ' ms':>20}  ratio"
    print(header)
    for name, entry in report["questions"].items():
        def cell(key, entry=entry):
            value = entry.get(key, {})
            return f"{value['median_ms']:.1f}" if "median_ms" in value else (
                f"timeout>{value['timeout_s']}s" if value else "-")
        print(f"{name:22} {cell(ox_key):>20} {cell(ox_small):>20} {cell(rd_key):>20}  "
              f"{entry.get('ratio_rdflib_over_oxigraph', '-')}")


# ---- load test ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, seconds: float, server: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"graphbuild serve exited:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {seconds} s")


def params_from_file(path: Path) -> dict[str, dict[str, str]]:
    """Parameters for the stored questions that match something in a graph file."""
    from graphbuild.store import load_graph

    store = load_graph(path, "oxigraph")

    def first(query: str) -> list[str]:
        result = store.run(query, {}, None)
        return [t.value for t in result.rows[0]] if result.rows else []

    fact = first("SELECT ?s ?o WHERE { ?a rdf:subject ?x ; rdf:object ?y . "
                 "?x rdfs:label ?s . ?y rdfs:label ?o } LIMIT 1")
    chain = first("SELECT ?a ?c WHERE { ?x ?p ?y . ?y ?q ?z . ?p rdfs:subPropertyOf* ?r . "
                  "?q rdfs:subPropertyOf* ?r . FILTER(STRSTARTS(STR(?r), STR(pko:))) "
                  "FILTER(?x != ?z) ?x rdfs:label ?a . ?z rdfs:label ?c } LIMIT 1")
    target = first("SELECT ?t WHERE { ?c pko:criticises ?x . ?x rdfs:label ?t } LIMIT 1")
    pair = first("SELECT ?a ?b WHERE { ?d pko:mentions ?x , ?y . FILTER(STR(?x) < STR(?y)) "
                 "?x rdfs:label ?a . ?y rdfs:label ?b } LIMIT 1")
    if not fact:
        raise RuntimeError(f"{path}: no evidenced fact to build question parameters from")
    return {
        "critics": {"name": (target or fact[1:])[0]},
        "entity": {"name": fact[0]},
        "evidence": {"subject": fact[0], "object": fact[1]},
        "co-mentions": {"first": (pair or fact)[0], "second": (pair or fact)[1]},
        "connection": {"from": (chain or fact)[0], "to": (chain or fact)[1]},
        "find": {"text": fact[0][:4]},
    }


def _ask(base: str, name: str, params: dict[str, str], timeout: float = 120) -> dict:
    query = urllib.parse.urlencode(params)
    request = urllib.request.Request(f"{base}/questions/{name}?{query}",
                                     headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.load(response)


def _answers(base: str, names: list[str], params: dict) -> dict[str, int | str]:
    """Rows per stored question (a fingerprint of the server's answers), or the error."""
    answers: dict[str, int | str] = {}
    for name in names:
        try:
            answers[name] = len(_ask(base, name, params.get(name, {}))["results"]["bindings"])
        except urllib.error.HTTPError as error:
            answers[name] = f"HTTP {error.code}: {error.read().decode(errors='replace').strip()}"
        except OSError as error:
            answers[name] = f"{type(error).__name__}: {error}"
    return answers


def _percentile(ordered: list[float], share: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def load_test(triples: int, clients: int, seconds: float, workers: int,
              graph: Path | None = None, max_rows: int = 200_000,
              query_timeout: float = 10.0) -> dict:
    """Concurrent clients asking stored questions of `graphbuild serve` on loopback.

    Each client runs the stored questions in turn, starting at a different one, so that
    all of them are in flight together. Before the load, every question is asked once
    (row counts recorded); after it, they are asked again and must give the same counts.
    """
    from graphbuild.query import stored_questions

    names = list(stored_questions())
    with tempfile.TemporaryDirectory() as tmp:
        if graph is None:
            path = Path(tmp) / "graph.nt"
            generated = generate(path, triples)
            params, size = question_params(generated), generated["triples"]
        else:
            path, params, size = graph, params_from_file(graph), None
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        log = Path(tmp) / "serve.log"
        started = time.perf_counter()
        server = subprocess.Popen(
            [sys.executable, "-c", "from graphbuild.cli import main; main()", "serve",
             "--graph", str(path), "--port", str(port), "--workers", str(workers),
             "--max-rows", str(max_rows), "--timeout", str(query_timeout)],
            stdout=subprocess.DEVNULL, stderr=log.open("w"),
        )
        try:
            _wait_until_up(f"{base}/sparql?query=ASK%7B%7D", 600, server, log)
            startup = time.perf_counter() - started
            before = _answers(base, names, params)
            latencies: list[float] = []
            by_question: dict[str, list[float]] = {name: [] for name in names}
            errors: list[str] = []
            lock = threading.Lock()
            deadline = time.monotonic() + seconds

            def client(number: int) -> None:
                i = number
                while time.monotonic() < deadline:
                    name = names[i % len(names)]
                    i += 1
                    began = time.perf_counter()
                    try:
                        _ask(base, name, params.get(name, {}), timeout=60)
                        elapsed_ms = (time.perf_counter() - began) * 1000
                        with lock:
                            latencies.append(elapsed_ms)
                            by_question[name].append(elapsed_ms)
                    except Exception as error:  # noqa: BLE001 - every failure is counted
                        with lock:
                            errors.append(f"{name}: {error}")

            threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
            elapsed = time.perf_counter() - began
            after = _answers(base, names, params)
            with urllib.request.urlopen(f"{base}/sparql?query=ASK%7B%3Fs%20%3Fp%20%3Fo%7D",
                                        timeout=30) as response:
                status_after = response.status
            latencies.sort()
            total = len(latencies) + len(errors)
            return {
                "graph": str(graph) if graph else f"generated, {size} triples",
                "clients": clients, "seconds": round(elapsed, 1), "server_workers": workers,
                "server_startup_s": round(startup, 1),
                "requests": total, "requests_per_s": round(total / elapsed, 1),
                "p50_ms": _percentile(latencies, 0.50), "p99_ms": _percentile(latencies, 0.99),
                "errors": len(errors), "error_examples": errors[:5],
                "p50_ms_by_question": {n: _percentile(sorted(v), 0.5)
                                       for n, v in by_question.items()},
                "rows_by_question": before,
                "answers_same_after": after == before, "status_after": status_after,
            }
        finally:
            server.terminate()  # by PID; serve stops its workers on SIGTERM
            server.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--triples", type=int, default=1_000_000)
    parser.add_argument("--rdflib-triples", type=int, help="graph size for rdflib (default: --triples)")
    parser.add_argument("--rdflib-timeout", type=float, default=60.0)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--load", action="store_true", help="load-test `graphbuild serve`")
    parser.add_argument("--graph", type=Path, help="--load: serve this file instead of a "
                        "generated graph")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2, help="serve's query worker processes")
    parser.add_argument("--max-rows", type=int, default=200_000, help="serve's result-size "
                        "limit (the unbounded questions return tens of thousands of rows at 1M)")
    parser.add_argument("--query-timeout", type=float, default=10.0,
                        help="serve's time limit per query, in seconds")
    args = parser.parse_args()
    if args.load:
        report = load_test(args.triples, args.clients, args.seconds, args.workers, args.graph,
                           args.max_rows, args.query_timeout)
        print(json.dumps(report, indent=1) if args.json else
              "\n".join(f"{k}: {v}" for k, v in report.items()))
        answered = all(isinstance(rows, int) for rows in report["rows_by_question"].values())
        sys.exit(0 if report["errors"] == 0 and report["answers_same_after"] and answered else 1)
    rdflib_triples = args.rdflib_triples or args.triples
    report = measure(args.triples, rdflib_triples, args.repeats, args.rdflib_timeout)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print_report(report, args.triples, rdflib_triples)


if __name__ == "__main__":
    main()
