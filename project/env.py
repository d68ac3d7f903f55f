"""Reading the environment: the `.env` file, and checks that fail loudly on bad values.

Kept apart from settings.py so the rules (what a weak key is, how lists are spelled) can be
tested without reloading Django.
"""

from __future__ import annotations

import os
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_DISTINCT_CHARS = 5
INSECURE_KEY_PREFIX = "django-insecure-"


def read_env_file(base_dir: Path) -> Path | None:
    """Load `ENV_FILE` (default `<project>/.env`) into os.environ without overriding real variables.

    `ENV_FILE=` (empty) reads no file at all: the test configuration uses it so that a developer's
    `.env` never leaks into a test run.
    """
    configured = os.environ.get("ENV_FILE")
    if configured == "":
        return None
    path = Path(configured) if configured else base_dir / ".env"
    if not path.is_absolute():
        path = base_dir / path
    if configured and not path.is_file():
        raise ImproperlyConfigured(f"ENV_FILE={configured} : fichier introuvable ({path}).")
    if path.is_file():
        environ.Env.read_env(str(path), overwrite=False)
        return path
    return None


def secret_key_problem(key: str) -> str | None:
    """Why a key is too weak for production, or None when it is acceptable."""
    if not key:
        return "DJANGO_SECRET_KEY is missing"
    if key.startswith(INSECURE_KEY_PREFIX):
        return f"DJANGO_SECRET_KEY starts with '{INSECURE_KEY_PREFIX}'"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"DJANGO_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_DISTINCT_CHARS:
        return (
            f"DJANGO_SECRET_KEY has fewer than {MIN_SECRET_KEY_DISTINCT_CHARS} distinct characters"
        )
    return None


def require_strong_secret_key(key: str) -> str:
    problem = secret_key_problem(key)
    if problem:
        raise ImproperlyConfigured(
            f"{problem}. With DJANGO_DEBUG=false the server refuses to start: set a random key of "
            f"at least {MIN_SECRET_KEY_LENGTH} characters, for example with "
            '`python -c "import secrets; print(secrets.token_urlsafe(50))"`.'
        )
    return key


def parse_id_prefixes(raw: str) -> dict[str, str]:
    """`donor:DON,carrier:TRA` → {"donor": "DON", "carrier": "TRA"}; malformed pairs fail."""
    prefixes: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        role, sep, prefix = item.partition(":")
        if not sep or not role.strip() or not prefix.strip():
            raise ImproperlyConfigured(
                f"ASF_ID_PREFIXES: '{item}' is not of the form role:PREFIX (example: donor:DON)."
            )
        prefixes[role.strip().lower()] = prefix.strip().upper()
    return prefixes


def parse_rate(name: str, raw: str) -> str:
    """Validate a DRF-style rate such as `600/min` so a typo fails at startup, not per request."""
    count, sep, period = raw.partition("/")
    if not sep or not count.isdigit() or not period or period[0] not in "smhd":
        raise ImproperlyConfigured(f"{name}={raw!r}: expected a rate such as 600/min or 10/s.")
    return raw


def non_negative(name: str, value: int) -> int:
    if value < 0:
        raise ImproperlyConfigured(f"{name}={value}: must be 0 or more.")
    return value
