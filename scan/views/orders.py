"""Managers' order screens (S-ORDERS, S-SCAN): the review list and the staff-created order.

The list's counts (lines, documents, pending documents, cartons of the shipment) are correlated
subqueries: one query per page whatever the number of orders, and no join multiplies another
count. The staff order is a capture: the order and, when asked, its approval run in one
transaction, so a shortage at approval leaves no order behind.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Case, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from scan.forms.orders import AssociationSearchForm, OrderFilterForm, StaffOrderForm
from scan.views.capture import capture, render_capture
from scan.views.listing import paginate, render_page
from scan.views.manager_common import counted, manager_form, manager_page, search_contacts
from scan.views.order_review import review_url
from scan.views.shipments import READY, status_text
from wms.models import (
    Carton,
    Contact,
    DocumentStatus,
    Order,
    OrderDocument,
    OrderLine,
    ReviewStatus,
)
from wms.services import orders
from wms.services.stock import Actor

ASSOCIATION_CHOICES = 50


def review_list(form: OrderFilterForm) -> QuerySet[Order]:
    queryset = Order.objects.select_related("association_contact", "shipment")
    if review_status := form.value_of("review_status"):
        queryset = queryset.filter(review_status=review_status)
    if status := form.value_of("status"):
        queryset = queryset.filter(status=status)
    return queryset.annotate(
        line_count=counted(OrderLine.objects.all(), "order_id", "pk"),
        document_count=counted(OrderDocument.objects.all(), "order_id", "pk"),
        pending_documents=counted(
            OrderDocument.objects.filter(status=DocumentStatus.PENDING), "order_id", "pk"
        ),
        carton_total=counted(Carton.objects.all(), "shipment_id", "shipment_id"),
        carton_ready=counted(Carton.objects.filter(status__in=READY), "shipment_id", "shipment_id"),
        # Orders waiting for a decision first, then the newest.
        waiting=Case(When(review_status=ReviewStatus.PENDING, then=Value(0)), default=Value(1)),
    ).order_by("waiting", "-created_at", "-id")


@manager_page
def orders_view(request: HttpRequest) -> HttpResponse:
    form = OrderFilterForm(request.GET)
    page = paginate(request, review_list(form))
    for order in page:
        order.association_name = (
            order.association_contact.name
            if order.association_contact
            else str((order.submitted_identity or {}).get("name", ""))
        )
        order.progress = (
            status_text(order.shipment.status, order.carton_ready, order.carton_total)
            if order.shipment
            else ""
        )
    context = {"form": form, "page": page}
    return render_page(request, "scan/orders/list.html", "results", context)


# --- staff-created order -------------------------------------------------------------------------


def read_association(raw: Any) -> Contact | None:
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    return Contact.objects.filter(pk=pk, is_active=True).first()


def association_choices(query: str, current: Contact | None) -> list[Contact]:
    """What the association select offers: the contacts found, else the first ones by name."""
    found = (
        search_contacts(query)
        if query
        else list(
            Contact.objects.filter(is_active=True).order_by("name", "pk")[:ASSOCIATION_CHOICES]
        )
    )
    if current is not None and current.pk not in {contact.pk for contact in found}:
        found.insert(0, current)
    return found


def delivery_initial(association: Contact) -> dict[str, Any]:
    """The association's default address (else its first) prefills the delivery."""
    addresses = sorted(association.addresses.all(), key=lambda a: (not a.is_default, a.pk))
    if not addresses:
        return {}
    first = addresses[0]
    city_line = " ".join(part for part in (first.postal_code, first.city) if part)
    return {
        "address": "\n".join(part for part in (first.line1, first.line2, city_line) if part),
        "city": first.city,
        "country": first.country,
    }


def create_page(
    request: HttpRequest,
    form: StaffOrderForm | None,
    *,
    association: Contact | None,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    if form is None and association is not None:
        initial = {"association": association.pk, **delivery_initial(association)}
        form = StaffOrderForm(initial=initial, association=association)
    context = {
        "form": form,
        "association": association,
        "search_form": AssociationSearchForm(initial={"q": query}),
        "choices": association_choices(query, association),
        "q": query,
        "success_message": success,
    }
    return render_capture(request, "scan/orders/create.html", context, status)


def apply_create(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    delivery = orders.Delivery(
        recipient=cleaned.get("recipient"),
        address=cleaned.get("address") or "",
        city=cleaned.get("city") or "",
        country=cleaned.get("country") or "",
        requested_date=cleaned.get("requested_date"),
        notes=cleaned.get("notes") or "",
    )
    lines = [orders.LineInput(product, quantity) for product, quantity in cleaned["lines"]]
    # All or nothing: an approval refused (a shortage) leaves no order behind.
    with transaction.atomic():
        order = orders.submit_order(
            lines=lines,
            delivery=delivery,
            actor=actor,
            association=cleaned["association"],
            staff=True,
        )
        if cleaned.get("approve_now"):
            order = orders.approve(
                order=order,
                approval=orders.Approval(destination=cleaned["destination"]),
                actor=actor,
            )
            message = _("Order %(reference)s created and approved: the stock is reserved.")
        else:
            message = _("Order %(reference)s created, waiting for validation.")
    return {"message": message % {"reference": order.reference}, "order_id": order.pk}


@manager_form
def order_create(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        association = read_association(request.GET.get("association"))
        return create_page(request, None, association=association)
    association = read_association(request.POST.get("association"))
    form = StaffOrderForm(request.POST, association=association)
    return capture(
        request,
        kind="order_create",
        form=form,
        apply=apply_create,
        page=lambda bound, **kw: create_page(request, bound, association=association, **kw),
        success_url=lambda response: review_url(response["order_id"]),
    )
