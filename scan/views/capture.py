"""Capture screens (S-SCAN, S-STOCK operations, S-OFFLINE): quick entry, remove, adjust, count,
move, and the quick creation of a product or a donor from the quick-entry screen.

Each screen is a plain HTML form that works without JavaScript; the offline outbox posts the
same form later. Every POST goes through scan.operations.run_once with the operation id the form
was rendered with, so a capture sent twice applies once. Answers:

- applied (or a replay of an applied id): 303 to the same screen with a flash message; an htmx
  request gets the form fragment with the message; a JSON client `{"op_id", "status", "message"}`.
- refused by the service (recorded by run_once): the form again with the French reason, status
  200 for a plain POST (what a browser form expects), 422 for htmx and JSON clients so that the
  outbox can tell a refusal from a success (the outbox lets htmx swap 422 answers).
- invalid form (nothing recorded): the form again with its field errors, same statuses.
- an operation id already used for another body: 409 with the conflict message.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from scan.forms.capture import (
    AdjustForm,
    CaptureForm,
    CountForm,
    LookupForm,
    MoveForm,
    QuickDonorForm,
    QuickEntryForm,
    QuickProductForm,
    RemoveForm,
    find_product,
    product_lots,
    read_product,
)
from scan.forms.ids import parse_id
from scan.operations import OperationConflict, principal_of, run_once
from wms.models import Contact, Product, ProductLot
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION
from wms.services import receiving, stock
from wms.services.catalog import quick_create_product
from wms.services.contacts import quick_create_donor
from wms.services.errors import InsufficientStock
from wms.services.fefo import candidate_lots
from wms.services.stock import Actor

CAPTURE_METHODS = ["GET", "HEAD", "POST"]
Page = Callable[..., HttpResponse]
Apply = Callable[[dict[str, Any], Actor], dict[str, Any]]


# --- the answer of every capture POST -----------------------------------------------------------


def capture_view(view: Callable[[HttpRequest], HttpResponse]) -> Callable[..., HttpResponse]:
    """What every capture screen needs: GET/HEAD/POST only, the scan permission, and a cache key
    that tells the page, its htmx fragment and its JSON answer apart."""
    decorated = vary_on_headers("HX-Request", "Accept")(view)
    decorated = require_permission(SCAN_PERMISSION)(decorated)
    return require_http_methods(CAPTURE_METHODS)(decorated)


def wants_json(request: HttpRequest) -> bool:
    # Browsers accept */* too: only a client that prefers JSON (the outbox) gets JSON.
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def is_htmx(request: HttpRequest) -> bool:
    return bool(getattr(request, "htmx", False))


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST, the browser GETs the screen again
    return response


def refusal_status(request: HttpRequest) -> int:
    return 422 if is_htmx(request) or wants_json(request) else 200


def form_messages(form: CaptureForm) -> list[str]:
    return [str(error) for errors in form.errors.values() for error in errors]


def json_answer(op_id: Any, status: str, message: str, http: int, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {"op_id": str(op_id or ""), "status": status, "message": message, **extra}, status=http
    )


def capture(
    request: HttpRequest,
    *,
    kind: str,
    form: CaptureForm,
    apply: Apply,
    page: Page,
    success_url: Callable[[dict[str, Any]], str],
) -> HttpResponse:
    """Validate, apply at most once, and answer as the client expects (see the module doc)."""
    if not form.is_valid():
        if wants_json(request):
            return json_answer(
                request.POST.get("op_id"),
                "rejected",
                " ".join(form_messages(form)),
                422,
                errors={name: [str(e) for e in errs] for name, errs in form.errors.items()},
            )
        return page(form, status=refusal_status(request))
    op_id: uuid.UUID = form.cleaned_data["op_id"]
    actor = Actor(user=request.user, operation_id=op_id)
    cleaned = form.cleaned_data
    try:
        outcome = run_once(
            principal=principal_of(request.user),
            op_id=op_id,
            kind=kind,
            fields=form.operation_fields(),
            apply=lambda: apply(cleaned, actor),
        )
    except OperationConflict as conflict:
        if wants_json(request):
            return json_answer(op_id, "rejected", conflict.message, 409, code="conflict")
        form.add_error(None, conflict.message)
        return page(form, status=409)
    if outcome.applied:
        data = {key: value for key, value in outcome.response.items() if key != "message"}
        if wants_json(request):
            return json_answer(
                op_id, "applied", outcome.message, 200, replayed=outcome.replayed, data=data
            )
        if is_htmx(request):
            return page(None, success=outcome.message)
        messages.success(request, outcome.message)
        return see_other(success_url(outcome.response))
    if wants_json(request):
        return json_answer(
            op_id, "rejected", outcome.message, 422, code=outcome.response.get("code", "")
        )
    form.add_error(None, outcome.message)
    return page(form, status=refusal_status(request))


def render_capture(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    # A fresh operation id on every render: an id the server refused is never sent again with
    # corrected fields (that would be a conflict).
    context.setdefault("op_id", uuid.uuid4())
    name = f"{template}#capture" if is_htmx(request) else template
    return render(request, name, context, status=status)


def screen(name: str, **query: Any) -> str:
    url = reverse(f"scan:{name}")
    query = {key: value for key, value in query.items() if value not in (None, "")}
    return f"{url}?{urlencode(query)}" if query else url


def parse_pk(raw: Any) -> int | None:
    return parse_id(raw)


def lot_of(raw: Any) -> ProductLot | None:
    """The lot named by the request, read now (its on-hand is what the form shows)."""
    pk = parse_pk(raw)
    if pk is None:
        return None
    return ProductLot.objects.select_related("product", "location__warehouse").filter(pk=pk).first()


def lot_name(lot: ProductLot) -> str:
    return f"{lot.lot_code or _('no lot')} ({lot.location.code})"


def pk_of(value: Model | None) -> int | None:
    return value.pk if value is not None else None


# --- quick entry ("MAJ stock") ------------------------------------------------------------------


def apply_quick_entry(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    product: Product = cleaned["product"]
    lot = receiving.quick_entry(
        product=product,
        quantity=cleaned["quantity"],
        actor=actor,
        expires_on=cleaned.get("expires_on"),
        lot_code=cleaned.get("lot_code", ""),
        donor=cleaned.get("donor"),
        location=cleaned.get("location"),
    )
    receipt = lot.source_receipt
    message = _("Received %(quantity)s × %(product)s at %(location)s (receipt %(reference)s).") % {
        "quantity": lot.quantity_on_hand,
        "product": product.name,
        "location": lot.location.code,
        "reference": receipt.reference if receipt else "",
    }
    return {"message": message, "lot_id": lot.pk, "receipt_id": pk_of(receipt)}


def stock_update_page(
    request: HttpRequest,
    form: QuickEntryForm | None,
    *,
    status: int = 200,
    success: str = "",
    product_form: QuickProductForm | None = None,
    donor_form: QuickDonorForm | None = None,
) -> HttpResponse:
    form = form or QuickEntryForm()
    code = str(form["product_code"].value() or "").strip()
    reading = form.reading or (read_product(code) if code else None)
    product = reading.product if reading else None
    unknown_code = code if reading and reading.unknown else ""
    unknown_donor = form.unknown_donor
    if product_form is None:
        gtin = reading.gtin if reading and unknown_code else ""
        product_form = QuickProductForm(initial={"gtin": gtin})
    if donor_form is None:
        donor_form = QuickDonorForm(initial={"name": unknown_donor, "code": code})
    context = {
        "form": form,
        "product": product,
        "unknown_code": unknown_code,
        "product_form": product_form,
        "donor_form": donor_form,
        "product_op_id": uuid.uuid4(),
        "donor_op_id": uuid.uuid4(),
        "open_product": bool(unknown_code) or product_form.is_bound,
        "open_donor": bool(unknown_donor) or donor_form.is_bound,
        "donor_names": Contact.objects.filter(is_donor=True, is_active=True)
        .order_by("name")
        .values_list("name", flat=True),
        "success_message": success,
    }
    return render_capture(request, "scan/capture/stock_update.html", context, status)


@capture_view
def stock_update(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        initial = {"product_code": request.GET.get("code", ""), "donor": request.GET.get("donor")}
        return stock_update_page(request, QuickEntryForm(initial=initial))
    form = QuickEntryForm(request.POST)
    return capture(
        request,
        kind="stock_update",
        form=form,
        apply=apply_quick_entry,
        page=lambda bound, **kw: stock_update_page(request, bound, **kw),
        success_url=lambda response: screen("stock_update"),
    )


def apply_quick_product(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    product = quick_create_product(
        name=cleaned["name"],
        category=cleaned.get("category"),
        gtin=cleaned.get("gtin", ""),
        user=actor.user,
    )
    message = _("Product “%(name)s” created (%(sku)s), to be checked by a manager.") % {
        "name": product.name,
        "sku": product.sku,
    }
    return {"message": message, "product_id": product.pk, "sku": product.sku}


@capture_view
def quick_product(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return stock_update_page(
            request, QuickEntryForm(initial={"product_code": request.GET.get("code", "")})
        )
    form = QuickProductForm(request.POST)
    return capture(
        request,
        kind="quick_create_product",
        form=form,
        apply=apply_quick_product,
        page=lambda bound, **kw: stock_update_page(request, None, product_form=bound, **kw),
        success_url=lambda response: screen("stock_update", code=response.get("sku")),
    )


def apply_quick_donor(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    donor = quick_create_donor(name=cleaned["name"])
    message = _("Donor “%(name)s” ready.") % {"name": donor.name}
    return {"message": message, "donor_id": donor.pk, "name": donor.name, "code": cleaned["code"]}


@capture_view
def quick_donor(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return stock_update_page(request, QuickEntryForm())
    form = QuickDonorForm(request.POST)
    return capture(
        request,
        kind="quick_create_donor",
        form=form,
        apply=apply_quick_donor,
        page=lambda bound, **kw: stock_update_page(request, None, donor_form=bound, **kw),
        success_url=lambda response: screen(
            "stock_update", code=response.get("code"), donor=response.get("name")
        ),
    )


# --- remove -------------------------------------------------------------------------------------


def apply_remove(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    product: Product = cleaned["product"]
    movements = stock.remove(
        product=product,
        quantity=cleaned["quantity"],
        reason_code=cleaned["reason"],
        actor=actor,
        lot=cleaned.get("lot"),
        notes=cleaned.get("notes", ""),
    )
    message = _("Removed %(quantity)s × %(product)s from %(lots)s.") % {
        "quantity": cleaned["quantity"],
        "product": product.name,
        "lots": ", ".join(lot_name(movement.lot) for movement in movements),
    }
    return {"message": message, "movement_ids": [movement.pk for movement in movements]}


def product_query(request: HttpRequest, form: CaptureForm | None) -> tuple[str, int | None]:
    """The product code (and lot) the page is about: from the posted form, else `?code=` /
    `?lot=` (a lot link from the product screen names its product)."""
    if form is not None and form.is_bound:
        return str(form.data.get("product_code", "")).strip(), parse_pk(form.data.get("lot"))
    lot = lot_of(request.GET.get("lot"))
    if lot is not None:
        return lot.product.sku, lot.pk
    return request.GET.get("code", "").strip(), None


def lots_for(code: Any) -> list[ProductLot] | None:
    """The lots a select offers for this product code; None when no product is known yet."""
    product = find_product(str(code or ""))
    return product_lots(product) if product else None


def remove_page(
    request: HttpRequest, form: RemoveForm | None, *, status: int = 200, success: str = ""
) -> HttpResponse:
    code, lot_pk = product_query(request, form)
    product = find_product(code) if code else None
    if form is None:
        lots = product_lots(product) if product else None
        form = RemoveForm(initial={"product_code": code, "lot": lot_pk}, lots=lots)
    context = {"form": form, "product": product, "success_message": success}
    return render_capture(request, "scan/capture/out.html", context, status)


@capture_view
def remove(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return remove_page(request, None)
    form = RemoveForm(request.POST, lots=lots_for(request.POST.get("product_code")))
    return capture(
        request,
        kind="out",
        form=form,
        apply=apply_remove,
        page=lambda bound, **kw: remove_page(request, bound, **kw),
        success_url=lambda response: screen("out"),
    )


# --- adjust and count: one lot, chosen from the product's lots ----------------------------------


def lot_screen_context(request: HttpRequest, form: CaptureForm | None) -> dict[str, Any]:
    """The lot the form is about, read now (its on-hand is what a count form carries), or the
    lookup that lists a product's lots. After a POST the same lot stays on screen."""
    lot = lot_of(request.POST.get("lot") if request.method == "POST" else request.GET.get("lot"))
    code = request.GET.get("code", "").strip() if lot is None else ""
    reading = read_product(code) if code else None
    product = reading.product if reading else None
    return {
        "lot": lot,
        "lookup": LookupForm(initial={"code": code}),
        "lookup_error": reading.error if reading else "",
        "lookup_product": product,
        "lookup_lots": product_lots(product) if product else [],
    }


