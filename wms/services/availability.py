"""Usable stock of products, computed in the database (S-STOCK, S-CATALOG kits).

Usable stock = Σ (on hand − reserved) over the product's lots that are `available` and not past
their expiry date. A kit holds no stock of its own: its availability is the minimum over its
components of floor(component usable stock / quantity per kit).

Everything is a correlated subquery annotated on the product queryset, so that:
- a list of products costs the same number of queries whatever its length (no per-row query);
- a join added by a filter (tags: one row per tag) can never multiply the sum;
- the figure can be filtered and sorted on like a column, kits included.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, TypeVar

from django.db.models import (
    F,
    Func,
    IntegerField,
    Model,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce

from wms.models import LotStatus, Product, ProductKitItem, ProductLot
from wms.services.fefo import today

AVAILABLE_STOCK = "available_stock"

_M = TypeVar("_M", bound=Model)


class FloorDivision(Func):
    """Integer quotient of two non-negative integers.

    SQLite (and PostgreSQL) divide integers as integers; MySQL/MariaDB's `/` returns a decimal
    rounded to a few digits (99999 / 100000 would round up to 1), hence its `DIV` operator.
    """

    arg_joiner = " / "
    template = "(%(expressions)s)"
    output_field = IntegerField()

    def as_mysql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return super().as_sql(compiler, connection, arg_joiner=" DIV ", **extra_context)


def usable_lots_q(on: dt.date | None = None, prefix: str = "") -> Q:
    """The lots whose units may be used: status available and not past expiry on `on`."""
    return Q(**{f"{prefix}status": LotStatus.AVAILABLE}) & (
        Q(**{f"{prefix}expires_on__isnull": True})
        | Q(**{f"{prefix}expires_on__gte": on or today()})
    )


def own_stock_expression(product_ref: str = "pk", on: dt.date | None = None) -> Coalesce:
    """Σ (on hand − reserved) of the usable lots of the product `product_ref` names, 0 if none."""
    total = (
        ProductLot.objects.filter(usable_lots_q(on), product_id=OuterRef(product_ref))
        .order_by()
        .values("product_id")
        .annotate(total=Sum(F("quantity_on_hand") - F("quantity_reserved")))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


def kit_stock_expression(on: dt.date | None = None) -> Subquery:
    """Min over the kit's components of floor(component usable stock / quantity).

    NULL when the product has no components (it is not a kit). The smallest per-component figure
    is taken with ORDER BY … LIMIT 1 rather than MIN(): MIN over a subquery is not portable.
    """
    per_component = (
        ProductKitItem.objects.filter(kit_id=OuterRef("pk"))
        .annotate(buildable=FloorDivision(own_stock_expression("component_id", on), F("quantity")))
        .order_by("buildable")
        .values("buildable")[:1]
    )
    return Subquery(per_component, output_field=IntegerField())


def available_stock_expression(on: dt.date | None = None) -> Coalesce:
    """Kit availability for kits, the product's own usable stock for every other product."""
    return Coalesce(kit_stock_expression(on), own_stock_expression("pk", on), Value(0))


def annotate_available_stock(queryset: QuerySet[_M], on: dt.date | None = None) -> QuerySet[_M]:
    """Add `available_stock` (int) to each product of the queryset, in the same query."""
    annotated: QuerySet[_M] = queryset.annotate(available_stock=available_stock_expression(on))
    return annotated


def available_stock(product: Product | int, on: dt.date | None = None) -> int:
    """Usable stock of one product (kit availability for a kit): one query."""
    product_id = product if isinstance(product, int) else product.pk
    value = (
        annotate_available_stock(Product.objects.filter(pk=product_id), on)
        .values_list(AVAILABLE_STOCK, flat=True)
        .first()
    )
    return int(value or 0)


def kit_availability(product: Product | int, on: dt.date | None = None) -> int:
    """How many kits the components' usable stock can make (S-CATALOG): one query.

    0 for a product without components, like a kit one of whose components has no stock.
    """
    product_id = product if isinstance(product, int) else product.pk
    value = (
        Product.objects.filter(pk=product_id)
        .annotate(kit_stock=kit_stock_expression(on))
        .values_list("kit_stock", flat=True)
        .first()
    )
    return int(value or 0)
