"""Reference numbers from sequence rows locked while taken (S-RECEIPTS, S-SHIPMENTS, S-ORDERS,
S-CARTONS). Call inside the caller's transaction: a rolled-back operation gives its number back."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from wms.models import ReferenceSequence
from wms.text import strip_accents

if TYPE_CHECKING:
    from wms.models import Contact


# Every kind has a master row (scope "*", created by a migration). Creating a missing counter
# first locks the master row, so creators queue one behind the other: two transactions inserting
# the same new key would otherwise deadlock on InnoDB's duplicate-key locks.
MASTER_SCOPE = "*"


def take_next(kind: str, scope: str) -> int:
    """Increment and return the counter (kind, scope), creating it at 0 when missing."""
    with transaction.atomic():
        row = ReferenceSequence.objects.select_for_update().filter(kind=kind, scope=scope).first()
        if row is None:
            _lock_master(kind)
            row, _created = ReferenceSequence.objects.select_for_update().get_or_create(
                kind=kind, scope=scope, defaults={"last_value": 0}
            )
        row.last_value += 1
        row.save(update_fields=["last_value"])
        return row.last_value


def _lock_master(kind: str) -> None:
    master = ReferenceSequence.objects.select_for_update().filter(kind=kind, scope=MASTER_SCOPE)
    if not master.exists():
        # A kind no migration knows: create its master row (a race here can only raise an
        # IntegrityError in the loser, never a deadlock between two creators of counters).
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(kind=kind, scope=MASTER_SCOPE)
        except IntegrityError:
            pass
        master.exists()


def source_letters(name: str) -> str:
    """'Édith Piaf' → 'EDI': the first three letters, accents stripped, padded with X."""
    letters = [char for char in strip_accents(name).upper() if "A" <= char <= "Z"]
    return "".join(letters[:3]).ljust(3, "X")


def next_reference(kind: str, on: dt.date | None = None, source: Contact | None = None) -> str:
    """The next reference of `kind` for the day `on` (default: today in Europe/Paris).

    - receipt  → YY-NN-DDD-CC (yearly counter; source letters; per-source yearly counter)
    - shipment → YYNNNN (yearly; a fifth digit after 9999)
    - order    → CMD-YYYY-NNNN (yearly)
    - carton   → YYYYMMDD-N (per day; the carton service puts the type letters in front)
    """
    on = on or timezone.localdate()
    year = str(on.year)
    if kind == "receipt":
        number = take_next("receipt", year)
        if source is None:
            return f"{on:%y}-{number:02d}-XXX-00"
        per_source = take_next("receipt_source", f"{year}:{source.pk}")
        return f"{on:%y}-{number:02d}-{source_letters(source.name)}-{per_source:02d}"
    if kind == "shipment":
        return f"{on:%y}{take_next('shipment', year):04d}"
    if kind == "order":
        return f"CMD-{year}-{take_next('order', year):04d}"
    if kind == "carton":
        return f"{on:%Y%m%d}-{take_next('carton', on.isoformat())}"
    raise ValueError(f"unknown reference kind: {kind}")
