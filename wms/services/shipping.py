"""Shipments: creation with its parties, the status machine, ship / deliver, manager override,
tracking steps and the correspondent's update link (S-SHIPMENTS, emails of S-EMAIL).

`draft` / `picking` / `packed` are derived from the cartons by refresh_status, which every
carton change calls; `shipped` and `delivered` come from actions and tracking steps. Every change
of status goes through _transition and its table, and is logged as a StatusChange.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from wms.emailing.messages import manager_emails, queue_templated_email
from wms.models import (
    CartonItem,
    CartonStatus,
    Contact,
    ContactAddress,
    Destination,
    Shipment,
    ShipmentStatus,
    StatusChange,
    TrackingEvent,
    TrackingStep,
)
from wms.services import orders, stock, throttle
from wms.services.errors import StockError
from wms.services.references import next_reference
from wms.services.stock import Actor
from wms.text import strip_accents

log = logging.getLogger("wms.shipping")

S = ShipmentStatus
TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.PICKING, S.PACKED},
    S.PICKING: {S.DRAFT, S.PACKED},
    S.PACKED: {S.DRAFT, S.PICKING, S.SHIPPED},
    S.SHIPPED: {S.DELIVERED},
    S.DELIVERED: set(),
}
DERIVED = (S.DRAFT, S.PICKING, S.PACKED)
ASSOCIATION_EMAILS: dict[str, str] = {
    S.PACKED: "order_shipment_ready",
    S.SHIPPED: "order_shipment_shipped",
    S.DELIVERED: "order_shipment_delivered",
}
UPDATE_LINK_DAYS_AFTER_DELIVERY = 30
MAX_TEXT = {"actor_name": 120, "actor_structure": 120, "comments": 500}


# --- parties --------------------------------------------------------------------------------------


def _serving(queryset: QuerySet[Contact], destination: Destination) -> QuerySet[Contact]:
    """Contacts serving this destination, or every destination (no destination listed)."""
    return queryset.filter(
        Q(destinations=destination) | Q(destinations__isnull=True), is_active=True
    ).distinct()


def _country_key(country: str) -> str:
    return strip_accents(country).casefold().strip()


def shippers_for(destination: Destination) -> QuerySet[Contact]:
    return _serving(Contact.objects.filter(is_shipper=True), destination).order_by("name")


def recipients_for(destination: Destination) -> QuerySet[Contact]:
    """Recipients serving the destination with an address in its country."""
    serving = _serving(Contact.objects.filter(is_recipient=True), destination)
    key = _country_key(destination.country)
    in_country = [
        contact_id
        for contact_id, country in ContactAddress.objects.filter(
            contact__in=serving.values("pk")
        ).values_list("contact_id", "country")
        if _country_key(country) == key
    ]
    return Contact.objects.filter(pk__in=in_country).order_by("name")


def correspondents_for(destination: Destination) -> QuerySet[Contact]:
    if destination.correspondent_id is None:
        return Contact.objects.none()
    return Contact.objects.filter(pk=destination.correspondent_id, is_active=True)


def address_in(contact: Contact, country: str) -> ContactAddress | None:
    key = _country_key(country)
    addresses = sorted(contact.addresses.all(), key=lambda a: (not a.is_default, a.pk))
    return next((a for a in addresses if _country_key(a.country) == key), None)


def format_address(address: ContactAddress) -> str:
    city = " ".join(part for part in (address.postal_code, address.city) if part)
    return "\n".join(part for part in (address.line1, address.line2, city, address.country) if part)


@dataclass(frozen=True)
class Parties:
    destination: Destination
    shipper: Contact
    recipient: Contact
    correspondent: Contact | None


def check_parties(parties: Parties) -> None:
    """The sequenced choices of S-SHIPMENTS, checked again on the server."""
    destination = parties.destination
    if not destination.is_active:
        raise StockError(f"La destination {destination} n'est plus active.")
    if not shippers_for(destination).filter(pk=parties.shipper.pk).exists():
        raise StockError(f"« {parties.shipper.name} » n'est pas expéditeur pour {destination}.")
    if not recipients_for(destination).filter(pk=parties.recipient.pk).exists():
        raise StockError(
            f"« {parties.recipient.name} » n'est pas destinataire pour {destination} "
            f"(il lui faut une adresse en {destination.country})."
        )
    if parties.correspondent is not None and parties.correspondent.pk != (
        destination.correspondent_id
    ):
        raise StockError(
            f"« {parties.correspondent.name} » n'est pas le correspondant de cette destination."
        )


# --- create and edit ------------------------------------------------------------------------------


def _apply_parties(shipment: Shipment, parties: Parties) -> None:
    shipment.destination = parties.destination
    shipment.shipper = parties.shipper
    shipment.shipper_name = parties.shipper.name
    shipment.recipient = parties.recipient
    shipment.recipient_name = parties.recipient.name
    correspondent = parties.correspondent or parties.destination.correspondent
    shipment.correspondent = correspondent
    shipment.correspondent_name = correspondent.name if correspondent else ""
    address = address_in(parties.recipient, parties.destination.country)
    shipment.destination_address = format_address(address) if address else ""
    shipment.destination_country = parties.destination.country


def create_shipment(
    *,
    parties: Parties,
    actor: Actor,
    requested_delivery_date: dt.date | None = None,
    notes: str = "",
) -> Shipment:
    check_parties(parties)
    with transaction.atomic():
        shipment = Shipment(
            reference=next_reference("shipment"),
            created_by=actor.user if getattr(actor.user, "pk", None) else None,
            requested_delivery_date=requested_delivery_date,
            notes=notes,
        )
        _apply_parties(shipment, parties)
        shipment.save()
    log.info(
        "shipment created", extra={"event": "shipment_created", "shipment": shipment.reference}
    )
    return shipment


def lock(shipment: Shipment) -> Shipment:
    locked = Shipment.objects.select_for_update().filter(pk=shipment.pk).first()
    if locked is None:
        raise StockError("Expédition introuvable.")
    return locked


def check_open(shipment: Shipment) -> None:
    if shipment.is_locked:
        raise StockError(
            f"L'expédition {shipment.reference} est {shipment.get_status_display().lower()} : "
            "elle ne peut plus être modifiée."
        )


def update_shipment(
    *,
    shipment: Shipment,
    parties: Parties,
    actor: Actor,
    requested_delivery_date: dt.date | None = None,
    notes: str = "",
    flight: dict[str, Any] | None = None,
) -> Shipment:
    """Edit an unlocked shipment. Only the parties that change are checked and snapshotted
    again: a contact renamed, or a destination retired, since the shipment was made leaves its
    printed names and its other fields editable (S-SHIPMENTS)."""
    flight_values = _flight_values(flight or {})
    with transaction.atomic():
        shipment = lock(shipment)
        check_open(shipment)
        current = (shipment.destination_id, shipment.shipper_id, shipment.recipient_id)
        wanted = (parties.destination.pk, parties.shipper.pk, parties.recipient.pk)
        explicit_correspondent = parties.correspondent is not None and (
            parties.correspondent.pk != shipment.correspondent_id
        )
        if current != wanted or explicit_correspondent:
            check_parties(parties)
            _apply_changed_parties(shipment, parties)
        shipment.requested_delivery_date = requested_delivery_date
        shipment.notes = notes
        for field, value in flight_values.items():
            setattr(shipment, field, value)
        shipment.save()
    return shipment


def _apply_changed_parties(shipment: Shipment, parties: Parties) -> None:
    destination_changed = shipment.destination_id != parties.destination.pk
    recipient_changed = shipment.recipient_id != parties.recipient.pk
    if destination_changed or parties.correspondent is not None:
        correspondent = parties.correspondent or parties.destination.correspondent
        if (correspondent.pk if correspondent else None) != shipment.correspondent_id:
            shipment.correspondent = correspondent
            shipment.correspondent_name = correspondent.name if correspondent else ""
    if destination_changed:
        shipment.destination = parties.destination
        shipment.destination_country = parties.destination.country
    if shipment.shipper_id != parties.shipper.pk:
        shipment.shipper = parties.shipper
        shipment.shipper_name = parties.shipper.name
    if recipient_changed:
        shipment.recipient = parties.recipient
        shipment.recipient_name = parties.recipient.name
    if destination_changed or recipient_changed:
        address = address_in(parties.recipient, parties.destination.country)
        shipment.destination_address = format_address(address) if address else ""


FLIGHT_TEXTS = {"flight_number": ("Le n° de vol", 20), "awb_number": ("Le n° LTA", 40)}


def _flight_values(flight: dict[str, Any]) -> dict[str, Any]:
    """Flight details checked like any input: a real date, texts that fit their columns (a
    bad value is a French message, never a database error)."""
    values: dict[str, Any] = {}
    if "flight_date" in flight:
        values["flight_date"] = stock._date(flight["flight_date"], "La date du vol")
    for field, (what, limit) in FLIGHT_TEXTS.items():
        if field in flight:
            values[field] = stock._text(flight[field], what, limit)
    return values


def set_flight(*, shipment: Shipment, actor: Actor, **flight: Any) -> Shipment:
    """Flight details may be filled in up to delivery (they are known late)."""
    values = _flight_values(flight)
    with transaction.atomic():
        shipment = lock(shipment)
        if shipment.status == S.DELIVERED:
            raise StockError(f"L'expédition {shipment.reference} est livrée.")
        for field, value in values.items():
            setattr(shipment, field, value)
        shipment.save(update_fields=["flight_date", "flight_number", "awb_number"])
    return shipment


# --- the status machine ---------------------------------------------------------------------------


def _transition(
    shipment: Shipment, to: str, actor: Actor, *, reason: str = "", override: bool = False
) -> bool:
    current = shipment.status
    if to == current:
        return False
    if not override and to not in TRANSITIONS[current]:
        raise StockError(
            f"Passage de « {S(current).label} » à « {S(to).label} » impossible pour "
            f"l'expédition {shipment.reference}."
        )
    now = timezone.now()
    shipment.status = to
    if to == S.PACKED:
        shipment.ready_at = now
    elif to in (S.DRAFT, S.PICKING):
        shipment.ready_at = None
    if to == S.SHIPPED:
        shipment.shipped_at = shipment.shipped_at if override and shipment.shipped_at else now
    elif to in DERIVED:
        shipment.shipped_at = None
    if to == S.DELIVERED:
        shipment.delivered_at = now
    else:
        shipment.delivered_at = None
    shipment.save(update_fields=["status", "ready_at", "shipped_at", "delivered_at"])
    StatusChange.objects.create(
        shipment=shipment,
        from_status=current,
        to_status=to,
        is_override=override,
        reason=reason[:400],
        user=actor.user if getattr(actor.user, "pk", None) else None,
    )
    if to in ASSOCIATION_EMAILS:
        order = orders.order_of(shipment)
        if order is not None:
            # The association follows its order's shipment: ready, shipped, delivered.
            queue_templated_email(
                ASSOCIATION_EMAILS[to],
                {**email_context(shipment), "order": order},
                orders.association_emails(order),
            )
    log.info(
        "shipment status",
        extra={
            "event": "shipment_status",
            "shipment": shipment.reference,
            "from": current,
            "to": to,
            "override": override,
            "user": getattr(actor.user, "username", None),
        },
    )
    return True


def carton_progress(shipment: Shipment) -> tuple[int, int]:
    """(cartons ready, cartons in all): "PARTIEL x/y"."""
    statuses = list(shipment.cartons.values_list("status", flat=True))
    ready = sum(1 for status in statuses if status in (CartonStatus.PACKED, CartonStatus.SHIPPED))
    return ready, len(statuses)


def derived_status(shipment: Shipment) -> str:
    ready, total = carton_progress(shipment)
    if total == 0 or ready == 0:
        return S.DRAFT
    return S.PACKED if ready == total else S.PICKING


def refresh_status(shipment: Shipment, actor: Actor) -> Shipment:
    """Recompute draft / picking / packed after a carton change (locked shipments keep theirs)."""
    with transaction.atomic():
        shipment = lock(shipment)
        if shipment.status in DERIVED:
            _transition(shipment, derived_status(shipment), actor)
        order = orders.order_of(shipment)
        if order is not None:
            orders.refresh_preparation(order)
    return shipment


def ship(*, shipment: Shipment, actor: Actor) -> Shipment:
    """packed → shipped: every carton is shipped; the correspondent gets the update link."""
    with transaction.atomic():
        shipment = lock(shipment)
        if shipment.status in DERIVED:
            # A status forced by a manager may lag behind the cartons: they decide.
            _transition(shipment, derived_status(shipment), actor)
        if shipment.status != S.PACKED:
            ready, total = carton_progress(shipment)
            raise StockError(
                f"L'expédition {shipment.reference} n'est pas prête : {ready}/{total} carton(s) "
                "prêt(s)."
                if shipment.status in DERIVED
                else f"L'expédition {shipment.reference} est déjà "
                f"{shipment.get_status_display().lower()}."
            )
        _mark_shipped(shipment, actor)
    return shipment


def _mark_shipped(
    shipment: Shipment, actor: Actor, *, reason: str = "", override: bool = False
) -> None:
    _transition(shipment, S.SHIPPED, actor, reason=reason, override=override)
    shipment.cartons.exclude(status=CartonStatus.SHIPPED).update(status=CartonStatus.SHIPPED)
    context = email_context(shipment)
    queue_templated_email("shipment_shipped", context, manager_emails())
    correspondent: Contact | None = shipment.correspondent
    if correspondent is not None and correspondent.email:
        queue_templated_email("shipment_update_link", context, [correspondent.email])


def deliver(*, shipment: Shipment, actor: Actor) -> Shipment:
    """shipped → delivered, by a manager (or the step received_recipient)."""
    if not actor.may_manage():
        raise StockError(
            "Seul un responsable peut déclarer une expédition livrée.", code="forbidden"
        )
    with transaction.atomic():
        shipment = lock(shipment)
        _mark_delivered(shipment, actor)
    return shipment


def _mark_delivered(shipment: Shipment, actor: Actor) -> None:
    _transition(shipment, S.DELIVERED, actor)
    queue_templated_email("shipment_delivered", email_context(shipment), manager_emails())


def override_status(*, shipment: Shipment, status: str, reason: str, actor: Actor) -> Shipment:
    """A manager forces a status outside the table; the reason is logged and managers told."""
    if not actor.may_manage():
        raise StockError("Seul un responsable peut forcer un statut.", code="forbidden")
    reason = (reason or "").strip()
    if not reason:
        raise StockError("Indiquez le motif du forçage.")
    if len(reason) > 400:
        raise StockError("Le motif : 400 caractères au plus.")
    if status not in S.values:
        raise StockError(f"Statut inconnu : {status}.")
    with transaction.atomic():
        shipment = lock(shipment)
        previous = shipment.status
        if status == previous:
            raise StockError(f"L'expédition est déjà « {shipment.get_status_display()} ».")
        if status == S.SHIPPED and previous in DERIVED:
            _mark_shipped(shipment, actor, reason=reason, override=True)
        else:
            _transition(shipment, status, actor, reason=reason, override=True)
            if status in (S.SHIPPED, S.DELIVERED):
                shipment.cartons.update(status=CartonStatus.SHIPPED)
            elif previous in (S.SHIPPED, S.DELIVERED):
                _unship_cartons(shipment)
        context = {**email_context(shipment), "previous": S(previous).label, "reason": reason}
        context["user"] = getattr(actor.user, "username", "")
        queue_templated_email("shipment_override", context, manager_emails())
    return shipment


def _unship_cartons(shipment: Shipment) -> None:
    """Back from shipped by an override: each carton returns to what it was — closed ones to
    packed, the others (shipped by an earlier override) to picking or draft."""
    shipped = shipment.cartons.filter(status=CartonStatus.SHIPPED)
    shipped.filter(packed_at__isnull=False).update(status=CartonStatus.PACKED)
    open_cartons = shipped.filter(packed_at__isnull=True)
    open_cartons.filter(Exists(CartonItem.objects.filter(carton=OuterRef("pk")))).update(
        status=CartonStatus.PICKING
    )
    open_cartons.update(status=CartonStatus.DRAFT)


# --- tracking ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepResult:
    event: TrackingEvent
    status_changed: bool


def record_step(
    *,
    shipment: Shipment,
    step: str,
    actor_name: str,
    actor_structure: str,
    actor: Actor,
    comments: str = "",
    via_update_link: bool = False,
) -> StepResult:
    """Record a tracking step; boarding_ok ships a packed shipment, received_recipient delivers
    a shipped one; from any other status the step is recorded and managers are told."""
    if step not in TrackingStep.values:
        raise StockError(f"Étape inconnue : {step}.")
    values = {"actor_name": actor_name, "actor_structure": actor_structure, "comments": comments}
    for field, limit in MAX_TEXT.items():
        values[field] = (values[field] or "").strip()
        if len(values[field]) > limit:
            raise StockError(f"{_FIELD_LABELS[field]} : {limit} caractères au plus.")
    if not values["actor_name"] or not values["actor_structure"]:
        raise StockError("Indiquez votre nom et votre structure.")
    with transaction.atomic():
        shipment = lock(shipment)
        event = TrackingEvent.objects.create(
            shipment=shipment,
            step=step,
            author=actor.user if getattr(actor.user, "pk", None) else None,
            via_update_link=via_update_link,
            **values,
        )
        changed = False
        if step == TrackingStep.BOARDING_OK and shipment.status == S.PACKED:
            _mark_shipped(shipment, actor)
            changed = True
        elif step == TrackingStep.RECEIVED_RECIPIENT and shipment.status == S.SHIPPED:
            _mark_delivered(shipment, actor)
            changed = True
        context = {**email_context(shipment), "event": event}
        if not changed and shipment.status in TOO_EARLY_FOR.get(step, ()):
            # The step says the shipment moved on, its status says otherwise: a person must look.
            # (The same step after the status already moved — boarding_ok after "Expédier" —
            # is the normal flow and only counts as a new step.)
            context["expected"] = STATUS_STEPS[step]
            queue_templated_email("tracking_out_of_sequence", context, manager_emails())
        elif throttle.acquire(
            "tracking_email", str(shipment.pk), settings.TRACKING_EMAIL_THROTTLE_SECONDS
        ):
            queue_templated_email("tracking_step", context, manager_emails())
    return StepResult(event, changed)


_FIELD_LABELS = {
    "actor_name": "Le nom",
    "actor_structure": "La structure",
    "comments": "Le commentaire",
}
STATUS_STEPS: dict[str, str] = {
    TrackingStep.BOARDING_OK: S.PACKED.label,
    TrackingStep.RECEIVED_RECIPIENT: S.SHIPPED.label,
}
TOO_EARLY_FOR: dict[str, tuple[str, ...]] = {
    TrackingStep.BOARDING_OK: (S.DRAFT, S.PICKING),
    TrackingStep.RECEIVED_RECIPIENT: (S.DRAFT, S.PICKING, S.PACKED),
}
CORRESPONDENT_STEPS = (TrackingStep.RECEIVED_CORRESPONDENT, TrackingStep.RECEIVED_RECIPIENT)


def update_link_valid(shipment: Shipment, now: dt.datetime | None = None) -> bool:
    """The correspondent's link works until 30 days after delivery."""
    if shipment.status != S.DELIVERED or shipment.delivered_at is None:
        return True
    limit = shipment.delivered_at + dt.timedelta(days=UPDATE_LINK_DAYS_AFTER_DELIVERY)
    return (now or timezone.now()) <= limit


