"""Stock screens (S-SCAN): products with stock, and the "Périmés / à détruire" list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from scan.forms.browse import DEFAULT_SORT, ExpiredFilterForm, StockFilterForm
from scan.views.listing import paginate, render_page
from scan.views.stock_query import lots_to_destroy, products_with_stock
from wms.models import ProductCategory
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION
from wms.services.fefo import today


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def stock(request: HttpRequest) -> HttpResponse:
    form = StockFilterForm(request.GET)
    category_id = form.value_of("category")
    # A category stands for its branch: filtering on "Médical" lists the products filed under
    # its sub-categories too.
    category_ids = ProductCategory(pk=category_id).descendant_ids() if category_id else None
    sort = form.value_of("sort") or DEFAULT_SORT
    products = products_with_stock(
        on=today(),
        text=form.value_of("q") or "",
        category_ids=category_ids,
        warehouse_id=form.value_of("warehouse"),
        sort=sort,
    )
    context = {"form": form, "page": paginate(request, products), "sort": sort}
    return render_page(request, "scan/stock.html", "results", context)


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def stock_expired(request: HttpRequest) -> HttpResponse:
    form = ExpiredFilterForm(request.GET)
    lots = lots_to_destroy(on=today(), warehouse_id=form.value_of("warehouse"))
    context = {"form": form, "page": paginate(request, lots)}
    return render_page(request, "scan/stock_expired.html", "results", context)
