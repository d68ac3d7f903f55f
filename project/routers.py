"""The `legacy` database (S-LEGACY) holds the earlier system's tables, read with plain SQL by
`import_legacy`: no model reads from it, writes to it or migrates it."""

from __future__ import annotations

from typing import Any

LEGACY = "legacy"


class LegacyDatabaseRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return None  # the default database

    def db_for_write(self, model: type, **hints: Any) -> str | None:
        return None

    def allow_relation(self, first: object, second: object, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return False if db == LEGACY else None
