"""Every change of stock goes through here (S-STOCK).

Each operation runs in one transaction, locks the lots it changes with SELECT ... FOR UPDATE in
primary-key order (so two operations never wait on each other in opposite orders), re-reads the
quantities under the lock, and writes one ledger row per lot change. A refused operation raises a
StockError with a French message and changes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from wms.models import Location, LotStatus, MovementType, Product, ProductLot, StockMovement
from wms.roles import MANAGER_PERMISSION
from wms.services.errors import InsufficientStock, StaleCount, StockError
from wms.services.fefo import fefo_sort_key, is_past_expiry

log = logging.getLogger("wms.stock")

REMOVAL_REASONS = {
    "scan_out": "Sortie",
    "damaged": "Abîmé",
    "lost": "Perdu",
    "donation_out": "Don sortant",
    "expired_destruction": "Destruction (périmé)",
    "quarantine_destruction": "Destruction (quarantaine)",
    "other": "Autre",
}
ADJUST_REASONS = {
    "correction": "Correction d'erreur",
    "found": "Retrouvé",
    "damaged": "Abîmé",
    "lost": "Perdu",
    "other": "Autre",
}


@dataclass(frozen=True)
class Actor:
    """Who does it, and the operation id when it came from the scan outbox or an API key."""

    user: Any = None
    operation_id: uuid.UUID | None = None
    # An API key with the write scope acts with a manager's rights where the contract says so
    # (order reserve / prepare); it is no Django user, so it cannot hold the permission.
    with_manager_rights: bool = False

    def may_manage(self) -> bool:
        if self.with_manager_rights:
            return True
        return bool(self.user is not None and self.user.has_perm(MANAGER_PERMISSION))


SYSTEM = Actor()


# Far above any real quantity, far below the 32-bit columns of MariaDB: a typo such as
# 1000000000000 is refused with a message instead of overflowing the database.
MAX_QUANTITY = 10_000_000
MAX_ON_HAND = 1_000_000_000


def _integer(value: Any, what: str) -> int:
    """An integer from user input: int, "12", 12.0 — never 1.5, True, "abc", inf or None."""
    if isinstance(value, bool) or value is None:
        raise StockError(f"{what} doit être un nombre entier.")
    if isinstance(value, str):
        text = value.strip()
        if not text.lstrip("+-").isdigit():
            raise StockError(f"{what} doit être un nombre entier.")
        number = int(text)
    else:
        try:
            number = int(value)
        except (TypeError, ValueError, OverflowError):
            raise StockError(f"{what} doit être un nombre entier.") from None
        if number != value:  # 1.5, Decimal("2.9")
            raise StockError(f"{what} doit être un nombre entier.")
    if abs(number) > MAX_QUANTITY:
        raise StockError(f"{what} est trop grande (au plus {MAX_QUANTITY:,}).".replace(",", " "))
    return number


def _positive(quantity: Any, what: str = "La quantité") -> int:
    number = _integer(quantity, what)
    if number < 1:
        raise StockError(f"{what} doit être au moins 1.")
    return number


def _text(value: Any, what: str, max_length: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > max_length:
        raise StockError(f"{what} : {max_length} caractères au plus.")
    return text


def _date(value: Any, what: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise StockError(f"{what} : date invalide (AAAA-MM-JJ attendu).") from None


def _saved(instance: Any, model: type[models.Model], message: str) -> Any:
    if not isinstance(instance, model) or instance.pk is None:
        raise StockError(message)
    return instance


def _check_ceiling(on_hand: int) -> None:
    if on_hand > MAX_ON_HAND:
        raise StockError("Quantité en stock trop grande pour un lot.")


def lock_lots(lot_ids: Iterable[int]) -> dict[int, ProductLot]:
    """Lock these lots in primary-key order and return them fresh from the database."""
    ids = sorted(set(lot_ids))
    lots = (
        ProductLot.objects.select_for_update()
        .select_related("product", "location")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    return {lot.pk: lot for lot in lots}


def _lock_one(lot: ProductLot | int) -> ProductLot:
    lot_id = lot if isinstance(lot, int) else lot.pk
    locked = lock_lots([lot_id]).get(lot_id)
    if locked is None:
        raise StockError("Lot introuvable.")
    return locked


def _record(
    lot: ProductLot,
    delta: int,
    movement_type: str,
    actor: Actor,
    *,
    from_location: Location | None = None,
    to_location: Location | None = None,
    reason_code: str = "",
    notes: str = "",
    **related: Any,
) -> StockMovement:
    movement = StockMovement.objects.create(
        product_id=lot.product_id,
        lot=lot,
        delta=delta,
        movement_type=movement_type,
        from_location=from_location,
        to_location=to_location,
        reason_code=reason_code,
        notes=notes[:400],
        user=actor.user if getattr(actor.user, "pk", None) else None,
        operation_id=actor.operation_id,
        **related,
    )
    log.info(
        "stock %s",
        movement_type,
        extra={
            "event": "stock_movement",
            "movement_type": movement_type,
            "movement_id": movement.pk,
            "product_id": lot.product_id,
            "lot_id": lot.pk,
            "delta": delta,
            "on_hand": lot.quantity_on_hand,
            "reason": reason_code,
            "user": getattr(actor.user, "username", None),
            "operation_id": str(actor.operation_id) if actor.operation_id else None,
        },
    )
    return movement


def _save_quantities(lot: ProductLot) -> None:
    lot.save(update_fields=["quantity_on_hand", "quantity_reserved"])


# --- receive ------------------------------------------------------------------------------


def initial_status(product: Product, status: str | None) -> str:
    if status:
        if status not in LotStatus.values:
            raise StockError(f"Statut de lot inconnu : {status}.")
        return status
    return LotStatus.QUARANTINED if product.quarantine_default else LotStatus.AVAILABLE


def refuse_kit(product: Product) -> None:
    """Kits hold no stock of their own (S-CATALOG): their components are received instead."""
    if product.is_kit:
        raise StockError(f"« {product.name} » est un kit : recevez ses composants.")


def receive(
    *,
    product: Product,
    quantity: int,
    actor: Actor = SYSTEM,
    location: Location | None = None,
    lot_code: str = "",
    expires_on: dt.date | None = None,
    received_on: dt.date | None = None,
    status: str | None = None,
    storage_conditions: str = "",
    quarantine_reason: str = "",
    notes: str = "",
    **related: Any,
) -> ProductLot:
    """Create a new lot with `quantity` units (movement `in`)."""
    quantity = _positive(quantity)
    _saved(product, Product, "Produit inconnu.")
    refuse_kit(product)
    location = location or product.default_location
    if location is None:
        raise StockError(f"Aucun emplacement pour « {product.name} » : choisissez-en un.")
    _saved(location, Location, "Emplacement inconnu.")
    lot_code = _text(lot_code, "Le n° de lot", 60)
    storage_conditions = _text(storage_conditions, "Les conditions de stockage", 200)
    expires_on = _date(expires_on, "La date de péremption")
    received_on = _date(received_on, "La date de réception")
    if product.perishable and expires_on is None:
        raise StockError(
            f"« {product.name} » est périssable : la date de péremption est obligatoire."
        )
    lot_status = initial_status(product, status)
    with transaction.atomic():
        lot = ProductLot.objects.create(
            product=product,
            lot_code=lot_code,
            expires_on=expires_on,
            received_on=received_on or timezone.localdate(),
            status=lot_status,
            quantity_on_hand=quantity,
            location=location,
            source_receipt=related.get("receipt"),
            storage_conditions=storage_conditions or product.storage_conditions,
            quarantine_reason=quarantine_reason,
        )
        _record(lot, quantity, MovementType.IN, actor, to_location=location, notes=notes, **related)
    return lot


# --- remove -------------------------------------------------------------------------------


def _check_named_lot_removal(lot: ProductLot, reason_code: str, actor: Actor) -> None:
    past_expiry = is_past_expiry(lot)
    if reason_code == "expired_destruction" and not past_expiry:
        raise StockError("La destruction pour péremption ne concerne que les lots périmés.")
    if lot.status == LotStatus.AVAILABLE and not past_expiry:
        return
    if not actor.may_manage():
        raise StockError(
            "Ce lot est en quarantaine, bloqué ou périmé : seul un responsable peut le sortir "
            "(destruction).",
            code="forbidden",
        )


def remove(
    *,
    product: Product,
    quantity: int,
    reason_code: str = "scan_out",
    actor: Actor = SYSTEM,
    lot: ProductLot | None = None,
    notes: str = "",
    **related: Any,
) -> list[StockMovement]:
    """Take `quantity` units out: from the named lot, else from the FEFO candidates."""
    quantity = _positive(quantity)
    if reason_code not in REMOVAL_REASONS:
        raise StockError(f"Motif de sortie inconnu : {reason_code}.")
    _saved(product, Product, "Produit inconnu.")
    if lot is not None:
        _saved(lot, ProductLot, "Lot inconnu.")
    with transaction.atomic():
        if lot is not None:
            locked = _lock_one(lot)
            if locked.product_id != product.pk:
                raise StockError("Ce lot n'est pas celui de ce produit.")
            _check_named_lot_removal(locked, reason_code, actor)
            if locked.quantity_available < quantity:
                raise InsufficientStock(locked.quantity_available)
            plan = [(locked, quantity)]
        else:
            plan = plan_fefo(product, quantity)
        movements = []
        for picked, take in plan:
            picked.quantity_on_hand -= take
            _save_quantities(picked)
            movements.append(
                _record(
                    picked,
                    -take,
                    MovementType.OUT,
                    actor,
                    from_location=picked.location,
                    reason_code=reason_code,
                    notes=notes,
                    **related,
                )
            )
    return movements


def plan_fefo(
    product: Product, quantity: int, *, min_shelf_life_days: int = 0
) -> list[tuple[ProductLot, int]]:
    """Lock the product's candidate lots and choose who gives what, first expired first out.

    Must run inside a transaction. Raises InsufficientStock (naming the lots skipped for shelf
    life) when the candidates do not hold enough.
    """
    from wms.services.fefo import candidate_lots, split_by_shelf_life

    candidate_ids = list(candidate_lots(product).values_list("pk", flat=True))
    locked = sorted(lock_lots(candidate_ids).values(), key=fefo_sort_key)
    # Re-checked under the lock: another transaction may have changed them meanwhile.
    usable = [
        lot
        for lot in locked
        if lot.status == LotStatus.AVAILABLE
        and not is_past_expiry(lot)
        and lot.quantity_available > 0
    ]
    usable, too_short = split_by_shelf_life(usable, min_shelf_life_days)
    plan, missing = [], quantity
    for lot in usable:
        take = min(lot.quantity_available, missing)
        plan.append((lot, take))
        missing -= take
        if missing == 0:
            return plan
    available = quantity - missing
    error = InsufficientStock(available)
    if too_short:
        names = ", ".join(
            f"{lot.lot_code or 'sans lot'} (péremption {lot.expires_on:%d/%m/%Y})"
            for lot in too_short
        )
        error.message += f" ; lots écartés car leur péremption est trop proche : {names}"
    raise error


def take_planned(
    plan: Iterable[tuple[ProductLot, int]],
    *,
    movement_type: str,
    actor: Actor,
    reason_code: str = "",
    **related: Any,
) -> list[StockMovement]:
    """Apply a plan from plan_fefo (lots already locked): packing into a carton takes units off
    the shelf as `precondition` (no shipment yet) or `out` (for a shipment)."""
    if movement_type not in (MovementType.PRECONDITION, MovementType.OUT):
        raise ValueError(f"not a packing movement: {movement_type}")
    movements = []
    for lot, take in plan:
        if take < 1 or lot.quantity_available < take:
            raise InsufficientStock(lot.quantity_available)
        lot.quantity_on_hand -= take
        _save_quantities(lot)
        movements.append(
            _record(
                lot,
                -take,
                movement_type,
                actor,
                from_location=lot.location,
                reason_code=reason_code,
                **related,
            )
        )
    return movements


def give_back(
    *, lot: ProductLot, quantity: int, actor: Actor, notes: str = "", **related: Any
) -> StockMovement:
    """Unpacking: units of a carton go back onto their lot (movement `unpack`)."""
    quantity = _positive(quantity)
    with transaction.atomic():
        locked = _lock_one(lot)
        locked.quantity_on_hand += quantity
        _check_ceiling(locked.quantity_on_hand)
        _save_quantities(locked)
        return _record(
            locked,
            quantity,
            MovementType.UNPACK,
            actor,
            to_location=locked.location,
            reason_code="unpack",
            notes=notes,
            **related,
        )


# --- reservations (orders) -----------------------------------------------------------------------
# Reserved units stay on hand (no ledger row) but no other operation may take them; the order
# service keeps its per-lot reservation rows in step with these counters.


def reserve_planned(plan: Iterable[tuple[ProductLot, int]]) -> None:
    """Reserve the units of a plan from plan_fefo (lots already locked)."""
    for lot, quantity in plan:
        if quantity < 1 or lot.quantity_available < quantity:
            raise InsufficientStock(lot.quantity_available)
        lot.quantity_reserved += quantity
        _save_quantities(lot)


def release_reserved(lot: ProductLot, quantity: int) -> ProductLot:
    """Give reserved units back to the lot's available stock."""
    with transaction.atomic():
        locked = _lock_one(lot)
        if quantity < 1 or locked.quantity_reserved < quantity:
            raise StockError("Réservation incohérente sur ce lot.")
        locked.quantity_reserved -= quantity
        _save_quantities(locked)
        return locked


