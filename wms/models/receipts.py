"""Receipts (S-RECEIPTS): what arrived, from whom, and the lines that become lots."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from wms.models.stock import LotStatus


class ReceiptType(models.TextChoices):
    DONATION = "donation", "Don"
    PALLET = "pallet", "Palette"
    ASSOCIATION = "association", "Association"
    OTHER = "other", "Autre"


class ReceiptStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    RECEIVED = "received", "Reçue"
    CANCELLED = "cancelled", "Annulée"


class Receipt(models.Model):
    reference = models.CharField("référence", max_length=30, unique=True)
    receipt_type = models.CharField(
        "type", max_length=20, choices=ReceiptType.choices, default=ReceiptType.DONATION
    )
    status = models.CharField(
        "statut", max_length=20, choices=ReceiptStatus.choices, default=ReceiptStatus.DRAFT
    )
    source_contact = models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts_sent",
        verbose_name="provenance",
    )
    carrier_contact = models.ForeignKey(
        "wms.Contact",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts_carried",
        verbose_name="transporteur",
    )
    origin_reference = models.CharField("référence d'origine", max_length=80, blank=True)
    carrier_reference = models.CharField("référence transporteur", max_length=80, blank=True)
    pallet_count = models.PositiveIntegerField("palettes", default=0)
    carton_count = models.PositiveIntegerField("cartons", default=0)
    out_of_format_count = models.PositiveIntegerField("hors format", default=0)
    transport_request_date = models.DateField("demande de transport", null=True, blank=True)
    received_on = models.DateField("reçue le")
    warehouse = models.ForeignKey(
        "wms.Warehouse",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipts",
        verbose_name="entrepôt",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="créée par",
    )
    notes = models.TextField("notes", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "réception"
        ordering = ["-received_on", "-id"]

    def __str__(self) -> str:
        return self.reference


class ReceiptLine(models.Model):
    receipt = models.ForeignKey(
        Receipt, on_delete=models.CASCADE, related_name="lines", verbose_name="réception"
    )
    product = models.ForeignKey(
        "wms.Product",
        on_delete=models.PROTECT,
        related_name="receipt_lines",
        verbose_name="produit",
    )
    quantity = models.PositiveIntegerField("quantité")
    lot_code = models.CharField("n° de lot", max_length=60, blank=True)
    expires_on = models.DateField("péremption", null=True, blank=True)
    lot_status = models.CharField(
        "statut du lot", max_length=20, choices=LotStatus.choices, blank=True
    )
    location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="emplacement",
    )
    storage_conditions = models.CharField("conditions de stockage", max_length=200, blank=True)
    # Set once, by the service that receives the line: a second receive is refused.
    received_lot = models.OneToOneField(
        "wms.ProductLot",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="receipt_line",
        editable=False,
    )

    class Meta:
        verbose_name = "ligne de réception"
        verbose_name_plural = "lignes de réception"
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="receipt_line_quantity_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.receipt.reference}: {self.quantity} × {self.product.name}"

    @property
    def is_received(self) -> bool:
        return self.received_lot_id is not None


class ReceiptOutOfFormatLine(models.Model):
    """A numbered free-text line for items that do not fit a carton ("hors format")."""

    receipt = models.ForeignKey(
        Receipt,
        on_delete=models.CASCADE,
        related_name="out_of_format_lines",
        verbose_name="réception",
    )
    number = models.PositiveIntegerField("n°")
    description = models.CharField("description", max_length=300)

    class Meta:
        verbose_name = "ligne hors format"
        verbose_name_plural = "lignes hors format"
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["receipt", "number"], name="out_of_format_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.description}"
