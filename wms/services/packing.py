"""Cartons: create, pack, close, reopen, unpack, attach to and detach from a shipment
(S-CARTONS). Stock leaves the shelves through wms.services.stock; every change of a shipment's
cartons ends with wms.services.shipping.refresh_status so its derived status is never stale."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone

from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    Location,
    MovementType,
    Product,
    ProductCategory,
    ProductLot,
    Shipment,
    StockMovement,
)
from wms.services import binpacking, kits, orders, shipping, stock
from wms.services.errors import InsufficientStock, StockError
from wms.services.fefo import candidate_lots, export_shelf_life_days, split_by_shelf_life
from wms.services.references import next_reference
from wms.services.stock import Actor
from wms.text import strip_accents

log = logging.getLogger("wms.stock")

UNKNOWN_TYPE = "XX"
MAX_PLANNED_CARTONS = 100
MAX_DIMENSION_CM = Decimal(500)
MAX_WEIGHT_G = 1_000_000


@dataclass(frozen=True)
class Dimensions:
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal
    max_weight_g: int

    @classmethod
    def of(cls, carton_format: CartonFormat) -> Dimensions:
        return cls(
            carton_format.length_cm,
            carton_format.width_cm,
            carton_format.height_cm,
            carton_format.max_weight_g,
        )

    @classmethod
    def parse(cls, length: Any, width: Any, height: Any, max_weight_g: Any) -> Dimensions:
        """Custom dimensions typed by a user; a clear error for anything not a positive size."""
        values = []
        for raw, what in ((length, "La longueur"), (width, "La largeur"), (height, "La hauteur")):
            try:
                value = Decimal(str(raw).strip().replace(",", "."))
            except (InvalidOperation, ValueError):
                raise StockError(f"{what} doit être un nombre (en cm).") from None
            if not value.is_finite() or not 0 < value <= MAX_DIMENSION_CM:
                raise StockError(f"{what} doit être comprise entre 0,1 et {MAX_DIMENSION_CM} cm.")
            # Rounded as the column keeps it: 0.04 cm would be stored as 0.0.
            value = value.quantize(Decimal("0.1"))
            if value <= 0:
                raise StockError(f"{what} doit être comprise entre 0,1 et {MAX_DIMENSION_CM} cm.")
            values.append(value)
        weight = stock._integer(max_weight_g, "Le poids maximal")
        if weight < 1 or weight > MAX_WEIGHT_G:
            raise StockError("Le poids maximal doit être compris entre 1 et 1 000 000 g.")
        return cls(values[0], values[1], values[2], weight)


@dataclass(frozen=True)
class PackResult:
    carton: Carton
    movements: list[StockMovement]


# --- the carton's code ------------------------------------------------------------------------


def type_letters_of(name: str) -> str:
    """'Matériel médical' → 'MM'; 'Pharmacie' → 'PH' (S-CARTONS)."""
    words: list[str] = re.findall(r"[A-Z0-9]+", strip_accents(name).upper())
    if not words:
        return UNKNOWN_TYPE
    if len(words) >= 2:
        return words[0][0] + words[1][0]
    return words[0][:2].ljust(2, "X")


def dominant_type(carton: Carton) -> str:
    """Letters of the root category holding most of the carton, by weight when every product's
    weight is known, else by units."""
    items = list(carton.items.select_related("lot__product__category"))
    if not items:
        return UNKNOWN_TYPE
    by_weight = all(item.lot.product.weight_g for item in items)
    totals: dict[int | None, int] = defaultdict(int)
    roots: dict[int, ProductCategory] = {}
    for item in items:
        category = item.lot.product.category
        root = category.root() if category else None
        if root is not None:
            roots[root.pk] = root
        amount = item.quantity * (item.lot.product.weight_g or 1) if by_weight else item.quantity
        totals[root.pk if root else None] += amount
    best = max(totals.items(), key=lambda pair: (pair[1], pair[0] is not None, -(pair[0] or 0)))
    return type_letters_of(roots[best[0]].name) if best[0] is not None else UNKNOWN_TYPE


def _refresh_code(carton: Carton) -> None:
    if carton.status in (CartonStatus.PACKED, CartonStatus.SHIPPED):
        return  # frozen: its label has been printed
    carton.code = f"{dominant_type(carton)}-{carton.code_suffix}"


# --- create and pack ----------------------------------------------------------------------------


def default_dimensions() -> Dimensions:
    carton_format = CartonFormat.default()
    if carton_format is None:
        raise StockError(
            "Aucun format de carton par défaut : choisissez un format ou saisissez des dimensions."
        )
    return Dimensions.of(carton_format)


def create_carton(
    *,
    actor: Actor,
    carton_format: CartonFormat | None = None,
    dimensions: Dimensions | None = None,
    shipment: Shipment | None = None,
    location: Location | None = None,
    notes: str = "",
) -> Carton:
    if dimensions is None:
        dimensions = Dimensions.of(carton_format) if carton_format else default_dimensions()
        carton_format = carton_format or CartonFormat.default()
    with transaction.atomic():
        # One reading of the date: the code's date and created_on agree even at midnight.
        today = timezone.localdate()
        suffix = next_reference("carton", on=today)
        return Carton.objects.create(
            code=f"{UNKNOWN_TYPE}-{suffix}",
            code_suffix=suffix,
            carton_format=carton_format,
            length_cm=dimensions.length_cm,
            width_cm=dimensions.width_cm,
            height_cm=dimensions.height_cm,
            max_weight_g=dimensions.max_weight_g,
            shipment=shipment,
            location=location,
            prepared_by=actor.user if getattr(actor.user, "pk", None) else None,
            created_on=today,
            notes=notes[:400],
        )


def _lock_carton(carton: Carton) -> Carton:
    locked = Carton.objects.select_for_update().filter(pk=carton.pk).first()
    if locked is None:
        raise StockError("Carton introuvable.")
    return locked


def _lock_shipment(shipment: Shipment) -> Shipment:
    locked = Shipment.objects.select_for_update().filter(pk=shipment.pk).first()
    if locked is None:
        raise StockError("Expédition introuvable.")
    return locked


def _lock_with_shipment(carton: Carton, joining: Shipment | None = None) -> Carton:
    """Lock the carton's shipment (for a loose carton: the one it is joining), then the carton.

    Shipment first, then cartons is the order of ship(), override_status() and attach_carton();
    a carton change taking them the other way round deadlocks with them on MariaDB.
    """
    seen = list(Carton.objects.filter(pk=carton.pk).values_list("shipment_id", flat=True))
    if not seen:
        raise StockError("Carton introuvable.")
    shipment_id = seen[0] or (joining.pk if joining is not None else None)
    if shipment_id is not None:
        list(Shipment.objects.select_for_update().filter(pk=shipment_id).values_list("pk"))
    locked = _lock_carton(carton)
    if locked.shipment_id != seen[0]:
        raise StockError(f"Le carton {locked.code} vient de changer d'expédition : réessayez.")
    return locked


def _check_shipment_open(shipment: Shipment) -> None:
    if shipment.is_locked:
        raise StockError(
            f"L'expédition {shipment.reference} est {shipment.get_status_display().lower()} : "
            "elle ne peut plus être modifiée."
        )


def pack(
    *,
    product: Product,
    quantity: Any,
    actor: Actor,
    carton: Carton | None = None,
    shipment: Shipment | None = None,
    carton_format: CartonFormat | None = None,
    dimensions: Dimensions | None = None,
) -> PackResult:
    """Put `quantity` of a product (or kit) into a carton — a new one when `carton` is None —
    taking the lots first expired, first out."""
    quantity = stock._positive(quantity)
    if not isinstance(product, Product) or product.pk is None:
        raise StockError("Produit inconnu.")
    with transaction.atomic():
        if carton is not None:
            carton = _lock_with_shipment(carton, joining=shipment)
            if carton.status == CartonStatus.SHIPPED:
                raise StockError(f"Le carton {carton.code} est expédié.")
            if carton.status == CartonStatus.PACKED:
                raise StockError(
                    f"Le carton {carton.code} est fermé : un responsable doit le rouvrir."
                )
            if shipment is not None and carton.shipment_id not in (None, shipment.pk):
                raise StockError(f"Le carton {carton.code} appartient à une autre expédition.")
            if shipment is None and carton.shipment_id is not None:
                shipment = carton.shipment
        if shipment is not None:
            shipment = _lock_shipment(shipment)
            _check_shipment_open(shipment)
        if carton is None:
            carton = create_carton(
                actor=actor, carton_format=carton_format, dimensions=dimensions, shipment=shipment
            )
        elif shipment is not None and carton.shipment_id is None:
            # Units packed loose skipped the export shelf life: checked as for attach_carton.
            _check_shelf_life(carton)
            carton.shipment = shipment
        movements = _consume(carton, product, quantity, shipment, actor)
        if carton.status == CartonStatus.DRAFT:
            carton.status = CartonStatus.PICKING
        _refresh_code(carton)
        carton.save()
        if shipment is not None:
            shipping.refresh_status(shipment, actor)
    return PackResult(carton, movements)


def _consume(
    carton: Carton, product: Product, quantity: int, shipment: Shipment | None, actor: Actor
) -> list[StockMovement]:
    """Units leave their lots for the carton: for an order's shipment the order line's reserved
    units first (S-ORDERS), then the free lots, first expired first out."""
    needs = kits.components(product, quantity)
    line = orders.line_for(orders.order_of(shipment), product)
    # Every lot this may touch, locked at once in primary-key order.
    lot_ids: list[int] = orders.line_lot_ids(line)
    for component, _needed in needs:
        lot_ids += list(candidate_lots(component).values_list("pk", flat=True))
    stock.lock_lots(lot_ids)
    min_days = export_shelf_life_days() if shipment is not None else 0
    movement_type = MovementType.OUT if shipment is not None else MovementType.PRECONDITION
    movements = []
    for component, needed in needs:
        taken: list[tuple[ProductLot, int]] = []
        if line is not None:
            taken, reserved_movements, needed = orders.take_reserved_units(
                line=line,
                component=component,
                quantity=needed,
                actor=actor,
                carton=carton,
                shipment=shipment,
            )
            movements += reserved_movements
        if needed:
            try:
                plan = stock.plan_fefo(component, needed, min_shelf_life_days=min_days)
            except InsufficientStock as error:
                error.message = f"« {component.name} » : {error.message}"
                raise
            movements += stock.take_planned(
                plan,
                movement_type=movement_type,
                actor=actor,
                reason_code="pack",
                carton=carton,
                shipment=shipment,
            )
            taken += plan
        for lot, take in taken:
            item, created = CartonItem.objects.get_or_create(
                carton=carton, lot=lot, defaults={"quantity": take}
            )
            if not created:
                item.quantity += take
                item.save(update_fields=["quantity"])
    if line is not None:
        orders.count_packed(line, quantity)
    return movements


# --- bin packing into new cartons ----------------------------------------------------------------


def capacity_of(dimensions: Dimensions) -> binpacking.Capacity:
    return binpacking.Capacity(
        dimensions.length_cm * dimensions.width_cm * dimensions.height_cm,
        Decimal(dimensions.max_weight_g),
    )


def plan_cartons(
    lines: list[tuple[Product, int]], dimensions: Dimensions, *, use_defaults: bool
) -> list[binpacking.Bin]:
    """How these (product, quantity) lines fill cartons of this size; each bin's contents are
    keyed by the line's index. Raises MissingDimensions or a StockError for a unit too large."""
    items = [
        (index, product.name, quantity, product.weight_g, product.volume_cm3)
        for index, (product, quantity) in enumerate(lines)
    ]
    lines_to_pack = binpacking.build_lines(items, use_defaults=use_defaults)
    return binpacking.pack_lines(lines_to_pack, capacity_of(dimensions), MAX_PLANNED_CARTONS)


