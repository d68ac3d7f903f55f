"""Orders (S-ORDERS): submit, approve with a FEFO reservation (all lines or none), reject, ask
for changes and resubmit, cancel, prepare into cartons and a shipment.

Reserved units stay on their lots (`quantity_reserved`); OrderReservation rows say which lot holds
which part of a line. Packing into an order's shipment takes those units first
(wms.services.packing calls `take_reserved_units` and `count_packed`), unpacking gives them
back to the order (`re_reserve_items`). Every refusal is a StockError with a French message
and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from wms.emailing.messages import manager_emails, queue_templated_email
from wms.models import (
    AssociationRecipient,
    CartonStatus,
    Contact,
    ContactAddress,
    Destination,
    LotStatus,
    Order,
    OrderDocumentKind,
    OrderLine,
    OrderReservation,
    OrderStatus,
    Product,
    ProductLot,
    PublicOrderLink,
    ReviewStatus,
    Shipment,
    ShipmentDocument,
    StockMovement,
)
from wms.models.orders import DocumentStatus
from wms.services import kits, stock
from wms.services.errors import InsufficientStock, StockError
from wms.services.fefo import (
    candidate_lots,
    export_shelf_life_days,
    fefo_sort_key,
    is_past_expiry,
)
from wms.services.references import next_reference
from wms.services.stock import Actor

log = logging.getLogger("wms.orders")

MAX_LINES = 200
S = OrderStatus
R = ReviewStatus
# Attestations a prepared shipment carries (copied from the order when approved by a manager).
ATTESTATIONS = (OrderDocumentKind.DONATION, OrderDocumentKind.HUMANITARIAN)


# --- recipients of emails ------------------------------------------------------------------------


def association_emails(order: Order) -> list[str]:
    """The association's address, its portal users' and their notification emails; for an
    order placed through a public link without a confirmed contact, the email typed there."""
    emails: list[str] = []
    contact = order.association_contact
    if contact is not None:
        emails.append(contact.email)
        for profile in contact.association_profiles.select_related("user"):
            emails.append(profile.user.email)
            emails.extend(profile.extra_emails())
    else:
        emails.append(str(order.submitted_identity.get("email", "")))
    seen: dict[str, None] = {}
    for email in emails:
        if email and email.strip().lower() not in seen:
            seen[email.strip().lower()] = None
    return list(seen)


def order_context(order: Order, **extra: Any) -> dict[str, Any]:
    lines = list(order.lines.select_related("product"))
    return {
        "order": order,
        "reference": order.reference,
        "association": order.association_contact.name
        if order.association_contact
        else order.submitted_identity.get("name", ""),
        "lines": lines,
        **extra,
    }


def _email_association(name: str, order: Order, **extra: Any) -> None:
    queue_templated_email(name, order_context(order, **extra), association_emails(order))


def _email_managers(name: str, order: Order, **extra: Any) -> None:
    queue_templated_email(name, order_context(order, **extra), manager_emails())


# --- lines ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineInput:
    product: Product
    quantity: int


def clean_lines(lines: Iterable[LineInput], *, allow_kits: bool) -> list[LineInput]:
    """Lines as the services accept them: one per product, quantity ≥ 1, active products."""
    cleaned: list[LineInput] = []
    seen: set[int] = set()
    for line in lines:
        if not isinstance(line.product, Product) or line.product.pk is None:
            raise StockError("Produit inconnu.")
        quantity = stock._positive(line.quantity, f"La quantité de « {line.product.name} »")
        if line.product.pk in seen:
            raise StockError(f"« {line.product.name} » figure deux fois : une ligne par produit.")
        if not line.product.is_active:
            raise StockError(f"« {line.product.name} » n'est plus proposé.")
        if not allow_kits and line.product.is_kit:
            raise StockError(f"« {line.product.name} » est un kit : non proposé au portail.")
        seen.add(line.product.pk)
        cleaned.append(LineInput(line.product, quantity))
    if not cleaned:
        raise StockError("La commande doit contenir au moins une ligne.")
    if len(cleaned) > MAX_LINES:
        raise StockError(f"{MAX_LINES} lignes au plus par commande.")
    return cleaned


def portal_allows_kits() -> bool:
    return bool(getattr(settings, "PORTAL_OFFER_KITS", False))


def _write_lines(order: Order, lines: Sequence[LineInput]) -> None:
    order.lines.all().delete()
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product=line.product,
            quantity=line.quantity,
            quantity_asked=line.quantity,
        )
        for line in lines
    )


# --- submit, edit, resubmit ----------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    """Where the association wants the goods: itself or a saved recipient, and when."""

    recipient: AssociationRecipient | None = None
    address: str = ""
    city: str = ""
    country: str = ""
    requested_date: dt.date | None = None
    notes: str = ""


def _apply_delivery(order: Order, delivery: Delivery) -> None:
    recipient = delivery.recipient
    if recipient is not None:
        if recipient.association_id != order.association_contact_id or not recipient.is_active:
            raise StockError("Ce destinataire n'appartient pas à votre carnet d'adresses.")
        order.portal_recipient = recipient
        order.recipient_name = recipient.name
        order.address = recipient.address_text()
        order.city = recipient.city
        order.country = recipient.country
    else:
        order.portal_recipient = None
        order.recipient_name = (
            order.association_contact.name
            if order.association_contact
            else str(order.submitted_identity.get("name", ""))
        )
        order.address = delivery.address.strip()
        order.city = delivery.city.strip()
        order.country = delivery.country.strip()
    for field, label, limit in (("city", "La ville", 120), ("country", "Le pays", 80)):
        if len(getattr(order, field)) > limit:
            raise StockError(f"{label} : {limit} caractères au plus.")
    if not order.city or not order.country:
        raise StockError("Indiquez la ville et le pays de livraison.")
    if delivery.requested_date is not None and delivery.requested_date < timezone.localdate():
        raise StockError("La date souhaitée ne peut pas être passée.")
    order.requested_date = delivery.requested_date
    order.notes = delivery.notes.strip()


def submit_order(
    *,
    lines: Iterable[LineInput],
    delivery: Delivery,
    actor: Actor,
    association: Contact | None = None,
    public_link: PublicOrderLink | None = None,
    identity: dict[str, str] | None = None,
    staff: bool = False,
) -> Order:
    """A new order, pending validation: from the portal (association), a public link
    (identity typed by an anonymous partner, matched later by a manager) or staff."""
    if association is None and not identity:
        raise StockError("Indiquez l'association qui commande.")
    cleaned = clean_lines(lines, allow_kits=staff or portal_allows_kits())
    with transaction.atomic():
        order = Order(
            reference=next_reference("order"),
            association_contact=association,
            public_link=public_link,
            submitted_identity=identity or {},
            created_by=actor.user if getattr(actor.user, "pk", None) else None,
            submitted_at=timezone.now(),
        )
        _apply_delivery(order, delivery)
        order.save()
        _write_lines(order, cleaned)
        _email_managers("order_new", order)
        _email_association("order_confirmation", order)
    log.info("order submitted", extra={"event": "order_submitted", "order": order.reference})
    return order


def lock(order: Order) -> Order:
    locked = Order.objects.select_for_update().filter(pk=order.pk).first()
    if locked is None:
        raise StockError("Commande introuvable.")
    return locked


def edit_order(
    *, order: Order, lines: Iterable[LineInput], delivery: Delivery, actor: Actor
) -> Order:
    """The association changes its order while it waits for validation or after a manager
    asked for changes (nothing is reserved then)."""
    cleaned = clean_lines(lines, allow_kits=portal_allows_kits())
    with transaction.atomic():
        order = lock(order)
        if order.status != S.DRAFT or order.review_status not in (R.PENDING, R.CHANGES_REQUESTED):
            raise StockError("Cette commande ne peut plus être modifiée.")
        _apply_delivery(order, delivery)
        order.save()
        _write_lines(order, cleaned)
    return order


def resubmit(*, order: Order, actor: Actor) -> Order:
    with transaction.atomic():
        order = lock(order)
        if order.review_status != R.CHANGES_REQUESTED or order.status != S.DRAFT:
            raise StockError("Seule une commande à modifier peut être soumise à nouveau.")
        order.review_status = R.PENDING
        order.submitted_at = timezone.now()
        order.save(update_fields=["review_status", "submitted_at", "updated_at"])
        _email_managers("order_new", order, resubmitted=True)
    return order


# --- manager decisions ---------------------------------------------------------------------------


def _require_manager(actor: Actor) -> None:
    if not actor.may_manage():
        raise StockError("Seul un responsable peut décider d'une commande.", code="forbidden")


def _pending(order: Order) -> Order:
    order = lock(order)
    if order.status == S.CANCELLED and order.review_status == R.PENDING:
        # Cancelled by the association while it waited: "en attente" would contradict itself.
        raise StockError(f"La commande {order.reference} est annulée.")
    if order.review_status != R.PENDING or order.status != S.DRAFT:
        raise StockError(
            f"La commande {order.reference} n'est pas en attente de validation "
            f"({order.get_review_status_display().lower()})."
        )
    return order


@dataclass(frozen=True)
class Approval:
    destination: Destination
    # line id → new quantity (lower than asked, at least 1)
    lowered: dict[int, int] | None = None
    # The association, for an order from a public link: an existing contact the manager chose
    # (never overwritten) or None to create one from the typed identity (flagged "à vérifier").
    association: Contact | None = None
    # The recipient: an existing contact the manager matched, else the portal recipient is
    # promoted to a new contact flagged "à vérifier".
    recipient: Contact | None = None
    shipper: Contact | None = None
    comment: str = ""


def approve(*, order: Order, approval: Approval, actor: Actor) -> Order:
    """Reserve every line by FEFO (all or nothing), promote the parties, email the decision."""
    _require_manager(actor)
    destination = approval.destination
    if not isinstance(destination, Destination) or not destination.is_active:
        raise StockError("Choisissez une destination active.")
    with transaction.atomic():
        order = _pending(order)
        lines = list(order.lines.select_related("product").order_by("pk"))
        lowered = _apply_lowered(lines, approval.lowered or {})
        _reserve_all(lines)
        # An existing contact the manager matched to a public link's identity is never written
        # to from what was typed there (S-ORDERS); the contact created from it may be.
        matched = order.association_contact is None and approval.association is not None
        if order.association_contact is None:
            order.association_contact = approval.association or _contact_from_identity(order)
        order.recipient = approval.recipient or _promote_recipient(order, matched=matched)
        if approval.recipient is not None and order.portal_recipient is not None:
            # The manager matched the address-book entry: the next order reuses the match.
            order.portal_recipient.contact = approval.recipient
            order.portal_recipient.save(update_fields=["contact"])
        _check_recipient_country(order.recipient, destination)
        order.recipient_name = order.recipient.name
        order.destination = destination
        order.correspondent = destination.correspondent
        order.correspondent_name = (
            destination.correspondent.name if destination.correspondent else ""
        )
        if approval.shipper is not None:
            order.shipper = approval.shipper
            order.shipper_name = approval.shipper.name
        order.status = S.RESERVED
        order.review_status = R.APPROVED
        order.review_comment = approval.comment.strip()[:2000]
        order.reviewed_by = actor.user if getattr(actor.user, "pk", None) else None
        order.reviewed_at = timezone.now()
        order.save()
        _email_association("order_approved", order, lowered=lowered)
    # Lowered quantities are logged as well as emailed (S-ORDERS).
    log.info(
        "order approved",
        extra={"event": "order_approved", "order": order.reference, "lowered": lowered},
    )
    return order


def _check_recipient_country(recipient: Contact, destination: Destination) -> None:
    """The recipient must be one the order's shipment will accept (S-SHIPMENTS): a recipient
    serving the destination, with an address in its country."""
    from wms.services.shipping import recipients_for

    if not recipients_for(destination).filter(pk=recipient.pk).exists():
        raise StockError(
            f"« {recipient.name} » ne peut pas recevoir pour {destination} : il faut un contact "
            f"destinataire, qui dessert cette destination, avec une adresse en "
            f"{destination.country}. Choisissez un autre destinataire ou complétez sa fiche."
        )


def _apply_lowered(lines: list[OrderLine], lowered: dict[int, int]) -> list[dict[str, Any]]:
    """Lower quantities (never raise them); the changes, for the email and the log."""
    by_id = {line.pk: line for line in lines}
    changes = []
    for line_id, raw in lowered.items():
        line = by_id.get(line_id)
        if line is None:
            raise StockError("Ligne de commande inconnue.")
        quantity = stock._positive(raw, f"La quantité de « {line.product.name} »")
        if quantity > line.quantity:
            raise StockError(
                f"« {line.product.name} » : la quantité ne peut qu'être baissée "
                f"(demandé : {line.quantity})."
            )
        if quantity < line.quantity:
            changes.append(
                {"product": line.product.name, "asked": line.quantity, "granted": quantity}
            )
            line.quantity = quantity
            line.save(update_fields=["quantity"])
    return changes


def _reserve_all(lines: list[OrderLine], needs: dict[int, int] | None = None) -> None:
    """Reserve every line (a kit line: its components) — its whole quantity, or `needs[line
    id]` more — first expired first out; collect every shortage, then refuse them all at once
    (the caller's transaction rolls back what was reserved before the shortage)."""
    wanted = {line.pk: (needs or {}).get(line.pk, line.quantity) for line in lines}
    lines = [line for line in lines if wanted[line.pk] > 0]
    # Every candidate lot of every component locked at once, in primary-key order.
    ids: list[int] = []
    for line in lines:
        for component, _units in kits.components(line.product, wanted[line.pk]):
            ids += list(candidate_lots(component).values_list("pk", flat=True))
    stock.lock_lots(ids)
    shortages = []
    for line in lines:
        for component, units in kits.components(line.product, wanted[line.pk]):
            try:
                plan = stock.plan_fefo(
                    component, units, min_shelf_life_days=export_shelf_life_days()
                )
            except InsufficientStock as error:
                shortages.append(_shortage(line, component, units, error))
                continue
            # Reserved at once: a later line needing the same lots sees what is left.
            stock.reserve_planned(plan)
            _add_reservations(line, plan)
        line.quantity_reserved += wanted[line.pk]
        line.save(update_fields=["quantity_reserved"])
    if shortages:
        raise StockError(
            "Stock insuffisant pour : " + ", ".join(shortages) + ". Rien n'a été réservé.",
            code="insufficient_stock",
        )


def reserve(*, order: Order, actor: Actor) -> Order:
    """Reserve what an approved order still lacks (units given back by an unpacked carton from
    a lot since put on hold, an order taken over without reservations): all lines or none."""
    _require_manager(actor)
    with transaction.atomic():
        order = lock(order)
        if order.review_status != R.APPROVED or order.status == S.CANCELLED:
            raise StockError(
                f"Commande non validée : {order.reference} "
                f"({order.get_review_status_display().lower()}"
                f"{', annulée' if order.status == S.CANCELLED else ''})."
            )
        _top_up(order)
        refresh_preparation(order)
    return order


def _top_up(order: Order) -> None:
    lines = list(order.lines.select_for_update().select_related("product").order_by("pk"))
    needs = {
        line.pk: line.quantity - line.quantity_prepared - line.quantity_reserved for line in lines
    }
    if any(need > 0 for need in needs.values()):
        _reserve_all(lines, needs)


def _shortage(line: OrderLine, component: Product, units: int, error: InsufficientStock) -> str:
    # plan_fefo names the lots set aside for their shelf life after " ; ".
    set_aside = error.message.partition(" ; ")[2]
    what = (
        line.product.name
        if component.pk == line.product_id
        else f"{line.product.name} (composant {component.name})"
    )
    return f"{what} ({error.available} disponible(s) sur {units}" + (
        f" ; {set_aside})" if set_aside else ")"
    )


def _add_reservations(line: OrderLine, plan: Iterable[tuple[ProductLot, int]]) -> None:
    for lot, units in plan:
        reservation, created = OrderReservation.objects.get_or_create(
            line=line, lot=lot, defaults={"quantity": units}
        )
        if not created:
            reservation.quantity += units
            reservation.save(update_fields=["quantity"])


def _contact_from_identity(order: Order) -> Contact:
    identity = order.submitted_identity
    name = str(identity.get("name", "")).strip()
    if not name:
        raise StockError("Choisissez ou créez le contact de l'association.")
    contact = Contact.objects.create(
        name=name,
        email=str(identity.get("email", ""))[:254],
        phone=str(identity.get("phone", ""))[:40],
        needs_review=True,
        notes=f"Créé depuis la commande {order.reference} (lien public).",
    )
    return contact


def _promote_recipient(order: Order, *, matched: bool = False) -> Contact:
    entry = order.portal_recipient
    if entry is not None and entry.contact is not None:
        return entry.contact
    if entry is None:
        association = order.association_contact
        if association is None:
            raise StockError("Choisissez ou créez le contact de l'association.")
        if matched:
            return _typed_recipient(order, association)
        association.is_recipient = True
        # asf_id too: save() gives a contact its first role's id (S-CONTACTS).
        association.save(update_fields=["is_recipient", "asf_id"])
        if order.country and not _has_address_in(association, order.country):
            _add_address(association, order.address, order.city, order.country)
        return association
    contact = Contact.objects.create(
        name=entry.name,
        email=entry.email,
        phone=entry.phone,
        is_recipient=True,
        needs_review=True,
        notes=f"Destinataire du carnet de {entry.association.name} (commande {order.reference}).",
    )
    _save_address(
        ContactAddress(
            contact=contact,
            line1=entry.line1,
            line2=entry.line2,
            postal_code=entry.postal_code,
            city=entry.city,
            country=entry.country,
        )
    )
    entry.contact = contact
    entry.save(update_fields=["contact"])
    return contact


def _typed_recipient(order: Order, association: Contact) -> Contact:
    """The delivery typed on a public link, for an existing contact the manager matched: that
    contact when it already receives there, else a new recipient flagged "à vérifier"."""
    if association.is_recipient and _has_address_in(association, order.country):
        return association
    identity = order.submitted_identity
    contact = Contact.objects.create(
        name=order.recipient_name or association.name,
        email=str(identity.get("email", ""))[:254],
        phone=str(identity.get("phone", ""))[:40],
        is_recipient=True,
        needs_review=True,
        notes=f"Adresse de livraison saisie sur le lien public (commande {order.reference}).",
    )
    _add_address(contact, order.address, order.city, order.country)
    return contact


def _has_address_in(contact: Contact, country: str) -> bool:
    from wms.services.shipping import address_in

    return address_in(contact, country) is not None


def _add_address(contact: Contact, address: str, city: str, country: str) -> None:
    first = (address.splitlines() or [city])[0][:200] or city
    _save_address(
        ContactAddress(contact=contact, line1=first, city=city[:120], country=country[:80])
    )


def _save_address(address: ContactAddress) -> None:
    """A contact's first address is its default one (S-CONTACTS: one default address)."""
    from wms.services.contacts import set_default_address

    if address.contact.addresses.filter(default_marker=True).exists():
        address.save()
    else:
        set_default_address(address)


def reject(*, order: Order, actor: Actor, comment: str = "") -> Order:
    _require_manager(actor)
    with transaction.atomic():
        order = _pending(order)
        _release_all(order)
        order.review_status = R.REJECTED
        order.status = S.CANCELLED
        _decided(order, actor, comment)
        _email_association("order_rejected", order)
    return order


def request_changes(*, order: Order, actor: Actor, comment: str) -> Order:
    _require_manager(actor)
    if not (comment or "").strip():
        raise StockError("Dites à l'association ce qu'il faut modifier.")
    with transaction.atomic():
        order = _pending(order)
        order.review_status = R.CHANGES_REQUESTED
        _decided(order, actor, comment)
        _email_association("order_changes_requested", order)
    return order


def _decided(order: Order, actor: Actor, comment: str) -> None:
    order.review_comment = (comment or "").strip()[:2000]
    order.reviewed_by = actor.user if getattr(actor.user, "pk", None) else None
    order.reviewed_at = timezone.now()
    order.save()


# --- cancel --------------------------------------------------------------------------------------


def cancel(*, order: Order, actor: Actor, reason: str = "") -> Order:
    """The association cancels while its order is pending; a manager until the shipment
    ships. Every reservation is released."""
    with transaction.atomic():
        order = lock(order)
        if order.status == S.CANCELLED:
            raise StockError(f"La commande {order.reference} est déjà annulée.")
        if actor.may_manage():
            shipment = order.shipment
            if shipment is not None and shipment.is_locked:
                raise StockError(
                    f"L'expédition {shipment.reference} est partie : la commande ne peut plus "
                    "être annulée."
                )
        elif order.status != S.DRAFT or order.review_status not in (R.PENDING, R.CHANGES_REQUESTED):
            raise StockError("Cette commande est validée : seul un responsable peut l'annuler.")
        _release_all(order)
        order.status = S.CANCELLED
        order.review_comment = (reason or order.review_comment or "").strip()[:2000]
        order.save()
        _empty_cartons(order, actor)
        _email_managers("order_cancelled", order, by_manager=actor.may_manage())
        if actor.may_manage():
            _email_association("order_cancelled", order, by_manager=True)
    return order


def _empty_cartons(order: Order, actor: Actor) -> None:
    """A cancelled order's prepared cartons go back to the shelves (they must not fly)."""
    from wms.services import packing

    if order.shipment is None:
        return
    for carton in order.shipment.cartons.filter(items__isnull=False).distinct().order_by("pk"):
        packing.unpack_carton(carton=carton, actor=actor)


def _release_all(order: Order) -> None:
    reservations = list(
        OrderReservation.objects.filter(line__order=order).select_related("line").order_by("lot_id")
    )
    stock.lock_lots(reservation.lot_id for reservation in reservations)
    for reservation in reservations:
        stock.release_reserved(reservation.lot, reservation.quantity)
    OrderReservation.objects.filter(line__order=order).delete()
    order.lines.update(quantity_reserved=0)


# --- packing for an order (called by wms.services.packing) ---------------------------------------


def order_of(shipment: Shipment | None) -> Order | None:
    if shipment is None:
        return None
    return Order.objects.filter(shipment=shipment).exclude(status=S.CANCELLED).first()


def line_for(order: Order | None, product: Product) -> OrderLine | None:
    """The order's line for this product (a kit's line when a kit is packed), locked."""
    if order is None:
        return None
    return order.lines.select_for_update().filter(product=product).first()


def line_lot_ids(line: OrderLine | None) -> list[int]:
    if line is None:
        return []
    return list(OrderReservation.objects.filter(line=line).values_list("lot_id", flat=True))


def take_reserved_units(
    *, line: OrderLine, component: Product, quantity: int, actor: Actor, **related: Any
) -> tuple[list[tuple[ProductLot, int]], list[StockMovement], int]:
    """Take up to `quantity` units of `component` from the line's reservations, first expired
    first (the line's counters are updated by count_packed). Returns (lots and units taken,
    movements, units still to find elsewhere)."""
    reservations = sorted(
        OrderReservation.objects.select_for_update()
        .filter(line=line, lot__product=component)
        .select_related("lot"),
        key=lambda reservation: fefo_sort_key(reservation.lot),
    )
    taken: list[tuple[ProductLot, int]] = []
    movements = []
    missing = quantity
    for reservation in reservations:
        if missing == 0:
            break
        take = min(reservation.quantity, missing)
        movements.append(
            stock.take_reserved(reservation.lot, take, actor=actor, reason_code="pack", **related)
        )
        taken.append((reservation.lot, take))
        reservation.quantity -= take
        if reservation.quantity:
            reservation.save(update_fields=["quantity"])
        else:
            reservation.delete()
        missing -= take
    return taken, movements, missing


def count_packed(line: OrderLine, quantity: int) -> None:
    """`quantity` of the line's product (units, or kits) went into the order's shipment: that
    much of its reservation is used up and it counts as prepared."""
    line.quantity_reserved -= min(quantity, line.quantity_reserved)
    line.quantity_prepared = min(line.quantity, line.quantity_prepared + quantity)
    line.save(update_fields=["quantity_reserved", "quantity_prepared"])


def reserved_quantity(order: Order, product: Product) -> int:
    line = order.lines.filter(product=product).first()
    return line.quantity_reserved if line else 0


def carton_joined(order: Order, carton: Any) -> None:
    """A packed carton joins the order's shipment: its units count as prepared, and as many
    reserved units of the same products go back on sale (they are not needed any more)."""
    per_product: dict[int, int] = {}
    for product_id, quantity in carton.items.values_list("lot__product_id", "quantity"):
        per_product[product_id] = per_product.get(product_id, 0) + quantity
    for line in order.lines.select_for_update().filter(product_id__in=per_product):
        units = min(per_product[line.product_id], line.quantity - line.quantity_prepared)
        if units <= 0:
            continue
        _release_units(line, min(units, line.quantity_reserved))
        line.refresh_from_db()
        line.quantity_prepared += units
        line.save(update_fields=["quantity_prepared"])


def re_reserve_items(order: Order, items: Iterable[Any]) -> None:
    """Unpacking an order's carton: its units are no longer prepared, and go back to the order
    as reservations — a plain line first, then a kit line holding that component (which counts
    the whole kits reserved again). Units of a lot that may not be used any more (on hold,
    quarantined, past expiry: a recall is why cartons get unpacked) stay on the shelf; the
    order's next preparation reserves others."""
    if order.status == S.CANCELLED:
        return
    lines = list(order.lines.select_for_update().select_related("product"))
    per_kit: dict[int, tuple[OrderLine, dict[int, int]]] = {}
    for line in lines:
        needs = {item.component_id: item.quantity for item in line.product.kit_items.all()}
        if needs:
            per_kit[line.pk] = (line, needs)
    plain = {line.product_id: line for line in lines if line.pk not in per_kit}
    kit_of = {component_id: line for line, needs in per_kit.values() for component_id in needs}
    returned: dict[int, dict[int, int]] = {}
    for item in items:
        lot, units = item.lot, item.quantity
        usable = lot.status == LotStatus.AVAILABLE and not is_past_expiry(lot)
        plain_line = plain.get(lot.product_id)
        if plain_line is not None:
            share = min(units, plain_line.quantity_prepared)
            units -= share
            plain_line.quantity_prepared -= share
            room = plain_line.quantity - plain_line.quantity_prepared
            room -= plain_line.quantity_reserved
            back = min(share, room) if usable else 0
            if back:
                stock.reserve_on(lot, back)
                _add_reservations(plain_line, [(lot, back)])
                plain_line.quantity_reserved += back
            plain_line.save(update_fields=["quantity_prepared", "quantity_reserved"])
        kit_line = kit_of.get(lot.product_id)
        if kit_line is not None and units:
            per_component = returned.setdefault(kit_line.pk, {})
            per_component[lot.product_id] = per_component.get(lot.product_id, 0) + units
            if usable:
                stock.reserve_on(lot, units)
                _add_reservations(kit_line, [(lot, units)])
    for pk, per_component in returned.items():
        line, needs = per_kit[pk]
        kits_back = min(per_component.get(cid, 0) // per for cid, per in needs.items())
        line.quantity_prepared = max(0, line.quantity_prepared - kits_back)
        _keep_whole_kits(line, needs)


def _keep_whole_kits(line: OrderLine, needs: dict[int, int]) -> None:
    """A kit line reserves whole kits: component units beyond them go back on sale."""
    held: dict[int, int] = {}
    for component_id, units in OrderReservation.objects.filter(line=line).values_list(
        "lot__product_id", "quantity"
    ):
        held[component_id] = held.get(component_id, 0) + units
    whole = min(
        [held.get(cid, 0) // per for cid, per in needs.items()]
        + [line.quantity - line.quantity_prepared]
    )
    for component_id, per in needs.items():
        surplus = held.get(component_id, 0) - whole * per
        if surplus > 0:
            _release_rows(line, surplus, component_id=component_id)
    line.quantity_reserved = whole
    line.save(update_fields=["quantity_prepared", "quantity_reserved"])


def refresh_preparation(order: Order) -> Order:
    """reserved / preparing / ready from the lines (after every carton change of its shipment)."""
    if order.status == S.CANCELLED or order.review_status != R.APPROVED:
        return order
    lines = list(order.lines.all())
    prepared = sum(line.quantity_prepared for line in lines)
    if (
        lines
        and all(line.quantity_prepared >= line.quantity for line in lines)
        and not _open_cartons(order)
    ):
        status = S.READY
    elif prepared > 0 or order.shipment_id is not None:
        # Once preparation started (its shipment exists), an emptied carton leaves the order
        # in preparation, not back at "reserved" (S-ORDERS).
        status = S.PREPARING
    else:
        status = S.RESERVED
    if status != order.status:
        order.status = status
        order.save(update_fields=["status", "updated_at"])
    return order


def _open_cartons(order: Order) -> bool:
    """A carton of its shipment still being filled: the order is not ready yet."""
    from wms.models import Carton

    if order.shipment_id is None:
        return False
    return (
        Carton.objects.filter(shipment_id=order.shipment_id)
        .exclude(status__in=(CartonStatus.PACKED, CartonStatus.SHIPPED))
        .exists()
    )


# --- prepare and create the shipment -------------------------------------------------------------


def create_shipment(*, order: Order, actor: Actor, shipper: Contact | None = None) -> Shipment:
    """The order's shipment (once), with its parties and copies of its approved attestations."""
    from wms.services import shipping

    _require_manager(actor)
    with transaction.atomic():
        order = lock(order)
        if order.review_status != R.APPROVED or order.status == S.CANCELLED:
            raise StockError("Seule une commande validée a une expédition.")
        if order.shipment is not None:
            return order.shipment
        if order.destination is None or order.recipient is None:
            raise StockError("La commande n'a pas de destination ou de destinataire.")
        shipper = shipper or order.shipper or shipping.shippers_for(order.destination).first()
        if shipper is None:
            raise StockError(
                f"Aucun expéditeur ne dessert {order.destination} : un responsable doit en "
                "définir un."
            )
        parties = shipping.Parties(order.destination, shipper, order.recipient, None)
        shipment = shipping.create_shipment(
            parties=parties,
            actor=actor,
            requested_delivery_date=order.requested_date,
            notes=f"Commande {order.reference}",
        )
        order.shipment = shipment
        order.shipper = shipper
        order.shipper_name = shipper.name
        order.save()
        _copy_attestations(order, shipment, actor)
        # Its shipment exists: the order is in preparation (as refresh_preparation says).
        refresh_preparation(order)
    return shipment


def _copy_attestations(order: Order, shipment: Shipment, actor: Actor) -> None:
    from django.core.files.base import ContentFile

    for document in order.documents.filter(kind__in=ATTESTATIONS, status=DocumentStatus.APPROVED):
        copy = ShipmentDocument(
            shipment=shipment,
            kind=document.kind,
            original_name=document.original_name,
            copied_from=document,
            uploaded_by=actor.user if getattr(actor.user, "pk", None) else None,
        )
        with document.file.open("rb") as source:
            content = source.read()
        extension = document.file.name.rsplit(".", 1)[-1]
        # Its own file: deleting the order's document never deletes the shipment's, and back.
        copy.file.save(
            f"{order.reference}-{document.pk}.{extension}", ContentFile(content), save=False
        )
        copy.save()


def prepare(*, order: Order, actor: Actor) -> Order:
    """Reuse packed one-product unassigned cartons that fit, bin-pack the rest from the
    reserved lots into the order's shipment, and set preparing or ready."""
    from wms.models import CartonFormat
    from wms.services import packing

    _require_manager(actor)
    with transaction.atomic():
        order = lock(order)
        if order.review_status != R.APPROVED or order.status not in (S.RESERVED, S.PREPARING):
            raise StockError(
                f"La commande {order.reference} n'est pas à préparer "
                f"({order.get_status_display().lower()})."
            )
        shipment = create_shipment(order=order, actor=actor)
        order.refresh_from_db()
        lines = list(order.lines.select_related("product").order_by("pk"))
        for line in lines:
            _reuse_cartons(order, line, shipment, actor)
        # What unpacked cartons gave back from lots no longer usable is reserved again first.
        _top_up(order)
        # Re-read: a reused carton's units were released from the lines' reservations.
        lines = list(order.lines.select_related("product").order_by("pk"))
        remaining = [
            (line.product, line.quantity_reserved) for line in lines if line.quantity_reserved > 0
        ]
        if remaining:
            carton_format = CartonFormat.default()
            if carton_format is None:
                raise StockError(
                    "Aucun format de carton par défaut : un responsable doit en définir un."
                )
            bins = packing.plan_cartons(
                remaining, packing.Dimensions.of(carton_format), use_defaults=True
            )
            cartons = packing.pack_planned(
                bins, remaining, actor=actor, carton_format=carton_format, shipment=shipment
            )
            for carton in cartons:
                packing.close_carton(carton=carton, actor=actor)
        order.refresh_from_db()
        refresh_preparation(order)
    return order


def _reuse_cartons(order: Order, line: OrderLine, shipment: Shipment, actor: Actor) -> None:
    """Packed cartons holding only this product, not in a shipment, that fit what is left."""
    from django.db.models import Count, Min, Sum

    from wms.models import Carton
    from wms.services import packing

    need = line.quantity_reserved
    if need <= 0:
        return
    candidates = (
        Carton.objects.filter(status=CartonStatus.PACKED, shipment__isnull=True)
        .annotate(
            products=Count("items__lot__product", distinct=True),
            product_id=Min("items__lot__product"),
            units=Sum("items__quantity"),
        )
        .filter(products=1, product_id=line.product_id)
        .order_by("units", "pk")
    )
    for carton in candidates:
        units = int(carton.units or 0)
        if units > need:
            continue
        try:
            packing.attach_carton(carton=carton, shipment=shipment, actor=actor)
        except StockError:
            continue  # e.g. too close to expiry for export: packed from the reservation instead
        need -= units
        if need == 0:
            return


def _release_units(line: OrderLine, units: int) -> None:
    released = _release_rows(line, units)
    OrderLine.objects.filter(pk=line.pk).update(quantity_reserved=line.quantity_reserved - released)


def _release_rows(line: OrderLine, units: int, *, component_id: int | None = None) -> int:
    """Release `units` of the line's reservation rows (of one component when given), the lots
    expiring last first: the first-expired stay for the cartons still to pack."""
    rows = OrderReservation.objects.select_for_update().filter(line=line).select_related("lot")
    if component_id is not None:
        rows = rows.filter(lot__product_id=component_id)
    left = units
    for reservation in sorted(rows, key=lambda row: fefo_sort_key(row.lot), reverse=True):
        if left == 0:
            break
        give = min(reservation.quantity, left)
        stock.release_reserved(reservation.lot, give)
        reservation.quantity -= give
        if reservation.quantity:
            reservation.save(update_fields=["quantity"])
        else:
            reservation.delete()
        left -= give
    return units - left
