"""`Idempotency-Key` on API writes (S-API): the same key from the same caller applies once and
answers the first response again; the same key with another body is a 409. Stored with the scan
app's operations (scan.operations.run_once), scoped to the calling principal."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db import transaction
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from scan.operations import OperationConflict, run_once
from wms.api.auth import KeyPrincipal
from wms.services.errors import StockError

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
# Keys are free text: a name-based UUID turns one into an operation id.
NAMESPACE = uuid.UUID("6f1c2f0e-1c4b-4c8e-9a57-52d1e3a0b9c1")

Apply = Callable[[], tuple[int, dict[str, Any]]]


def principal_id(request: Request) -> str:
    user = request.user
    if isinstance(user, KeyPrincipal):
        return user.principal_id
    return f"user:{user.pk}"


def write_once(request: Request, *, kind: str, fields: dict[str, Any], apply: Apply) -> Response:
    """Run `apply` (returns an HTTP status and a body; raises StockError to refuse) once per
    Idempotency-Key, or every time without one. A refusal answers 400 `{"detail": …}`."""
    key = request.headers.get(HEADER)
    if key is None:
        try:
            with transaction.atomic():
                code, body = apply()
        except StockError as refusal:
            return refused(refusal.message, refusal.code)
        return Response(body, status=code)
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: [f"1 à {MAX_KEY_LENGTH} caractères."]})

    def applied() -> dict[str, Any]:
        code, body = apply()
        return {"status": code, "body": body}

    try:
        outcome = run_once(
            principal=principal_id(request),
            op_id=uuid.uuid5(NAMESPACE, key),
            kind=f"api:{kind}",
            fields=fields,
            apply=applied,
        )
    except OperationConflict:
        return Response(
            {
                "detail": "Cette clé d'idempotence a déjà servi pour une autre requête.",
                "errors": {},
            },
            status=status.HTTP_409_CONFLICT,
        )
    if not outcome.applied:
        response = refused(outcome.message, str(outcome.response.get("code", "")))
    else:
        response = Response(outcome.response["body"], status=outcome.response["status"])
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    return response


def refused(message: str, code: str = "") -> Response:
    body: dict[str, Any] = {"detail": message, "errors": {}}
    if code:
        body["code"] = code
    return Response(body, status=status.HTTP_400_BAD_REQUEST)
