"""Database-backed throttle: at most one action per key per window, shared by every process.

Used for public forms (account requests, public orders) and tracking updates, where a second
submission within the window must be refused whichever app server receives it.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from wms.models import ThrottleSlot


def _slot_key(scope: str, key: str) -> str:
    # Hashed so that e-mail addresses or IPs are not stored in clear, and any length fits.
    return hashlib.sha256(f"{scope}\x00{key}".encode()).hexdigest()


def acquire(scope: str, key: str, seconds: int) -> bool:
    """Take the slot for (scope, key) for `seconds`; False when it is still held. 0 disables."""
    if seconds <= 0:
        return True
    now = timezone.now()
    expires_at = now + timedelta(seconds=seconds)
    slot_key = _slot_key(scope, key)
    try:
        # The unique key makes the first insert win when two processes race on a new key.
        with transaction.atomic():
            ThrottleSlot.objects.create(key=slot_key, scope=scope, expires_at=expires_at)
        return True
    except IntegrityError:
        pass
    # A conditional update is atomic on SQLite and MariaDB: only one racer renews an expired slot.
    renewed = ThrottleSlot.objects.filter(key=slot_key, expires_at__lte=now).update(
        expires_at=expires_at
    )
    return renewed == 1


def seconds_remaining(scope: str, key: str) -> int:
    """How long until the slot frees up (0 when free), for a "retry in N seconds" message."""
    slot = ThrottleSlot.objects.filter(key=_slot_key(scope, key)).first()
    if slot is None:
        return 0
    return max(0, int((slot.expires_at - timezone.now()).total_seconds() + 0.999))


def purge_expired() -> int:
    """Delete slots that expired; the table stays small without a cron job of its own."""
    deleted, _ = ThrottleSlot.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
