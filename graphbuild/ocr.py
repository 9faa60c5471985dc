"""Optional OCR of scanned PDF pages: the `ocr` extra (pytesseract) with Debian's tesseract-ocr.

Only pages with images and no text layer come here; without both pieces installed they
are reported as scanned instead.
"""

from __future__ import annotations

import importlib.util
import shutil
from functools import lru_cache


@lru_cache(maxsize=1)
def ocr_available() -> bool:
    return importlib.util.find_spec("pytesseract") is not None and bool(shutil.which("tesseract"))


@lru_cache(maxsize=1)
def ocr_version() -> str:
    """What OCR would read with, for the reading cache's key ('' when there is none)."""
    if not ocr_available():
        return ""
    import pytesseract

    return f"tesseract {pytesseract.get_tesseract_version()}"


def page_image_lines(page) -> list[str]:
    """The lines tesseract reads in the page's images, in order; '' for a blank line."""
    import pytesseract

    lines: list[str] = []
    for image in page.images:
        lines += pytesseract.image_to_string(image.image).splitlines() + [""]
    return lines
