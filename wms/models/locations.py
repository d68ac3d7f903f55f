"""Warehouses, locations and rack colours (S-LOCATIONS)."""

from __future__ import annotations

from typing import Any

from django.db import models

RECEIVING_WAREHOUSE_CODE = "REC"


class Warehouse(models.Model):
    name = models.CharField("nom", max_length=120, unique=True)
    code = models.CharField("code", max_length=10, unique=True)

    class Meta:
        verbose_name = "entrepôt"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)

    @classmethod
    def receiving(cls) -> Warehouse | None:
        """The warehouse with code REC, else the first by name."""
        return (
            cls.objects.filter(code=RECEIVING_WAREHOUSE_CODE).first()
            or cls.objects.order_by("name").first()
        )


class Location(models.Model):
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.PROTECT, related_name="locations", verbose_name="entrepôt"
    )
    zone = models.CharField("zone (rack)", max_length=20)
    aisle = models.CharField("étagère", max_length=20)
    shelf = models.CharField("bac", max_length=20)
    notes = models.CharField("notes", max_length=200, blank=True)
    is_active = models.BooleanField("actif", default=True)

    class Meta:
        verbose_name = "emplacement"
        ordering = ["warehouse__name", "zone", "aisle", "shelf"]
        constraints = [
            models.UniqueConstraint(
                fields=["warehouse", "zone", "aisle", "shelf"], name="location_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.name} {self.code}"

    @property
    def code(self) -> str:
        return f"{self.zone}-{self.aisle}-{self.shelf}"

    @property
    def qr_payload(self) -> str:
        return f"LOC:{self.warehouse.code}:{self.code}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.zone, self.aisle, self.shelf = (
            v.strip().upper() for v in (self.zone, self.aisle, self.shelf)
        )
        super().save(*args, **kwargs)


class RackColor(models.Model):
    warehouse = models.ForeignKey(
        Warehouse, on_delete=models.CASCADE, related_name="rack_colors", verbose_name="entrepôt"
    )
    zone = models.CharField("zone (rack)", max_length=20)
    color = models.CharField("couleur", max_length=7, help_text="#RRGGBB")

    class Meta:
        verbose_name = "couleur de rack"
        verbose_name_plural = "couleurs de rack"
        constraints = [
            models.UniqueConstraint(fields=["warehouse", "zone"], name="rack_color_unique")
        ]

    def __str__(self) -> str:
        return f"{self.warehouse.code} {self.zone}: {self.color}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.zone = self.zone.strip().upper()
        super().save(*args, **kwargs)
