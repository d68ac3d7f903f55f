"""Cartons (colis), their formats and contents (S-CARTONS).

Only wms/services/packing.py changes a carton's contents or status; the stock side of packing goes
through wms/services/stock.py like every other change of stock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q

DEFAULT_MAX_WEIGHT_G = 8000


class CartonFormat(models.Model):
    name = models.CharField("nom", max_length=80, unique=True)
    length_cm = models.DecimalField("longueur intérieure (cm)", max_digits=6, decimal_places=1)
    width_cm = models.DecimalField("largeur intérieure (cm)", max_digits=6, decimal_places=1)
    height_cm = models.DecimalField("hauteur intérieure (cm)", max_digits=6, decimal_places=1)
    max_weight_g = models.PositiveIntegerField("poids maximal (g)", default=DEFAULT_MAX_WEIGHT_G)
    is_default = models.BooleanField("format par défaut", default=False)
    # True for the default format, NULL otherwise: a plain unique constraint (which MariaDB
    # enforces, unlike a conditional one) keeps a single default.
    default_marker = models.BooleanField(null=True, blank=True, editable=False, unique=True)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "format de carton"
        verbose_name_plural = "formats de carton"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(length_cm__gt=0) & Q(width_cm__gt=0) & Q(height_cm__gt=0),
                name="carton_format_dimensions_positive",
            ),
            models.CheckConstraint(
                condition=Q(max_weight_g__gt=0), name="carton_format_weight_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.length_cm:g}×{self.width_cm:g}×{self.height_cm:g} cm)"

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.default_marker = True if self.is_default else None
        if self.is_default:
            CartonFormat.objects.exclude(pk=self.pk).filter(is_default=True).update(
                is_default=False, default_marker=None
            )
        super().save(*args, **kwargs)

    @classmethod
    def default(cls) -> CartonFormat | None:
        return cls.objects.filter(is_default=True).first()


class CartonStatus(models.TextChoices):
    DRAFT = "draft", "Brouillon"
    PICKING = "picking", "En préparation"
    PACKED = "packed", "Prêt"
    SHIPPED = "shipped", "Expédié"


class Carton(models.Model):
    code = models.CharField("code", max_length=30, unique=True)
    # "YYYYMMDD-N" from the per-day sequence; the code is "TT-" + this.
    code_suffix = models.CharField(max_length=24, unique=True, editable=False)
    status = models.CharField(
        "statut", max_length=20, choices=CartonStatus.choices, default=CartonStatus.DRAFT
    )
    carton_format = models.ForeignKey(
        CartonFormat,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cartons",
        verbose_name="format",
    )
    length_cm = models.DecimalField("longueur (cm)", max_digits=6, decimal_places=1)
    width_cm = models.DecimalField("largeur (cm)", max_digits=6, decimal_places=1)
    height_cm = models.DecimalField("hauteur (cm)", max_digits=6, decimal_places=1)
    max_weight_g = models.PositiveIntegerField("poids maximal (g)", default=DEFAULT_MAX_WEIGHT_G)
    location = models.ForeignKey(
        "wms.Location",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cartons",
        verbose_name="emplacement",
    )
    shipment = models.ForeignKey(
        "wms.Shipment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cartons",
        verbose_name="expédition",
    )
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name="préparé par",
    )
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    created_on = models.DateField("date", editable=False)
    packed_at = models.DateTimeField("fermé le", null=True, blank=True)
    notes = models.CharField("notes", max_length=400, blank=True)

    class Meta:
        verbose_name = "carton"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status", "shipment"], name="carton_status_shipment"),
            # The cartons list pages in this order: without it, every page sorted every carton
            # (38 ms → under 5 ms for a page at 30,000 cartons, bench/ full scale on SQLite).
            models.Index(fields=["-created_at", "-id"], name="carton_newest_first"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def volume_cm3(self) -> Decimal:
        return self.length_cm * self.width_cm * self.height_cm

    @property
    def is_assigned(self) -> bool:
        return self.shipment_id is not None

    @property
    def status_label(self) -> str:
        """ "Affecté" for a ready carton in a shipment (S-CARTONS: the carton list's status)."""
        if self.status == CartonStatus.PACKED and self.shipment_id is not None:
            return "Affecté"
        return str(self.get_status_display())


class CartonItem(models.Model):
    carton = models.ForeignKey(
        Carton, on_delete=models.CASCADE, related_name="items", verbose_name="carton"
    )
    lot = models.ForeignKey(
        "wms.ProductLot", on_delete=models.PROTECT, related_name="carton_items", verbose_name="lot"
    )
    quantity = models.PositiveIntegerField("quantité")

    class Meta:
        verbose_name = "contenu de carton"
        verbose_name_plural = "contenus de carton"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["carton", "lot"], name="carton_item_lot_once"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="carton_item_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.carton.code} · {self.quantity} × {self.lot}"