def apply_adjust(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    movement = stock.adjust(
        lot=cleaned["lot"],
        delta=cleaned["delta"],
        reason_code=cleaned["reason"],
        actor=actor,
        notes=cleaned.get("notes", ""),
    )
    message = _("Lot %(lot)s adjusted by %(delta)s: %(on_hand)s on hand.") % {
        "lot": lot_name(movement.lot),
        "delta": f"{movement.delta:+d}",
        "on_hand": movement.lot.quantity_on_hand,
    }
    return {"message": message, "movement_id": movement.pk, "lot_id": movement.lot_id}


def lot_form_page(
    request: HttpRequest,
    form: AdjustForm | CountForm | None,
    *,
    form_class: type[AdjustForm] | type[CountForm],
    template: str,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    """Adjust and count: one lot, chosen from the product's lots, then its form."""
    context = lot_screen_context(request, form)
    if form is None or not form.is_bound:
        form = form_class(initial={"lot": pk_of(context["lot"])})
    context.update(form=form, success_message=success)
    return render_capture(request, template, context, status)


def adjust_page(request: HttpRequest, form: AdjustForm | None, **kw: Any) -> HttpResponse:
    return lot_form_page(
        request, form, form_class=AdjustForm, template="scan/capture/adjust.html", **kw
    )


@capture_view
def adjust(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return adjust_page(request, None)
    form = AdjustForm(request.POST)
    return capture(
        request,
        kind="adjust",
        form=form,
        apply=apply_adjust,
        page=lambda bound, **kw: adjust_page(request, bound, **kw),
        success_url=lambda response: screen("adjust"),
    )


def apply_count(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    lot: ProductLot = cleaned["lot"]
    movement = stock.count(
        lot=lot, counted=cleaned["counted"], seen_on_hand=cleaned["seen_on_hand"], actor=actor
    )
    if movement is None:
        message = _("Count of %(lot)s matches the stock (%(on_hand)s): nothing changed.") % {
            "lot": lot_name(lot),
            "on_hand": cleaned["counted"],
        }
        return {"message": message, "movement_id": None, "lot_id": lot.pk}
    message = _("Count of %(lot)s recorded: %(on_hand)s on hand (%(delta)s).") % {
        "lot": lot_name(movement.lot),
        "on_hand": movement.lot.quantity_on_hand,
        "delta": f"{movement.delta:+d}",
    }
    return {"message": message, "movement_id": movement.pk, "lot_id": lot.pk}


def count_page(request: HttpRequest, form: CountForm | None, **kw: Any) -> HttpResponse:
    return lot_form_page(
        request, form, form_class=CountForm, template="scan/capture/count.html", **kw
    )


@capture_view
def count(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return count_page(request, None)
    form = CountForm(request.POST)
    return capture(
        request,
        kind="count",
        form=form,
        apply=apply_count,
        page=lambda bound, **kw: count_page(request, bound, **kw),
        success_url=lambda response: screen("count"),
    )


# --- move ---------------------------------------------------------------------------------------


def apply_move(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    lot: ProductLot | None = cleaned.get("lot")
    if lot is None:
        # A product scanned without a lot moves its first-expired lot (FEFO).
        lot = candidate_lots(cleaned["product"]).select_related("product", "location").first()
        if lot is None:
            raise InsufficientStock(0)
    quantity = cleaned.get("quantity") or lot.quantity_available
    if quantity < 1:
        raise InsufficientStock(lot.quantity_available)
    destination = stock.transfer(
        lot=lot, quantity=quantity, to_location=cleaned["to_location"], actor=actor
    )
    message = _("Moved %(quantity)s × %(product)s (%(lot)s) to %(location)s.") % {
        "quantity": quantity,
        "product": lot.product.name,
        "lot": lot_name(lot),
        "location": destination.location.code,
    }
    return {"message": message, "lot_id": destination.pk, "source_lot_id": lot.pk}


def move_page(
    request: HttpRequest, form: MoveForm | None, *, status: int = 200, success: str = ""
) -> HttpResponse:
    code, lot_pk = product_query(request, form)
    product = find_product(code) if code else None
    if form is None:
        lots = product_lots(product) if product else None
        form = MoveForm(initial={"product_code": code, "lot": lot_pk}, lots=lots)
    context = {
        "form": form,
        "product": product,
        "success_message": success,
    }
    return render_capture(request, "scan/capture/move.html", context, status)


@capture_view
def move(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return move_page(request, None)
    form = MoveForm(request.POST, lots=lots_for(request.POST.get("product_code")))
    return capture(
        request,
        kind="move",
        form=form,
        apply=apply_move,
        page=lambda bound, **kw: move_page(request, bound, **kw),
        success_url=lambda response: screen("move"),
    )
