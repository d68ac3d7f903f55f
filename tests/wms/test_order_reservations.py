"""Order reservations (S-ORDERS, acceptance 4): nothing is reserved before approval; approval
reserves every line first expired first out, all lines or none, naming every short product and
keeping the export shelf life; rejecting and cancelling release everything. After every scenario
the ledger adds up and every lot's reserved counter is the sum of its reservation rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from tests.factories import ProductFactory
from tests.shipping_helpers import Scene, scene
from tests.stock_helpers import ledger_is_clean, snapshot
from tests.wms.test_orders_workflow import (
    association,
    lot_of,
    place,
    portal_actor,
    reservations_agree,
    reserved_by_lot,
)
from wms.models import (
    IntegrationEvent,
    Order,
    OrderLine,
    OrderReservation,
    OrderStatus,
    ProductLot,
    ReviewStatus,
)
from wms.services import orders
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books_balance_after_each_scenario():
    yield
    assert ledger_is_clean()
    assert reservations_agree()


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


def world() -> dict[str, list[dict[str, Any]]]:
    state = snapshot()
    for model in (Order, OrderLine, OrderReservation, IntegrationEvent):
        state[model.__name__] = list(model.objects.order_by("pk").values())
    return state


def approve(order: Order, sc: Scene, **approval: Any) -> Order:
    return orders.approve(
        order=order,
        approval=orders.Approval(destination=sc.destination, **approval),
        actor=sc.actor,
    )


# --- before and at approval ------------------------------------------------------------------


def test_nothing_is_reserved_before_a_manager_approves(sc):
    product = ProductFactory()
    lot = lot_of(product, 100, 10, "A")
    order = place(association(), [(product, 4)])
    lot.refresh_from_db()
    assert lot.quantity_reserved == 0
    assert not OrderReservation.objects.exists()
    assert (order.status, order.review_status) == (OrderStatus.DRAFT, ReviewStatus.PENDING)
    assert order.lines.get().quantity_reserved == 0


def test_approval_reserves_the_first_expiring_lots_first_splitting_across_lots(sc):
    product = ProductFactory()
    late = lot_of(product, 300, 10, "LATE")
    never = lot_of(product, None, 10, "NEVER")
    early = lot_of(product, 30, 4, "EARLY")
    order = place(association(), [(product, 7)])

    order = approve(order, sc)

    assert (order.status, order.review_status) == (OrderStatus.RESERVED, ReviewStatus.APPROVED)
    assert reserved_by_lot() == {early.pk: 4, late.pk: 3}
    rows = dict(OrderReservation.objects.values_list("lot__lot_code", "quantity"))
    assert rows == {"EARLY": 4, "LATE": 3}
    assert order.lines.get().quantity_reserved == 7
    never.refresh_from_db()
    assert never.quantity_reserved == 0


def test_a_second_order_reserves_only_what_the_first_left(sc):
    product = ProductFactory()
    early = lot_of(product, 30, 5, "EARLY")
    late = lot_of(product, 300, 5, "LATE")
    approve(place(association(), [(product, 4)]), sc)
    approve(place(association(name="Deuxième association"), [(product, 4)]), sc)
    assert reserved_by_lot() == {early.pk: 5, late.pk: 3}
    third = place(association(name="Troisième association"), [(product, 3)])
    with pytest.raises(StockError, match="2 disponible"):
        approve(third, sc)


def test_a_shortage_names_every_short_product_and_reserves_nothing(sc):
    plenty, scarce, missing = (
        ProductFactory(name="Compresses"),
        ProductFactory(name="Gants"),
        ProductFactory(name="Seringues"),
    )
    lot_of(plenty, 100, 50, "C")
    lot_of(scarce, 100, 3, "G")
    order = place(association(), [(plenty, 10), (scarce, 5), (missing, 2)])
    before = world()

    with pytest.raises(StockError) as caught:
        approve(order, sc)

    message = caught.value.message
    assert message.startswith("Stock insuffisant")
    assert "Gants (3 disponible(s) sur 5)" in message
    assert "Seringues (0 disponible(s) sur 2)" in message
    assert "Compresses" not in message
    assert "Rien n'a été réservé" in message
    assert world() == before
    assert not ProductLot.objects.filter(quantity_reserved__gt=0).exists()


def test_a_lowered_quantity_is_what_gets_reserved(sc):
    product = ProductFactory()
    lot = lot_of(product, 100, 6, "A")
    order = place(association(), [(product, 10)])
    line = order.lines.get()

    approve(order, sc, lowered={line.pk: 6})

    lot.refresh_from_db()
    assert lot.quantity_reserved == 6
    line.refresh_from_db()
    assert (line.quantity, line.quantity_reserved) == (6, 6)


@override_settings(MIN_SHELF_LIFE_DAYS_EXPORT=90)
def test_lots_expiring_before_the_export_shelf_life_are_never_reserved(sc):
    product = ProductFactory(name="Sérum")
    soon = lot_of(product, 30, 10, "SOON")
    later = lot_of(product, 400, 5, "LATER")

    approve(place(association(), [(product, 5)]), sc)

    assert reserved_by_lot() == {later.pk: 5}
    soon.refresh_from_db()
    assert soon.quantity_reserved == 0
    order = place(association(name="Autre association"), [(product, 3)])
    before = world()
    with pytest.raises(StockError) as caught:
        approve(order, sc)
    assert "Sérum (0 disponible(s) sur 3 ; lots écartés" in caught.value.message
    assert "SOON" in caught.value.message  # the lot set aside is named
    assert world() == before


def test_past_expiry_held_and_quarantined_lots_are_never_reserved(sc):
    from wms.services import stock

    product = ProductFactory()
    expired = lot_of(product, 10, 5, "OLD")
    ProductLot.objects.filter(pk=expired.pk).update(
        expires_on=expired.expires_on.replace(year=expired.expires_on.year - 1)
    )
    held = lot_of(product, 40, 5, "HELD")
    stock.hold(lot=held, actor=sc.actor, reason="Contrôle")
    good = lot_of(product, 400, 5, "GOOD")

    approve(place(association(), [(product, 5)]), sc)

    assert reserved_by_lot() == {good.pk: 5}


# --- release ---------------------------------------------------------------------------------


def test_rejecting_a_pending_order_leaves_nothing_reserved(sc):
    product = ProductFactory()
    lot = lot_of(product, 100, 10, "A")
    order = place(association(), [(product, 4)])

    orders.reject(order=order, actor=sc.actor, comment="Hors périmètre")

    lot.refresh_from_db()
    assert lot.quantity_reserved == 0
    assert not OrderReservation.objects.exists()


def test_a_manager_cancelling_an_approved_order_releases_every_lot(sc):
    a, b = ProductFactory(), ProductFactory()
    lots = [lot_of(a, 30, 3, "A1"), lot_of(a, 90, 10, "A2"), lot_of(b, 60, 10, "B1")]
    order = approve(place(association(), [(a, 5), (b, 2)]), sc)
    assert sum(reserved_by_lot().values()) == 7

    orders.cancel(order=order, actor=sc.actor, reason="Vol annulé")

    for lot in lots:
        lot.refresh_from_db()
        assert lot.quantity_reserved == 0
    assert not OrderReservation.objects.exists()
    assert set(order.lines.values_list("quantity_reserved", flat=True)) == {0}
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED


def test_released_units_can_be_reserved_by_the_next_order(sc):
    product = ProductFactory()
    lot_of(product, 100, 5, "A")
    first = approve(place(association(), [(product, 5)]), sc)
    second = place(association(name="Deuxième"), [(product, 5)])
    with pytest.raises(StockError, match="Stock insuffisant"):
        approve(second, sc)

    orders.cancel(order=first, actor=sc.actor)
    approve(second, sc)

    assert sum(reserved_by_lot().values()) == 5
    assert OrderReservation.objects.get().line.order == second


def test_an_association_cancelling_its_pending_order_reserves_nothing(sc):
    product = ProductFactory()
    lot_of(product, 100, 5, "A")
    contact = association()
    order = place(contact, [(product, 5)])

    orders.cancel(order=order, actor=portal_actor(contact))

    assert not ProductLot.objects.filter(quantity_reserved__gt=0).exists()
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.review_status == ReviewStatus.PENDING


def test_a_failed_approval_can_be_retried_once_stock_arrives(sc):
    product = ProductFactory()
    order = place(association(), [(product, 5)])
    with pytest.raises(StockError):
        approve(order, sc)
    lot = lot_of(product, 100, 5, "A")

    approve(order, sc)

    assert reserved_by_lot() == {lot.pk: 5}


def test_nobody_but_a_manager_approves(sc, worker):
    product = ProductFactory()
    lot_of(product, 100, 5, "A")
    contact = association()
    order = place(contact, [(product, 1)])
    before = world()
    for actor in (Actor(user=worker), portal_actor(contact), Actor()):
        with pytest.raises(StockError, match="Seul un responsable"):
            orders.approve(
                order=order, approval=orders.Approval(destination=sc.destination), actor=actor
            )
    assert world() == before
