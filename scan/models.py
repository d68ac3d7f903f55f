"""Operations captured by the scan app (and idempotent API writes): each applies at most once.

A capture carries an operation id (UUID v4) made by the browser; the row is inserted in the same
transaction as the change it records, so "applied" and "recorded" cannot diverge (S-OFFLINE).
"""

from __future__ import annotations

from django.db import models


class OperationOutcome(models.TextChoices):
    APPLIED = "applied", "Appliquée"
    REJECTED = "rejected", "Refusée"


class ScanOperation(models.Model):
    principal = models.CharField("auteur", max_length=120)
    op_id = models.UUIDField("identifiant d'opération")
    kind = models.CharField("type", max_length=40)
    fingerprint = models.CharField("empreinte", max_length=64)
    outcome = models.CharField("résultat", max_length=10, choices=OperationOutcome.choices)
    response = models.JSONField("réponse", default=dict)
    created_at = models.DateTimeField("reçue le", auto_now_add=True)

    class Meta:
        verbose_name = "opération de scan"
        verbose_name_plural = "opérations de scan"
        constraints = [
            models.UniqueConstraint(fields=["principal", "op_id"], name="scan_operation_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.op_id} ({self.outcome})"
