"""Stock under concurrency (S-STOCK), on MariaDB with real threads and transactions: the row
locks of wms/services/stock.py make racing operations serialise instead of losing updates."""

from __future__ import annotations

import pytest
from django.db import connection

from tests.concurrency import race
from tests.factories import ContactFactory, LocationFactory, ProductFactory
from tests.stock_helpers import ledger_is_clean
from wms.models import ProductLot, StockMovement
from wms.services import receiving, stock
from wms.services.errors import StockError
from wms.services.references import next_reference

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_database_under_test_is_mariadb():
    assert connection.vendor == "mysql"


def test_twenty_removals_of_one_from_ten_let_exactly_ten_through():
    product = ProductFactory()
    lot = stock.receive(product=product, quantity=10)
    results, errors = race(20, lambda i: stock.remove(product=product, quantity=1))
    assert len(results) == 10
    assert len(errors) == 10
    assert all(
        isinstance(error, StockError) and "Stock insuffisant" in str(error) for error in errors
    )
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 0
    assert ledger_is_clean()


def test_twenty_adjusts_of_plus_one_all_land():
    lot = stock.receive(product=ProductFactory(), quantity=100)
    _results, errors = race(20, lambda i: stock.adjust(lot=lot, delta=1, reason_code="found"))
    assert errors == []
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 120
    assert StockMovement.objects.filter(lot=lot, movement_type="adjust").count() == 20
    assert ledger_is_clean()


def test_ten_transfers_of_one_to_different_places_empty_the_source():
    lot = stock.receive(product=ProductFactory(), quantity=10)
    destinations = [LocationFactory() for _ in range(10)]
    _results, errors = race(
        10, lambda i: stock.transfer(lot=lot, quantity=1, to_location=destinations[i])
    )
    assert errors == []
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 0
    moved = ProductLot.objects.filter(location__in=destinations)
    assert sorted(moved.values_list("quantity_on_hand", flat=True)) == [1] * 10
    assert ledger_is_clean()


def test_two_concurrent_receives_of_one_line_make_one_lot():
    product = ProductFactory()
    line = receiving.create_receipt(lines=[dict(product=product, quantity=5)]).lines.get()
    results, errors = race(2, lambda i: receiving.receive_line(line))
    assert len(results) == 1
    assert len(errors) == 1 and "déjà été reçue" in str(errors[0])
    assert ProductLot.objects.filter(product=product).count() == 1
    assert ledger_is_clean()


def test_per_donor_receipt_counters_never_repeat():
    donor = ContactFactory(name="Édith Piaf")
    results, errors = race(12, lambda i: next_reference("receipt", source=donor))
    assert errors == []
    assert len(set(results)) == 12
    per_donor = sorted(int(reference.rsplit("-", 1)[1]) for reference in results)
    assert per_donor == list(range(1, 13))


def test_concurrent_removals_across_several_lots_never_oversell():
    product = ProductFactory()
    for quantity in (3, 4, 5):
        stock.receive(product=product, quantity=quantity)
    results, _errors = race(8, lambda i: stock.remove(product=product, quantity=2))
    assert len(results) == 6  # 12 units, 2 at a time
    assert sum(lot.quantity_on_hand for lot in ProductLot.objects.filter(product=product)) == 0
    assert ledger_is_clean()
