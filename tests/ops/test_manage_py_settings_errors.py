"""`manage.py` on a machine without configuration: one French line saying what to set, never a
traceback (Django alone answered "Models aren't loaded yet" to most commands)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        # ENV_FILE empty: a developer's .env must not configure the machine for the test.
        env={"PATH": "/usr/bin:/bin", "ENV_FILE": "", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("command", [["makemigrations", "--check", "--dry-run"], ["check"]])
def test_a_missing_secret_key_is_one_french_line(command):
    answer = run(*command)
    assert answer.returncode == 1
    assert answer.stderr.startswith("Configuration invalide : DJANGO_SECRET_KEY is missing.")
    assert "Traceback" not in answer.stderr


def test_help_still_answers_without_configuration():
    assert run("help").returncode == 0


def test_with_a_development_configuration_the_migrations_are_complete():
    answer = run("makemigrations", "--check", "--dry-run", DJANGO_DEBUG="true")
    assert answer.returncode == 0, answer.stderr
    assert "No changes detected" in answer.stdout