def reserve_on(lot: ProductLot, quantity: int) -> ProductLot:
    """Reserve units of one named lot again (unpacking an order's carton)."""
    with transaction.atomic():
        locked = _lock_one(lot)
        if locked.status != LotStatus.AVAILABLE or is_past_expiry(locked):
            raise StockError("Ce lot n'est plus utilisable (bloqué, en quarantaine ou périmé).")
        if quantity < 1 or locked.quantity_available < quantity:
            raise InsufficientStock(locked.quantity_available)
        locked.quantity_reserved += quantity
        _save_quantities(locked)
        return locked


def take_reserved(
    lot: ProductLot, quantity: int, *, actor: Actor, reason_code: str = "", **related: Any
) -> StockMovement:
    """Packing an order's units: they leave the shelf and their reservation ends together."""
    with transaction.atomic():
        locked = _lock_one(lot)
        if quantity < 1 or locked.quantity_reserved < quantity:
            raise StockError("Réservation incohérente sur ce lot.")
        locked.quantity_on_hand -= quantity
        locked.quantity_reserved -= quantity
        _save_quantities(locked)
        return _record(
            locked,
            -quantity,
            MovementType.OUT,
            actor,
            from_location=locked.location,
            reason_code=reason_code,
            **related,
        )


# --- adjust, count, transfer -----------------------------------------------------------------


