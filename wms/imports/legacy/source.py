"""Reading the earlier system's tables with plain SQL through the `legacy` database connection.

The same tables exist on SQLite (the sample) and MySQL/MariaDB (real installations); only the
value types differ (legacy/SCHEMA.md section 3): SQLite returns datetimes as UTC text, decimals
as int or float, booleans as 0/1, UUIDs as 32 hex characters, JSON as text; MySQL returns naive
UTC datetimes, Decimals and ints. The converters below turn both into Python values once, so that
the import steps never care which database they read.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend

Row = dict[str, Any]


class LegacySchemaError(Exception):
    """The database named `legacy` is not the earlier ASF WMS (a table is missing)."""


class LegacySource:
    """The earlier system's database, read-only: the connection refuses writes (SQLite opened
    with mode=ro, MySQL sessions READ ONLY); this class only ever runs SELECTs."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.alias = connection.alias
        self._tables: set[str] | None = None

    @classmethod
    def for_alias(cls, alias: str = "legacy") -> LegacySource:
        """The database configured under `alias` in DATABASES (LEGACY_* settings)."""
        if alias not in connections.settings:
            raise LegacySchemaError(
                f"Aucune base « {alias} » n'est configurée : indiquez LEGACY_SQLITE_PATH, ou "
                "LEGACY_DB_NAME (avec LEGACY_DB_USER, LEGACY_DB_PASSWORD, LEGACY_DB_HOST, "
                "LEGACY_DB_PORT)."
            )
        return cls(connections[alias])

    @classmethod
    def from_settings(cls, database: dict[str, Any], alias: str = "legacy-direct") -> LegacySource:
        """A connection of its own, outside DATABASES (a test attaching a sample file)."""
        configured = connections.configure_settings(
            {
                DEFAULT_DB_ALIAS: copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS]),
                alias: database,
            }
        )[alias]
        backend = load_backend(configured["ENGINE"])
        return cls(backend.DatabaseWrapper(configured, alias))

    def close(self) -> None:
        self.connection.close()

    @property
    def vendor(self) -> str:
        return str(self.connection.vendor)

    def tables(self) -> set[str]:
        if self._tables is None:
            with self.connection.cursor() as cursor:
                self._tables = set(self.connection.introspection.table_names(cursor))
        return self._tables

    def has_table(self, table: str) -> bool:
        return table in self.tables()

    def check_schema(self, required: tuple[str, ...]) -> None:
        missing = [table for table in required if not self.has_table(table)]
        if missing:
            raise LegacySchemaError(
                f"La base « {self.alias} » n'est pas celle de l'ancien ASF WMS : table(s) "
                f"{', '.join(missing)} absente(s)."
            )

    def rows(self, table: str, order_by: str = "id") -> list[Row]:
        """Every row of `table` as {column: raw value}, in `order_by` order (id: creation)."""
        return list(self.iter_rows(table, order_by))

    def iter_rows(self, table: str, order_by: str = "id") -> Iterator[Row]:
        if not self.has_table(table):
            return
        quote = self.connection.ops.quote_name
        with self.connection.cursor() as cursor:
            # Table and column names come from the fixed list of the steps, checked above
            # against the database's own table names: nothing typed by a user reaches the SQL.
            cursor.execute(f"SELECT * FROM {quote(table)} ORDER BY {quote(order_by)}")  # noqa: S608  # nosec B608
            names = [column[0] for column in cursor.description]
            for record in cursor.fetchall():
                yield dict(zip(names, record, strict=True))

    def count(self, table: str) -> int:
        if not self.has_table(table):
            return 0
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.connection.ops.quote_name(table)}")  # noqa: S608  # nosec B608
            (number,) = cursor.fetchone()
        return int(number)


# --- value converters ---------------------------------------------------------------------------


def as_datetime(value: Any) -> dt.datetime | None:
    """A UTC timestamp (text on SQLite, naive datetime on MySQL) as an aware datetime."""
    if value is None or value == "":
        return None
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    if not isinstance(moment, dt.datetime):
        raise TypeError(f"not a datetime: {value!r}")
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


def as_date(value: Any) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def as_decimal(value: Any, places: int) -> Decimal | None:
    """A decimal column (SQLite gives 3.2 or 15, MySQL a Decimal) at the model's scale."""
    if value is None or value == "":
        return None
    number = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    return number.quantize(Decimal(1).scaleb(-places))


def as_bool(value: Any) -> bool:
    return bool(int(value)) if value is not None else False


def as_uuid(value: Any) -> uuid.UUID | None:
    if value is None or value == "":
        return None
    if isinstance(value, uuid.UUID):
        return value
    return uuid.UUID(str(value))


def as_json(value: Any) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value


def as_text(value: Any) -> str:
    """Optional text is an empty string, not NULL, in the earlier system; both read as ''."""
    return "" if value is None else str(value)
