"""Keys used by unique constraints that must ignore case and accents (MariaDB enforces no
expression constraints, so the key is a real column the models maintain)."""

from __future__ import annotations

import unicodedata


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def fold_key(text: str) -> str:
    """'  Médical ' and 'MEDICAL' give the same key."""
    return " ".join(strip_accents(text).casefold().split())