def record_correspondent_step(
    *,
    shipment: Shipment,
    step: str,
    actor_name: str,
    actor_structure: str,
    comments: str = "",
    client_key: str,
) -> StepResult:
    """A step from the update link: only the correspondent's steps, while the link is valid,
    at most one per TRACKING_UPDATE_THROTTLE_SECONDS per shipment and client."""
    if step not in CORRESPONDENT_STEPS:
        raise StockError("Étape non autorisée depuis ce lien.")
    if not update_link_valid(shipment):
        raise StockError("Ce lien a expiré.", code="expired")
    with transaction.atomic():
        result = record_step(
            shipment=shipment,
            step=step,
            actor_name=actor_name,
            actor_structure=actor_structure,
            comments=comments,
            actor=Actor(),
            via_update_link=True,
        )
        # Taken last, in the same transaction: a refused step does not burn the slot.
        if not throttle.acquire(
            "tracking_update",
            f"{shipment.pk}:{client_key}",
            settings.TRACKING_UPDATE_THROTTLE_SECONDS,
        ):
            wait = throttle.seconds_remaining("tracking_update", f"{shipment.pk}:{client_key}")
            raise StockError(
                f"Une mise à jour vient d'être enregistrée : réessayez dans {wait} s.",
                code="throttled",
            )
    return result


# --- links and emails --------------------------------------------------------------------------


def absolute(path: str) -> str:
    return f"{settings.SITE_BASE_URL}{path}"


def tracking_url(shipment: Shipment) -> str:
    return absolute(reverse("scan:shipment_track", args=[shipment.tracking_token]))


def update_url(shipment: Shipment) -> str:
    return absolute(reverse("scan:shipment_update", args=[shipment.update_token]))


def email_context(shipment: Shipment) -> dict[str, Any]:
    _ready, total = carton_progress(shipment)
    return {
        "shipment": shipment,
        "reference": shipment.reference,
        "destination": str(shipment.destination),
        "cartons": total,
        "tracking_url": tracking_url(shipment),
        "update_url": update_url(shipment),
        "update_valid_days": UPDATE_LINK_DAYS_AFTER_DELIVERY,
    }
