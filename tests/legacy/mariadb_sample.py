"""The legacy sample copied into a MariaDB database, as a real installation of the earlier system
has it (SCHEMA.md: "Real legacy installations run on MySQL with the same tables and columns; only
the SQL types differ"): each SQLite declared type becomes Django's MySQL type for it, and every
row is copied as stored. Used by the tests that prove the take-over reads MariaDB too."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.utils import load_backend

# Declared SQLite type (lower-case) → the MySQL type Django's MySQL backend gives that field.
EXACT_TYPES = {
    "integer": "bigint",
    "bigint": "bigint",
    "bigint unsigned": "bigint unsigned",
    "integer unsigned": "integer unsigned",
    "smallint unsigned": "smallint unsigned",
    "bool": "tinyint(1)",
    "text": "longtext",
    "date": "date",
    "datetime": "datetime(6)",
    # Widest of the model scales (8,2 / 10,2 / 6,4): the importer quantizes to each field's own.
    "decimal": "decimal(14,4)",
    "char(32)": "char(32)",
}
VARCHAR = re.compile(r"^varchar\((\d+)\)$")


def mysql_type(declared: str) -> str:
    lowered = declared.lower().split(" check ")[0].strip()
    if lowered in EXACT_TYPES:
        return EXACT_TYPES[lowered]
    match = VARCHAR.match(lowered)
    if match:
        return f"varchar({match.group(1)})"
    raise ValueError(f"no MySQL type for {declared!r}")


def server_settings(name: str) -> dict[str, Any]:
    """A connection to the test MariaDB server (the target's), on database `name`."""
    default = settings.DATABASES["default"]
    return {
        "ENGINE": "django.db.backends.mysql",
        "NAME": name,
        "USER": default["USER"],
        "PASSWORD": default["PASSWORD"],
        "HOST": default["HOST"],
        "PORT": default["PORT"],
        "OPTIONS": {"charset": "utf8mb4"},
    }


def _server_connection(database: dict[str, Any]) -> Any:
    backend = load_backend(database["ENGINE"])
    from django.db import connections

    configured = connections.configure_settings(
        {"default": dict(settings.DATABASES["default"]), "loader": dict(database)}
    )["loader"]
    return backend.DatabaseWrapper(configured, "legacy-loader")


def load_sample(sample: Path, name: str) -> None:
    """Create database `name` (dropped first if a failed run left it) with the sample's tables."""
    wrapper = _server_connection({**server_settings(""), "NAME": ""})
    source = sqlite3.connect(f"file:{sample}?mode=ro", uri=True)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(
                f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
            cursor.execute(f"USE `{name}`")
            tables = [
                row[0]
                for row in source.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%' ORDER BY name"
                )
            ]
            for table in tables:
                columns = list(source.execute(f'PRAGMA table_info("{table}")'))
                definitions = [
                    f"`{column[1]}` {mysql_type(column[2])}"
                    + (" NOT NULL" if column[3] else " NULL")
                    + (" PRIMARY KEY" if column[5] else "")
                    for column in columns
                ]
                cursor.execute(f"CREATE TABLE `{table}` ({', '.join(definitions)})")
                names = [column[1] for column in columns]
                # Table and column names come from the sample's own catalogue, not from input.
                rows = list(source.execute(f'SELECT * FROM "{table}"'))  # noqa: S608
                if rows:
                    placeholders = ", ".join(["%s"] * len(names))
                    quoted = ", ".join(f"`{column}`" for column in names)
                    cursor.executemany(
                        f"INSERT INTO `{table}` ({quoted}) VALUES ({placeholders})",  # noqa: S608
                        rows,
                    )
    finally:
        source.close()
        wrapper.close()


def drop_sample(name: str) -> None:
    wrapper = _server_connection({**server_settings(""), "NAME": ""})
    try:
        with wrapper.cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
    finally:
        wrapper.close()
