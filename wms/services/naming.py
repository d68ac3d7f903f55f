"""Name rules of S-CATALOG, in one place: forms, imports, services and
`manage.py normalize_wms_text` all call these functions.

A word is what lies between spaces. A word made only of lower-case letters (hyphens and
apostrophes allowed) gets capital initials ("hydro-alcoolique" → "Hydro-Alcoolique"); a word with
a digit or with mixed case stays as typed ("500mg", "pH-mètre"); units stay lower-case; acronyms
of the configurable list are upper-cased.
"""

from __future__ import annotations

import re

from django.conf import settings

UNITS = frozenset({"mg", "ml", "g", "kg", "cm", "µg", "ui", "mm", "l", "cl", "dl", "m", "mcg", "x"})
LOWER_WORD = re.compile(r"^[^\W\d_A-Z]+(?:[-'’][^\W\d_]+)*$")


def _acronyms() -> frozenset[str]:
    return frozenset(word.upper() for word in settings.NAME_ACRONYMS)


def _capitalise_parts(word: str) -> str:
    return re.sub(r"(^|-)(\w)", lambda m: m.group(1) + m.group(2).upper(), word)


def normalize_word(word: str, acronyms: frozenset[str]) -> str:
    if word.upper() in acronyms:
        return word.upper()
    if word in UNITS:
        return word
    if LOWER_WORD.match(word) and word == word.lower():
        return _capitalise_parts(word)
    return word


def normalize_name(text: str) -> str:
    """'paracétamol 500mg' → 'Paracétamol 500mg'; spaces collapsed."""
    acronyms = _acronyms()
    return " ".join(normalize_word(word, acronyms) for word in text.split())


def normalize_category_name(text: str, *, is_root: bool) -> str:
    """Root categories are upper-cased; deeper ones follow the name rules."""
    return " ".join(text.split()).upper() if is_root else normalize_name(text)


def normalize_brand(text: str) -> str:
    return " ".join(text.split()).upper()


def normalize_code_part(text: str) -> str:
    """Location zone / aisle / shelf, warehouse codes."""
    return "".join(text.split()).upper()