def pack_planned(
    bins: list[binpacking.Bin],
    lines: list[tuple[Product, int]],
    *,
    actor: Actor,
    carton_format: CartonFormat | None = None,
    dimensions: Dimensions | None = None,
    shipment: Shipment | None = None,
) -> list[Carton]:
    """One new carton per planned bin, filled by pack(): every carton or none."""
    _check_enough(lines, shipment)
    cartons = []
    with transaction.atomic():
        for planned in bins:
            carton: Carton | None = None
            for index, units in planned.contents.items():
                carton = pack(
                    product=lines[index][0],
                    quantity=units,
                    actor=actor,
                    carton=carton,
                    shipment=shipment,
                    carton_format=carton_format,
                    dimensions=None if carton_format else dimensions,
                ).carton
            if carton is not None:
                cartons.append(carton)
    return cartons


def _check_enough(lines: list[tuple[Product, int]], shipment: Shipment | None) -> None:
    """Say what is missing for the whole line before any carton is filled (a shortage found
    in the sixth carton would otherwise report only what was left for that carton)."""
    order = orders.order_of(shipment)
    min_days = export_shelf_life_days() if shipment is not None else 0
    for product, quantity in lines:
        if product.is_kit:
            continue  # its components are checked carton by carton
        usable, _too_short = split_by_shelf_life(list(candidate_lots(product)), min_days)
        available = sum(lot.quantity_available for lot in usable)
        if order is not None:
            available += orders.reserved_quantity(order, product)
        if available < quantity:
            error = InsufficientStock(available)
            error.message = f"« {product.name} » : {error.message} pour {quantity} demandé(s)"
            raise error


