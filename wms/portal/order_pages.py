"""The association's orders: dashboard, detail (lines, estimates, documents, shipment
progress) and its actions (cancel, resubmit, documents), printable summary (S-ORDERS).

Every order is looked up with the association's contact in the query: another association's
order, or a document of it, is a 404."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from wms.models import (
    AssociationDocument,
    AssociationProfile,
    DocumentStatus,
    Order,
    OrderDocument,
    OrderLine,
    OrderStatus,
    ReviewStatus,
)
from wms.portal import catalog
from wms.portal.decorators import association_required
from wms.portal.documents import add_order_document, file_response
from wms.portal.forms import CancelForm, OrderDocumentForm
from wms.portal.order_form import is_editable, see_other
from wms.portal.progress import READY, progress_text, with_progress
from wms.printing.documents import organisation
from wms.services import orders
from wms.services.errors import StockError
from wms.services.stock import Actor

PAGE_SIZE = 25


def order_or_404(profile: AssociationProfile, pk: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related("shipment", "portal_recipient"),
        pk=pk,
        association_contact=profile.contact,
    )


def detail_url(order: Order) -> str:
    return reverse("portal:order_detail", args=[order.pk])


# --- dashboard -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    order: Order
    lines: int
    progress: str


@require_safe
@association_required
def dashboard(request: HttpRequest, profile: AssociationProfile) -> HttpResponse:
    contact = profile.contact
    queryset = with_progress(
        Order.objects.filter(association_contact=contact).select_related("shipment")
    ).order_by("-created_at", "-pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        OrderRow(
            order=order,
            lines=int(getattr(order, "line_count", 0)),
            progress=progress_text(
                order.shipment.status if order.shipment is not None else None,
                int(getattr(order, "carton_ready", 0)),
                int(getattr(order, "carton_total", 0)),
            ),
        )
        for order in page
    ]
    to_modify = Order.objects.filter(
        association_contact=contact,
        review_status=ReviewStatus.CHANGES_REQUESTED,
        status=OrderStatus.DRAFT,
    ).count()
    documents = (
        AssociationDocument.objects.filter(association=contact)
        .exclude(status=DocumentStatus.REJECTED)
        .exists()
    )
    context = {
        "profile": profile,
        "page": page,
        "rows": rows,
        "to_modify": to_modify,
        "missing_documents": not documents,
    }
    return render(request, "portal/dashboard.html", context)


# --- detail --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRow:
    line: OrderLine
    per_carton: int | None
    cartons: int | None


def line_rows(order: Order) -> list[LineRow]:
    capacity = catalog.carton_capacity()
    rows = []
    for line in order.lines.select_related("product").order_by("pk"):
        units = catalog.per_carton(line.product, capacity)
        rows.append(LineRow(line, units, catalog.cartons_for(line.quantity, units)))
    return rows


def carton_estimate(rows: list[LineRow]) -> tuple[int, bool]:
    """(cartons estimated line by line, whether some line has no estimate)."""
    return sum(row.cartons or 0 for row in rows), any(row.cartons is None for row in rows)


def detail_page(
    request: HttpRequest,
    profile: AssociationProfile,
    order: Order,
    *,
    document_form: OrderDocumentForm | None = None,
    cancel_form: CancelForm | None = None,
    error: str = "",
) -> HttpResponse:
    rows = line_rows(order)
    estimate, incomplete = carton_estimate(rows)
    shipment = order.shipment
    progress = ""
    if shipment is not None:
        counts = shipment.cartons.aggregate(
            total=Count("pk"), ready=Count("pk", filter=Q(status__in=READY))
        )
        progress = progress_text(shipment.status, counts["ready"], counts["total"])
    context = {
        "profile": profile,
        "order": order,
        "rows": rows,
        "estimate": estimate,
        "estimate_incomplete": incomplete,
        "approved": order.review_status == ReviewStatus.APPROVED,
        "shipment": shipment,
        "progress": progress,
        "documents": list(order.documents.order_by("uploaded_at", "pk")),
        "document_form": document_form or OrderDocumentForm(required=True),
        "cancel_form": cancel_form or CancelForm(),
        "can_edit": is_editable(order),
        "can_cancel": is_editable(order),
        "can_resubmit": order.status == OrderStatus.DRAFT
        and order.review_status == ReviewStatus.CHANGES_REQUESTED,
        "can_upload": order.status != OrderStatus.CANCELLED,
        "error": error,
    }
    return render(request, "portal/order_detail.html", context)


@require_safe
@association_required
def order_detail(request: HttpRequest, profile: AssociationProfile, pk: int) -> HttpResponse:
    return detail_page(request, profile, order_or_404(profile, pk))


@require_POST
@association_required
def order_cancel(request: HttpRequest, profile: AssociationProfile, pk: int) -> HttpResponse:
    order = order_or_404(profile, pk)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            orders.cancel(
                order=order, actor=Actor(user=request.user), reason=form.cleaned_data["reason"]
            )
        except StockError as refusal:
            return detail_page(request, profile, order, cancel_form=form, error=refusal.message)
        messages.success(
            request, _("Order %(reference)s cancelled.") % {"reference": order.reference}
        )
        return see_other(detail_url(order))
    return detail_page(request, profile, order, cancel_form=form)


@require_POST
@association_required
def order_resubmit(request: HttpRequest, profile: AssociationProfile, pk: int) -> HttpResponse:
    order = order_or_404(profile, pk)
    try:
        orders.resubmit(order=order, actor=Actor(user=request.user))
    except StockError as refusal:
        return detail_page(request, profile, order, error=refusal.message)
    messages.success(
        request,
        _("Order %(reference)s sent again for validation.") % {"reference": order.reference},
    )
    return see_other(detail_url(order))


@require_POST
@association_required
def order_document_upload(
    request: HttpRequest, profile: AssociationProfile, pk: int
) -> HttpResponse:
    order = order_or_404(profile, pk)
    form = OrderDocumentForm(request.POST, request.FILES, required=True)
    if form.is_valid():
        try:
            document = add_order_document(
                order=order,
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data.get("file"),
                user=request.user,
            )
        except StockError as refusal:
            form.add_error("file", refusal.message)
        else:
            messages.success(
                request, _("Document “%(name)s” added.") % {"name": document.original_name}
            )
            return see_other(detail_url(order))
    # Refused: the detail page again, the reason beside the upload field (nothing stored).
    return detail_page(request, profile, order, document_form=form)


@require_safe
@association_required
def order_document(
    request: HttpRequest, profile: AssociationProfile, pk: int, doc_pk: int
) -> HttpResponse:
    document = get_object_or_404(
        OrderDocument, pk=doc_pk, order_id=pk, order__association_contact=profile.contact
    )
    return file_response(document)


# --- printable summary ---------------------------------------------------------------------------


@require_safe
@association_required
def order_summary(request: HttpRequest, profile: AssociationProfile, pk: int) -> HttpResponse:
    order = order_or_404(profile, pk)
    rows = line_rows(order)
    estimate, incomplete = carton_estimate(rows)
    context = {
        "profile": profile,
        "order": order,
        "rows": rows,
        "estimate": estimate,
        "estimate_incomplete": incomplete,
        "org": organisation(),
        "today": timezone.localdate(),
    }
    return render(request, "portal/order_summary.html", context)
