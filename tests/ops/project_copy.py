"""A copy of the project in a temporary directory, run through `manage.py` in a subprocess with a
clean environment: what the ops tests use to play the runbook's commands as a server would,
without touching the developer's `.env` or `db.sqlite3`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# CI copies ../shared/production.env.sample into the project; a laptop clone may have neither,
# and then our own production-like file stands in.
SAMPLE_CANDIDATES = [
    ROOT / "production.env.sample",
    ROOT.parent / "shared" / "production.env.sample",
    ROOT / "tests" / "data" / "production.env",
]
COPY_IGNORE = shutil.ignore_patterns(
    ".venv",
    ".git",
    ".env",
    "db.sqlite3*",
    "staticfiles",
    "media",
    "__pycache__",
    "*.pyc",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "e2e",
    "tests",
    "bench",
)
# A development configuration for copies that need no production settings: DEBUG on, no file
# read, SQLite in the copy's own directory.
DEV_ENV = {
    "ENV_FILE": "",
    "DJANGO_DEBUG": "true",
    "DJANGO_SECRET_KEY": "ops-test-only-Jr5Wq8Zt2Lm7Xc4Vb9Nk3Hp6Gd1Fs0Ay-not-a-real-key",
    "DB_NAME": "",
}


def production_sample() -> Path:
    for candidate in SAMPLE_CANDIDATES:
        if candidate.is_file():
            return candidate
    raise AssertionError(f"production.env.sample not found in {SAMPLE_CANDIDATES}")


def copy_project(destination: Path) -> Path:
    """The project without its virtualenv, database, tests or caches."""
    shutil.copytree(ROOT, destination, ignore=COPY_IGNORE)
    return destination


def clean_env(*, drop: tuple[str, ...] = (), **overrides: str) -> dict[str, str]:
    """The test run's own settings must not leak into the copy; `drop` names more variables to
    leave out (real variables win over an env file, so a test that sets one there drops it)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DB_", "TEST_DB", "ENV_FILE", "COVERAGE"))
        and key not in drop
    }
    env.update(overrides)
    return env


def manage(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=project,
        env=env or clean_env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
