"""Shipment screens (S-SHIPMENTS, S-SCAN): sequenced creation, edition, the list of shipments
under way, the detail page and its actions (ship, deliver, override).

Creation and edition are captures (scan.views.capture.capture): the form carries an operation id
and its whole effect — the shipment, the cartons attached or detached, the new cartons packed from
product lines — runs inside run_once's transaction, so a refusal anywhere changes nothing and a
double submit applies once. They are plain form POSTs (no offline queue: they need the server's
current choices), answered by a 303 to the detail page.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from scan.forms.capture import CaptureForm
from scan.forms.shipments import (
    NOT_DELIVERED,
    DestinationForm,
    DocumentUploadForm,
    FlightForm,
    ShipmentActionForm,
    ShipmentFilterForm,
    ShipmentForm,
    ShipmentStatusForm,
    destinations_for_choice,
    read_destination,
)
from scan.views.capture import CAPTURE_METHODS, capture, capture_view
from scan.views.listing import paginate, render_page, wants_fragment
from wms.models import (
    STEP_ORDER,
    Carton,
    CartonFormat,
    CartonStatus,
    Destination,
    Product,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from wms.permissions import require_permission
from wms.roles import MANAGER_PERMISSION, SCAN_PERMISSION
from wms.services import packing, shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

READY = (CartonStatus.PACKED, CartonStatus.SHIPPED)
POST_ONLY = ["POST"]
PRINTED_DOCUMENTS = [
    ("note", gettext_lazy("Shipment note")),
    ("packing-list", gettext_lazy("Packing list")),
    ("donation", gettext_lazy("Donation certificate")),
    ("humanitarian", gettext_lazy("Humanitarian certificate")),
    ("customs", gettext_lazy("Customs declaration")),
]


# --- reading ------------------------------------------------------------------------------------


def shipment_or_404(pk: int) -> Shipment:
    return get_object_or_404(
        Shipment.objects.select_related("destination__correspondent", "created_by"), pk=pk
    )


def detail_url(shipment_id: Any) -> str:
    return reverse("scan:shipment_detail", args=[shipment_id])


def with_weight(cartons: QuerySet[Carton]) -> QuerySet[Carton]:
    """Each carton's content weight in grams (units × product weight; unknown weights count 0),
    from one join: no query per carton."""
    return cartons.annotate(
        content_weight_g=Sum(F("items__quantity") * F("items__lot__product__weight_g"))
    )


def available_cartons() -> list[Carton]:
    """Packed cartons not in any shipment: what a shipment can take as they are."""
    queryset = Carton.objects.filter(status=CartonStatus.PACKED, shipment__isnull=True)
    return list(with_weight(queryset.select_related("location")).order_by("created_at", "pk"))


def status_text(status: str, ready: int, total: int) -> str:
    """The status as the lists show it: "PARTIEL x/y" while some cartons are ready."""
    if status == ShipmentStatus.PICKING:
        return _("PARTIAL %(ready)s/%(total)s") % {"ready": ready, "total": total}
    return str(ShipmentStatus(status).label)


def in_process_order(events: list[TrackingEvent]) -> list[TrackingEvent]:
    return sorted(
        events, key=lambda event: (STEP_ORDER.get(event.step, 99), event.created_at, event.pk)
    )


# --- what creation and edition do ---------------------------------------------------------------


def pack_lines(
    shipment: Shipment, lines: list[tuple[Product, int]], actor: Actor, use_defaults: bool
) -> list[Carton]:
    """New cartons of the default format for these product lines, filled first-fit by
    wms.services.binpacking, each unit taken from stock by packing.pack (FEFO, export shelf
    life). Raises StockError (nothing is kept: the caller's transaction rolls back)."""
    if not lines:
        return []
    carton_format = CartonFormat.default()
    if carton_format is None:
        raise StockError(
            "Aucun format de carton par défaut : un responsable doit en définir un avant de "
            "créer des cartons depuis des lignes de produits."
        )
    bins = packing.plan_cartons(
        lines, packing.Dimensions.of(carton_format), use_defaults=use_defaults
    )
    return packing.pack_planned(
        bins, lines, actor=actor, carton_format=carton_format, shipment=shipment
    )


def attach_cartons(shipment: Shipment, cartons: list[Carton], actor: Actor) -> None:
    for carton in sorted(cartons, key=lambda carton: carton.pk):
        packing.attach_carton(carton=carton, shipment=shipment, actor=actor)


def parties_of(cleaned: dict[str, Any]) -> shipping.Parties:
    # The correspondent is the destination's (shipping fills it in): never chosen here.
    return shipping.Parties(cleaned["destination"], cleaned["shipper"], cleaned["recipient"], None)


def cartons_message(done: str, attached: int, packed: int) -> str:
    parts = [done]
    if attached:
        parts.append(
            ngettext("%(count)s carton attached.", "%(count)s cartons attached.", attached)
            % {"count": attached}
        )
    if packed:
        parts.append(
            ngettext(
                "%(count)s new carton prepared from the product lines.",
                "%(count)s new cartons prepared from the product lines.",
                packed,
            )
            % {"count": packed}
        )
    return " ".join(parts)


def apply_create(cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    shipment = shipping.create_shipment(
        parties=parties_of(cleaned),
        actor=actor,
        requested_delivery_date=cleaned.get("requested_delivery_date"),
        notes=cleaned.get("notes", ""),
    )
    attach_cartons(shipment, list(cleaned.get("cartons") or []), actor)
    new = pack_lines(shipment, cleaned["lines"], actor, bool(cleaned.get("use_default_sizes")))
    done = _("Shipment %(reference)s created.") % {"reference": shipment.reference}
    message = cartons_message(done, len(cleaned.get("cartons") or []), len(new))
    return {"message": message, "shipment_id": shipment.pk, "reference": shipment.reference}


def apply_edit(shipment: Shipment, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    flight = {
        "flight_date": cleaned.get("flight_date"),
        "flight_number": cleaned.get("flight_number") or "",
        "awb_number": cleaned.get("awb_number") or "",
    }
    shipment = shipping.update_shipment(
        shipment=shipment,
        parties=parties_of(cleaned),
        actor=actor,
        requested_delivery_date=cleaned.get("requested_delivery_date"),
        notes=cleaned.get("notes", ""),
        flight=flight,
    )
    detach = sorted(cleaned.get("detach") or [], key=lambda carton: carton.pk)
    for carton in detach:
        packing.detach_carton(carton=carton, actor=actor)
    attach_cartons(shipment, list(cleaned.get("cartons") or []), actor)
    new = pack_lines(shipment, cleaned["lines"], actor, bool(cleaned.get("use_default_sizes")))
    done = _("Shipment %(reference)s saved.") % {"reference": shipment.reference}
    message = cartons_message(done, len(cleaned.get("cartons") or []), len(new))
    if detach:
        message += " " + ngettext(
            "%(count)s carton detached.", "%(count)s cartons detached.", len(detach)
        ) % {"count": len(detach)}
    return {"message": message, "shipment_id": shipment.pk, "reference": shipment.reference}


# --- creation and edition pages -----------------------------------------------------------------


def render_form(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    # A fresh operation id on every render (scan.views.capture.render_capture does the same).
    context.setdefault("op_id", uuid.uuid4())
    name = f"{template}#shipment_form" if wants_fragment(request) else template
    return render(request, name, context, status=status)


def initial_of(shipment: Shipment | None, destination: Destination | None) -> dict[str, Any]:
    initial: dict[str, Any] = {"destination": destination}
    if shipment is not None:
        same = destination is not None and destination.pk == shipment.destination_id
        initial.update(
            shipper=shipment.shipper_id if same else None,
            recipient=shipment.recipient_id if same else None,
            requested_delivery_date=shipment.requested_delivery_date,
            notes=shipment.notes,
            flight_date=shipment.flight_date,
            flight_number=shipment.flight_number,
            awb_number=shipment.awb_number,
        )
    return initial


def form_page(
    request: HttpRequest,
    form: ShipmentForm | None,
    *,
    destination: Destination | None,
    shipment: Shipment | None = None,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    if form is None:
        form = ShipmentForm(
            initial=initial_of(shipment, destination), destination=destination, shipment=shipment
        )
    current = shipment.destination if shipment is not None else None
    attached = (
        list(with_weight(shipment.cartons.select_related("location")).order_by("code"))
        if shipment is not None
        else []
    )
    context = {
        "form": form,
        "shipment": shipment,
        "destination": destination,
        "destination_form": DestinationForm(
            initial={"destination": destination.pk if destination else None}, current=current
        ),
        "available_cartons": available_cartons() if destination is not None else [],
        "attached_cartons": attached,
        "chosen_cartons": form.chosen_pks("cartons"),
        "chosen_detach": form.chosen_pks("detach"),
        "form_url": request.path,
        "success_message": success,
    }
    return render_form(request, "scan/shipments/form.html", context, status)


@capture_view
def shipment_create(request: HttpRequest) -> HttpResponse:
    allowed = destinations_for_choice()
    if request.method != "POST":
        destination = read_destination(request.GET.get("destination"), allowed)
        return form_page(request, None, destination=destination)
    destination = read_destination(request.POST.get("destination"), allowed)
    form = ShipmentForm(request.POST, destination=destination)
    return capture(
        request,
        kind="shipment_create",
        form=form,
        apply=apply_create,
        page=lambda bound, **kw: form_page(request, bound, destination=destination, **kw),
        success_url=lambda response: detail_url(response["shipment_id"]),
    )


def locked_page(
    request: HttpRequest,
    shipment: Shipment,
    form: FlightForm | None = None,
    *,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    try:
        shipping.check_open(shipment)
        reason = ""
    except StockError as refusal:
        reason = refusal.message
    flight_open = shipment.status == ShipmentStatus.SHIPPED
    if form is None and flight_open:
        form = FlightForm(
            shipment=shipment,
            initial={
                "flight_date": shipment.flight_date,
                "flight_number": shipment.flight_number,
                "awb_number": shipment.awb_number,
            },
        )
    context = {
        "shipment": shipment,
        "reason": reason,
        "form": form if flight_open else None,
        "success_message": success,
        "op_id": uuid.uuid4(),
    }
    return render(request, "scan/shipments/locked.html", context, status=status)


def apply_flight(shipment: Shipment, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    shipment = shipping.set_flight(
        shipment=shipment,
        actor=actor,
        flight_date=cleaned.get("flight_date"),
        flight_number=cleaned.get("flight_number") or "",
        awb_number=cleaned.get("awb_number") or "",
    )
    message = _("Flight details of %(reference)s saved.") % {"reference": shipment.reference}
    return {"message": message, "shipment_id": shipment.pk}


def edit_locked(request: HttpRequest, shipment: Shipment) -> HttpResponse:
    """A shipped or delivered shipment is not edited; only a shipped one's flight details may
    still be filled in (they are often known after the cartons left)."""
    if request.method != "POST":
        return locked_page(request, shipment)
    if "flight_only" in request.POST and shipment.status == ShipmentStatus.SHIPPED:
        form = FlightForm(request.POST, shipment=shipment)
        return capture(
            request,
            kind="shipment_flight",
            form=form,
            apply=lambda cleaned, actor: apply_flight(shipment, cleaned, actor),
            page=lambda bound, **kw: locked_page(request, shipment, bound, **kw),
            success_url=lambda response: detail_url(shipment.pk),
        )
    return locked_page(request, shipment, status=409)


@require_http_methods(CAPTURE_METHODS)
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request", "Accept")
def shipment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    # capture_view's decorators, for a view that takes the shipment's id.
    shipment = shipment_or_404(pk)
    if shipment.is_locked:
        return edit_locked(request, shipment)
    allowed = destinations_for_choice(shipment.destination)
    if request.method != "POST":
        chosen = request.GET.get("destination")
        destination = read_destination(chosen, allowed) if chosen else shipment.destination
        return form_page(request, None, destination=destination, shipment=shipment)
    destination = read_destination(request.POST.get("destination"), allowed)
    form = ShipmentForm(request.POST, destination=destination, shipment=shipment)
    return capture(
        request,
        kind="shipment_edit",
        form=form,
        apply=lambda cleaned, actor: apply_edit(shipment, cleaned, actor),
        page=lambda bound, **kw: form_page(
            request, bound, destination=destination, shipment=shipment, **kw
        ),
        success_url=lambda response: detail_url(shipment.pk),
    )


# --- list ---------------------------------------------------------------------------------------


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def shipments_ready(request: HttpRequest) -> HttpResponse:
    form = ShipmentFilterForm(request.GET)
    queryset = Shipment.objects.select_related("destination")
    if status := form.value_of("status"):
        queryset = queryset.filter(status=status)
    else:
        queryset = queryset.filter(status__in=NOT_DELIVERED)
    # "PARTIEL x/y" and the carton count come from one join: no query per shipment.
    queryset = queryset.annotate(
        carton_total=Count("cartons"),
        carton_ready=Count("cartons", filter=Q(cartons__status__in=READY)),
    ).order_by("-created_at", "-id")
    page = paginate(request, queryset)
    for shipment in page:
        shipment.status_text = status_text(
            shipment.status, shipment.carton_ready, shipment.carton_total
        )
    context = {"form": form, "page": page}
    return render_page(request, "scan/shipments/ready.html", "results", context)


# --- detail and its actions ---------------------------------------------------------------------


def detail_page(
    request: HttpRequest,
    shipment: Shipment,
    form: CaptureForm | None = None,
    *,
    status: int = 200,
    success: str = "",
    document_form: DocumentUploadForm | None = None,
) -> HttpResponse:
    cartons = list(
        with_weight(shipment.cartons.select_related("location__warehouse")).order_by("code")
    )
    ready = sum(1 for carton in cartons if carton.status in READY)
    events = in_process_order(list(shipment.tracking_events.all()))
    is_manager = request.user.has_perm(MANAGER_PERMISSION)
    status_form = form if isinstance(form, ShipmentStatusForm) else None
    context = {
        "shipment": shipment,
        "status_text": status_text(shipment.status, ready, len(cartons)),
        "cartons": cartons,
        "carton_ready": ready,
        "total_weight_g": sum(getattr(carton, "content_weight_g", 0) or 0 for carton in cartons),
        "events": events,
        "documents": list(shipment.documents.select_related("uploaded_by")),
        "document_form": document_form or DocumentUploadForm(),
        "printed_documents": PRINTED_DOCUMENTS,
        "tracking_url": shipping.tracking_url(shipment),
        "update_url": shipping.update_url(shipment),
        "update_link_valid": shipping.update_link_valid(shipment),
        "can_ship": shipment.status == ShipmentStatus.PACKED,
        "ship_op_id": uuid.uuid4(),
        "is_manager": is_manager,
        "deliver_op_id": uuid.uuid4(),
        "status_form": status_form
        or (ShipmentStatusForm(shipment=shipment) if is_manager else None),
        "override_op_id": uuid.uuid4(),
        "action_form": form if status_form is None else None,
        "success_message": success,
        "fetched_at": timezone.localtime(),
    }
    name = "scan/shipments/detail.html"
    if request.method in ("GET", "HEAD") and wants_fragment(request):
        name += "#detail"
    return render(request, name, context, status=status)


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, shipment_or_404(pk))


def apply_ship(shipment: Shipment, actor: Actor) -> dict[str, Any]:
    shipment = shipping.ship(shipment=shipment, actor=actor)
    message = _("Shipment %(reference)s shipped.") % {"reference": shipment.reference}
    return {"message": message, "shipment_id": shipment.pk}


@require_http_methods(POST_ONLY)
@require_permission(SCAN_PERMISSION)
def shipment_ship(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = shipment_or_404(pk)
    return capture(
        request,
        kind="ship",
        form=ShipmentActionForm(request.POST, shipment=shipment),
        apply=lambda cleaned, actor: apply_ship(shipment, actor),
        page=lambda bound, **kw: detail_page(request, shipment, bound, **kw),
        success_url=lambda response: detail_url(shipment.pk),
    )


def apply_status(shipment: Shipment, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    if cleaned["action"] == "deliver":
        shipment = shipping.deliver(shipment=shipment, actor=actor)
        message = _("Shipment %(reference)s marked as delivered.")
    else:
        shipment = shipping.override_status(
            shipment=shipment, status=cleaned["status"], reason=cleaned["reason"], actor=actor
        )
        message = _("Status of shipment %(reference)s forced to “%(status)s”.")
    label = ShipmentStatus(shipment.status).label
    return {
        "message": message % {"reference": shipment.reference, "status": label},
        "shipment_id": shipment.pk,
    }


@require_http_methods(POST_ONLY)
@require_permission(MANAGER_PERMISSION)
def shipment_status(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = shipment_or_404(pk)
    return capture(
        request,
        kind="shipment_status",
        form=ShipmentStatusForm(request.POST, shipment=shipment),
        apply=lambda cleaned, actor: apply_status(shipment, cleaned, actor),
        page=lambda bound, **kw: detail_page(request, shipment, bound, **kw),
        success_url=lambda response: detail_url(shipment.pk),
    )
