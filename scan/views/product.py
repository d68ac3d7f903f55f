"""Product detail (S-SCAN): what the product is, its lots in FEFO order, its last movements."""

from __future__ import annotations

from django.db.models import BooleanField, Case, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from scan.views.listing import render_page
from scan.views.stock_query import CATEGORY_CHAIN
from wms.models import Product, ProductKitItem, ProductLot, StockMovement
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION
from wms.services.availability import kit_availability, own_stock_expression
from wms.services.fefo import fefo_order, today

LAST_MOVEMENTS = 20


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def product_detail(request: HttpRequest, pk: int) -> HttpResponse:
    product = get_object_or_404(
        Product.objects.select_related(CATEGORY_CHAIN, "default_location__warehouse"), pk=pk
    )
    on = today()
    components = list(
        ProductKitItem.objects.filter(kit=product)
        .select_related("component")
        .annotate(component_stock=own_stock_expression("component_id", on))
        .order_by("component__name_key", "pk")
    )
    lots = fefo_order(ProductLot.objects.filter(product=product, quantity_on_hand__gt=0))
    lots = lots.select_related("location__warehouse").annotate(
        past_expiry=Case(
            When(expires_on__lt=on, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    movements = (
        StockMovement.objects.filter(product=product)
        .select_related("lot", "user")
        .order_by("-created_at", "-id")[:LAST_MOVEMENTS]
    )
    context = {
        "product": product,
        "components": components,
        "kit_stock": kit_availability(product, on) if components else None,
        "lots": list(lots),
        "movements": list(movements),
    }
    return render_page(request, "scan/product_detail.html", "detail", context)
