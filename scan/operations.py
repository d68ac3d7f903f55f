"""Apply a captured operation at most once per (principal, operation id) — S-OFFLINE.

The scan views and the API's Idempotency-Key both go through `run_once`: the first send applies
the operation and records its outcome in the same transaction; a repeat returns the recorded
outcome; the same id with another body is a conflict (HTTP 409).
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, OperationalError, connection, transaction

from scan.models import OperationOutcome, ScanOperation
from wms.services.errors import StockError


class OperationConflict(Exception):
    """The operation id was already used for a different request."""

    message = "Cet identifiant d'opération a déjà servi pour une autre saisie."


@dataclass(frozen=True)
class Outcome:
    applied: bool
    response: dict[str, Any]
    replayed: bool = False

    @property
    def message(self) -> str:
        return str(self.response.get("message", ""))


def principal_of(user: Any) -> str:
    return f"user:{user.pk}"


def parse_op_id(raw: Any) -> uuid.UUID:
    try:
        value = uuid.UUID(str(raw))
    except (TypeError, ValueError):
        raise StockError("Identifiant d'opération manquant ou invalide.") from None
    return value


def fingerprint(kind: str, fields: dict[str, Any]) -> str:
    canonical = json.dumps({"kind": kind, "fields": fields}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _stored(principal: str, op_id: uuid.UUID, print_: str) -> Outcome | None:
    row = ScanOperation.objects.filter(principal=principal, op_id=op_id).first()
    if row is None:
        return None
    if row.fingerprint != print_:
        raise OperationConflict
    return Outcome(row.outcome == OperationOutcome.APPLIED, row.response, replayed=True)


# MySQL/MariaDB's "deadlock found" (1213) and "lock wait timeout" (1205): InnoDB rolled the
# whole transaction back, so running it again is safe; two captures of one product from two
# handhelds at the same moment otherwise answer 500 to one of them.
RETRIED_ERRORS = frozenset({1205, 1213})
ATTEMPTS = 3


def _retryable(error: OperationalError) -> bool:
    code = error.args[0] if error.args else None
    # Inside an outer transaction the rollback went further than our block: not ours to retry.
    return code in RETRIED_ERRORS and not connection.in_atomic_block


def _applied_once(
    row_fields: dict[str, Any], apply: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            with transaction.atomic():
                row = ScanOperation.objects.create(**row_fields, response={})
                response = apply()
                row.response = response
                row.save(update_fields=["response"])
            return response
        except OperationalError as error:
            if attempt == ATTEMPTS or not _retryable(error):
                raise
            time.sleep(0.05 * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def run_once(
    *,
    principal: str,
    op_id: uuid.UUID,
    kind: str,
    fields: dict[str, Any],
    apply: Callable[[], dict[str, Any]],
) -> Outcome:
    """Run `apply` unless this operation id already ran; `apply` returns the response summary
    and raises StockError to refuse (the refusal is recorded too, with its reason)."""
    print_ = fingerprint(kind, fields)
    previous = _stored(principal, op_id, print_)
    if previous is not None:
        return previous
    try:
        response = _applied_once(
            {
                "principal": principal,
                "op_id": op_id,
                "kind": kind,
                "fingerprint": print_,
                "outcome": OperationOutcome.APPLIED,
            },
            apply,
        )
        return Outcome(True, response)
    except StockError as refusal:
        response = {"message": refusal.message, "code": refusal.code}
        try:
            with transaction.atomic():
                ScanOperation.objects.create(
                    principal=principal, op_id=op_id, kind=kind, fingerprint=print_,
                    outcome=OperationOutcome.REJECTED, response=response,
                )  # fmt: skip
        except IntegrityError:
            # A concurrent send of the same id was recorded meanwhile: its outcome stands.
            return _stored(principal, op_id, print_) or Outcome(False, response)
        return Outcome(False, response)
    except IntegrityError:
        # Two sends of one id raced: the other one's insert won and its outcome stands.
        stored = _stored(principal, op_id, print_)
        if stored is None:
            raise
        return stored
