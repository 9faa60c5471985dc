"""Locate and load the data files of `ontology/`: ontology, gazetteer, lexicon, relation patterns.

The folder can be moved with the GRAPHBUILD_ONTOLOGY_DIR environment variable.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path

import yaml

# libyaml's parser when PyYAML was built with it: the gazetteer loads ten times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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
        data = yaml.load(text, Loader=_YAML_LOADER)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        raise ResourceError(f"{path}{where}: invalid YAML ({getattr(e, 'problem', e)})") from e
    if not isinstance(data, dict):
        raise ResourceError(f"{path}: expected a mapping at the top level")
    return data


@cache
def word_set(name: str, key: str) -> frozenset[str]:
    """A list of words of an ontology file, lower-cased ("frames.yaml", "area_nouns")."""
    return frozenset(str(w).lower() for w in load_yaml(name).get(key) or ())


# The modules whose code decides what one document's extraction yields.
EXTRACTION_MODULES = ("clean.py", "corpus.py", "extract.py", "frames.py", "gazetteer.py",
                      "mentions.py", "names.py", "nlp.py", "ontology.py", "records.py",
                      "relations.py", "temporal.py")


def fingerprint(names: tuple[str, ...] = ("pko.ttl", "gazetteer.yaml", "lexicon.yaml",
                                          "relations.yaml", "frames.yaml", "time.yaml")) -> str:
    """A hash of the data files and the code that decide extraction, for cache keys."""
    h = hashlib.sha256()
    package = Path(__file__).parent
    for path in [ontology_dir() / name for name in names] + [package / m
                                                              for m in EXTRACTION_MODULES]:
        h.update(path.name.encode())
        h.update(path.read_bytes() if path.exists() else b"-")
    return h.hexdigest()[:16]
