"""Helpers for stock tests: a snapshot of every stock table, to assert that a refused operation
changed nothing, row by row."""

from __future__ import annotations

from typing import Any

from wms.models import (
    ProductLot,
    Receipt,
    ReceiptLine,
    ReferenceSequence,
    StockMovement,
)

STOCK_TABLES = (ProductLot, StockMovement, Receipt, ReceiptLine, ReferenceSequence)


def snapshot() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in STOCK_TABLES}


def ledger_is_clean() -> bool:
    from django.db.models import Sum

    for lot in ProductLot.objects.annotate(ledger=Sum("movements__delta")):
        if (lot.ledger or 0) != lot.quantity_on_hand:
            return False
        if lot.quantity_reserved > lot.quantity_on_hand or lot.quantity_on_hand < 0:
            return False
    return True
