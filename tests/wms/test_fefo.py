"""FEFO (S-STOCK): expiry order, undated lots last, received date then id; past-expiry and
non-available lots never picked; reserved units respected; minimum shelf life for exports."""

import datetime as dt

import pytest
import time_machine

from tests.factories import LocationFactory, ProductFactory
from wms.models import LotStatus, ProductLot
from wms.services import stock
from wms.services.errors import InsufficientStock
from wms.services.fefo import candidate_lots, fefo_order, fefo_sort_key

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def frozen_today():
    # Noon in Paris: "today" is the local date on the server.
    with time_machine.travel(dt.datetime(2026, 6, 15, 10, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def product():
    return ProductFactory()


def lot(product, quantity, expires_on=None, received_on=TODAY, status=None, **kwargs):
    return stock.receive(
        product=product,
        quantity=quantity,
        expires_on=expires_on,
        received_on=received_on,
        status=status,
        **kwargs,
    )


def days(n):
    return TODAY + dt.timedelta(days=n)


def test_candidates_follow_expiry_then_undated_lots_last(product):
    undated = lot(product, 5)
    late = lot(product, 5, expires_on=days(300))
    soon = lot(product, 5, expires_on=days(10))
    assert list(candidate_lots(product)) == [soon, late, undated]


def test_same_expiry_is_ordered_by_received_date_then_id(product):
    second = lot(product, 1, expires_on=days(30), received_on=days(-1))
    first = lot(product, 1, expires_on=days(30), received_on=days(-5))
    third = lot(product, 1, expires_on=days(30), received_on=days(-1))
    assert list(candidate_lots(product)) == [first, second, third]


def test_past_expiry_and_unavailable_lots_are_never_candidates(product):
    lot(product, 5, expires_on=days(-1))  # expired yesterday, status still "available"
    lot(product, 5, expires_on=days(20), status=LotStatus.QUARANTINED)
    lot(product, 5, expires_on=days(20), status=LotStatus.HOLD)
    lot(product, 5, expires_on=days(20), status=LotStatus.EXPIRED)
    good = lot(product, 5, expires_on=TODAY)  # expiring today is still usable today
    assert list(candidate_lots(product)) == [good]


def test_removal_consumes_lots_in_fefo_order_across_lots(product):
    late = lot(product, 10, expires_on=days(90))
    soon = lot(product, 3, expires_on=days(5))
    movements = stock.remove(product=product, quantity=5)
    assert [(m.lot_id, m.delta) for m in movements] == [(soon.pk, -3), (late.pk, -2)]
    soon.refresh_from_db()
    late.refresh_from_db()
    assert (soon.quantity_on_hand, late.quantity_on_hand) == (0, 8)


def test_reserved_units_are_not_picked(product):
    reserved = lot(product, 10, expires_on=days(5))
    free = lot(product, 10, expires_on=days(50))
    # Reservations come with orders (issue 8); set one directly to exercise FEFO.
    ProductLot.objects.filter(pk=reserved.pk).update(quantity_reserved=8)
    movements = stock.remove(product=product, quantity=4)
    assert [(m.lot_id, m.delta) for m in movements] == [(reserved.pk, -2), (free.pk, -2)]
    ProductLot.objects.filter(pk=free.pk).update(quantity_reserved=8)
    assert list(candidate_lots(product)) == []
    with pytest.raises(InsufficientStock, match="Stock insuffisant : 0 disponible"):
        stock.remove(product=product, quantity=1)


def test_past_expiry_lots_are_skipped_and_counted_as_unavailable(product):
    lot(product, 7, expires_on=days(-3))
    lot(product, 2, expires_on=days(3))
    with pytest.raises(InsufficientStock) as error:
        stock.remove(product=product, quantity=5)
    assert error.value.message == "Stock insuffisant : 2 disponible(s)"


def test_minimum_shelf_life_skips_lots_expiring_sooner_and_names_them(product):
    short = lot(product, 5, expires_on=days(100), lot_code="L-SHORT")
    long_lived = lot(product, 5, expires_on=days(400), lot_code="L-LONG")
    undated = lot(product, 5)
    from django.db import transaction

    with transaction.atomic():
        plan = stock.plan_fefo(product, 8, min_shelf_life_days=365)
    assert [(picked.pk, take) for picked, take in plan] == [(long_lived.pk, 5), (undated.pk, 3)]
    with pytest.raises(InsufficientStock) as error, transaction.atomic():
        stock.plan_fefo(product, 12, min_shelf_life_days=365)
    assert "Stock insuffisant : 10 disponible(s)" in error.value.message
    assert "L-SHORT (péremption 23/09/2026)" in error.value.message
    assert short.pk not in [picked.pk for picked, _ in plan]


def test_zero_shelf_life_keeps_every_candidate(product):
    soon = lot(product, 1, expires_on=days(1))
    from django.db import transaction

    with transaction.atomic():
        assert stock.plan_fefo(product, 1, min_shelf_life_days=0) == [(soon, 1)]


def test_other_products_lots_are_ignored(product):
    other = ProductFactory(default_location=LocationFactory())
    lot(other, 50)
    with pytest.raises(InsufficientStock):
        stock.remove(product=product, quantity=1)


def test_sql_and_memory_agree_on_the_fefo_order_even_at_the_last_possible_date(product):
    # Lots without expiry sort as 9999-12-31 in the stored key: a lot dated that very day ties
    # with them, in both orders alike, by reception date then id.
    last_day = lot(product, 1, expires_on=dt.date.max, received_on=TODAY)
    undated_older = lot(product, 1, received_on=TODAY - dt.timedelta(days=30))
    dated = lot(product, 1, expires_on=TODAY + dt.timedelta(days=10))
    undated_newer = lot(product, 1, received_on=TODAY)

    in_sql = list(fefo_order(ProductLot.objects.filter(product=product)))
    in_memory = sorted(ProductLot.objects.filter(product=product), key=fefo_sort_key)

    assert in_sql == in_memory == [dated, undated_older, last_day, undated_newer]