def adjust(
    *, lot: ProductLot, delta: int, reason_code: str, actor: Actor = SYSTEM, notes: str = ""
) -> StockMovement:
    _saved(lot, ProductLot, "Lot inconnu.")
    delta = _integer(delta, "La variation")
    if delta == 0:
        raise StockError("La variation ne peut pas être nulle.")
    if reason_code not in ADJUST_REASONS:
        raise StockError(f"Motif d'ajustement inconnu : {reason_code}.")
    with transaction.atomic():
        locked = _lock_one(lot)
        new_on_hand = locked.quantity_on_hand + delta
        if new_on_hand < 0:
            raise StockError(
                f"Ajustement impossible : le stock deviendrait négatif ({new_on_hand})."
            )
        if new_on_hand < locked.quantity_reserved:
            raise StockError(
                f"Ajustement impossible : {locked.quantity_reserved} unité(s) sont réservées "
                "sur ce lot."
            )
        _check_ceiling(new_on_hand)
        locked.quantity_on_hand = new_on_hand
        _save_quantities(locked)
        return _record(
            locked, delta, MovementType.ADJUST, actor, reason_code=reason_code, notes=notes
        )


def count(
    *, lot: ProductLot, counted: int, seen_on_hand: int, actor: Actor = SYSTEM, notes: str = ""
) -> StockMovement | None:
    """Record a physical count. `seen_on_hand` is what the worker's screen showed: if the lot
    changed since, the count is refused so a replayed offline count never undoes later moves."""
    _saved(lot, ProductLot, "Lot inconnu.")
    counted = _integer(counted, "Le comptage")
    seen_on_hand = _integer(seen_on_hand, "La quantité lue")
    if counted < 0:
        raise StockError("Le comptage ne peut pas être négatif.")
    with transaction.atomic():
        locked = _lock_one(lot)
        if locked.quantity_on_hand != seen_on_hand:
            raise StaleCount(locked.quantity_on_hand)
        if counted < locked.quantity_reserved:
            raise StockError(
                f"Comptage inférieur à la quantité réservée ({locked.quantity_reserved}) : "
                f"{reservation_holders(locked)}. Un responsable doit d'abord libérer ces "
                "réservations."
            )
        delta = counted - locked.quantity_on_hand
        if delta == 0:
            return None
        locked.quantity_on_hand = counted
        _save_quantities(locked)
        return _record(locked, delta, MovementType.COUNT, actor, reason_code="count", notes=notes)


