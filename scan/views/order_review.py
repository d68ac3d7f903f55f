"""A manager reviews one order (S-ORDERS, S-SCAN manager screens): its lines with the stock
available now, the association and recipient to match, its documents, and the decisions —
approve (destination, lowered quantities, shipper), reject, ask for changes, cancel — then the
shipment: create it, prepare the cartons.

Every decision is a capture (scan.views.capture.capture): one operation id, applied once inside
run_once's transaction, so a double submit applies once and a refusal (a shortage, a raised
quantity, a stale state) changes nothing and shows the service's French reason on the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from scan.forms.capture import CaptureForm
from scan.forms.orders import (
    ApproveForm,
    CancelForm,
    ChangesForm,
    OrderActionForm,
    RejectForm,
    ShipmentChoiceForm,
    active_destinations,
)
from scan.views.capture import capture
from scan.views.manager_common import (
    download,
    manager_action,
    manager_page,
    with_op_ids,
    with_search,
)
from scan.views.shipments import READY, status_text
from wms.models import (
    Contact,
    Destination,
    Order,
    OrderDocument,
    OrderLine,
    OrderStatus,
    Product,
    ReviewStatus,
    Shipment,
)
from wms.services import accounts, orders, shipping
from wms.services.availability import AVAILABLE_STOCK, annotate_available_stock
from wms.services.stock import Actor
from wms.text import fold_key

SUGGESTION_LIMIT = 10
Forms = dict[str, CaptureForm | None]


# --- reading -------------------------------------------------------------------------------------


def order_or_404(pk: int) -> Order:
    return get_object_or_404(
        Order.objects.select_related(
            "association_contact",
            "public_link",
            "portal_recipient__contact",
            "destination",
            "shipment",
            "shipper",
            "recipient",
            "correspondent",
            "reviewed_by",
            "created_by",
        ),
        pk=pk,
    )


def review_url(pk: Any) -> str:
    return reverse("scan:order_review", args=[pk])


def order_lines(order: Order) -> list[OrderLine]:
    """The lines with `available_now`: the usable stock of each product, one query for all."""
    lines = list(order.lines.select_related("product").order_by("pk"))
    ids = [line.product_id for line in lines]
    available = dict(
        annotate_available_stock(Product.objects.filter(pk__in=ids)).values_list(
            "pk", AVAILABLE_STOCK
        )
    )
    for line in lines:
        line.available_now = int(available.get(line.product_id) or 0)  # type: ignore[attr-defined]
        line.short = line.available_now < line.quantity - line.quantity_reserved  # type: ignore[attr-defined]
    return lines


def is_pending(order: Order) -> bool:
    return order.review_status == ReviewStatus.PENDING and order.status == OrderStatus.DRAFT


def matches_association(order: Order) -> bool:
    """An order from a public link whose association is still to be confirmed."""
    return order.association_contact_id is None


def matches_recipient(order: Order) -> bool:
    """An address-book recipient not promoted to a contact yet."""
    entry = order.portal_recipient
    return entry is not None and entry.contact_id is None


def destination_for(
    order: Order, destinations: list[Destination], raw: Any = None
) -> Destination | None:
    """The destination the approve form shows: asked in the request, else the order's, else the
    one in the order's city and country (case and accents ignored), else the only active one of
    its country."""
    by_pk = {destination.pk: destination for destination in destinations}
    try:
        asked = by_pk.get(int(raw)) if raw not in (None, "") else None
    except (TypeError, ValueError):
        asked = None
    if asked is not None:
        return asked
    if order.destination_id in by_pk:
        return by_pk[order.destination_id]
    city, country = fold_key(order.city), fold_key(order.country)
    same_city = [
        d for d in destinations if fold_key(d.city) == city and fold_key(d.country) == country
    ]
    if same_city:
        return same_city[0]
    in_country = [d for d in destinations if fold_key(d.country) == country]
    return in_country[0] if len(in_country) == 1 else None


def association_suggestions(order: Order, query: str) -> list[Contact]:
    identity = order.submitted_identity or {}
    found = accounts.matching_contacts(
        str(identity.get("name", "")), str(identity.get("email", ""))
    )[:SUGGESTION_LIMIT]
    return with_search(found, query)


def recipient_suggestions(order: Order, query: str) -> list[Contact]:
    entry = order.portal_recipient
    if entry is None:
        return []
    same_name = list(
        Contact.objects.filter(name_key=fold_key(entry.name), is_active=True).order_by("pk")[
            :SUGGESTION_LIMIT
        ]
    )
    return with_search(same_name, query)


def shipment_progress(shipment: Shipment | None) -> str:
    if shipment is None:
        return ""
    counts = shipment.cartons.aggregate(
        total=Count("pk"), ready=Count("pk", filter=Q(status__in=READY))
    )
    return status_text(shipment.status, counts["ready"] or 0, counts["total"] or 0)


# --- the page ------------------------------------------------------------------------------------


def approve_form(
    order: Order,
    lines: list[OrderLine],
    destination: Destination | None,
    data: Any = None,
) -> ApproveForm:
    shippers = list(shipping.shippers_for(destination)) if destination is not None else []
    return ApproveForm(
        data,
        order=order,
        lines=lines,
        shippers=shippers,
        match_association=matches_association(order),
        match_recipient=matches_recipient(order),
        initial={"destination": destination.pk if destination else None},
    )


def review_page(
    request: HttpRequest,
    order: Order,
    bound: Forms | None = None,
    *,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    bound = bound or {}
    lines = order_lines(order)
    pending = is_pending(order)
    approve = bound.get("approve")
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "order": order,
        "lines": lines,
        "pending": pending,
        "identity": order.submitted_identity or {},
        "documents": with_op_ids(order.documents.select_related("uploaded_by", "reviewed_by")),
        "review_url": review_url(order.pk),
        "progress": shipment_progress(order.shipment),
        "success_message": success,
        "q": query,
        "op_ids": {name: uuid.uuid4() for name in ("approve", "reject", "changes", "cancel")},
        "fetched_at": timezone.localtime(),
    }
    if pending:
        destinations = list(active_destinations())
        if isinstance(approve, ApproveForm):
            raw = approve.data.get("destination")
        else:
            raw = request.GET.get("destination")
        destination = destination_for(order, destinations, raw)
        if not isinstance(approve, ApproveForm):
            approve = approve_form(order, lines, destination)
        association_choices = (
            association_suggestions(order, query) if matches_association(order) else []
        )
        recipient_choices = recipient_suggestions(order, query) if matches_recipient(order) else []
        prefetch_related_objects([*association_choices, *recipient_choices], "addresses")
        context.update(
            approve_form=approve,
            chosen_destination=destination,
            association_choices=association_choices,
            recipient_choices=recipient_choices,
            chosen_association=str(approve["association"].value() or "")
            if "association" in approve.fields
            else "",
            chosen_recipient=str(approve["recipient"].value() or "")
            if "recipient" in approve.fields
            else "",
            reject_form=bound.get("reject") or RejectForm(order=order),
            changes_form=bound.get("changes") or ChangesForm(order=order),
        )
    approved = order.review_status == ReviewStatus.APPROVED
    open_ = order.status != OrderStatus.CANCELLED
    if approved and open_ and order.status in (OrderStatus.RESERVED, OrderStatus.PREPARING):
        context["prepare_form"] = bound.get("prepare") or OrderActionForm(order=order)
        context["prepare_op_id"] = uuid.uuid4()
        if order.shipment is None:
            context["shipment_form"] = bound.get("shipment") or ShipmentChoiceForm(order=order)
            context["shipment_op_id"] = uuid.uuid4()
    shipment_locked = order.shipment is not None and order.shipment.is_locked
    if open_ and not shipment_locked:
        context["cancel_form"] = bound.get("cancel") or CancelForm(order=order)
    context["action_form"] = next((form for form in bound.values() if form is not None), None)
    return render(request, "scan/orders/review.html", context, status=status)


@manager_page
def order_review(request: HttpRequest, pk: int) -> HttpResponse:
    return review_page(request, order_or_404(pk))


# --- decisions -----------------------------------------------------------------------------------

Apply = Callable[[Order, dict[str, Any], Actor], dict[str, Any]]


def decide(
    request: HttpRequest, pk: int, *, kind: str, slot: str, form: CaptureForm, apply: Apply
) -> HttpResponse:
    order = form.order if isinstance(form, OrderActionForm) else order_or_404(pk)
    return capture(
        request,
        kind=kind,
        form=form,
        apply=lambda cleaned, actor: apply(order, cleaned, actor),
        # Read again: the page shows the order as it is after the refusal (unchanged).
        page=lambda bound, **kw: review_page(request, order_or_404(pk), {slot: bound}, **kw),
        success_url=lambda response: review_url(pk),
    )


def apply_approve(order: Order, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    lowered = {int(line_id): quantity for line_id, quantity in cleaned["lowered"].items()}
    approval = orders.Approval(
        destination=cleaned["destination"],
        lowered=lowered,
        association=cleaned.get("association"),
        recipient=cleaned.get("recipient"),
        shipper=cleaned.get("shipper"),
        comment=cleaned.get("comment") or "",
    )
    order = orders.approve(order=order, approval=approval, actor=actor)
    message = _("Order %(reference)s approved: the stock is reserved.") % {
        "reference": order.reference
    }
    return {"message": message, "order_id": order.pk}


@manager_action
def order_approve(request: HttpRequest, pk: int) -> HttpResponse:
    order = order_or_404(pk)
    lines = list(order.lines.select_related("product").order_by("pk"))
    destination = destination_for(
        order, list(active_destinations()), request.POST.get("destination")
    )
    form = approve_form(order, lines, destination, request.POST)
    return decide(request, pk, kind="order_approve", slot="approve", form=form, apply=apply_approve)


def apply_reject(order: Order, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    order = orders.reject(order=order, actor=actor, comment=cleaned.get("comment") or "")
    message = _("Order %(reference)s rejected; the association is told.")
    return {"message": message % {"reference": order.reference}, "order_id": order.pk}


@manager_action
def order_reject(request: HttpRequest, pk: int) -> HttpResponse:
    form = RejectForm(request.POST, order=order_or_404(pk))
    return decide(request, pk, kind="order_reject", slot="reject", form=form, apply=apply_reject)


def apply_changes(order: Order, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    order = orders.request_changes(order=order, actor=actor, comment=cleaned["comment"])
    message = _("Changes asked for order %(reference)s; the association is told.")
    return {"message": message % {"reference": order.reference}, "order_id": order.pk}


@manager_action
def order_changes(request: HttpRequest, pk: int) -> HttpResponse:
    form = ChangesForm(request.POST, order=order_or_404(pk))
    return decide(request, pk, kind="order_changes", slot="changes", form=form, apply=apply_changes)


def apply_cancel(order: Order, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    order = orders.cancel(order=order, actor=actor, reason=cleaned.get("reason") or "")
    message = _("Order %(reference)s cancelled; its reservations are released.")
    return {"message": message % {"reference": order.reference}, "order_id": order.pk}


@manager_action
def order_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    form = CancelForm(request.POST, order=order_or_404(pk))
    return decide(request, pk, kind="order_cancel", slot="cancel", form=form, apply=apply_cancel)


def apply_shipment(order: Order, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    shipment = orders.create_shipment(order=order, actor=actor, shipper=cleaned.get("shipper"))
    message = _("Shipment %(shipment)s created for order %(reference)s.") % {
        "shipment": shipment.reference,
        "reference": order.reference,
    }
    return {"message": message, "order_id": order.pk, "shipment_id": shipment.pk}


@manager_action
def order_shipment(request: HttpRequest, pk: int) -> HttpResponse:
    form = ShipmentChoiceForm(request.POST, order=order_or_404(pk))
    return decide(
        request, pk, kind="order_shipment", slot="shipment", form=form, apply=apply_shipment
    )


def apply_prepare(order: Order, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    order = orders.prepare(order=order, actor=actor)
    order.refresh_from_db()
    shipment = order.shipment
    message = _("Order %(reference)s prepared in shipment %(shipment)s: %(status)s.") % {
        "reference": order.reference,
        "shipment": shipment.reference if shipment else "—",
        "status": order.get_status_display(),
    }
    return {"message": message, "order_id": order.pk, "shipment_id": order.shipment_id}


@manager_action
def order_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    form = OrderActionForm(request.POST, order=order_or_404(pk))
    return decide(request, pk, kind="order_prepare", slot="prepare", form=form, apply=apply_prepare)


# --- documents -----------------------------------------------------------------------------------


@manager_page
def order_document_file(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    # The document must belong to the order of the URL: ids are not guessed across orders.
    return download(get_object_or_404(OrderDocument, pk=doc_pk, order_id=pk))
