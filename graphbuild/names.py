"""Name normalisation shared by the gazetteer, the filters and entity resolution."""

from __future__ import annotations

import re
import unicodedata

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "“": '"', "”": '"'})


def fold(name: str) -> str:
    """A matching key: accents, case, '&'/'and', punctuation and a leading 'the' removed."""
    s = unicodedata.normalize("NFKD", name.translate(_APOSTROPHES))
    s = "".join(c for c in s if not unicodedata.combining(c)).lower()
    s = re.sub(r"'s\b", "", s)
    s = s.replace("&", " and ")
    s = re.sub(r"[^a-z0-9]+", " ", s).strip()
    return re.sub(r"^the ", "", s)


def slug(name: str) -> str:
    """The stable IRI slug of a canonical name."""
    return fold(name).replace(" ", "-") or "unnamed"


def is_acronym(name: str) -> bool:
    """NPS, CRC, G4S, MoJ, OASys: short and mostly capitals; matched case-sensitively."""
    compact = name.replace(" ", "").replace("&", "")
    if len(compact) <= 3:
        return True
    upper = sum(c.isupper() or c.isdigit() for c in compact)
    return " " not in name.strip() and upper >= max(2, len(compact) - 2)


def tidy(name: str) -> str:
    """Straighten quotes and collapse whitespace; strip surrounding punctuation and possessives."""
    s = " ".join(name.translate(_APOSTROPHES).split())
    s = re.sub(r"'s?$", "", s)
    return s.strip(" .,;:!?()[]{}\"'-–—/\\*")


def acronym_of(words: list[str]) -> str:
    """Initials of the capitalised words: 'National Probation Service' → 'NPS'."""
    skip = {"of", "and", "the", "for", "in", "&", "on", "to"}
    return "".join(w[0].upper() for w in words if w and w.lower() not in skip and w[0].isalpha())


# Words that only say what kind of organisation a name is: "St Giles Trust" is "St Giles".
DESIGNATORS = {"the", "trust", "group", "plc", "ltd", "limited", "llp", "uk", "charity",
               "foundation", "holdings", "inc", "company", "co"}


def loose_key(name: str, organisation: bool = True) -> str:
    """A looser matching key than `fold`, for resolution: a plural last word made singular,
    'Community Rehabilitation Company' as 'crc', commas and 'and' ignored in lists of places,
    and for organisations a trailing designator ('Trust', 'Ltd', 'plc', 'Group') dropped."""
    words = fold(name).replace("community rehabilitation company", "crc").split()
    words = [w for w in words if w != "and"] or words
    if organisation:
        while len(words) > 1 and words[-1] in DESIGNATORS:
            words.pop()
    if words and len(words[-1]) > 3 and words[-1].endswith("s") and not words[-1].endswith(
            ("ss", "us", "is")):
        words[-1] = words[-1][:-1]
    return " ".join(words)
