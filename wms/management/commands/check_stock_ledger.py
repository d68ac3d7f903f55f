"""`manage.py check_stock_ledger` (S-STOCK, nightly cron): for every lot, the sum of its ledger
rows must equal its on-hand quantity, and the reserved quantity must fit within it.

Exits 1 on any discrepancy so that cron (and monitoring reading the JSON log line) notices.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand
from django.db.models import Count, F, IntegerField, Q, Sum, Value
from django.db.models.functions import Coalesce

from wms.models import ProductLot

log = logging.getLogger("wms.stock")


@dataclass(frozen=True)
class Discrepancy:
    lot_id: int
    sku: str
    lot_code: str
    on_hand: int
    reserved: int
    ledger: int
    movements: int

    @property
    def problems(self) -> list[str]:
        found = []
        if self.movements == 0 and self.on_hand != 0:
            found.append("aucun mouvement au registre")
        elif self.ledger != self.on_hand:
            found.append(f"écart de {self.on_hand - self.ledger:+d}")
        if self.on_hand < 0:
            found.append("stock négatif")
        if self.reserved > self.on_hand:
            found.append(f"réservé ({self.reserved}) supérieur au stock")
        return found

    def line(self) -> str:
        return (
            f"lot {self.lot_id} · SKU {self.sku} · lot « {self.lot_code or 'sans lot'} » · "
            f"en stock {self.on_hand} · registre {self.ledger} · {', '.join(self.problems)}"
        )


def discrepant_lots() -> Iterable[tuple[Any, ...]]:
    """Every lot in error, from one grouped query (the comparison runs in the database, so the
    rows that come back are only the bad ones, whatever the number of lots)."""
    return (
        ProductLot.objects.annotate(
            ledger=Coalesce(Sum("movements__delta"), Value(0), output_field=IntegerField()),
            movement_count=Count("movements"),
        )
        .filter(
            ~Q(ledger=F("quantity_on_hand"))
            | Q(quantity_reserved__gt=F("quantity_on_hand"))
            | Q(quantity_on_hand__lt=0)
        )
        .values_list(
            "pk",
            "product__sku",
            "lot_code",
            "quantity_on_hand",
            "quantity_reserved",
            "ledger",
            "movement_count",
        )
        .order_by("pk")
    )


def find_discrepancies() -> list[Discrepancy]:
    return [Discrepancy(*row) for row in discrepant_lots()]


class Command(BaseCommand):
    help = (
        "Vérifie que, pour chaque lot, la somme des mouvements égale le stock et que le réservé "
        "ne dépasse pas le stock. Code de sortie 1 en cas d'écart."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        lots = ProductLot.objects.count()
        discrepancies = find_discrepancies()
        self.stdout.write(
            f"check_stock_ledger: {lots} lots checked, {len(discrepancies)} discrepancies"
        )
        for discrepancy in discrepancies:
            self.stdout.write(discrepancy.line())
        level = logging.ERROR if discrepancies else logging.INFO
        log.log(
            level,
            "ledger check",
            extra={
                "event": "ledger_check",
                "lots": lots,
                "discrepancies": len(discrepancies),
                # Enough for an alert to point at the rows; the command output has them all.
                "lot_ids": [d.lot_id for d in discrepancies[:100]],
            },
        )
        if discrepancies:
            self.stdout.flush()
            sys.exit(1)
