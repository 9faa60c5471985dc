"""Shared fixtures: the sample-corpus graph (built once per session) and skip-or-fail helpers."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CORPUS = ROOT / "data" / "corpus"
SHARED = ROOT.parent / "shared"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(condition: bool, reason: str) -> None:
    """Skip when an external prerequisite is missing; under CI it must be there, so fail."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    print(f"SKIP: {reason}")
    pytest.skip(reason)


def extracted_facts(nlp, text: str) -> list:
    """One text's relation candidates as (subject, predicate, object, candidate), the ends
    named by their gazetteer name or their text."""
    from graphbuild.extract import extract_document
    from graphbuild.records import SourceText

    ex = extract_document(SourceText("t", "t.txt", "t", None, text, text), nlp)

    def name(ref):
        if isinstance(ref, str):
            return ref.split(":", 1)[1]
        m = ex.mentions[ref]
        return m.gazetteer_key or m.text
    return [(name(c.subject), c.predicate, name(c.object), c) for c in ex.candidates]


def build_text(folder: Path, name: str, text: str):
    """Build a one-document corpus in `folder` and return its graph (rdflib)."""
    from rdflib import Graph

    from graphbuild.build import build_corpus
    from graphbuild.settings import Settings

    (folder / "corpus").mkdir()
    (folder / "corpus" / name).write_text(text, encoding="utf-8")
    build_corpus(folder / "corpus", folder / "out", Settings())
    return Graph().parse(folder / "out" / "graph.ttl")


def wait_until(page, expression: str, timeout_s: float = 60) -> None:
    """Poll a JS expression from Python until it is truthy. Playwright's wait_for_function
    polls with eval inside the page, which a page's Content-Security-Policy forbids; it
    passed only when the expression was already true at the first look."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(expression):
                return
        except Exception:  # the page is navigating: its context is gone for a moment
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout_s} s: {expression}")
        time.sleep(0.05)


class BrowserPage:
    """One page in Chromium, with every request outside file: refused and recorded, dialogs
    and script errors recorded; ready once `ready` (a JS expression) is defined."""

    def __init__(self, browser, url: str, ready: str, viewport: tuple[int, int]):
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]})
        self.foreign: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.page.route("**/*", self._route)
        self.page.on("dialog", self._dialog)
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(url)
        wait_until(self.page, f"{ready} !== undefined")

    def _route(self, route):
        if route.request.url.startswith("file:"):
            route.continue_()
        else:
            self.foreign.append(route.request.url)
            route.abort()

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def js(self, expression: str, arg=None):
        return self.page.evaluate(expression, arg)


def require_executable(name: str) -> str:
    path = shutil.which(name)
    require(path is not None, f"`{name}` is not installed")
    return path


@pytest.fixture(scope="session")
def sample_build(tmp_path_factory) -> Path:
    """Build the graph of data/corpus once for the whole session; returns the output folder."""
    from graphbuild.build import build_corpus

    out = tmp_path_factory.mktemp("sample-build")
    build_corpus(SAMPLE_CORPUS, out, progress=False)
    return out


@pytest.fixture(scope="session")
def sample_graph_path(sample_build) -> Path:
    return sample_build / "graph.ttl"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    require(SHARED.is_dir(), f"{SHARED} (gold annotations and scorer) is missing")
    return SHARED
