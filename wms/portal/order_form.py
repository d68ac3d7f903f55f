"""The portal's order form: a new order, or the association's changes to one that waits for
validation or for which a manager asked for changes (S-ORDERS). Refused input keeps what was
typed and creates or changes nothing."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from wms.models import (
    AssociationProfile,
    ContactAddress,
    Order,
    OrderStatus,
    Product,
    ReviewStatus,
)
from wms.portal import catalog
from wms.portal.decorators import association_required
from wms.portal.documents import add_order_document
from wms.portal.forms import DeliveryForm, OrderDocumentForm
from wms.services import orders
from wms.services.documents import check_upload
from wms.services.errors import StockError
from wms.services.stock import Actor

EDITABLE = (ReviewStatus.PENDING, ReviewStatus.CHANGES_REQUESTED)


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST, the browser GETs the page again
    return response


def is_editable(order: Order) -> bool:
    return order.status == OrderStatus.DRAFT and order.review_status in EDITABLE


def default_delivery(profile: AssociationProfile) -> dict[str, Any]:
    """The association's default (else first) address, to prefill a delivery to itself."""
    address = (
        ContactAddress.objects.filter(contact=profile.contact)
        .order_by(F("default_marker").desc(nulls_last=True), "pk")
        .first()
    )
    if address is None:
        return {}
    city_line = " ".join(part for part in (address.postal_code, address.city) if part)
    text = "\n".join(part for part in (address.line1, address.line2, city_line) if part)
    return {"address": text, "city": address.city, "country": address.country}


def _page(
    request: HttpRequest,
    profile: AssociationProfile,
    form: DeliveryForm,
    typed: dict[int, str],
    *,
    order: Order | None = None,
    document_form: OrderDocumentForm | None = None,
    error: str = "",
) -> HttpResponse:
    rows = catalog.product_rows(catalog.offered_products(), typed)
    context = {
        "profile": profile,
        "form": form,
        "order": order,
        "document_form": document_form,
        "rows": rows,
        "categories": catalog.categories_of(rows),
        "error": error,
    }
    return render(request, "portal/order_form.html", context)


def _read(
    request: HttpRequest,
) -> tuple[dict[str, str], dict[int, Product], list[orders.LineInput] | None, str]:
    """The typed quantities, the offered products, and the lines or the reason they are
    refused."""
    typed = catalog.typed_quantities(request.POST)
    offered = {product.pk: product for product in catalog.offered_products()}
    try:
        if catalog.has_duplicate_quantities(request.POST):
            raise StockError(gettext("A product's quantity was sent twice: check the form."))
        return typed, offered, catalog.line_inputs(typed, offered), ""
    except StockError as refusal:
        return typed, offered, None, refusal.message


@require_http_methods(["GET", "HEAD", "POST"])
@association_required
def order_new(request: HttpRequest, profile: AssociationProfile) -> HttpResponse:
    contact = profile.contact
    if request.method != "POST":
        form = DeliveryForm(contact, initial=default_delivery(profile))
        return _page(request, profile, form, {}, document_form=OrderDocumentForm())
    form = DeliveryForm(contact, request.POST)
    document_form = OrderDocumentForm(request.POST, request.FILES)
    typed, _offered, lines, error = _read(request)
    if form.is_valid() and document_form.is_valid() and lines is not None:
        upload = document_form.cleaned_data.get("file")
        try:
            if upload is not None:
                check_upload(upload)  # before anything is created
            with transaction.atomic():
                order = orders.submit_order(
                    lines=lines,
                    delivery=form.delivery(),
                    actor=Actor(user=request.user),
                    association=contact,
                )
                if upload is not None:
                    add_order_document(
                        order=order,
                        kind=document_form.cleaned_data["kind"],
                        upload=upload,
                        user=request.user,
                    )
        except StockError as refusal:
            error = refusal.message
        else:
            messages.success(
                request,
                _("Order %(reference)s sent: the ASF team will review it.")
                % {"reference": order.reference},
            )
            return see_other(reverse("portal:order_detail", args=[order.pk]))
    return _page(
        request,
        profile,
        form,
        catalog.typed_by_product(typed),
        document_form=document_form,
        error=error,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@association_required
def order_edit(request: HttpRequest, profile: AssociationProfile, pk: int) -> HttpResponse:
    contact = profile.contact
    order = get_object_or_404(
        Order.objects.select_related("portal_recipient"), pk=pk, association_contact=contact
    )
    if not is_editable(order):
        messages.error(request, _("This order can no longer be modified."))
        return see_other(reverse("portal:order_detail", args=[order.pk]))
    if request.method != "POST":
        recipient = order.portal_recipient
        chosen = recipient.pk if recipient is not None and recipient.is_active else None
        initial = {
            "recipient": chosen,
            # A saved recipient's address comes from the address book, not from this field.
            "address": order.address if chosen is None else "",
            "city": order.city,
            "country": order.country,
            "requested_date": order.requested_date,
            "notes": order.notes,
        }
        form = DeliveryForm(contact, initial=initial)
        return _page(request, profile, form, catalog.quantities_of(order.lines.all()), order=order)
    form = DeliveryForm(contact, request.POST)
    typed, _offered, lines, error = _read(request)
    if form.is_valid() and lines is not None:
        resubmit = "resubmit" in request.POST
        try:
            with transaction.atomic():
                order = orders.edit_order(
                    order=order, lines=lines, delivery=form.delivery(), actor=Actor(request.user)
                )
                if resubmit and order.review_status == ReviewStatus.CHANGES_REQUESTED:
                    order = orders.resubmit(order=order, actor=Actor(user=request.user))
        except StockError as refusal:
            error = refusal.message
        else:
            if order.review_status == ReviewStatus.CHANGES_REQUESTED:
                messages.success(
                    request, _("Changes saved. Send the order again when it is ready.")
                )
            else:
                messages.success(request, _("Changes saved."))
            return see_other(reverse("portal:order_detail", args=[order.pk]))
    return _page(request, profile, form, catalog.typed_by_product(typed), order=order, error=error)