def reservation_holders(lot: ProductLot) -> str:
    """Who holds reservations on a lot (the orders, once orders exist)."""
    holders = getattr(lot, "reservation_holder_names", None)
    if callable(holders):
        names = holders()
        if names:
            return "réservé par " + ", ".join(names)
    return "réservations en cours"


def transfer(
    *, lot: ProductLot, quantity: int, to_location: Location, actor: Actor = SYSTEM, notes: str = ""
) -> ProductLot:
    """Move part or all of a lot: −q here, +q on the matching lot at the destination."""
    quantity = _positive(quantity)
    _saved(lot, ProductLot, "Lot inconnu.")
    _saved(to_location, Location, "Emplacement de destination inconnu.")
    with transaction.atomic():
        source = ProductLot.objects.filter(pk=lot.pk).first()
        if source is None:
            raise StockError("Lot introuvable.")
        if source.location_id == to_location.pk:
            raise StockError("Le lot est déjà à cet emplacement.")
        match = dict(
            product_id=source.product_id,
            lot_code=source.lot_code,
            expires_on=source.expires_on,
            status=source.status,
            location=to_location,
        )
        existing = (
            ProductLot.objects.filter(**match).order_by("pk").values_list("pk", flat=True).first()
        )
        locked = lock_lots([source.pk] + ([existing] if existing else []))
        source = locked[source.pk]
        if source.quantity_available < quantity:
            if source.quantity_reserved and source.quantity_on_hand >= quantity:
                raise StockError(
                    f"Transfert impossible : {source.quantity_reserved} unité(s) réservées "
                    "sur ce lot, "
                    f"{source.quantity_available} transférable(s)."
                )
            raise InsufficientStock(source.quantity_available)
        destination = locked.get(existing) if existing else None
        if destination is None:
            destination = ProductLot.objects.create(
                **match,
                received_on=source.received_on,
                quantity_on_hand=0,
                source_receipt_id=source.source_receipt_id,
                storage_conditions=source.storage_conditions,
                quarantine_reason=source.quarantine_reason,
            )
        source.quantity_on_hand -= quantity
        destination.quantity_on_hand += quantity
        _check_ceiling(destination.quantity_on_hand)
        _save_quantities(source)
        _save_quantities(destination)
        _record(
            source,
            -quantity,
            MovementType.TRANSFER,
            actor,
            from_location=source.location,
            to_location=to_location,
            notes=notes,
        )
        _record(
            destination,
            quantity,
            MovementType.TRANSFER,
            actor,
            from_location=source.location,
            to_location=to_location,
            notes=notes,
        )
    return destination


