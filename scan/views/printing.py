"""Printable documents and labels (S-PRINT), and the label selection screen.

Each page is HTML sized by its own `@page` stylesheet, printed or saved as PDF by the browser.
What a document shows is decided in wms/printing/documents.py; these views only find the
records, read the selection and render.

A selection of labels arrives as `ids=1,2,3` (links, the admin actions) or as repeated
`ids=1&ids=2` (the checkboxes of the selection screen); both are accepted. Unknown ids are left
out; a malformed list, an empty one or more than MAX_LABELS get a 400 page saying why.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_safe

from scan.forms.browse import ListFilterForm
from wms.models import Carton, Location, Product, Shipment, Warehouse
from wms.permissions import require_permission
from wms.printing import documents
from wms.roles import SCAN_PERMISSION
from wms.text import fold_key

# A print job bigger than this is a mistake (or an attack on the server's time): 500 labels are
# 125 A4 sheets.
MAX_LABELS = 500
# Rows offered by the selection screen; a search narrows the products.
MAX_PRODUCTS_LISTED = 50


class SelectionError(ValueError):
    """A label selection the server refuses, with the message shown to the user."""


def parse_ids(request: HttpRequest) -> list[int]:
    raw = [part.strip() for value in request.GET.getlist("ids") for part in value.split(",")]
    raw = [part for part in raw if part]
    if not raw:
        raise SelectionError(_("Nothing to print: select at least one item."))
    if len(raw) > MAX_LABELS:
        raise SelectionError(_("Too many labels: at most %(max)d at a time.") % {"max": MAX_LABELS})
    if not all(part.isascii() and part.isdigit() and len(part) <= 12 for part in raw):
        raise SelectionError(_("The selection is not valid: identifiers must be numbers."))
    # Order kept, duplicates dropped: printing one label twice is never what was meant.
    return list(dict.fromkeys(int(part) for part in raw))


def parse_layout(request: HttpRequest) -> str:
    layout = request.GET.get("layout") or documents.SHEET
    if layout not in documents.LAYOUT_PAGE_SIZES:
        raise SelectionError(_("Unknown layout: choose “sheet” or “grid”."))
    return layout


def refuse(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "print/error.html", {"message": message}, status=400)


# --- shipment and carton documents --------------------------------------------------------------


@require_safe
@require_permission(SCAN_PERMISSION)
def shipment_document(request: HttpRequest, pk: int, document: str) -> HttpResponse:
    if document not in documents.SHIPMENT_DOCUMENTS:
        raise Http404
    shipment = get_object_or_404(Shipment.objects.select_related("destination"), pk=pk)
    context = documents.shipment_document(shipment, document)
    return render(request, "print/document.html", context)


@require_safe
@require_permission(SCAN_PERMISSION)
def shipment_labels(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_object_or_404(Shipment.objects.select_related("destination"), pk=pk)
    context = documents.shipment_labels(shipment)
    return render(request, "print/carton_labels.html", context)


@require_safe
@require_permission(SCAN_PERMISSION)
def carton_label(request: HttpRequest, pk: int) -> HttpResponse:
    carton = get_object_or_404(Carton, pk=pk)
    return render(request, "print/carton_labels.html", documents.carton_label(carton))


@require_safe
@require_permission(SCAN_PERMISSION)
def carton_packing_list(request: HttpRequest, pk: int) -> HttpResponse:
    carton = get_object_or_404(Carton, pk=pk)
    return render(request, "print/document.html", documents.carton_packing_list(carton))


@require_safe
@require_permission(SCAN_PERMISSION)
def carton_picking_list(request: HttpRequest, pk: int) -> HttpResponse:
    carton = get_object_or_404(Carton, pk=pk)
    return render(request, "print/document.html", documents.carton_picking_list(carton))


# --- product and location labels ----------------------------------------------------------------


def _labels_page(
    request: HttpRequest, template: str, labels: list[Any], layout: str
) -> HttpResponse:
    context = {"layout": layout, "pages": documents.pages(labels, layout), "count": len(labels)}
    return render(request, template, context)


@require_safe
@require_permission(SCAN_PERMISSION)
def product_labels(request: HttpRequest) -> HttpResponse:
    try:
        ids, layout = parse_ids(request), parse_layout(request)
    except SelectionError as error:
        return refuse(request, str(error))
    products = documents.load_products(ids)
    if not products:
        return refuse(request, _("None of the selected products exists."))
    labels = documents.product_labels(products)
    return _labels_page(request, "print/product_labels.html", labels, layout)


@require_safe
@require_permission(SCAN_PERMISSION)
def location_labels(request: HttpRequest) -> HttpResponse:
    """Labels of the selected locations, or of every active location of `warehouse`."""
    try:
        layout = parse_layout(request)
        warehouse = request.GET.get("warehouse")
        if warehouse is not None and "ids" not in request.GET:
            if not (warehouse.isascii() and warehouse.isdigit() and len(warehouse) <= 12):
                raise SelectionError(_("Unknown warehouse."))
            locations = documents.load_locations(warehouse_id=int(warehouse))
            if len(locations) > MAX_LABELS:
                raise SelectionError(
                    _("Too many labels: at most %(max)d at a time.") % {"max": MAX_LABELS}
                )
        else:
            locations = documents.load_locations(ids=parse_ids(request))
    except SelectionError as error:
        return refuse(request, str(error))
    if not locations:
        return refuse(request, _("None of the selected locations exists."))
    labels = documents.location_labels(locations)
    return _labels_page(request, "print/location_labels.html", labels, layout)


# --- selection screen ---------------------------------------------------------------------------


class LabelSearchForm(ListFilterForm):
    q = forms.CharField(
        label=gettext_lazy("Products"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Name, SKU or brand"),
        widget=forms.TextInput(
            attrs={"type": "search", "autocomplete": "off", "enterkeyhint": "search"}
        ),
    )
    warehouse = forms.TypedChoiceField(
        label=gettext_lazy("Warehouse of the locations"),
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["warehouse"]
        field.choices = [
            ("", _("Choose a warehouse")),
            *Warehouse.objects.order_by("name").values_list("pk", "name"),
        ]


def _products_for(text: str) -> tuple[list[Product], bool]:
    products = Product.objects.filter(is_active=True).select_related("default_location")
    if text:
        products = products.filter(
            Q(name_key__contains=fold_key(text))
            | Q(sku__icontains=text)
            | Q(brand__icontains=text)
            | Q(barcode=text)
        )
    found = list(products.order_by("name", "pk")[: MAX_PRODUCTS_LISTED + 1])
    return found[:MAX_PRODUCTS_LISTED], len(found) > MAX_PRODUCTS_LISTED


@require_safe
@require_permission(SCAN_PERMISSION)
def labels(request: HttpRequest) -> HttpResponse:
    form = LabelSearchForm(request.GET)
    products, more_products = _products_for(form.value_of("q") or "")
    warehouse_id = form.value_of("warehouse")
    locations: list[Location] = []
    if warehouse_id is not None:
        locations = list(
            Location.objects.filter(warehouse_id=warehouse_id, is_active=True)
            .select_related("warehouse")
            .order_by("zone", "aisle", "shelf", "pk")[:MAX_LABELS]
        )
    context = {
        "form": form,
        "products": products,
        "more_products": more_products,
        "warehouse_id": warehouse_id,
        "locations": locations,
        "max_labels": MAX_LABELS,
    }
    return render(request, "scan/labels.html", context)
