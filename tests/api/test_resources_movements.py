"""`GET /api/v1/movements/` (+ `{id}/`): the stock ledger, newest first, filters product, lot,
type and since (S-API, S-STOCK)."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
import time_machine

from tests.api.test_resources_common import (
    API,
    RATE_LIMIT_QUERIES,
    bad_filter,
    ids,
    key_client,
    not_found,
    queries,
    rows,
    session,
)
from tests.factories import LocationFactory, ProductFactory
from wms.models import StockMovement
from wms.services import stock
from wms.services.stock import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

MOVEMENTS = f"{API}movements/"
FIELDS = {
    "id",
    "product_id",
    "product_sku",
    "lot_id",
    "lot_code",
    "delta",
    "movement_type",
    "reason_code",
    "notes",
    "from_location_id",
    "to_location_id",
    "carton_id",
    "shipment_id",
    "receipt_id",
    "user",
    "operation_id",
    "created_at",
}


def test_a_movement_has_exactly_the_documented_fields(worker):
    product = ProductFactory(sku="SKU-MOV")
    lot = stock.receive(product=product, quantity=8, lot_code="L-7")
    operation = uuid.uuid4()
    destination = LocationFactory()
    stock.transfer(
        lot=lot,
        quantity=3,
        to_location=destination,
        actor=Actor(user=worker, operation_id=operation),
        notes="Rangement",
    )
    newest = rows(key_client().get(MOVEMENTS))[0]
    assert set(newest) == FIELDS
    movement = StockMovement.objects.order_by("-pk").first()
    assert newest == {
        "id": movement.pk,
        "product_id": product.pk,
        "product_sku": "SKU-MOV",
        "lot_id": movement.lot_id,
        "lot_code": "L-7",
        "delta": 3,
        "movement_type": "transfer",
        "reason_code": "",
        "notes": "Rangement",
        "from_location_id": lot.location_id,
        "to_location_id": destination.pk,
        "carton_id": None,
        "shipment_id": None,
        "receipt_id": None,
        "user": "magasinier-test",
        "operation_id": str(operation),
        "created_at": newest["created_at"],
    }
    assert dt.datetime.fromisoformat(newest["created_at"]) == movement.created_at
    first = key_client().get(f"{MOVEMENTS}{StockMovement.objects.order_by('pk')[0].pk}/").json()
    assert (first["movement_type"], first["delta"], first["user"]) == ("in", 8, None)


def test_movements_come_newest_first():
    lot = stock.receive(product=ProductFactory(), quantity=5)
    stock.adjust(lot=lot, delta=2, reason_code="found")
    stock.adjust(lot=lot, delta=-1, reason_code="lost")
    expected = list(
        StockMovement.objects.order_by("-created_at", "-pk").values_list("pk", flat=True)
    )
    assert ids(key_client().get(MOVEMENTS)) == expected
    assert [row["delta"] for row in rows(key_client().get(MOVEMENTS))] == [-1, 2, 5]


def test_filters_by_product_lot_and_type():
    product = ProductFactory()
    first = stock.receive(product=product, quantity=5)
    second = stock.receive(product=product, quantity=4)
    stock.adjust(lot=second, delta=-1, reason_code="damaged")
    other = stock.receive(product=ProductFactory(), quantity=1)
    client = key_client()
    of_product = StockMovement.objects.filter(product=product).order_by("-created_at", "-pk")
    assert ids(client.get(MOVEMENTS, {"product": product.pk})) == [m.pk for m in of_product]
    assert [row["lot_id"] for row in rows(client.get(MOVEMENTS, {"lot": first.pk}))] == [first.pk]
    adjusted = rows(client.get(MOVEMENTS, {"type": "adjust"}))
    assert [(row["lot_id"], row["delta"]) for row in adjusted] == [(second.pk, -1)]
    ins = rows(client.get(MOVEMENTS, {"type": "in", "product": other.product_id}))
    assert [row["lot_id"] for row in ins] == [other.pk]


def test_since_reads_a_naive_value_in_paris_time():
    product = ProductFactory()
    # 09:00 and 09:30 UTC are 10:00 and 10:30 in Paris (winter time).
    with time_machine.travel(dt.datetime(2025, 1, 15, 9, 0, tzinfo=dt.UTC), tick=False):
        early = stock.receive(product=product, quantity=1)
    with time_machine.travel(dt.datetime(2025, 1, 15, 9, 30, tzinfo=dt.UTC), tick=False):
        late = stock.receive(product=product, quantity=2)
    client = key_client()

    def lots_since(value: str) -> list[int]:
        return [row["lot_id"] for row in rows(client.get(MOVEMENTS, {"since": value}))]

    assert lots_since("2025-01-15T10:15:00") == [late.pk]  # naive: Paris
    assert lots_since("2025-01-15T09:15:00Z") == [late.pk]
    assert lots_since("2025-01-15T10:15:00+01:00") == [late.pk]
    assert lots_since("2025-01-15T10:00:00") == [late.pk, early.pk]  # inclusive
    assert lots_since("2025-01-15T10:30:01") == []
    assert lots_since("2025-01-15") == [late.pk, early.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("since", "hier"),
        ("since", "2025-13-01T00:00:00"),
        ("type", "vol"),
        ("product", "x"),
        ("lot", "1e3"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(param, value):
    stock.receive(product=ProductFactory(), quantity=1)
    bad_filter(key_client().get(MOVEMENTS, {param: value}), param)


def test_an_unknown_movement_is_a_json_404():
    not_found(key_client().get(f"{MOVEMENTS}999999/"), "Mouvement introuvable.")


def make_movements(count: int, user: object) -> None:
    for index in range(count):
        lot = stock.receive(product=ProductFactory(), quantity=index + 2)
        stock.adjust(lot=lot, delta=-1, reason_code="lost", actor=Actor(user=user))


@pytest.mark.parametrize("params", [{}, {"type": "adjust"}])
def test_the_query_count_does_not_grow_with_the_ledger(worker, params):
    client = key_client()
    make_movements(2, worker)
    small = queries(client, MOVEMENTS, params)
    make_movements(10, worker)
    large = queries(client, MOVEMENTS, params)
    assert small == large
    assert large <= 2 + RATE_LIMIT_QUERIES
    assert len(rows(session(worker).get(MOVEMENTS))) == 24
