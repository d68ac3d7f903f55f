"""Lots and the append-only movement ledger (S-STOCK).

Only wms/services/stock.py writes quantities; the ledger refuses updates and deletes.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce

# Where a lot without expiry date sorts in FEFO order: after every real date.
NO_EXPIRY_SORTS_AS = dt.date.max


class LotStatus(models.TextChoices):
    QUARANTINED = "quarantined", "En quarantaine"
    AVAILABLE = "available", "Disponible"
    HOLD = "hold", "Bloqué"
    EXPIRED = "expired", "Périmé"


class ProductLot(models.Model):
    product = models.ForeignKey(
        "wms.Product", on_delete=models.PROTECT, related_name="lots", verbose_name="produit"
    )
    lot_code = models.CharField("n° de lot", max_length=60, blank=True)
    expires_on = models.DateField("date de péremption", null=True, blank=True)
    received_on = models.DateField("reçu le")
    status = models.CharField(
        "statut", max_length=20, choices=LotStatus.choices, default=LotStatus.AVAILABLE
    )
    quantity_on_hand = models.IntegerField("quantité en stock", default=0)
    quantity_reserved = models.IntegerField("quantité réservée", default=0)
    location = models.ForeignKey(
        "wms.Location", on_delete=models.PROTECT, related_name="lots", verbose_name="emplacement"
    )
    source_receipt = models.ForeignKey(
        "wms.Receipt",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lots",
        verbose_name="réception",
    )
    storage_conditions = models.CharField("conditions de stockage", max_length=200, blank=True)
    quarantine_reason = models.CharField("motif de quarantaine", max_length=200, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="libéré par",
    )
    released_at = models.DateTimeField("libéré le", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The FEFO sort key (wms.services.fefo): the expiry date, lots without one after every dated
    # lot. Stored and indexed with the reception date, so that a FEFO list of 100,000 lots reads
    # its first page from the index instead of sorting every lot.
    fefo_expiry = models.GeneratedField(
        expression=Coalesce("expires_on", Value(NO_EXPIRY_SORTS_AS)),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name="péremption (ordre FEFO)",
    )

    class Meta:
        verbose_name = "lot"
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity_on_hand__gte=0), name="lot_on_hand_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__gte=0), name="lot_reserved_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(quantity_reserved__lte=F("quantity_on_hand")),
                name="lot_reserved_within_on_hand",
            ),
        ]
        indexes = [
            models.Index(fields=["product", "status", "expires_on"], name="lot_fefo"),
            models.Index(fields=["fefo_expiry", "received_on", "id"], name="lot_fefo_order"),
        ]

    def __str__(self) -> str:
        lot = self.lot_code or "sans lot"
        expiry = self.expires_on.strftime("%d/%m/%Y") if self.expires_on else "sans date"
        return f"{self.product.name} · {lot} · {expiry}"

    @property
    def quantity_available(self) -> int:
        return self.quantity_on_hand - self.quantity_reserved

    def reservation_holder_names(self) -> list[str]:
        """The orders holding reservations on this lot (named in refusals)."""
        return sorted(set(self.order_reservations.values_list("line__order__reference", flat=True)))


class MovementType(models.TextChoices):
    IN = "in", "Entrée"
    OUT = "out", "Sortie"
    TRANSFER = "transfer", "Transfert"
    ADJUST = "adjust", "Ajustement"
    COUNT = "count", "Inventaire"
    PRECONDITION = "precondition", "Préparation"
    UNPACK = "unpack", "Déballage"
    MIGRATION = "migration", "Reprise de données"


class LedgerIsAppendOnly(Exception):
    pass


class StockMovementQuerySet(models.QuerySet["StockMovement"]):
    def update(self, **kwargs: Any) -> int:
        raise LedgerIsAppendOnly("Les mouvements de stock ne se modifient pas.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly("Les mouvements de stock ne se suppriment pas.")


class StockMovement(models.Model):
    """One change of one lot's on-hand quantity; Σ delta per lot equals its on-hand."""

    product = models.ForeignKey(
        "wms.Product", on_delete=models.PROTECT, related_name="movements", verbose_name="produit"
    )
    lot = models.ForeignKey(
        ProductLot, on_delete=models.PROTECT, related_name="movements", verbose_name="lot"
    )
    delta = models.IntegerField("variation")
    movement_type = models.CharField("type", max_length=20, choices=MovementType.choices)
    from_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="depuis",
    )
    to_location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="vers",
    )
    reason_code = models.CharField("motif", max_length=40, blank=True)
    notes = models.CharField("notes", max_length=400, blank=True)
    receipt = models.ForeignKey(
        "wms.Receipt",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name="réception",
    )
    carton = models.ForeignKey(
        "wms.Carton",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name="carton",
    )
    shipment = models.ForeignKey(
        "wms.Shipment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="movements",
        verbose_name="expédition",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="utilisateur",
    )
    operation_id = models.UUIDField("opération", null=True, blank=True, db_index=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    objects = StockMovementQuerySet.as_manager()

    class Meta:
        verbose_name = "mouvement de stock"
        verbose_name_plural = "mouvements de stock"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(delta=0), name="movement_delta_not_zero")
        ]

    def __str__(self) -> str:
        return f"{self.get_movement_type_display()} {self.delta:+d} · {self.lot}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise LedgerIsAppendOnly("Les mouvements de stock ne se modifient pas.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise LedgerIsAppendOnly("Les mouvements de stock ne se suppriment pas.")
