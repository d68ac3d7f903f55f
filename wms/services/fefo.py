"""First expired, first out (S-STOCK): which lots may be picked, and in which order.

Candidates are available lots, not past their expiry (whatever their status), with units not
reserved; ordered by expiry date (lots without one last: they sort as 9999-12-31, the stored key
`ProductLot.fefo_expiry`), then received date and id — the same order in SQL and in Python.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from wms.models import LotStatus, Product, ProductLot
from wms.models.stock import NO_EXPIRY_SORTS_AS


def today() -> dt.date:
    return timezone.localdate()


def is_past_expiry(lot: ProductLot, on: dt.date | None = None) -> bool:
    return lot.expires_on is not None and lot.expires_on < (on or today())


def fefo_sort_key(lot: ProductLot) -> tuple[dt.date, dt.date, int]:
    """The key of `fefo_order`, for lots already in memory."""
    return (lot.expires_on or NO_EXPIRY_SORTS_AS, lot.received_on, lot.pk)


def fefo_order(queryset: QuerySet[ProductLot]) -> QuerySet[ProductLot]:
    """First expired, first out: by expiry date, lots without one last, then by reception date
    and id (the stored key `fefo_expiry` and its index `lot_fefo_order`)."""
    return queryset.order_by("fefo_expiry", "received_on", "pk")


def candidate_lots(product: Product | int, on: dt.date | None = None) -> QuerySet[ProductLot]:
    """The lots FEFO may take from, in FEFO order."""
    product_id = product if isinstance(product, int) else product.pk
    queryset = ProductLot.objects.filter(
        product_id=product_id,
        status=LotStatus.AVAILABLE,
        quantity_on_hand__gt=F("quantity_reserved"),
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gte=on or today()))
    return fefo_order(queryset)


def split_by_shelf_life(
    lots: Sequence[ProductLot], min_days: int, on: dt.date | None = None
) -> tuple[list[ProductLot], list[ProductLot]]:
    """(lots that keep at least `min_days` of shelf life, lots expiring sooner). 0 keeps all."""
    if min_days <= 0:
        return list(lots), []
    limit = (on or today()) + dt.timedelta(days=min_days)
    keep = [lot for lot in lots if lot.expires_on is None or lot.expires_on >= limit]
    short = [lot for lot in lots if lot.expires_on is not None and lot.expires_on < limit]
    return keep, short


def export_shelf_life_days() -> int:
    """MIN_SHELF_LIFE_DAYS_EXPORT: applied when packing into a shipment and reserving orders."""
    return int(settings.MIN_SHELF_LIFE_DAYS_EXPORT)
