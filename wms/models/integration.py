"""Integration events: inbound events posted by integrators, and the outbound email queue
(S-EMAIL). Outbound emails are rows with source 'wms.email' and event_type 'send_email'."""

from __future__ import annotations

from django.db import models


class IntegrationDirection(models.TextChoices):
    INBOUND = "inbound", "Entrant"
    OUTBOUND = "outbound", "Sortant"


class IntegrationStatus(models.TextChoices):
    PENDING = "pending", "En attente"
    PROCESSING = "processing", "En cours"
    PROCESSED = "processed", "Traité"
    FAILED = "failed", "Échec"


EMAIL_SOURCE = "wms.email"
EMAIL_EVENT_TYPE = "send_email"


class IntegrationEvent(models.Model):
    direction = models.CharField("sens", max_length=10, choices=IntegrationDirection.choices)
    source = models.CharField("source", max_length=100)
    target = models.CharField("cible", max_length=100, blank=True)
    event_type = models.CharField("type", max_length=100)
    external_id = models.CharField("identifiant externe", max_length=200, blank=True)
    payload = models.JSONField("contenu", default=dict, blank=True)
    status = models.CharField(
        "statut",
        max_length=12,
        choices=IntegrationStatus.choices,
        default=IntegrationStatus.PENDING,
    )
    error_message = models.TextField("erreur", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True, db_index=True)
    processed_at = models.DateTimeField("traité le", null=True, blank=True)
    # Queue state, in real columns so the processor selects and claims with plain indexed queries.
    attempts = models.PositiveIntegerField("tentatives", default=0)
    next_attempt_at = models.DateTimeField("prochaine tentative", null=True, blank=True)
    claimed_at = models.DateTimeField("pris en charge le", null=True, blank=True)
    claim_token = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "événement d'intégration"
        verbose_name_plural = "événements d'intégration"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["direction", "source", "event_type", "status", "next_attempt_at"],
                name="event_queue_due",
            ),
            models.Index(fields=["status", "claimed_at"], name="event_queue_stale"),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.event_type} #{self.pk} ({self.status})"
