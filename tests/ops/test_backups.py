"""The runbook's backups (its section 7) proven: each backup is taken while the application keeps
writing stock movements through its API, just after a marker movement is committed; the copy is
restored into a fresh database as `docs/operations.md` section 11 says, and holds every row up
to the marker, with the stock ledger clean.

SQLite: `sqlite3 db.sqlite3 ".backup 'db-backup.sqlite3'"` on the live WAL database.
MariaDB: the runbook's `mysqldump` and `mysql` lines verbatim, after `set -a; . ./.env; set +a`,
their password prompt answered through a pseudo-terminal.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.conf import settings

from tests.ops import backup_helpers as helpers
from tests.ops.backup_helpers import (
    LOAD_ENV,
    MARKER_NOTE,
    MIGRATE_CHECK,
    MYSQL_CREATE,
    MYSQL_DUMP,
    MYSQL_RESTORE,
    SQLITE_BACKUP,
    SQLITE_RESTORE,
    TerminalRun,
    Writers,
    adjust,
    call,
    checked,
    guide_lines,
    gunicorn,
    ledger_check,
    manage_args,
    migrate_and_seed,
    movement_facts,
    new_project,
    run_in_terminal,
    runbook_commands,
    shell,
)
from tests.ops.project_copy import manage

pytestmark = pytest.mark.slow

T = TypeVar("T")

BACKUP_ATTEMPTS = 5
LOCKED = "Error: database is locked"
# Writes acknowledged before the marker, and after the backup, by the writer threads.
WRITES_BEFORE = 20
WRITES_AFTER = 20


@dataclass(frozen=True)
class LiveBackup:
    marker_id: int
    marker_note: str
    acknowledged_before: list[int]  # every movement id answered 201 before the backup started
    acknowledged_total: int
    live_ids: list[int]  # the source database once the writers stopped


def take_backup_while_writing(
    project: Path, port: int, key: str, lots: list[int], backup: Callable[[], T]
) -> tuple[LiveBackup, T]:
    """Writers running; a marker movement committed; `backup()` run while they keep going; the
    writers stopped only after more writes landed."""
    with Writers(port, key, lots) as writers:
        writers.wait_for(WRITES_BEFORE)
        note = f"{MARKER_NOTE} {uuid.uuid4()}"
        marker_id = adjust(port, key, lots[0], 1, note)
        before = writers.snapshot()
        result = backup()
        writers.wait_for(len(writers.snapshot()) + WRITES_AFTER)
    live = movement_facts(project)["ids"]
    return (
        LiveBackup(marker_id, note, [*before, marker_id], len(writers.acknowledged), live),
        result,
    )


def assert_rows_up_to_the_marker(run: LiveBackup, copy: dict[str, list[Any]]) -> dict[str, int]:
    copy_ids = copy["ids"]
    assert copy["markers"] == [[run.marker_id, run.marker_note]]
    # Every write the application acknowledged before the backup started is in the copy…
    missing = sorted(set(run.acknowledged_before) - set(copy_ids))
    assert missing == [], f"{len(missing)} acknowledged movements missing from the copy"
    # …as is every row of the source numbered up to the marker, and nothing the source lacks.
    up_to_marker = [pk for pk in run.live_ids if pk <= run.marker_id]
    assert [pk for pk in copy_ids if pk <= run.marker_id] == up_to_marker
    assert set(copy_ids) <= set(run.live_ids)
    # The application kept writing after the backup: the source has rows the copy does not.
    assert len(run.live_ids) > len(copy_ids)
    return {
        "acknowledged_before_backup": len(run.acknowledged_before),
        "acknowledged_total": run.acknowledged_total,
        "source_rows_up_to_marker": len(up_to_marker),
        "copy_rows": len(copy_ids),
        "source_rows_at_end": len(run.live_ids),
    }


def test_the_guide_quotes_the_runbook_backup_commands_and_its_restore_lines() -> None:
    lines = guide_lines()
    for line in (*runbook_commands(), *helpers.GUIDE_LINES):
        assert line in lines, line
    # The MariaDB lines are shown after the .env is loaded into the shell.
    assert lines.index(LOAD_ENV) < lines.index(MYSQL_DUMP) < lines.index(MYSQL_RESTORE)
    # SQLite restore order: old journal files gone before the copy, then the integrity check.
    assert [lines.index(line) for line in SQLITE_RESTORE] == sorted(
        lines.index(line) for line in SQLITE_RESTORE
    )


def test_sqlite_backup_of_the_live_wal_database_restores_every_row_up_to_the_marker(
    tmp_path: Path,
) -> None:
    assert SQLITE_BACKUP in runbook_commands()
    source = new_project(tmp_path / "asf-wms")
    key, lots = migrate_and_seed(source)
    wal_bytes_at_backup: list[int] = []
    attempts: list[str] = []

    def backup() -> subprocess.CompletedProcess[str]:
        wal_bytes_at_backup.append((source / "db.sqlite3-wal").stat().st_size)
        # What the guide warns against, taken at the same moment: the file alone.
        shutil.copy(source / "db.sqlite3", tmp_path / "plain-copy.sqlite3")
        # The sqlite3 shell waits for no lock: when a write holds one at that instant it stops
        # with "database is locked", and the guide says to run it again (as done here).
        for _attempt in range(BACKUP_ATTEMPTS):
            result = shell(SQLITE_BACKUP, source)
            attempts.append(result.stderr.strip())
            if result.returncode == 0 or result.stderr.strip() != LOCKED:
                break
            time.sleep(0.5)
        return result

    # A reader that holds its snapshot (a long export, say) keeps every later commit in the
    # write-ahead log: the marker is committed, but not in db.sqlite3 itself, when the backup runs.
    with closing(sqlite3.connect(source / "db.sqlite3", isolation_level=None)) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM wms_stockmovement").fetchone()
        with gunicorn(source, tmp_path / "gunicorn.log") as port:
            run, result = take_backup_while_writing(source, port, key, lots, backup)
        reader.execute("COMMIT")
    assert result.returncode == 0, (result.stdout, result.stderr)
    assert wal_bytes_at_backup[0] > 0
    assert checked(manage(source, "shell", "-c", JOURNAL_MODE), "journal").strip() == "wal"
    with closing(sqlite3.connect(tmp_path / "plain-copy.sqlite3")) as plain:
        plain_rows = plain.execute(
            "SELECT COUNT(*), COUNT(CASE WHEN id = ? THEN 1 END) FROM wms_stockmovement",
            (run.marker_id,),
        ).fetchone()
    assert plain_rows[1] == 0, "the marker reached db.sqlite3: the WAL case was not exercised"

    # Restore on a fresh server: the backup file only, as the guide says.
    restored = new_project(tmp_path / "restored")
    shutil.copy(source / "db-backup.sqlite3", restored / "db-backup.sqlite3")
    outputs = [checked(shell(line, restored), line).strip() for line in SQLITE_RESTORE]
    assert outputs == ["", "", "ok"]
    assert not (restored / "db.sqlite3-wal").exists()
    assert not (restored / "db.sqlite3-shm").exists()
    with closing(sqlite3.connect(restored / "db.sqlite3")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    numbers = assert_rows_up_to_the_marker(run, movement_facts(restored))
    ledger = ledger_check(restored)
    checked(manage(restored, *manage_args(MIGRATE_CHECK)), "migrate --check")
    # The application starts on the restored copy and serves the marker.
    with gunicorn(restored, tmp_path / "restored.log") as port:
        status, movement = call(port, "GET", f"/api/v1/movements/{run.marker_id}/", key)
    assert status == 200, movement
    assert movement["notes"] == run.marker_note
    assert plain_rows[0] < numbers["copy_rows"]
    print(
        f"\nSQLite backup: {numbers}; WAL {wal_bytes_at_backup[0]} bytes; "
        f"plain cp of db.sqlite3: {plain_rows[0]} rows, no marker; {ledger}; "
        f"backup attempts: {len(attempts)}"
    )


JOURNAL_MODE = (
    "from django.db import connection\n"
    "with connection.cursor() as c:\n"
    "    c.execute('PRAGMA journal_mode')\n"
    "    print(c.fetchone()[0])"
)


@pytest.fixture
def mariadb_databases() -> Iterator[tuple[dict[str, str], str, str]]:
    """A source and a restore database named for this process, dropped at the end (the asf user
    has rights on `test\\_asf%` only); the connection values as `.env` would hold them."""
    import MySQLdb

    database = settings.DATABASES["default"]
    assert database["ENGINE"] == "django.db.backends.mysql", database["ENGINE"]
    values = {
        "DB_HOST": str(database["HOST"]),
        "DB_PORT": str(database["PORT"]),
        "DB_USER": str(database["USER"]),
        "DB_PASSWORD": str(database["PASSWORD"]),
    }
    source = f"test_asf_backup_src_{os.getpid()}"
    restored = f"test_asf_restore_{os.getpid()}"
    admin = MySQLdb.connect(
        host=values["DB_HOST"],
        port=int(values["DB_PORT"]),
        user=values["DB_USER"],
        password=values["DB_PASSWORD"],
    )
    try:
        with admin.cursor() as cursor:
            for name in (source, restored):
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
            cursor.execute(
                f"CREATE DATABASE `{source}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
            )
        yield values, source, restored
    finally:
        with admin.cursor() as cursor:
            for name in (source, restored):
                cursor.execute(f"DROP DATABASE IF EXISTS `{name}`")
        admin.close()


@pytest.mark.mysql
def test_mysqldump_and_mysql_of_the_runbook_restore_every_row_up_to_the_marker(
    tmp_path: Path, mariadb_databases: tuple[dict[str, str], str, str]
) -> None:
    values, source_name, restored_name = mariadb_databases
    password = values["DB_PASSWORD"]
    assert runbook_commands()[1:] == (MYSQL_DUMP, MYSQL_RESTORE)
    for client in ("mysqldump", "mysql"):
        assert shutil.which(client), f"{client} missing (Debian: apt-get install mariadb-client)"

    source = new_project(tmp_path / "asf-wms", **values, DB_NAME=source_name)
    key, lots = migrate_and_seed(source)

    def dump() -> TerminalRun:
        return run_in_terminal(f"{LOAD_ENV}; {MYSQL_DUMP}", source, password)

    with gunicorn(source, tmp_path / "gunicorn.log") as port:
        run, dumped = take_backup_while_writing(source, port, key, lots, dump)
    assert dumped.returncode == 0, dumped.output
    assert dumped.prompts == 1
    dump_file = source / "asf_wms.sql"
    assert MARKER_NOTE.encode() in dump_file.read_bytes()

    # A new server whose .env names a new database: create it, restore the dump into it.
    restored = new_project(tmp_path / "restored", **values, DB_NAME=restored_name)
    shutil.copy(dump_file, restored / "asf_wms.sql")
    for command in (MYSQL_CREATE, MYSQL_RESTORE):
        answered = run_in_terminal(f"{LOAD_ENV}; {command}", restored, password)
        assert answered.returncode == 0, answered.output
        assert answered.prompts == 1, answered.output
        assert password not in answered.output.replace(PROMPT, "")

    numbers = assert_rows_up_to_the_marker(run, movement_facts(restored))
    ledger = ledger_check(restored)
    checked(manage(restored, *manage_args(MIGRATE_CHECK)), "migrate --check")
    with gunicorn(restored, tmp_path / "restored.log") as port:
        status, movement = call(port, "GET", f"/api/v1/movements/{run.marker_id}/", key)
    assert status == 200, movement
    assert movement["notes"] == run.marker_note
    print(f"\nMariaDB dump/restore: {numbers}; {ledger}")


PROMPT = "Enter password:"
