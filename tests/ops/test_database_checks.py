"""`manage.py check --database default` is clean on the database under test (MariaDB in CI):
strict mode, utf8mb4, and no constraint MariaDB would silently ignore."""

import pytest
from django.core.checks import run_checks
from django.db import connection


@pytest.mark.django_db
def test_database_checks_report_nothing():
    messages = run_checks(databases=["default"])
    assert [f"{m.id}: {m.msg}" for m in messages] == []


@pytest.mark.django_db
def test_the_connection_uses_the_configured_session_settings():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] in {"wal", "memory"}
        else:
            cursor.execute("SELECT @@SESSION.tx_isolation, @@character_set_connection")
            isolation, charset = cursor.fetchone()
            assert isolation == "READ-COMMITTED"
            assert charset == "utf8mb4"
