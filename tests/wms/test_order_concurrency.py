"""Order reservations under concurrency (S-ORDERS, acceptance 4), on MariaDB with real threads
and transactions: approvals racing for the same stock serialise on the lots' row locks, so the
warehouse never reserves more than it holds and the counters always match the reservation rows."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import race
from tests.factories import ProductFactory
from tests.shipping_helpers import scene
from tests.stock_helpers import ledger_is_clean
from tests.wms.test_orders_workflow import association, lot_of, place, reservations_agree
from wms.models import Order, OrderReservation, OrderStatus, ProductLot, ReviewStatus
from wms.services import orders
from wms.services.errors import StockError

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_database_under_test_is_mariadb():
    assert connection.vendor == "mysql"


def test_six_approvals_of_three_from_ten_never_over_reserve(manager):
    sc = scene(manager)
    product = ProductFactory(name="Compresses")
    lot_of(product, 400, 10, "L1")
    pending = [
        place(association(name=f"Association {index}"), [(product, 3)]) for index in range(6)
    ]

    def approve(index: int) -> Order:
        return orders.approve(
            order=pending[index],
            approval=orders.Approval(destination=sc.destination),
            actor=sc.actor,
        )

    results, errors = race(6, approve)

    assert len(results) == 3
    assert len(errors) == 3
    assert all(
        isinstance(error, StockError) and "Stock insuffisant" in error.message for error in errors
    ), errors
    lot = ProductLot.objects.get(product=product)
    assert lot.quantity_reserved == 9 <= lot.quantity_on_hand == 10
    assert sum(OrderReservation.objects.values_list("quantity", flat=True)) == 9
    assert Order.objects.filter(review_status=ReviewStatus.APPROVED).count() == 3
    assert Order.objects.filter(review_status=ReviewStatus.PENDING).count() == 3
    assert reservations_agree()
    assert ledger_is_clean()


def test_approvals_spread_over_several_lots_and_products_stay_consistent(manager):
    sc = scene(manager)
    gloves, masks = ProductFactory(name="Gants"), ProductFactory(name="Masques")
    for days, code in ((30, "A"), (60, "B"), (90, "C")):
        lot_of(gloves, days, 4, f"G{code}")
        lot_of(masks, days, 4, f"M{code}")
    # Lines in both orders of products: the lots are always locked in primary-key order.
    pending = [
        place(
            association(name=f"Association {index}"),
            [(gloves, 2), (masks, 3)] if index % 2 else [(masks, 3), (gloves, 2)],
        )
        for index in range(8)
    ]

    def approve(index: int) -> Order:
        return orders.approve(
            order=pending[index],
            approval=orders.Approval(destination=sc.destination),
            actor=sc.actor,
        )

    results, errors = race(8, approve)

    # 12 masks hold 4 orders of 3; 12 gloves would hold 6 orders of 2.
    assert len(results) == 4
    assert all("Stock insuffisant" in str(error) for error in errors) and len(errors) == 4
    for lot in ProductLot.objects.all():
        assert 0 <= lot.quantity_reserved <= lot.quantity_on_hand
    assert reservations_agree()
    assert ledger_is_clean()


def test_an_approval_racing_a_cancellation_leaves_consistent_counters(manager):
    sc = scene(manager)
    product = ProductFactory()
    lot_of(product, 400, 6, "L1")
    approval = orders.Approval(destination=sc.destination)
    first = orders.approve(
        order=place(association(name="Première"), [(product, 6)]), approval=approval, actor=sc.actor
    )
    second = place(association(name="Seconde"), [(product, 6)])

    def work(index: int) -> Order:
        if index == 0:
            return orders.cancel(order=first, actor=sc.actor)
        return orders.approve(order=second, approval=approval, actor=sc.actor)

    _results, errors = race(2, work)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == OrderStatus.CANCELLED
    # The approval either waited for the released units or found none: never both reserved.
    if errors:
        assert second.review_status == ReviewStatus.PENDING
    else:
        assert second.status == OrderStatus.RESERVED
    assert reservations_agree()
    assert ledger_is_clean()
