"""The order form of a public link and its printable summary (S-ORDERS, S-PRINT).

Whoever holds the link orders for an association without an account: the page shows the
product table and asks who is ordering — it never lists contacts, recipients or associations
(the link is handed to many partners). The identity is kept as typed on the order for a manager
to match; it never creates or changes a contact here.

A link is shared, so its token alone must not open anybody's order: the summary of an order is
shown only to the browser session that submitted it (its id is put in the session then).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from wms.client_ip import client_ip
from wms.models import Order, OrderLine, PublicOrderLink
from wms.portal.catalog import carton_capacity, per_carton
from wms.printing.documents import organisation
from wms.public.forms import OrderLines, PublicOrderForm, offer_rows
from wms.public.token_pages import token_page
from wms.services import accounts, binpacking, orders
from wms.services.errors import StockError

FORM_TEMPLATE = "public/order/form.html"
SUMMARY_TEMPLATE = "public/order/summary.html"
EXPIRED_TEMPLATE = "public/order/expired.html"
SESSION_KEY = "public_orders"
# Enough for a partner who orders several times in one sitting; the session stays small.
KEEP_IN_SESSION = 20
# Refusals that are not a plain form error, by the service's code.
REFUSAL_STATUS = {"throttled": 429, "expired": 410}
METHODS = ["GET", "HEAD", "POST"]


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST, the browser GETs the next page
    return response


def with_retry_after(response: HttpResponse, refusal: StockError) -> HttpResponse:
    if isinstance(refusal, accounts.Throttled):
        response.headers["Retry-After"] = str(max(1, refusal.seconds))
    return response


def link_or_404(token: str) -> PublicOrderLink:
    return get_object_or_404(PublicOrderLink, token=token)


def expired_page(request: HttpRequest) -> HttpResponse:
    # 410 Gone: the link existed but no longer works; the page says whom to ask.
    return render(request, EXPIRED_TEMPLATE, status=410)


# --- the order form ------------------------------------------------------------------------------


def order_page(
    request: HttpRequest,
    link: PublicOrderLink,
    form: PublicOrderForm,
    lines: OrderLines | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {
        "link": link,
        "form": form,
        "rows": offer_rows(lines.typed if lines else None),
        "line_errors": lines.errors if lines else [],
    }
    return render(request, FORM_TEMPLATE, context, status=status)


def remember(request: HttpRequest, order: Order) -> None:
    mine = [pk for pk in request.session.get(SESSION_KEY, []) if pk != order.pk]
    request.session[SESSION_KEY] = [*mine, order.pk][-KEEP_IN_SESSION:]


@token_page
@require_http_methods(METHODS)
def public_order(request: HttpRequest, token: str) -> HttpResponse:
    link = link_or_404(token)
    if not link.is_usable():
        return expired_page(request)
    if request.method != "POST":
        return order_page(request, link, PublicOrderForm())
    form = PublicOrderForm(request.POST)
    lines = OrderLines.from_post(request.POST)
    if not form.is_valid() or lines.errors:
        return order_page(request, link, form, lines)
    data = form.cleaned_data
    try:
        order = accounts.submit_public_order(
            link=link,
            identity=accounts.Identity(
                name=data["association_name"],
                email=data["email"],
                phone=data["phone"],
                contact_name=data["contact_name"],
            ),
            lines=lines.lines,
            delivery=orders.Delivery(
                address=data["address"],
                city=data["city"],
                country=data["country"],
                requested_date=data["requested_date"],
                notes=data["notes"],
            ),
            client_ip=client_ip(request),
        )
    except StockError as refusal:
        if refusal.code == "expired":
            return expired_page(request)
        form.add_error(None, refusal.message)
        page = order_page(request, link, form, lines, status=REFUSAL_STATUS.get(refusal.code, 200))
        return with_retry_after(page, refusal)
    remember(request, order)
    return see_other(reverse("scan:public_order_summary", args=[link.token, order.reference]))


# --- the printable summary -----------------------------------------------------------------------


@dataclass(frozen=True)
class SummaryLine:
    line: OrderLine
    per_carton: int | None
    cartons: int | None


def summary_lines(order: Order) -> list[SummaryLine]:
    capacity = carton_capacity()
    result = []
    for line in order.lines.select_related("product").order_by("product__name", "pk"):
        units = per_carton(line.product, capacity)
        result.append(SummaryLine(line, units, binpacking.cartons_needed(line.quantity, units)))
    return result


@token_page
@require_safe
def public_order_summary(request: HttpRequest, token: str, reference: str) -> HttpResponse:
    mine = [pk for pk in request.session.get(SESSION_KEY, []) if isinstance(pk, int)]
    order = Order.objects.filter(pk__in=mine, reference=reference, public_link__token=token).first()
    if order is None:
        # Same answer for "no such order" and "not yours": nothing to learn by guessing.
        raise Http404
    lines = summary_lines(order)
    cartons = [line.cartons for line in lines]
    context = {
        "order": order,
        "identity": order.submitted_identity,
        "lines": lines,
        "total_cartons": sum(c for c in cartons if c) if all(cartons) else None,
        "org": organisation(),
        "today": timezone.localdate(),
        "token": token,
    }
    return render(request, SUMMARY_TEMPLATE, context)