# --- close, reopen, unpack ----------------------------------------------------------------------


def close_carton(*, carton: Carton, actor: Actor) -> Carton:
    """picking → packed: the code's type letters are frozen (the label is printed now)."""
    with transaction.atomic():
        carton = _lock_with_shipment(carton)
        if carton.status == CartonStatus.PACKED:
            raise StockError(f"Le carton {carton.code} est déjà fermé.")
        if carton.status == CartonStatus.SHIPPED:
            raise StockError(f"Le carton {carton.code} est expédié.")
        if not carton.items.exists():
            raise StockError(f"Le carton {carton.code} est vide.")
        _refresh_code(carton)
        carton.status = CartonStatus.PACKED
        carton.packed_at = timezone.now()
        carton.save()
        _refresh_shipment_of(carton, actor)
    return carton


def _refresh_shipment_of(carton: Carton, actor: Actor) -> None:
    if carton.shipment is not None:
        shipping.refresh_status(carton.shipment, actor)


def _require_manager(actor: Actor, what: str) -> None:
    if not actor.may_manage():
        raise StockError(f"Seul un responsable peut {what}.", code="forbidden")


def _check_not_shipped(carton: Carton) -> None:
    if carton.status == CartonStatus.SHIPPED:
        raise StockError(f"Le carton {carton.code} est expédié.")
    if carton.shipment is not None:
        _check_shipment_open(_lock_shipment(carton.shipment))


