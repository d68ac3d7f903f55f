"""Cases an independent review found: a kit and a plain line of one component unpacked
together, a recipient that the shipment would refuse, a recalled lot after unpacking, a
cancelled order's cartons, messages, past dates, duplicated or non-ASCII quantities."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.factories import ContactFactory, DestinationFactory
from tests.shipping_helpers import Scene, scene
from tests.stock_helpers import ledger_is_clean
from tests.wms.test_order_packing import sized
from tests.wms.test_orders_workflow import (
    address_book_entry,
    association,
    lot_of,
    packable,
    place,
    reservations_agree,
    reserved_by_lot,
)
from wms.models import (
    ContactAddress,
    Order,
    OrderStatus,
    ProductKitItem,
    ShipmentStatus,
)
from wms.services import orders, packing, shipping, stock
from wms.services.errors import StockError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def books_balance():
    yield
    assert ledger_is_clean()
    assert reservations_agree()


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


def approve(order: Order, sc: Scene, **approval) -> Order:
    return orders.approve(
        order=order,
        approval=orders.Approval(destination=sc.destination, **approval),
        actor=sc.actor,
    )


def fresh(order: Order) -> Order:
    return Order.objects.get(pk=order.pk)


@override_settings(PORTAL_OFFER_KITS=True)
def test_a_kit_and_a_component_line_unpacked_together_are_both_reserved_again(sc):
    compress, band, kit = sized("Compresse"), sized("Bande"), sized("Kit pansement")
    ProductKitItem.objects.create(kit=kit, component=compress, quantity=2)
    ProductKitItem.objects.create(kit=kit, component=band, quantity=1)
    lot_of(compress, 400, 40, "C")
    lot_of(band, 400, 20, "B")
    order = place(association(), [(kit, 10), (compress, 5)])
    approve(order, sc)
    orders.prepare(order=order, actor=sc.actor)
    for carton in fresh(order).shipment.cartons.all():
        packing.unpack_carton(carton=carton, actor=sc.actor)
    lines = {line.product_id: line for line in fresh(order).lines.all()}
    assert (lines[kit.pk].quantity_reserved, lines[kit.pk].quantity_prepared) == (10, 0)
    assert (lines[compress.pk].quantity_reserved, lines[compress.pk].quantity_prepared) == (5, 0)
    assert sum(reserved_by_lot().values()) == 20 + 10 + 5
    orders.prepare(order=fresh(order), actor=sc.actor)
    assert fresh(order).status == OrderStatus.READY
    packed = sum(
        item.quantity
        for carton in fresh(order).shipment.cartons.all()
        for item in carton.items.all()
    )
    assert packed == 35 and reserved_by_lot() == {}


def test_a_matched_recipient_the_shipment_would_refuse_is_refused_at_approval(sc):
    contact = association()
    entry = address_book_entry(contact, name="Centre Tana")
    order = place(contact, [(packable(), 2)], recipient=entry)
    not_a_recipient = ContactFactory(name="Centre Tana", is_recipient=False)
    ContactAddress.objects.create(
        contact=not_a_recipient, line1="x", city="Antananarivo", country="Madagascar"
    )
    elsewhere = ContactFactory(name="Centre Tana", is_recipient=True)
    ContactAddress.objects.create(
        contact=elsewhere, line1="x", city="Antananarivo", country="Madagascar"
    )
    elsewhere.destinations.add(DestinationFactory(city="Dakar", iata_code="DSS", country="Sénégal"))
    for wrong in (not_a_recipient, elsewhere):
        with pytest.raises(StockError) as refused:
            approve(order, sc, recipient=wrong)
        assert "ne peut pas recevoir" in refused.value.message
    order = fresh(order)
    assert order.review_status == "pending_validation" and reserved_by_lot() == {}
    entry.refresh_from_db()
    assert entry.contact is None


def test_units_of_a_recalled_lot_stay_on_the_shelf_and_others_are_reserved(sc):
    product = sized("Gants")
    first = lot_of(product, 200, 5, "RAPPEL")
    lot_of(product, 400, 20, "SAIN")
    order = place(association(), [(product, 5)])
    approve(order, sc)
    orders.prepare(order=order, actor=sc.actor)
    stock.hold(lot=first, actor=sc.actor, reason="rappel fabricant")
    for carton in fresh(order).shipment.cartons.all():
        packing.unpack_carton(carton=carton, actor=sc.actor)
    first.refresh_from_db()
    assert (first.quantity_on_hand, first.quantity_reserved) == (5, 0)
    orders.prepare(order=fresh(order), actor=sc.actor)
    lots = {
        item.lot.lot_code
        for carton in fresh(order).shipment.cartons.all()
        for item in carton.items.all()
    }
    assert lots == {"SAIN"} and fresh(order).status == OrderStatus.READY


def test_the_reserve_action_tops_up_what_an_approved_order_lacks(sc):
    product = sized("Seringues")
    recalled = lot_of(product, 200, 4, "R")
    lot_of(product, 400, 10, "OK")
    order = place(association(), [(product, 4)])
    approve(order, sc)
    orders.prepare(order=order, actor=sc.actor)
    stock.hold(lot=recalled, actor=sc.actor, reason="rappel")
    for carton in fresh(order).shipment.cartons.all():
        packing.unpack_carton(carton=carton, actor=sc.actor)
    assert fresh(order).lines.get().quantity_reserved == 0
    orders.reserve(order=fresh(order), actor=sc.actor)
    assert fresh(order).lines.get().quantity_reserved == 4


def test_reserving_an_order_not_approved_says_so(sc):
    order = place(association(), [(packable(), 2)])
    with pytest.raises(StockError) as refused:
        orders.reserve(order=order, actor=sc.actor)
    assert refused.value.message.startswith("Commande non validée")


def test_cancelling_a_prepared_order_puts_its_cartons_back_on_the_shelves(sc):
    product = packable(20)
    order = place(association(), [(product, 6)])
    approve(order, sc)
    orders.prepare(order=order, actor=sc.actor)
    shipment = fresh(order).shipment
    orders.cancel(order=fresh(order), actor=sc.actor, reason="vol annulé")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT and not shipment.cartons.exists()
    assert sum(product.lots.values_list("quantity_on_hand", flat=True)) == 20
    with pytest.raises(StockError):
        shipping.ship(shipment=shipment, actor=sc.actor)


def test_deciding_on_an_order_the_association_cancelled_says_it_is_cancelled(sc):
    contact = association()
    order = place(contact, [(packable(), 2)])
    from tests.wms.test_orders_workflow import portal_actor

    orders.cancel(order=order, actor=portal_actor(contact))
    with pytest.raises(StockError) as refused:
        approve(fresh(order), sc)
    assert refused.value.message == f"La commande {order.reference} est annulée."


def test_a_past_requested_date_is_refused_for_every_kind_of_order(sc):
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    with pytest.raises(StockError) as refused:
        orders.submit_order(
            lines=[orders.LineInput(packable(), 1)],
            delivery=orders.Delivery(city="Tana", country="Madagascar", requested_date=yesterday),
            actor=sc.actor,
            association=association(),
            staff=True,
        )
    assert "ne peut pas être passée" in refused.value.message
    assert not Order.objects.exists()
