"""Destinations, shipments, their tracking events and documents (S-SHIPMENTS).

Statuses change only through wms/services/shipping.py and its transition table.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models

if TYPE_CHECKING:
    from wms.models.contacts import Contact


class Destination(models.Model):
    city = models.CharField("ville", max_length=120)
    iata_code = models.CharField("code IATA", max_length=3, unique=True)
    country = models.CharField("pays", max_length=80)
    correspondent = models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="correspondent_of",
        verbose_name="correspondant",
        limit_choices_to={"is_correspondent": True},
    )
    is_active = models.BooleanField("active", default=True)

    class Meta:
        verbose_name = "destination"
        ordering = ["city"]
        constraints = [
            models.UniqueConstraint(fields=["city", "country"], name="destination_city_country")
        ]

    def __str__(self) -> str:
        return f"{self.city} ({self.iata_code}) - {self.country}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.iata_code = self.iata_code.strip().upper()
        self.city = self.city.strip()
        self.country = self.country.strip()
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class ShipmentStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PICKING = "picking", "En préparation"
    PACKED = "packed", "Prête"
    SHIPPED = "shipped", "Expédiée"
    DELIVERED = "delivered", "Livrée"


LOCKED_STATUSES = (ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED)


def _contact(role: str, related_name: str) -> models.ForeignKey[Contact | None, Contact | None]:
    return models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=role,
    )


class Shipment(models.Model):
    reference = models.CharField("référence", max_length=12, unique=True)
    tracking_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    update_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(
        "statut", max_length=20, choices=ShipmentStatus.choices, default=ShipmentStatus.DRAFT
    )
    destination = models.ForeignKey(
        Destination, on_delete=models.PROTECT, related_name="shipments", verbose_name="destination"
    )
    # The parties are contacts; their printed names are snapshots taken when chosen, so renaming
    # a contact afterwards never changes a document already printed.
    shipper = _contact("expéditeur", "shipments_sent")
    shipper_name = models.CharField("nom de l'expéditeur", max_length=200, blank=True)
    recipient = _contact("destinataire", "shipments_received")
    recipient_name = models.CharField("nom du destinataire", max_length=200, blank=True)
    correspondent = _contact("correspondant", "shipments_followed")
    correspondent_name = models.CharField("nom du correspondant", max_length=200, blank=True)
    destination_address = models.TextField("adresse de destination", blank=True)
    destination_country = models.CharField("pays de destination", max_length=80, blank=True)
    requested_delivery_date = models.DateField("livraison souhaitée", null=True, blank=True)
    created_at = models.DateTimeField("créée le", auto_now_add=True)
    ready_at = models.DateTimeField("prête le", null=True, blank=True)
    shipped_at = models.DateTimeField("expédiée le", null=True, blank=True)
    delivered_at = models.DateTimeField("livrée le", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créée par",
    )
    notes = models.TextField("notes", blank=True)
    flight_date = models.DateField("date du vol", null=True, blank=True)
    flight_number = models.CharField("n° de vol", max_length=20, blank=True)
    awb_number = models.CharField("n° LTA / déclaration douane", max_length=40, blank=True)

    class Meta:
        verbose_name = "expédition"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="shipment_status_created")]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_locked(self) -> bool:
        return self.status in LOCKED_STATUSES


class StatusChange(models.Model):
    """Every status change of a shipment: derived, action, tracking step, or manager override."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="status_changes", verbose_name="expédition"
    )
    from_status = models.CharField("de", max_length=20, choices=ShipmentStatus.choices)
    to_status = models.CharField("vers", max_length=20, choices=ShipmentStatus.choices)
    is_override = models.BooleanField("forçage", default=False)
    reason = models.CharField("motif", max_length=400, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="par",
    )
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "changement de statut"
        verbose_name_plural = "changements de statut"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment} {self.from_status} → {self.to_status}"


class TrackingStep(models.TextChoices):
    # In process order: lists show them in this order (S-SHIPMENTS).
    PLANNING_OK = "planning_ok", "Planification validée"
    PLANNED = "planned", "Planifiée"
    MOVED_EXPORT = "moved_export", "Déplacée vers l'export"
    BOARDING_OK = "boarding_ok", "Embarquement validé"
    RECEIVED_CORRESPONDENT = "received_correspondent", "Reçue par le correspondant"
    RECEIVED_RECIPIENT = "received_recipient", "Reçue par le destinataire"


STEP_ORDER = {step: index for index, step in enumerate(TrackingStep.values)}


class TrackingEvent(models.Model):
    shipment = models.ForeignKey(
        Shipment,
        on_delete=models.CASCADE,
        related_name="tracking_events",
        verbose_name="expédition",
    )
    step = models.CharField("étape", max_length=30, choices=TrackingStep.choices)
    actor_name = models.CharField("nom", max_length=120)
    actor_structure = models.CharField("structure", max_length=120)
    comments = models.CharField("commentaires", max_length=500, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="auteur",
    )
    via_update_link = models.BooleanField("par le lien du correspondant", default=False)
    created_at = models.DateTimeField("le", auto_now_add=True)

    class Meta:
        verbose_name = "étape de suivi"
        verbose_name_plural = "étapes de suivi"
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.shipment} · {self.get_step_display()}"


class ShipmentDocumentKind(models.TextChoices):
    DONATION = "donation", "Attestation de don"
    HUMANITARIAN = "humanitarian", "Attestation humanitaire"
    CUSTOMS = "customs", "Document de douane"
    INVOICE = "invoice", "Facture"
    OTHER = "other", "Autre"


class ShipmentDocument(models.Model):
    """An additional document; served to staff only, through a view (never a media URL)."""

    shipment = models.ForeignKey(
        Shipment, on_delete=models.CASCADE, related_name="documents", verbose_name="expédition"
    )
    kind = models.CharField(
        "type", max_length=20, choices=ShipmentDocumentKind.choices, default="other"
    )
    file = models.FileField("fichier", upload_to="shipment-documents/%Y/")
    original_name = models.CharField("nom du fichier", max_length=200)
    # A copy of an order's approved attestation (its own file: deleting one keeps the other).
    copied_from = models.ForeignKey(
        "wms.OrderDocument",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shipment_copies",
        verbose_name="copie du document de commande",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="déposé par",
    )
    uploaded_at = models.DateTimeField("déposé le", auto_now_add=True)

    class Meta:
        verbose_name = "document d'expédition"
        verbose_name_plural = "documents d'expédition"
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.original_name}"