def reopen_carton(*, carton: Carton, actor: Actor) -> Carton:
    _require_manager(actor, "rouvrir un carton fermé")
    with transaction.atomic():
        carton = _lock_with_shipment(carton)
        _check_not_shipped(carton)
        if carton.status != CartonStatus.PACKED:
            raise StockError(f"Le carton {carton.code} n'est pas fermé.")
        carton.status = CartonStatus.PICKING
        carton.packed_at = None
        carton.save()
        _refresh_shipment_of(carton, actor)
    return carton


def unpack_carton(*, carton: Carton, actor: Actor) -> list[StockMovement]:
    """Every unit goes back onto its lot; the carton is empty (draft) again."""
    _require_manager(actor, "vider un carton")
    with transaction.atomic():
        carton = _lock_with_shipment(carton)
        _check_not_shipped(carton)
        items = list(carton.items.select_related("lot").order_by("lot_id"))
        order = orders.order_of(carton.shipment)
        stock.lock_lots(item.lot_id for item in items)
        movements = [
            stock.give_back(
                lot=item.lot,
                quantity=item.quantity,
                actor=actor,
                notes=f"Déballage du carton {carton.code}",
                carton=carton,
                shipment=carton.shipment,
            )
            for item in items
        ]
        if order is not None:
            # The order's units go back to it as reservations (S-ORDERS).
            orders.re_reserve_items(order, items)
        carton.items.all().delete()
        shipment = carton.shipment
        carton.status = CartonStatus.DRAFT
        carton.packed_at = None
        # S-STOCK: an unpacked carton leaves its shipment (its units are back on the shelves).
        carton.shipment = None
        carton.save()
        if shipment is not None:
            shipping.refresh_status(shipment, actor)
    return movements


# --- attach to and detach from a shipment --------------------------------------------------------


def attach_carton(*, carton: Carton, shipment: Shipment, actor: Actor) -> Carton:
    """A packed carton not yet in a shipment joins this one."""
    with transaction.atomic():
        shipment = _lock_shipment(shipment)
        _check_shipment_open(shipment)
        carton = _lock_carton(carton)
        if carton.shipment_id == shipment.pk:
            return carton
        if carton.shipment_id is not None:
            raise StockError(f"Le carton {carton.code} appartient à une autre expédition.")
        if carton.status != CartonStatus.PACKED:
            raise StockError(f"Le carton {carton.code} n'est pas prêt (il doit être fermé).")
        order = orders.order_of(shipment)
        if order is not None:
            orders.carton_joined(order, carton)
        _check_shelf_life(carton)
        carton.shipment = shipment
        carton.save(update_fields=["shipment"])
        shipping.refresh_status(shipment, actor)
    return carton


def _check_shelf_life(carton: Carton) -> None:
    days = export_shelf_life_days()
    if days <= 0:
        return
    limit = timezone.localdate() + dt.timedelta(days=days)
    short = [
        item.lot
        for item in carton.items.select_related("lot")
        if item.lot.expires_on is not None and item.lot.expires_on < limit
    ]
    if short:
        names = ", ".join(
            f"{lot.lot_code or 'sans lot'} (péremption {lot.expires_on:%d/%m/%Y})" for lot in short
        )
        raise StockError(
            f"Le carton {carton.code} contient des lots trop proches de leur péremption pour "
            f"l'export ({days} jours au moins) : {names}."
        )


def detach_carton(*, carton: Carton, actor: Actor) -> Carton:
    with transaction.atomic():
        carton = _lock_with_shipment(carton)
        if carton.shipment is None:
            return carton
        shipment = _lock_shipment(carton.shipment)
        _check_shipment_open(shipment)
        if orders.order_of(shipment) is not None:
            # Its units count as prepared for the order: emptying it gives them back instead.
            raise StockError(
                f"Le carton {carton.code} a été préparé pour une commande : un responsable peut "
                "le vider, il ne se détache pas."
            )
        carton.shipment = None
        carton.save(update_fields=["shipment"])
        shipping.refresh_status(shipment, actor)
    return carton
