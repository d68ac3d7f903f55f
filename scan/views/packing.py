"""Packing screens (S-CARTONS, S-SCAN, S-OFFLINE).

- `/scan/pack/`: a quantity of one product into a carton (a new one when none is named). A
  capture like the other stock screens (scan.views.capture): plain form POST, htmx fragment,
  JSON for the outbox, applied once per operation id.
- `/scan/pack/plan/`: several lines spread over cartons of one size by bin packing; "Create these
  cartons" packs them all or none, once per operation id. Needs the network.
- `/scan/cartons/`: the carton list, with Close (a capture, queued offline) and, for managers,
  Reopen.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib import messages
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from scan.forms.capture import CaptureForm, find_product
from scan.forms.ids import parse_id
from scan.forms.packing import (
    ASSIGNED,
    UNASSIGNED,
    CartonActionForm,
    CartonFilterForm,
    PackForm,
    PlanForm,
    find_carton,
)
from scan.models import ScanOperation
from scan.operations import parse_op_id, principal_of
from scan.views.capture import (
    capture,
    capture_view,
    form_messages,
    is_htmx,
    refusal_status,
    render_capture,
    screen,
    see_other,
)
from scan.views.listing import paginate, render_page
from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    Product,
    Shipment,
)
from wms.models.shipments import LOCKED_STATUSES
from wms.permissions import require_permission
from wms.roles import MANAGER_PERMISSION, SCAN_PERMISSION
from wms.services import packing
from wms.services.binpacking import (
    Bin,
    MissingDimensions,
)
from wms.services.errors import StockError
from wms.services.packing import Dimensions
from wms.services.stock import Actor

PACK_TEMPLATE = "scan/packing/pack.html"
PLAN_TEMPLATE = "scan/packing/plan.html"
CARTONS_TEMPLATE = "scan/packing/cartons.html"
# A plan is shown whole and created in one transaction: beyond this, split the lines.
MAX_PLAN_CARTONS = packing.MAX_PLANNED_CARTONS
# Suggestions offered while typing a carton code or a shipment reference.
SUGGESTIONS = 50


# --- one carton as the screens show it ----------------------------------------------------------


@dataclass(frozen=True)
class CartonRow:
    """A carton with its content by product and lot, weight and fill (S-CARTONS list)."""

    carton: Carton
    contents: list[str]
    weight_g: int
    weight_complete: bool  # False when a product's weight is unknown
    fill_percent: int
    fill_complete: bool  # False when a product's volume is unknown
    may_close: bool
    may_reopen: bool
    op_id: uuid.UUID  # of its close / reopen form

    @property
    def weight_kg(self) -> Decimal:
        return Decimal(self.weight_g) / 1000


def percent(part: Decimal, whole: Decimal) -> int:
    if not whole:
        return 0
    return int((part * 100 / whole).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def items_prefetch() -> Prefetch[Any]:
    items = CartonItem.objects.select_related("lot__product").order_by(
        "lot__product__name", "lot__lot_code", "pk"
    )
    return Prefetch("items", queryset=items)


def with_contents(queryset: QuerySet[Carton]) -> QuerySet[Carton]:
    # Three queries whatever the number of cartons: cartons (+ shipment, location), items.
    return queryset.select_related("shipment", "location").prefetch_related(items_prefetch())


def carton_row(carton: Carton, *, may_manage: bool) -> CartonRow:
    contents: dict[tuple[str, str], int] = {}
    weight = volume = 0
    weight_complete = fill_complete = True
    for item in carton.items.all():  # prefetched
        product = item.lot.product
        key = (product.name, item.lot.lot_code or _("no lot"))
        contents[key] = contents.get(key, 0) + item.quantity
        if product.weight_g:
            weight += item.quantity * product.weight_g
        else:
            weight_complete = False
        if product.volume_cm3:
            volume += item.quantity * product.volume_cm3
        else:
            fill_complete = False
    shipment = carton.shipment
    unlocked = shipment is None or not shipment.is_locked
    return CartonRow(
        carton=carton,
        contents=[f"{name} · {lot} × {quantity}" for (name, lot), quantity in contents.items()],
        weight_g=weight,
        weight_complete=weight_complete,
        fill_percent=percent(Decimal(volume), carton.volume_cm3),
        fill_complete=fill_complete,
        may_close=carton.status == CartonStatus.PICKING,
        may_reopen=may_manage and carton.status == CartonStatus.PACKED and unlocked,
        op_id=uuid.uuid4(),
    )


def carton_rows(request: HttpRequest, cartons: Iterable[Carton]) -> list[CartonRow]:
    may_manage = request.user.has_perm(MANAGER_PERMISSION)
    return [carton_row(carton, may_manage=may_manage) for carton in cartons]


def load_cartons(pks: Iterable[Any]) -> list[Carton]:
    ids = [pk for pk in pks if isinstance(pk, int)]
    return list(with_contents(Carton.objects.filter(pk__in=ids)).order_by("pk")) if ids else []


def recorded_response(request: HttpRequest) -> dict[str, Any]:
    """What the operation just posted answered (capture() hands the page only its message)."""
    try:
        op_id = parse_op_id(request.POST.get("op_id"))
    except StockError:
        return {}
    response = (
        ScanOperation.objects.filter(principal=principal_of(request.user), op_id=op_id)
        .values_list("response", flat=True)
        .first()
    )
    return response if isinstance(response, dict) else {}


def ids_from(raw: str) -> list[int]:
    ids = (parse_id(part) for part in raw.split(","))
    return [pk for pk in ids if pk is not None][:MAX_PLAN_CARTONS]


# --- pack into a carton (mode A) ----------------------------------------------------------------


def apply_pack(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    product: Product = cleaned["product"]
    dimensions: Dimensions | None = cleaned.get("dimensions")
    result = packing.pack(
        product=product,
        quantity=cleaned["quantity"],
        actor=actor,
        carton=cleaned.get("carton"),
        shipment=cleaned.get("shipment"),
        # Custom dimensions describe a carton of no format.
        carton_format=None if dimensions else cleaned.get("carton_format"),
        dimensions=dimensions,
    )
    carton = result.carton
    message = _("Packed %(quantity)s × %(product)s into carton %(carton)s.") % {
        "quantity": cleaned["quantity"],
        "product": product.name,
        "carton": carton.code,
    }
    return {
        "message": message,
        "carton_id": carton.pk,
        "carton_code": carton.code,
        "movement_ids": [movement.pk for movement in result.movements],
    }


def current_carton(request: HttpRequest, success: str) -> Carton | None:
    """The carton the screen is about: the one just packed, or `?carton=<code>`."""
    if success and request.method == "POST":
        pk = recorded_response(request).get("carton_id")
    else:
        found = find_carton(request.GET.get("carton", ""))
        pk = found.pk if found else None
    cartons = load_cartons([pk])
    return cartons[0] if cartons else None


def pack_initial(request: HttpRequest, carton: Carton | None) -> dict[str, Any]:
    initial = {
        "product_code": request.GET.get("code", ""),
        "shipment": request.GET.get("shipment", ""),
    }
    # The next scan goes into the same carton while it is open.
    if carton is not None and carton.status in (CartonStatus.DRAFT, CartonStatus.PICKING):
        initial["carton"] = carton.code
        if carton.shipment is not None:
            initial["shipment"] = carton.shipment.reference
    return initial


def pack_page(
    request: HttpRequest,
    form: PackForm | None,
    *,
    status: int = 200,
    success: str = "",
    carton: Carton | None = None,
    action_form: CartonActionForm | None = None,
) -> HttpResponse:
    if carton is None and form is None:
        carton = current_carton(request, success)
    elif carton is None and form is not None:
        # After a refusal the carton typed stays on screen, with what it already holds.
        typed = getattr(form, "cleaned_data", {}).get("carton")
        found = load_cartons([typed.pk]) if isinstance(typed, Carton) else []
        carton = found[0] if found else None
    if form is None:
        form = PackForm(initial=pack_initial(request, carton))
    code = str(form["product_code"].value() or "").strip()
    if form.reading is not None:
        product = form.reading.product
    else:
        product = find_product(code) if code else None
    context = {
        "form": form,
        "product": product,
        "current": carton_rows(request, [carton])[0] if carton else None,
        "action_form": action_form,
        "open_cartons": Carton.objects.filter(
            status__in=[CartonStatus.DRAFT, CartonStatus.PICKING]
        ).values_list("code", flat=True)[:SUGGESTIONS],
        "open_shipments": Shipment.objects.exclude(status__in=LOCKED_STATUSES).values_list(
            "reference", flat=True
        )[:SUGGESTIONS],
        "success_message": success,
    }
    return render_capture(request, PACK_TEMPLATE, context, status)


@capture_view
def pack(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return pack_page(request, None)
    form = PackForm(request.POST)
    return capture(
        request,
        kind="pack",
        form=form,
        apply=apply_pack,
        page=lambda bound, **kw: pack_page(request, bound, **kw),
        success_url=lambda response: screen("pack", carton=response.get("carton_code")),
    )


# --- plan several cartons (mode B, bin packing) -------------------------------------------------


@dataclass(frozen=True)
class PlannedCarton:
    number: int
    contents: list[tuple[str, int]]
    volume_percent: int
    weight_percent: int


@dataclass(frozen=True)
class Plan:
    carton_format: CartonFormat | None
    dimensions: Dimensions
    lines: list[tuple[Product, int]]
    bins: list[Bin]
    cartons: list[PlannedCarton]


def plan_size(cleaned: dict[str, Any]) -> tuple[CartonFormat | None, Dimensions]:
    custom: Dimensions | None = cleaned.get("dimensions")
    if custom is not None:
        return None, custom
    carton_format = cleaned.get("carton_format") or CartonFormat.default()
    if carton_format is None:
        return None, packing.default_dimensions()  # refuses with the service's message
    return carton_format, Dimensions.of(carton_format)


def compute_plan(cleaned: dict[str, Any]) -> Plan:
    """The cartons for the form's lines; StockError (MissingDimensions, a unit too large, too
    many cartons) when there is no plan to show."""
    carton_format, dimensions = plan_size(cleaned)
    capacity = packing.capacity_of(dimensions)
    lines: list[tuple[Product, int]] = list(cleaned.get("lines", []))
    bins = packing.plan_cartons(lines, dimensions, use_defaults=bool(cleaned.get("use_defaults")))
    cartons = [
        PlannedCarton(
            number=number,
            contents=[(lines[index][0].name, units) for index, units in box.contents.items()],
            volume_percent=percent(box.volume_cm3, capacity.volume_cm3),
            weight_percent=percent(box.weight_g, capacity.weight_g),
        )
        for number, box in enumerate(bins, start=1)
    ]
    return Plan(carton_format, dimensions, lines, bins, cartons)


def apply_plan(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    plan = compute_plan(cleaned)
    created = packing.pack_planned(
        plan.bins,
        plan.lines,
        actor=actor,
        carton_format=plan.carton_format,
        dimensions=plan.dimensions,
    )
    codes = ", ".join(carton.code for carton in created)
    message = ngettext(
        "%(count)s carton created: %(codes)s.",
        "%(count)s cartons created: %(codes)s.",
        len(created),
    ) % {"count": len(created), "codes": codes}
    return {
        "message": message,
        "carton_ids": [carton.pk for carton in created],
        "carton_codes": [carton.code for carton in created],
    }


def add_once(form: CaptureForm, message: str) -> None:
    # A refused "create" already carries the reason; computing the plan again finds it again.
    if message not in form.non_field_errors():
        form.add_error(None, message)


def plan_of(form: PlanForm) -> tuple[Plan | None, bool]:
    """(the plan to show, whether products lack weight and volume) for a bound form."""
    cleaned = getattr(form, "cleaned_data", None)
    field_errors = set(form.errors) - {"__all__"}
    if not cleaned or not cleaned.get("lines") or field_errors:
        return None, False
    if form.has_custom_size and cleaned.get("dimensions") is None:
        return None, False  # the size typed was refused: no plan for another size
    try:
        return compute_plan(cleaned), False
    except MissingDimensions as missing:
        add_once(form, missing.message)
        return None, True
    except StockError as error:
        add_once(form, error.message)
        return None, False


def plan_page(
    request: HttpRequest, form: PlanForm | None, *, status: int = 200, success: str = ""
) -> HttpResponse:
    if success and request.method == "POST":
        created_ids = recorded_response(request).get("carton_ids") or []
    else:
        created_ids = ids_from(request.GET.get("cartons", ""))
    plan, missing = plan_of(form) if form is not None and form.is_bound else (None, False)
    context = {
        "form": form or PlanForm(),
        "plan": plan,
        "missing_dimensions": missing,
        "created": carton_rows(request, load_cartons(created_ids)),
        "success_message": success,
    }
    return render_capture(request, PLAN_TEMPLATE, context, status)


@capture_view
def pack_plan(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return plan_page(request, None)
    form = PlanForm(request.POST)
    if request.POST.get("action") != "create":
        # Computing a plan changes nothing: no operation is recorded.
        return plan_page(request, form, status=200 if form.is_valid() else refusal_status(request))
    return capture(
        request,
        kind="pack_plan",
        form=form,
        apply=apply_plan,
        page=lambda bound, **kw: plan_page(request, bound, **kw),
        success_url=lambda response: screen(
            "pack_plan", cartons=",".join(str(pk) for pk in response.get("carton_ids", []))
        ),
    )


# --- the carton list ----------------------------------------------------------------------------


def filtered_cartons(form: CartonFilterForm) -> QuerySet[Carton]:
    queryset = with_contents(Carton.objects.all())
    if text := form.value_of("q"):
        queryset = queryset.filter(
            Q(code__icontains=text.strip()) | Q(shipment__reference__icontains=text.strip())
        )
    status = form.value_of("status")
    if status == ASSIGNED:
        queryset = queryset.filter(status=CartonStatus.PACKED, shipment__isnull=False)
    elif status == UNASSIGNED:
        queryset = queryset.filter(shipment__isnull=True)
    elif status == CartonStatus.PACKED:
        # "Prêt" as the list shows it: a ready carton in a shipment reads "Affecté".
        queryset = queryset.filter(status=CartonStatus.PACKED, shipment__isnull=True)
    elif status:
        queryset = queryset.filter(status=status)
    if day := form.value_of("created_on"):
        queryset = queryset.filter(created_on=day)
    return queryset.order_by("-created_at", "-id")


def cartons_page(
    request: HttpRequest,
    *,
    status: int = 200,
    success: str = "",
    action_form: CartonActionForm | None = None,
) -> HttpResponse:
    filters = CartonFilterForm(request.GET)
    page = paginate(request, filtered_cartons(filters))
    rows = carton_rows(request, page)
    context = {
        "filter_form": filters,
        "page": page,
        "rows": rows,
        "incomplete": any(not row.fill_complete or not row.weight_complete for row in rows),
        "form": action_form,
        "success_message": success,
    }
    if request.method == "POST":  # the answer to a close or reopen
        return render_capture(request, CARTONS_TEMPLATE, context, status)
    return render_page(request, CARTONS_TEMPLATE, "capture", context)


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def cartons(request: HttpRequest) -> HttpResponse:
    return cartons_page(request)


# --- close and reopen ---------------------------------------------------------------------------


def carton_action(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A capture POST about one carton (its id in the URL)."""
    decorated = vary_on_headers("HX-Request", "Accept")(view)
    decorated = require_permission(SCAN_PERMISSION)(decorated)
    return require_POST(decorated)


