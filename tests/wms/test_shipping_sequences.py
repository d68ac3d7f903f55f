"""Carton codes and shipment references under concurrency (S-CARTONS, S-SHIPMENTS), on MariaDB
with real threads and transactions: the locked sequence rows never hand out a number twice, the
10,000th shipment of a year gets a fifth digit, and shipping while cartons change never
deadlocks (shipment row first, then cartons, everywhere)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from tests.concurrency import race
from tests.factories import CartonFormatFactory, manager
from tests.shipping_helpers import scene, stocked_product
from tests.stock_helpers import ledger_is_clean
from wms.models import Carton, CartonStatus, ReferenceSequence, Shipment, ShipmentStatus
from wms.services import packing, shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = [pytest.mark.mysql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

THREADS = 12


def test_the_database_under_test_is_mariadb():
    assert connection.vendor == "mysql"


def test_concurrent_cartons_never_share_a_code():
    CartonFormatFactory(name="Standard")
    actor = Actor(user=manager())
    results, errors = race(THREADS, lambda i: packing.create_carton(actor=actor).code)
    assert errors == []
    assert len(set(results)) == THREADS
    day = timezone.localdate().strftime("%Y%m%d")
    assert sorted(results, key=lambda code: int(code.rsplit("-", 1)[1])) == [
        f"XX-{day}-{n}" for n in range(1, THREADS + 1)
    ]
    assert Carton.objects.count() == THREADS


def test_concurrent_shipments_never_share_a_reference():
    sc = scene()
    results, errors = race(THREADS, lambda i: sc.shipment().reference)
    assert errors == []
    assert len(set(results)) == THREADS
    year = timezone.localdate().strftime("%y")
    assert sorted(results) == [f"{year}{n:04d}" for n in range(1, THREADS + 1)]
    assert Shipment.objects.count() == THREADS


def test_the_ten_thousandth_shipment_of_a_year_gets_five_digits():
    sc = scene()
    year = timezone.localdate()
    ReferenceSequence.objects.update_or_create(
        kind="shipment", scope=str(year.year), defaults={"last_value": 9998}
    )
    assert sc.shipment().reference == f"{year:%y}9999"
    assert sc.shipment().reference == f"{year:%y}10000"
    assert sc.shipment().reference == f"{year:%y}10001"


@pytest.mark.parametrize("change", ["reopen", "detach", "unpack", "pack"])
def test_shipping_while_cartons_change_refuses_one_side_and_never_deadlocks(change):
    sc = scene()
    product = stocked_product(100)
    for _round in range(4):
        shipment = sc.packed_shipment(cartons=3)
        cartons = list(shipment.cartons.order_by("pk"))

        def work(index: int, shipment: Shipment = shipment, cartons: list = cartons) -> Any:
            if index == 0:
                return shipping.ship(shipment=shipment, actor=sc.actor)
            carton = cartons[index - 1]
            if change == "reopen":
                return packing.reopen_carton(carton=carton, actor=sc.actor)
            if change == "detach":
                return packing.detach_carton(carton=carton, actor=sc.actor)
            if change == "unpack":
                return packing.unpack_carton(carton=carton, actor=sc.actor)
            return packing.pack(product=product, quantity=1, actor=sc.actor, shipment=shipment)

        _results, errors = race(3, work)
        # Refusals with a message only: no deadlock (OperationalError 1213), no crash.
        assert all(isinstance(error, StockError) for error in errors), errors
        shipment.refresh_from_db()
        statuses = set(shipment.cartons.values_list("status", flat=True))
        if shipment.status == ShipmentStatus.SHIPPED:
            assert statuses == {CartonStatus.SHIPPED}
        else:
            assert CartonStatus.SHIPPED not in statuses
    assert ledger_is_clean()
