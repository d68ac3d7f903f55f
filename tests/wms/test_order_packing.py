"""Preparing an order (S-ORDERS, acceptance 4): packing into its shipment takes its reserved units
first, unpacking gives them back to it, and "prepare" reuses the packed one-product cartons waiting
for a shipment before bin-packing the rest from the reserved lots. After every scenario the ledger
adds up and every lot's reserved counter is the sum of its reservation rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tests.factories import ProductFactory
from tests.shipping_helpers import Scene, scene
from tests.stock_helpers import ledger_is_clean, snapshot
from tests.wms.test_orders_workflow import (
    association,
    emails,
    lot_of,
    place,
    reservations_agree,
    reserved_by_lot,
)
from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    Contact,
    MovementType,
    Order,
    OrderLine,
    OrderReservation,
    OrderStatus,
    Product,
    ProductKitItem,
    Shipment,
    ShipmentStatus,
    StockMovement,
)
from wms.services import orders, packing, shipping
from wms.services.errors import StockError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books_balance_after_each_scenario():
    yield
    assert ledger_is_clean()
    assert reservations_agree()


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture
def asso() -> Contact:
    return association()


def sized(name: str = "Compresses") -> Product:
    return ProductFactory(name=name, weight_g=100, volume_cm3=500)


def approve(order: Order, sc: Scene) -> Order:
    return orders.approve(
        order=order, approval=orders.Approval(destination=sc.destination), actor=sc.actor
    )


def contents(carton: Carton) -> dict[str, int]:
    return dict(carton.items.order_by("lot_id").values_list("lot__lot_code", "quantity"))


def line_of(order: Order, product: Product) -> OrderLine:
    return order.lines.get(product=product)


def status_of(order: Order) -> str:
    order.refresh_from_db()
    return order.status


def world() -> dict[str, list[dict[str, Any]]]:
    state = snapshot()
    for model in (Order, OrderLine, OrderReservation, Carton, CartonItem, Shipment):
        state[model.__name__] = list(model.objects.order_by("pk").values())
    return state


def loose_carton(product: Product, units: int, *, close: bool = True, sc: Scene) -> Carton:
    """A carton packed ahead, waiting in the warehouse for a shipment."""
    carton = packing.pack(product=product, quantity=units, actor=sc.actor).carton
    return packing.close_carton(carton=carton, actor=sc.actor) if close else carton


# --- packing into the order's shipment -------------------------------------------------------


def test_packing_for_an_order_takes_its_reserved_lot_before_a_free_lot_expiring_sooner(asso, sc):
    product = sized()
    reserved = lot_of(product, 200, 5, "RES")
    order = approve(place(asso, [(product, 5)]), sc)
    free = lot_of(product, 100, 10, "FREE")  # arrives later, expires first, nobody's
    shipment = orders.create_shipment(order=order, actor=sc.actor)

    carton = packing.pack(product=product, quantity=5, actor=sc.actor, shipment=shipment).carton

    assert contents(carton) == {"RES": 5}
    reserved.refresh_from_db()
    free.refresh_from_db()
    assert (reserved.quantity_on_hand, reserved.quantity_reserved) == (0, 0)
    assert (free.quantity_on_hand, free.quantity_reserved) == (10, 0)
    assert not OrderReservation.objects.exists()
    line = line_of(order, product)
    assert (line.quantity_reserved, line.quantity_prepared) == (0, 5)
    movement = StockMovement.objects.get(carton=carton)
    assert (movement.movement_type, movement.delta, movement.shipment) == (
        MovementType.OUT,
        -5,
        shipment,
    )
    assert status_of(order) == OrderStatus.PREPARING

    packing.close_carton(carton=carton, actor=sc.actor)

    assert status_of(order) == OrderStatus.READY
    assert emails("order_shipment_ready")


def test_packing_more_than_reserved_takes_the_rest_from_free_lots_first_expired(asso, sc):
    product = sized()
    lot_of(product, 200, 5, "RES")
    order = approve(place(asso, [(product, 5)]), sc)
    lot_of(product, 300, 10, "LATE")
    lot_of(product, 100, 10, "EARLY")
    shipment = orders.create_shipment(order=order, actor=sc.actor)

    carton = packing.pack(product=product, quantity=7, actor=sc.actor, shipment=shipment).carton

    assert contents(carton) == {"RES": 5, "EARLY": 2}
    assert line_of(order, product).quantity_prepared == 5  # never more than ordered


def test_packing_in_two_cartons_uses_the_reservation_across_them(asso, sc):
    product = sized()
    lot_of(product, 100, 3, "A")
    lot_of(product, 200, 10, "B")
    order = approve(place(asso, [(product, 8)]), sc)
    shipment = orders.create_shipment(order=order, actor=sc.actor)

    first = packing.pack(product=product, quantity=4, actor=sc.actor, shipment=shipment).carton
    assert contents(first) == {"A": 3, "B": 1}
    assert line_of(order, product).quantity_reserved == 4
    second = packing.pack(product=product, quantity=4, actor=sc.actor, shipment=shipment).carton
    assert contents(second) == {"B": 4}
    assert reserved_by_lot() == {}
    assert status_of(order) == OrderStatus.PREPARING
    for carton in (first, second):
        packing.close_carton(carton=carton, actor=sc.actor)
    assert status_of(order) == OrderStatus.READY


def test_unpacking_an_order_carton_reserves_its_units_again_and_the_order_is_preparing(asso, sc):
    product = sized()
    reserved = lot_of(product, 200, 5, "RES")
    order = approve(place(asso, [(product, 5)]), sc)
    lot_of(product, 100, 10, "FREE")
    shipment = orders.create_shipment(order=order, actor=sc.actor)
    carton = packing.pack(product=product, quantity=7, actor=sc.actor, shipment=shipment).carton
    packing.close_carton(carton=carton, actor=sc.actor)
    assert status_of(order) == OrderStatus.READY

    packing.unpack_carton(carton=carton, actor=sc.actor)

    assert reserved_by_lot() == {reserved.pk: 5}  # the free units went back free
    assert list(OrderReservation.objects.values_list("lot_id", "quantity")) == [(reserved.pk, 5)]
    line = line_of(order, product)
    assert (line.quantity_reserved, line.quantity_prepared) == (5, 0)
    assert status_of(order) == OrderStatus.PREPARING
    carton.refresh_from_db()
    assert carton.status == CartonStatus.DRAFT and carton.shipment is None

    # Prepared again from the same reservation.
    orders.prepare(order=order, actor=sc.actor)
    assert status_of(order) == OrderStatus.READY
    assert reserved_by_lot() == {}


def test_an_order_carton_cannot_be_detached_from_its_shipment(asso, sc):
    product = sized()
    lot_of(product, 200, 5, "RES")
    order = approve(place(asso, [(product, 5)]), sc)
    orders.prepare(order=order, actor=sc.actor)
    carton = Carton.objects.get()
    with pytest.raises(StockError, match="préparé pour une commande"):
        packing.detach_carton(carton=carton, actor=sc.actor)


def test_packing_into_a_shipment_without_order_leaves_reservations_alone(asso, sc):
    product = sized()
    reserved = lot_of(product, 100, 5, "RES")
    approve(place(asso, [(product, 5)]), sc)
    lot_of(product, 200, 5, "FREE")

    carton = packing.pack(product=product, quantity=5, actor=sc.actor, shipment=sc.shipment())

    assert contents(carton.carton) == {"FREE": 5}
    assert reserved_by_lot() == {reserved.pk: 5}
    with pytest.raises(StockError, match="Stock insuffisant"):
        packing.pack(product=product, quantity=1, actor=sc.actor)


# --- prepare ---------------------------------------------------------------------------------


def test_prepare_reuses_a_packed_one_product_carton_that_fits_and_packs_the_rest(asso, sc):
    product, other = sized(), sized("Gants")
    lot = lot_of(product, 400, 60, "L1")
    lot_of(other, 400, 60, "O1")
    fits = loose_carton(product, 4, sc=sc)
    too_big = loose_carton(product, 12, sc=sc)
    still_open = loose_carton(product, 3, close=False, sc=sc)
    mixed = packing.pack(product=product, quantity=2, actor=sc.actor).carton
    mixed = packing.pack(product=other, quantity=2, actor=sc.actor, carton=mixed).carton
    packing.close_carton(carton=mixed, actor=sc.actor)
    elsewhere = packing.pack(product=product, quantity=2, actor=sc.actor, shipment=sc.shipment())
    packing.close_carton(carton=elsewhere.carton, actor=sc.actor)
    order = approve(place(asso, [(product, 10)]), sc)
    assert reserved_by_lot() == {lot.pk: 10}

    orders.prepare(order=order, actor=sc.actor)

    order.refresh_from_db()
    assert order.status == OrderStatus.READY
    shipment = order.shipment
    assert shipment is not None and shipment.status == ShipmentStatus.PACKED
    cartons = list(shipment.cartons.order_by("pk"))
    assert fits in cartons and len(cartons) == 2
    new = cartons[-1]
    assert new.status == CartonStatus.PACKED and contents(new) == {"L1": 6}
    for carton in (too_big, still_open, mixed, elsewhere.carton):
        carton.refresh_from_db()
        assert carton.shipment_id != shipment.pk
    # The reused carton's units replaced 4 reserved units, which went back on sale.
    assert reserved_by_lot() == {}
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 60 - 4 - 12 - 3 - 2 - 2 - 6
    line = line_of(order, product)
    assert (line.quantity_reserved, line.quantity_prepared) == (0, 10)


def test_prepare_reuses_several_cartons_and_packs_several_products_together(asso, sc):
    product, other = sized(), sized("Gants")
    lot_of(product, 400, 40, "P")
    lot_of(other, 400, 40, "O")
    small = [loose_carton(product, 3, sc=sc), loose_carton(product, 3, sc=sc)]
    order = approve(place(asso, [(product, 8), (other, 5)]), sc)

    orders.prepare(order=order, actor=sc.actor)

    shipment = Order.objects.get(pk=order.pk).shipment
    cartons = list(shipment.cartons.order_by("pk"))
    assert cartons[:2] == small
    packed = {}
    for carton in cartons[2:]:
        for code, units in contents(carton).items():
            packed[code] = packed.get(code, 0) + units
    assert packed == {"P": 2, "O": 5}
    assert status_of(order) == OrderStatus.READY


def test_prepare_finishes_an_order_partly_packed_by_hand(asso, sc):
    product = sized()
    lot_of(product, 400, 20, "L1")
    order = approve(place(asso, [(product, 10)]), sc)
    shipment = orders.create_shipment(order=order, actor=sc.actor)
    assert status_of(order) == OrderStatus.PREPARING  # its shipment exists
    packing.pack(product=product, quantity=3, actor=sc.actor, shipment=shipment)
    assert line_of(order, product).quantity_reserved == 7

    orders.prepare(order=order, actor=sc.actor)

    # The carton still open stays open; the order is ready once that carton is closed.
    assert line_of(order, product).quantity_prepared == 10
    open_carton = shipment.cartons.get(status=CartonStatus.PICKING)
    packing.close_carton(carton=open_carton, actor=sc.actor)
    assert status_of(order) == OrderStatus.READY


@override_settings(MIN_SHELF_LIFE_DAYS_EXPORT=90)
def test_prepare_skips_a_waiting_carton_too_close_to_expiry_for_export(asso, sc):
    product = sized()
    lot_of(product, 30, 4, "SOON")
    short_lived = loose_carton(product, 4, sc=sc)
    lot_of(product, 400, 20, "LONG")
    order = approve(place(asso, [(product, 4)]), sc)

    orders.prepare(order=order, actor=sc.actor)

    short_lived.refresh_from_db()
    assert short_lived.shipment is None
    shipment = Order.objects.get(pk=order.pk).shipment
    assert [contents(carton) for carton in shipment.cartons.all()] == [{"LONG": 4}]
    assert status_of(order) == OrderStatus.READY


def test_prepare_is_all_or_nothing_when_no_default_carton_format_exists(asso, sc):
    product = sized()
    lot_of(product, 400, 20, "L1")
    loose_carton(product, 2, sc=sc)
    order = approve(place(asso, [(product, 10)]), sc)
    CartonFormat.objects.update(is_default=False)
    before = world()

    with pytest.raises(StockError, match="Aucun format de carton par défaut"):
        orders.prepare(order=order, actor=sc.actor)

    assert world() == before


def test_prepare_refuses_an_order_not_approved_cancelled_or_already_ready(asso, sc):
    product = sized()
    lot_of(product, 400, 20, "L1")
    pending = place(asso, [(product, 1)])
    cancelled = approve(place(asso, [(product, 1)]), sc)
    orders.cancel(order=cancelled, actor=sc.actor)
    ready = approve(place(asso, [(product, 1)]), sc)
    orders.prepare(order=ready, actor=sc.actor)
    for order in (pending, cancelled, ready):
        before = world()
        with pytest.raises(StockError, match="n'est pas à préparer"):
            orders.prepare(order=order, actor=sc.actor)
        assert world() == before


def test_cancelling_a_preparing_order_releases_what_is_still_reserved(asso, sc):
    product = sized()
    lot_of(product, 400, 20, "L1")
    order = approve(place(asso, [(product, 10)]), sc)
    shipment = orders.create_shipment(order=order, actor=sc.actor)
    packing.pack(product=product, quantity=4, actor=sc.actor, shipment=shipment)

    orders.cancel(order=order, actor=sc.actor, reason="Vol annulé")

    assert reserved_by_lot() == {}
    assert status_of(order) == OrderStatus.CANCELLED
    # Its shipment is an ordinary one now: packing there takes free stock only.
    assert orders.order_of(shipment) is None


def test_shipping_an_order_is_followed_by_its_association(asso, sc):
    product = sized()
    lot_of(product, 400, 20, "L1")
    order = approve(place(asso, [(product, 3)]), sc)
    orders.prepare(order=order, actor=sc.actor)
    shipment = Order.objects.get(pk=order.pk).shipment

    shipping.ship(shipment=shipment, actor=sc.actor)
    shipping.deliver(shipment=shipment, actor=sc.actor)

    for name in ("order_shipment_ready", "order_shipment_shipped", "order_shipment_delivered"):
        assert len(emails(name)) == 1, name
    assert status_of(order) == OrderStatus.READY


def test_an_order_for_a_kit_reserves_its_components(asso, sc):
    soap, kit = sized("Savon"), sized("Kit hygiène")
    ProductKitItem.objects.create(kit=kit, component=soap, quantity=2)
    lot_of(soap, 400, 20, "S")
    order = orders.submit_order(
        lines=[orders.LineInput(kit, 3)],
        delivery=orders.Delivery(city="Antananarivo", country="Madagascar"),
        actor=sc.actor,
        association=asso,
        staff=True,
    )
    approve(order, sc)
    assert sum(reserved_by_lot().values()) == 6


def kit_order(asso: Contact, sc: Scene, kits: int = 3) -> tuple[Order, Product, Product]:
    soap, kit = sized("Savon"), sized("Kit hygiène")
    ProductKitItem.objects.create(kit=kit, component=soap, quantity=2)
    lot_of(soap, 400, 20, "S")
    order = orders.submit_order(
        lines=[orders.LineInput(kit, kits)],
        delivery=orders.Delivery(city="Antananarivo", country="Madagascar"),
        actor=sc.actor,
        association=asso,
        staff=True,
    )
    return approve(order, sc), soap, kit


def test_a_kit_short_of_a_component_is_refused_naming_both(asso, sc):
    soap, kit = sized("Savon"), sized("Kit hygiène")
    ProductKitItem.objects.create(kit=kit, component=soap, quantity=2)
    lot_of(soap, 400, 5, "S")
    order = orders.submit_order(
        lines=[orders.LineInput(kit, 3)],
        delivery=orders.Delivery(city="Antananarivo", country="Madagascar"),
        actor=sc.actor,
        association=asso,
        staff=True,
    )
    with pytest.raises(StockError) as refused:
        approve(order, sc)
    assert "Kit hygiène (composant Savon) (5 disponible(s) sur 6)" in refused.value.message
    assert reserved_by_lot() == {}


def test_preparing_a_kit_order_packs_the_reserved_components_and_is_ready(asso, sc):
    order, _soap, kit = kit_order(asso, sc)
    orders.prepare(order=order, actor=sc.actor)
    line = line_of(order, kit)
    assert (line.quantity_reserved, line.quantity_prepared) == (0, 3)
    assert reserved_by_lot() == {}
    packed = sum(
        item.quantity
        for carton in order_shipment(order).cartons.all()
        for item in carton.items.all()
    )
    assert packed == 6
    assert status_of(order) == OrderStatus.READY


def test_unpacking_a_kit_carton_gives_the_kits_back_to_the_order(asso, sc):
    order, _soap, kit = kit_order(asso, sc)
    orders.prepare(order=order, actor=sc.actor)
    carton = order_shipment(order).cartons.get()
    packing.unpack_carton(carton=carton, actor=sc.actor)
    line = line_of(order, kit)
    assert (line.quantity_reserved, line.quantity_prepared) == (3, 0)
    assert sum(reserved_by_lot().values()) == 6
    assert status_of(order) == OrderStatus.PREPARING


def order_shipment(order: Order) -> Any:
    return Order.objects.get(pk=order.pk).shipment