def action_answer(cleaned: dict[str, Any], carton: Carton, message: str) -> dict[str, Any]:
    return {
        "message": message,
        "carton_id": carton.pk,
        "carton_code": carton.code,
        "back": cleaned["back"],
    }


def apply_close(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    carton = packing.close_carton(carton=cleaned["carton"], actor=actor)
    message = _("Carton %(carton)s closed: it is ready.") % {"carton": carton.code}
    return action_answer(cleaned, carton, message)


def apply_reopen(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    carton = packing.reopen_carton(carton=cleaned["carton"], actor=actor)
    message = _("Carton %(carton)s reopened.") % {"carton": carton.code}
    return action_answer(cleaned, carton, message)


def back_url(response: dict[str, Any]) -> str:
    if response.get("back") == "pack":
        return screen("pack", carton=response.get("carton_code"))
    return screen("cartons")


def action_page(
    request: HttpRequest,
    form: CartonActionForm | None,
    pk: int,
    *,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    """The screen the close or reopen came from, with its outcome."""
    back = request.POST.get("back")
    if form is not None and not is_htmx(request):
        # A plain POST lands back on the screen it came from (never on this action's URL).
        for message in form_messages(form):
            messages.error(request, message)
        carton = getattr(form, "cleaned_data", {}).get("carton")
        code = carton.code if isinstance(carton, Carton) else ""
        return see_other(back_url({"back": back, "carton_code": code}))
    if back == "pack":
        found = load_cartons([pk])
        return pack_page(
            request,
            None,
            status=status,
            success=success,
            carton=found[0] if found else None,
            action_form=form,
        )
    return cartons_page(request, status=status, success=success, action_form=form)


def carton_capture(
    request: HttpRequest, pk: int, kind: str, apply: Callable[..., dict[str, Any]]
) -> HttpResponse:
    return capture(
        request,
        kind=kind,
        form=CartonActionForm(request.POST, carton_pk=pk),
        apply=apply,
        page=lambda bound, **kw: action_page(request, bound, pk, **kw),
        success_url=back_url,
    )


@carton_action
def carton_close(request: HttpRequest, pk: int) -> HttpResponse:
    return carton_capture(request, pk, "close_carton", apply_close)


@carton_action
def carton_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    # Workers reach the service, which refuses them with its own message (S-ROLES).
    return carton_capture(request, pk, "reopen_carton", apply_reopen)
