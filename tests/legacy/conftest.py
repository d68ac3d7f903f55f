"""The earlier system's sample database (a copy of shared/legacy/legacy-demo.sqlite3, kept with
the tests so that a fresh clone runs them), read-only through a connection of its own: outside
DATABASES, so that Django's test isolation (which refuses every other configured alias) lets it
through, and so that no test database is ever created for it."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from wms.imports.legacy.source import LegacySource

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "legacy" / "legacy-demo.sqlite3"


def sqlite_legacy(path: Path = SAMPLE) -> dict[str, Any]:
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": f"file:{path}?mode=ro"}


@pytest.fixture
def legacy_sample(db: None) -> Iterator[LegacySource]:
    source = LegacySource.from_settings(sqlite_legacy())
    try:
        yield source
    finally:
        source.close()


def altered_sample(folder: Path, statements: Sequence[str]) -> LegacySource:
    """A copy of the sample changed by `statements` (SQL in the earlier schema): the unusual data
    a real installation may hold and the sample does not. Close the source after use."""
    copy = folder / "legacy-altered.sqlite3"
    shutil.copyfile(SAMPLE, copy)
    with sqlite3.connect(copy) as connection:
        for statement in statements:
            connection.execute(statement)
    return LegacySource.from_settings(sqlite_legacy(copy), alias="legacy-altered")
