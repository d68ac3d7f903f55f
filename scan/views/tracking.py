"""The tracking page (the QR code on every label) and the correspondent's update link
(S-SHIPMENTS).

Both pages are reached by an unguessable token in the URL, without an account, so they show
what a stranger holding a label may know: the reference, the destination, the status and the
steps with the *structures* that recorded them — never a person's name, e-mail, phone or
address, and never the comments (free text that may name someone). A logged-in worker opening
the tracking page also sees those and the step form, a capture form like the stock screens
(operation id, offline outbox).

The token is the secret: the answers are not cached, not indexed, and never sent on as a
Referer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django.views.decorators.vary import vary_on_headers

from scan.forms.tracking import CorrespondentStepForm, TrackingStepForm
from scan.views.capture import CAPTURE_METHODS, capture, render_capture, see_other
from wms.client_ip import client_ip
from wms.models import STEP_ORDER, Shipment, TrackingStep
from wms.public.token_pages import token_page
from wms.roles import SCAN_PERMISSION
from wms.services import shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

TRACK_TEMPLATE = "scan/tracking/track.html"
UPDATE_TEMPLATE = "scan/tracking/update.html"
PUBLIC_BASE = "public/base.html"
SCAN_BASE = "scan/base.html"
# The update link's refusals, by the service's code; anything else is a plain form error.
REFUSAL_STATUS = {"throttled": 429, "expired": 410}


def is_worker(user: Any) -> bool:
    return bool(user.is_authenticated and user.has_perm(SCAN_PERMISSION))


# --- what the pages show -------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    """One tracking event as a page may show it: `name` and `comments` stay empty unless the
    reader is a worker, so a public template cannot print them even by mistake."""

    step: str
    step_label: str
    structure: str
    at: dt.datetime
    name: str = ""
    comments: str = ""
    via_update_link: bool = False


def history(shipment: Shipment, *, staff: bool) -> list[HistoryLine]:
    """The events in process order (S-SHIPMENTS), then in the order they were recorded."""
    fields = ["pk", "step", "actor_structure", "created_at", "via_update_link"]
    if staff:
        fields += ["actor_name", "comments"]
    rows = shipment.tracking_events.values(*fields)
    ordered = sorted(
        rows,
        key=lambda row: (
            STEP_ORDER.get(row["step"], len(STEP_ORDER)),
            row["created_at"],
            row["pk"],
        ),
    )
    return [
        HistoryLine(
            step=row["step"],
            step_label=step_label(row["step"]),
            structure=row["actor_structure"],
            at=row["created_at"],
            name=row.get("actor_name", ""),
            comments=row.get("comments", ""),
            via_update_link=row["via_update_link"],
        )
        for row in ordered
    ]


def step_label(step: str) -> str:
    return str(TrackingStep(step).label) if step in TrackingStep.values else step


def shipment_context(shipment: Shipment, *, staff: bool) -> dict[str, Any]:
    lines = history(shipment, staff=staff)
    return {
        "shipment": shipment,
        "destination": str(shipment.destination),
        "status_label": shipment.get_status_display(),
        "current_step": lines[-1] if lines else None,
        "history": lines,
        "staff": staff,
    }


def next_step(current: HistoryLine | None) -> str:
    """The step after the furthest one recorded: what the worker most likely records now."""
    steps = TrackingStep.values
    if current is None:
        return steps[0]
    return steps[min(STEP_ORDER.get(current.step, -1) + 1, len(steps) - 1)]


def fresh(shipment: Shipment) -> Shipment:
    """The shipment as it is now (a step recorded a moment ago may have moved its status)."""
    return get_object_or_404(Shipment.objects.select_related("destination"), pk=shipment.pk)


# --- the tracking page ---------------------------------------------------------------------------


def apply_step(shipment: Shipment, cleaned: dict[str, Any], actor: Actor) -> dict[str, Any]:
    result = shipping.record_step(
        shipment=shipment,
        step=cleaned["step"],
        actor_name=cleaned["actor_name"],
        actor_structure=cleaned["actor_structure"],
        comments=cleaned.get("comments", ""),
        actor=actor,
    )
    # The event holds the shipment the service locked and moved, with its new status.
    current = result.event.shipment
    values = {
        "step": step_label(result.event.step),
        "reference": current.reference,
        "status": current.get_status_display(),
    }
    if result.status_changed:
        message = _("Step “%(step)s” recorded: shipment %(reference)s is now “%(status)s”.")
    elif result.event.step in shipping.STATUS_STEPS:
        message = _(
            "Step “%(step)s” recorded; shipment %(reference)s stays “%(status)s” "
            "and the managers have been told."
        )
    else:
        message = _("Step “%(step)s” recorded for shipment %(reference)s.")
    return {
        "message": message % values,
        "event_id": result.event.pk,
        "status": current.status,
        "status_changed": result.status_changed,
    }


def track_page(
    request: HttpRequest,
    shipment: Shipment,
    form: TrackingStepForm | None,
    *,
    staff: bool,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    if request.method == "POST":
        shipment = fresh(shipment)
    context = shipment_context(shipment, staff=staff)
    context["base_template"] = SCAN_BASE if staff else PUBLIC_BASE
    if not staff:
        return render(request, TRACK_TEMPLATE, context, status=status)
    if form is None:
        user = request.user
        name = user.get_full_name() or user.get_username()  # type: ignore[union-attr]
        initial = {
            "step": next_step(context["current_step"]),
            "actor_name": name,
            "actor_structure": settings.ORG_NAME,
        }
        form = TrackingStepForm(shipment=shipment, initial=initial)
    context.update(form=form, success_message=success)
    return render_capture(request, TRACK_TEMPLATE, context, status)


@token_page
@vary_on_headers("HX-Request", "Accept")
@require_http_methods(CAPTURE_METHODS)
def track(request: HttpRequest, token: str) -> HttpResponse:
    shipment = get_object_or_404(
        Shipment.objects.select_related("destination"), tracking_token=token
    )
    staff = is_worker(request.user)
    if request.method != "POST":
        return track_page(request, shipment, None, staff=staff)
    if not staff:
        # Read-only for everyone else; no login redirect: a POST cannot be replayed after it.
        raise PermissionDenied
    form = TrackingStepForm(request.POST, shipment=shipment)
    return capture(
        request,
        kind="tracking_step",
        form=form,
        apply=lambda cleaned, actor: apply_step(shipment, cleaned, actor),
        page=lambda bound, **kw: track_page(request, shipment, bound, staff=True, **kw),
        success_url=lambda response: request.path,
    )


# --- the correspondent's update link -------------------------------------------------------------


def update_page(
    request: HttpRequest,
    shipment: Shipment,
    form: CorrespondentStepForm | None,
    *,
    expired: bool = False,
    status: int = 200,
) -> HttpResponse:
    # Whoever holds the link sees what the public tracking page shows, nothing more.
    context = shipment_context(shipment, staff=False)
    context.update(
        form=None if expired else form,
        expired=expired,
        valid_days=shipping.UPDATE_LINK_DAYS_AFTER_DELIVERY,
    )
    return render(request, UPDATE_TEMPLATE, context, status=status)


@token_page
@require_http_methods(["GET", "HEAD", "POST"])
def update(request: HttpRequest, token: str) -> HttpResponse:
    shipment = get_object_or_404(Shipment.objects.select_related("destination"), update_token=token)
    posted = request.method == "POST"
    if not shipping.update_link_valid(shipment):
        return update_page(request, shipment, None, expired=True, status=410 if posted else 200)
    if not posted:
        return update_page(request, shipment, CorrespondentStepForm())
    form = CorrespondentStepForm(request.POST)
    if not form.is_valid():
        return update_page(request, shipment, form)
    try:
        result = shipping.record_correspondent_step(
            shipment=shipment,
            step=form.cleaned_data["step"],
            actor_name=form.cleaned_data["actor_name"],
            actor_structure=form.cleaned_data["actor_structure"],
            comments=form.cleaned_data.get("comments", ""),
            client_key=client_ip(request),
        )
    except StockError as refusal:
        form.add_error(None, refusal.message)
        expired = refusal.code == "expired"
        status = REFUSAL_STATUS.get(refusal.code, 200)
        return update_page(request, shipment, form, expired=expired, status=status)
    messages.success(
        request,
        _("Thank you: step “%(step)s” recorded for shipment %(reference)s.")
        % {"step": step_label(result.event.step), "reference": shipment.reference},
    )
    return see_other(request.path)
