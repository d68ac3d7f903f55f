"""Packing (S-CARTONS, S-STOCK): lots leave the shelves first expired first out, kits as their
components, as `precondition` or `out`; every refusal has its French message and changes nothing
(stock, cartons, shipments, emails), and the ledger always adds up."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import ProductFactory
from tests.shipping_helpers import Scene, scene, stocked_product
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import (
    Carton,
    CartonItem,
    CartonStatus,
    IntegrationEvent,
    MovementType,
    Product,
    ProductKitItem,
    ProductLot,
    Shipment,
    ShipmentStatus,
    StatusChange,
    StockMovement,
)
from wms.services import packing, shipping, stock
from wms.services.errors import InsufficientStock, StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

PACKING_TABLES = (Carton, CartonItem, Shipment, StatusChange, IntegrationEvent)


def world() -> dict[str, list[dict[str, Any]]]:
    """Every stock table plus cartons, shipments, their log and the email queue."""
    state = snapshot()
    for model in PACKING_TABLES:
        state[model.__name__] = list(model.objects.order_by("pk").values())
    return state


def refused(match: str, operation: Any, **kwargs: Any) -> StockError:
    before = world()
    with pytest.raises(StockError, match=match) as caught:
        operation(**kwargs)
    assert world() == before
    assert ledger_is_clean()
    return caught.value


def lot_of(product: Product, days: int | None, quantity: int, code: str) -> ProductLot:
    expires_on = timezone.localdate() + dt.timedelta(days=days) if days is not None else None
    return stock.receive(product=product, quantity=quantity, expires_on=expires_on, lot_code=code)


def contents(carton: Carton) -> dict[str, int]:
    return dict(carton.items.order_by("lot_id").values_list("lot__lot_code", "quantity"))


@pytest.fixture(autouse=True)
def clean_ledger_after_each_scenario():
    yield
    assert ledger_is_clean()


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture
def worker_actor(worker) -> Actor:
    return Actor(user=worker)


# --- FEFO and kits -------------------------------------------------------------------------


def test_packing_takes_the_lot_expiring_first_and_splits_across_lots(sc):
    product = stocked_product(5, expires_in_days=400)  # lot "L1"
    soon = lot_of(product, 100, 5, "SOON")
    result = packing.pack(product=product, quantity=7, actor=sc.actor)
    assert contents(result.carton) == {"SOON": 5, "L1": 2}
    assert [(m.lot_id, m.delta) for m in result.movements] == [
        (soon.pk, -5),
        (product.lots.get(lot_code="L1").pk, -2),
    ]
    assert result.carton.status == CartonStatus.PICKING
    assert ledger_is_clean()


def test_packing_again_into_a_carton_adds_to_its_lines(sc):
    product = stocked_product(10)
    carton = packing.pack(product=product, quantity=2, actor=sc.actor).carton
    packing.pack(product=product, quantity=3, actor=sc.actor, carton=carton)
    assert contents(carton) == {"L1": 5}
    assert CartonItem.objects.filter(carton=carton).count() == 1
    assert ledger_is_clean()


def test_a_kit_consumes_its_components_times_the_quantity(sc):
    gloves = stocked_product(20, name="Gants")
    masks = stocked_product(20, name="Masques")
    kit = ProductFactory(name="Kit soins")
    ProductKitItem.objects.create(kit=kit, component=gloves, quantity=2)
    ProductKitItem.objects.create(kit=kit, component=masks, quantity=1)
    result = packing.pack(product=kit, quantity=3, actor=sc.actor)
    items = {item.lot.product: item.quantity for item in result.carton.items.all()}
    assert items == {gloves: 6, masks: 3}  # the carton holds the components' lots
    assert sorted(m.delta for m in result.movements) == [-6, -3]
    assert not ProductLot.objects.filter(product=kit).exists()
    assert ledger_is_clean()


def test_a_kit_short_of_one_component_is_refused_naming_it(sc):
    gloves = stocked_product(20, name="Gants")
    masks = stocked_product(2, name="Masques")
    kit = ProductFactory(name="Kit soins")
    ProductKitItem.objects.create(kit=kit, component=gloves, quantity=2)
    ProductKitItem.objects.create(kit=kit, component=masks, quantity=1)
    error = refused("« Masques » : Stock insuffisant : 2 disponible", packing.pack,
                    product=kit, quantity=3, actor=sc.actor)  # fmt: skip
    assert isinstance(error, InsufficientStock)


# --- precondition or out ----------------------------------------------------------------------


def test_packing_without_a_shipment_is_a_precondition_movement(sc):
    product = stocked_product(10)
    result = packing.pack(product=product, quantity=4, actor=sc.actor)
    movement = result.movements[0]
    assert movement.movement_type == MovementType.PRECONDITION
    assert (movement.carton, movement.shipment, movement.delta) == (result.carton, None, -4)
    assert movement.user == sc.actor.user
    assert result.carton.shipment is None


def test_packing_for_a_shipment_is_an_out_movement(sc):
    shipment = sc.shipment()
    product = stocked_product(10)
    result = packing.pack(product=product, quantity=4, actor=sc.actor, shipment=shipment)
    movement = StockMovement.objects.get(pk=result.movements[0].pk)
    assert movement.movement_type == MovementType.OUT
    assert (movement.carton, movement.shipment) == (result.carton, shipment)
    assert result.carton.shipment == shipment


def test_packing_into_a_carton_of_a_shipment_is_out_for_that_shipment(sc):
    shipment = sc.shipment()
    product = stocked_product(10)
    carton = packing.pack(product=product, quantity=1, actor=sc.actor, shipment=shipment).carton
    result = packing.pack(product=product, quantity=2, actor=sc.actor, carton=carton)
    assert result.movements[0].movement_type == MovementType.OUT
    assert result.movements[0].shipment == shipment


# --- shelf life for export ---------------------------------------------------------------------


def test_the_export_shelf_life_applies_only_to_cartons_of_a_shipment(sc, settings):
    settings.MIN_SHELF_LIFE_DAYS_EXPORT = 365
    product = stocked_product(10, expires_in_days=400)  # "L1" keeps more than a year
    lot_of(product, 100, 10, "SOON")
    loose = packing.pack(product=product, quantity=3, actor=sc.actor)
    assert contents(loose.carton) == {"SOON": 3}  # no shipment: plain FEFO
    shipped = packing.pack(product=product, quantity=3, actor=sc.actor, shipment=sc.shipment())
    assert contents(shipped.carton) == {"L1": 3}
    assert ledger_is_clean()


def test_the_export_shelf_life_applies_to_a_carton_already_in_a_shipment(sc, settings):
    settings.MIN_SHELF_LIFE_DAYS_EXPORT = 365
    product = stocked_product(10, expires_in_days=400)
    shipment = sc.shipment()
    carton = packing.pack(product=product, quantity=1, actor=sc.actor, shipment=shipment).carton
    lot_of(product, 100, 10, "SOON")
    packing.pack(product=product, quantity=2, actor=sc.actor, carton=carton)
    assert contents(carton) == {"L1": 3}


def test_a_loose_carton_with_short_lots_cannot_join_a_shipment_by_packing(sc, settings):
    product = stocked_product(10, expires_in_days=400)
    lot_of(product, 100, 10, "SOON")
    carton = packing.pack(product=product, quantity=1, actor=sc.actor).carton  # takes "SOON"
    settings.MIN_SHELF_LIFE_DAYS_EXPORT = 365
    refused("trop proches de leur péremption", packing.pack,
            product=product, quantity=1, actor=sc.actor, carton=carton,
            shipment=sc.shipment())  # fmt: skip


def test_short_lots_are_named_when_they_leave_too_little_for_export(sc, settings):
    settings.MIN_SHELF_LIFE_DAYS_EXPORT = 365
    product = stocked_product(2, expires_in_days=400)
    lot_of(product, 100, 10, "SOON")
    shipment = sc.shipment()
    error = refused("Stock insuffisant : 2 disponible", packing.pack,
                    product=product, quantity=5, actor=sc.actor, shipment=shipment)  # fmt: skip
    assert "SOON" in error.message and "péremption est trop proche" in error.message


def test_without_the_setting_a_shipment_takes_the_short_lot(sc, settings):
    settings.MIN_SHELF_LIFE_DAYS_EXPORT = 0
    product = stocked_product(10, expires_in_days=400)
    lot_of(product, 100, 10, "SOON")
    result = packing.pack(product=product, quantity=3, actor=sc.actor, shipment=sc.shipment())
    assert contents(result.carton) == {"SOON": 3}


# --- refusals: nothing changes -----------------------------------------------------------------


def test_it_refuses_to_pack_into_a_shipped_carton(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    carton = shipment.cartons.get()
    refused("est expédié", packing.pack,
            product=stocked_product(5), quantity=1, actor=sc.actor, carton=carton)  # fmt: skip


def test_it_refuses_to_pack_into_a_closed_carton(sc):
    product = stocked_product(10)
    carton = packing.pack(product=product, quantity=1, actor=sc.actor).carton
    packing.close_carton(carton=carton, actor=sc.actor)
    refused("est fermé : un responsable doit le rouvrir", packing.pack,
            product=product, quantity=1, actor=sc.actor, carton=carton)  # fmt: skip


@pytest.mark.parametrize("status", [ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED])
def test_it_refuses_to_pack_into_a_locked_shipment(sc, status):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    if status == ShipmentStatus.DELIVERED:
        shipping.deliver(shipment=shipment, actor=sc.actor)
    product = stocked_product(5)
    refused("ne peut plus être modifiée", packing.pack,
            product=product, quantity=1, actor=sc.actor, shipment=shipment)  # fmt: skip


def test_it_refuses_to_pack_an_open_carton_for_a_locked_shipment(sc):
    """A carton still open but detached before shipping cannot join a shipped shipment."""
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    product = stocked_product(5)
    carton = packing.pack(product=product, quantity=1, actor=sc.actor).carton
    refused("ne peut plus être modifiée", packing.pack,
            product=product, quantity=1, actor=sc.actor, carton=carton,
            shipment=shipment)  # fmt: skip


def test_it_refuses_a_carton_of_another_shipment(sc):
    product = stocked_product(10)
    first, second = sc.shipment(), sc.shipment()
    carton = packing.pack(product=product, quantity=1, actor=sc.actor, shipment=first).carton
    refused("appartient à une autre expédition", packing.pack,
            product=product, quantity=1, actor=sc.actor, carton=carton,
            shipment=second)  # fmt: skip


@pytest.mark.parametrize(
    ("quantity", "match"),
    [
        (0, "au moins 1"),
        (-1, "au moins 1"),
        (1.5, "nombre entier"),
        ("abc", "nombre entier"),
        (None, "nombre entier"),
    ],
)
def test_it_refuses_a_bad_quantity(sc, quantity, match):
    product = stocked_product(10)
    carton = packing.pack(product=product, quantity=1, actor=sc.actor).carton
    refused(match, packing.pack, product=product, quantity=quantity, actor=sc.actor)
    refused(match, packing.pack,
            product=product, quantity=quantity, actor=sc.actor, carton=carton)  # fmt: skip


@pytest.mark.parametrize("product", [None, Product(name="Fantôme")])
def test_it_refuses_an_unknown_product(sc, product):
    refused("Produit inconnu", packing.pack, product=product, quantity=1, actor=sc.actor)


def test_it_refuses_more_than_the_stock_and_creates_no_carton(sc):
    product = stocked_product(3)
    error = refused("Stock insuffisant : 3 disponible", packing.pack,
                    product=product, quantity=4, actor=sc.actor,
                    shipment=sc.shipment())  # fmt: skip
    assert isinstance(error, InsufficientStock)
    assert not Carton.objects.exists()


def test_it_refuses_to_pack_without_a_default_format_or_dimensions(sc):
    sc.carton_format.is_default = False
    sc.carton_format.save()
    refused("Aucun format de carton par défaut", packing.pack,
            product=stocked_product(3), quantity=1, actor=sc.actor)  # fmt: skip


def test_custom_dimensions_are_checked_before_anything_changes():
    for bad in ("abc", "0", "-2", "501", "nan"):
        with pytest.raises(StockError, match="La longueur"):
            packing.Dimensions.parse(bad, 30, 30, 8000)
    with pytest.raises(StockError, match="Le poids maximal"):
        packing.Dimensions.parse(40, 30, 30, "0")
    parsed = packing.Dimensions.parse("40,5", "30", 20, "8000")
    assert (str(parsed.length_cm), parsed.max_weight_g) == ("40.5", 8000)


# --- close, reopen, unpack ---------------------------------------------------------------------


def test_closing_an_empty_carton_is_refused(sc):
    carton = packing.create_carton(actor=sc.actor)
    refused("est vide", packing.close_carton, carton=carton, actor=sc.actor)


def test_closing_twice_is_refused(sc):
    carton = packing.pack(product=stocked_product(5), quantity=1, actor=sc.actor).carton
    packing.close_carton(carton=carton, actor=sc.actor)
    refused("déjà fermé", packing.close_carton, carton=carton, actor=sc.actor)


def test_unpacking_returns_every_unit_to_its_lot(sc):
    product = stocked_product(5, expires_in_days=400)
    soon = lot_of(product, 100, 2, "SOON")
    carton = packing.pack(product=product, quantity=4, actor=sc.actor).carton
    packing.close_carton(carton=carton, actor=sc.actor)
    movements = packing.unpack_carton(carton=carton, actor=sc.actor)
    assert sorted((m.lot_id, m.delta, m.movement_type) for m in movements) == sorted(
        [(soon.pk, 2, MovementType.UNPACK), (product.lots.get(lot_code="L1").pk, 2, "unpack")]
    )
    assert all(m.carton_id == carton.pk for m in movements)
    carton.refresh_from_db()
    assert (carton.status, carton.packed_at, carton.items.count()) == ("draft", None, 0)
    assert sum(product.lots.values_list("quantity_on_hand", flat=True)) == 7
    assert ledger_is_clean()


def test_unpacking_a_shipment_carton_detaches_it_and_resyncs_the_shipment(sc):
    shipment = sc.packed_shipment(cartons=2)
    carton = shipment.cartons.first()
    movements = packing.unpack_carton(carton=carton, actor=sc.actor)
    assert all(m.shipment_id == shipment.pk for m in movements)
    carton.refresh_from_db()
    shipment.refresh_from_db()
    assert carton.shipment is None  # S-STOCK: unpack detaches it from its shipment
    assert shipment.status == ShipmentStatus.PACKED  # the remaining carton is ready
    assert ledger_is_clean()


def test_a_worker_may_not_unpack(sc, worker_actor):
    carton = packing.pack(product=stocked_product(5), quantity=2, actor=sc.actor).carton
    error = refused("Seul un responsable", packing.unpack_carton, carton=carton, actor=worker_actor)
    assert error.code == "forbidden"


def test_a_shipped_carton_may_not_be_unpacked(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    refused("est expédié", packing.unpack_carton, carton=shipment.cartons.get(), actor=sc.actor)


def test_only_a_manager_reopens_a_closed_carton(sc, worker_actor):
    carton = packing.pack(product=stocked_product(5), quantity=2, actor=sc.actor).carton
    packing.close_carton(carton=carton, actor=sc.actor)
    refused("Seul un responsable", packing.reopen_carton, carton=carton, actor=worker_actor)
    reopened = packing.reopen_carton(carton=carton, actor=sc.actor)
    assert (reopened.status, reopened.packed_at) == (CartonStatus.PICKING, None)
    refused("n'est pas fermé", packing.reopen_carton, carton=carton, actor=sc.actor)


def test_a_worker_packs_and_closes(sc, worker_actor):
    result = packing.pack(product=stocked_product(5), quantity=2, actor=worker_actor)
    closed = packing.close_carton(carton=result.carton, actor=worker_actor)
    assert (closed.status, closed.prepared_by) == (CartonStatus.PACKED, worker_actor.user)


# --- attach and detach ----------------------------------------------------------------------


def loose_packed_carton(sc: Scene, units: int = 2) -> Carton:
    carton = packing.pack(product=stocked_product(10), quantity=units, actor=sc.actor).carton
    return packing.close_carton(carton=carton, actor=sc.actor)


def test_attaching_a_packed_carton_writes_no_ledger_row(sc):
    carton = loose_packed_carton(sc)
    shipment = sc.shipment()
    movements = StockMovement.objects.count()
    packing.attach_carton(carton=carton, shipment=shipment, actor=sc.actor)
    assert StockMovement.objects.count() == movements
    carton.refresh_from_db()
    shipment.refresh_from_db()
    assert (carton.shipment, shipment.status) == (shipment, ShipmentStatus.PACKED)
    # Attaching it again to the same shipment changes nothing.
    packing.attach_carton(carton=carton, shipment=shipment, actor=sc.actor)


def test_only_packed_cartons_are_attached(sc):
    open_carton = packing.pack(product=stocked_product(5), quantity=1, actor=sc.actor).carton
    refused("n'est pas prêt", packing.attach_carton,
            carton=open_carton, shipment=sc.shipment(), actor=sc.actor)  # fmt: skip


def test_a_carton_of_another_shipment_is_not_attached(sc):
    other = sc.packed_shipment(cartons=1)
    refused("appartient à une autre expédition", packing.attach_carton,
            carton=other.cartons.get(), shipment=sc.shipment(), actor=sc.actor)  # fmt: skip


def test_a_carton_is_not_attached_to_a_shipped_shipment(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    refused("ne peut plus être modifiée", packing.attach_carton,
            carton=loose_packed_carton(sc), shipment=shipment, actor=sc.actor)  # fmt: skip


def test_attaching_checks_the_export_shelf_life(sc, settings):
    carton = packing.pack(
        product=stocked_product(5, expires_in_days=100), quantity=1, actor=sc.actor
    ).carton
    packing.close_carton(carton=carton, actor=sc.actor)
    settings.MIN_SHELF_LIFE_DAYS_EXPORT = 365
    refused("trop proches de leur péremption", packing.attach_carton,
            carton=carton, shipment=sc.shipment(), actor=sc.actor)  # fmt: skip


def test_detaching_from_a_locked_shipment_is_refused(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    refused("ne peut plus être modifiée", packing.detach_carton,
            carton=shipment.cartons.get(), actor=sc.actor)  # fmt: skip


def test_detaching_a_carton_resyncs_the_shipment(sc):
    shipment = sc.packed_shipment(cartons=1)
    carton = packing.detach_carton(carton=shipment.cartons.get(), actor=sc.actor)
    shipment.refresh_from_db()
    assert (carton.shipment, carton.status) == (None, CartonStatus.PACKED)
    assert (shipment.status, shipment.ready_at) == (ShipmentStatus.DRAFT, None)
    assert StockMovement.objects.filter(movement_type="unpack").count() == 0
