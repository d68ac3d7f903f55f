"""How far an order's shipment has gone, as the portal shows it: the shipment's status, or
"PARTIEL x/y" while some of its cartons are ready. The carton counts come from annotations, so a
list of orders costs the same number of queries whatever its length."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from wms.models import Carton, CartonStatus, OrderLine, ShipmentStatus

READY = (CartonStatus.PACKED, CartonStatus.SHIPPED)

_M = TypeVar("_M", bound=Model)


def _count(queryset: QuerySet[_M], group: str) -> Coalesce:
    counted = queryset.order_by().values(group).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_progress(orders: QuerySet[_M]) -> QuerySet[_M]:
    """Orders with `carton_total`, `carton_ready` (their shipment's cartons) and `line_count`.

    Correlated subqueries rather than joins: counting lines and cartons through joins would
    multiply one by the other."""
    cartons = Carton.objects.filter(shipment_id=OuterRef("shipment_id"))
    annotated: QuerySet[_M] = orders.annotate(
        carton_total=_count(cartons, "shipment_id"),
        carton_ready=_count(cartons.filter(status__in=READY), "shipment_id"),
        line_count=_count(OrderLine.objects.filter(order_id=OuterRef("pk")), "order_id"),
    )
    return annotated


def progress_text(status: str | None, ready: int, total: int) -> str:
    """ "" without a shipment; "PARTIEL x/y" while packing; else the shipment's status."""
    if not status:
        return ""
    if status == ShipmentStatus.PICKING:
        return gettext("PARTIAL %(ready)s/%(total)s") % {"ready": ready, "total": total}
    return str(ShipmentStatus(status).label)