# --- quarantine --------------------------------------------------------------------------------

ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    LotStatus.QUARANTINED: {LotStatus.AVAILABLE, LotStatus.HOLD, LotStatus.EXPIRED},
    LotStatus.AVAILABLE: {LotStatus.HOLD, LotStatus.QUARANTINED, LotStatus.EXPIRED},
    LotStatus.HOLD: {LotStatus.AVAILABLE, LotStatus.QUARANTINED, LotStatus.EXPIRED},
    LotStatus.EXPIRED: set(),
}


def change_lot_status(
    *, lot: ProductLot, status: str, actor: Actor, reason: str = ""
) -> ProductLot:
    """Quarantine release / hold (manager only). The status of a lot changes nowhere else."""
    if not actor.may_manage():
        raise StockError("Seul un responsable peut changer le statut d'un lot.", code="forbidden")
    with transaction.atomic():
        locked = _lock_one(lot)
        if status not in ALLOWED_STATUS_CHANGES.get(locked.status, set()):
            target = LotStatus(status).label if status in LotStatus.values else status
            raise StockError(
                f"Passage de « {locked.get_status_display()} » à « {target} » impossible."
            )
        if status != LotStatus.AVAILABLE and locked.quantity_reserved:
            raise StockError(
                f"{locked.quantity_reserved} unité(s) réservées : libérez-les d'abord."
            )
        locked.status = status
        if status == LotStatus.AVAILABLE:
            locked.released_by = actor.user
            locked.released_at = timezone.now()
            locked.quarantine_reason = ""
        elif reason:
            locked.quarantine_reason = reason[:200]
        locked.save(update_fields=["status", "released_by", "released_at", "quarantine_reason"])
    log.info(
        "lot status",
        extra={
            "event": "lot_status",
            "lot_id": locked.pk,
            "status": status,
            "user": getattr(actor.user, "username", None),
        },
    )
    return locked


def release(*, lot: ProductLot, actor: Actor) -> ProductLot:
    return change_lot_status(lot=lot, status=LotStatus.AVAILABLE, actor=actor)


def hold(*, lot: ProductLot, actor: Actor, reason: str = "") -> ProductLot:
    return change_lot_status(lot=lot, status=LotStatus.HOLD, actor=actor, reason=reason)
