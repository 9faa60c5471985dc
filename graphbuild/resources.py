"""Locate and load the data files of `ontology/`: ontology, gazetteer, lexicon, relation patterns.

The folder can be moved with the GRAPHBUILD_ONTOLOGY_DIR environment variable.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

import yaml


def ontology_dir() -> Path:
    configured = os.environ.get("GRAPHBUILD_ONTOLOGY_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parent.parent / "ontology"


class ResourceError(Exception):
    """A data file of ontology/ is missing or malformed; the message names file and line."""


@cache
def load_yaml(name: str) -> dict:
    path = ontology_dir() / name
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ResourceError(f"{path}: cannot read ({e.strerror})") from e
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ResourceError(f"{path}{where}: invalid YAML ({getattr(e, 'problem', e)})") from e
    if not isinstance(data, dict):
        raise ResourceError(f"{path}: expected a mapping at the top level")
    return data


def fingerprint(names: tuple[str, ...] = ("pko.ttl", "gazetteer.yaml", "lexicon.yaml",
                                          "relations.yaml")) -> str:
    """A hash of the data files that decide extraction, for cache keys."""
    h = hashlib.sha256()
    for name in names:
        path = ontology_dir() / name
        h.update(name.encode())
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()[:16]
