"""Rate limits (S-API): per key (`API_THROTTLE_RATE_KEY`) and per user
(`API_THROTTLE_RATE_USER`), counted in the shared database cache so every app server and host
sees the same counts.

DRF's sliding window reads a key's history from the cache and writes it back: two requests of
one key on two processes at the same moment would both read N-1 and both pass. Each check is
therefore serialised per key: a named lock on MariaDB/MySQL (`GET_LOCK`, held by the database
connection, shared by every server of that database), a write transaction on SQLite (taken at
BEGIN: the settings open SQLite transactions IMMEDIATE).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connections, router, transaction
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from wms.api.auth import KeyPrincipal

log = logging.getLogger("wms.api")

LOCK_WAIT_SECONDS = 5


def _database_alias(cache: Any) -> str | None:
    """The database a DatabaseCache writes to; None for another cache backend."""
    model = getattr(cache, "cache_model_class", None)
    return router.db_for_write(model) if model is not None else None


@contextmanager
def one_check_at_a_time(cache: Any, key: str) -> Iterator[None]:
    alias = _database_alias(cache)
    if alias is None:  # a process-local cache: nothing to share, nothing to serialise
        yield
        return
    connection = connections[alias]
    if connection.vendor == "sqlite":
        with transaction.atomic(using=alias):
            yield
        return
    if connection.vendor != "mysql":
        yield
        return
    # GET_LOCK names are server-wide, 64 characters at most: a digest of the database name (two
    # databases of one server stay apart) and the key.
    name = hashlib.sha256(f"{connection.settings_dict['NAME']}\x00{key}".encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT GET_LOCK(%s, %s)", [name, LOCK_WAIT_SECONDS])
        locked = cursor.fetchone()[0] == 1
    if not locked:
        # The database is very slow: count without the lock rather than refuse the caller.
        log.warning("rate limit lock not taken", extra={"event": "throttle_lock_timeout"})
    try:
        yield
    finally:
        if locked:
            with connection.cursor() as cursor:
                cursor.execute("SELECT RELEASE_LOCK(%s)", [name])


class SharedRateThrottle(SimpleRateThrottle):
    """DRF's sliding window, read and written by one request of a key at a time."""

    def allow_request(self, request: Request, view: Any) -> bool:
        if self.rate is None:
            return True
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        with one_check_at_a_time(self.cache, key):
            return super().allow_request(request, view)


class KeyRateThrottle(SharedRateThrottle):
    scope = "key"

    def get_rate(self) -> str:
        return str(settings.API_THROTTLE_RATE_KEY)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.user, KeyPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.principal_id}


class UserRateThrottle(SharedRateThrottle):
    scope = "user"

    def get_rate(self) -> str:
        return str(settings.API_THROTTLE_RATE_USER)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if isinstance(user, KeyPrincipal) or not getattr(user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
