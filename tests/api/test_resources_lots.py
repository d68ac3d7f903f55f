"""`GET /api/v1/lots/` (+ `{id}/`): lots in FEFO order, filters, shape, queries (S-API, S-STOCK)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.api.test_resources_common import (
    API,
    RATE_LIMIT_QUERIES,
    bad_filter,
    ids,
    key_client,
    not_found,
    page,
    queries,
    rows,
    session,
)
from tests.factories import LocationFactory, ProductFactory, WarehouseFactory
from wms.models import LotStatus, ProductLot
from wms.services import stock
from wms.services.fefo import fefo_order, today

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

LOTS = f"{API}lots/"
FIELDS = {
    "id",
    "product_id",
    "product_sku",
    "product_name",
    "lot_code",
    "expires_on",
    "received_on",
    "status",
    "quantity_on_hand",
    "quantity_reserved",
    "quantity_available",
    "location_id",
    "location_code",
    "warehouse_id",
    "warehouse_code",
    "storage_conditions",
    "source_receipt_id",
}


def days(count: int) -> dt.date:
    return today() + dt.timedelta(days=count)


def reserve(lot: ProductLot, quantity: int) -> None:
    # Test setup only: reservations belong to orders; the API only reads the column.
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=quantity)


def test_a_lot_has_exactly_the_documented_fields():
    warehouse = WarehouseFactory(code="CDG")
    location = LocationFactory(warehouse=warehouse, zone="b", aisle="02", shelf="3")
    product = ProductFactory(sku="MED-001", name="Compresse", default_location=location)
    lot = stock.receive(product=product, quantity=10, lot_code="L-42", expires_on=days(30))
    reserve(lot, 4)
    body = page(key_client().get(LOTS))
    assert body["count"] == 1
    row = body["results"][0]
    assert set(row) == FIELDS
    assert row == {
        "id": lot.pk,
        "product_id": product.pk,
        "product_sku": "MED-001",
        "product_name": "Compresse",
        "lot_code": "L-42",
        "expires_on": days(30).isoformat(),
        "received_on": today().isoformat(),
        "status": "available",
        "quantity_on_hand": 10,
        "quantity_reserved": 4,
        "quantity_available": 6,
        "location_id": location.pk,
        "location_code": "B-02-3",
        "warehouse_id": warehouse.pk,
        "warehouse_code": "CDG",
        "storage_conditions": "",
        "source_receipt_id": None,
    }
    assert key_client().get(f"{LOTS}{lot.pk}/").json() == row


def test_lots_come_in_fefo_order():
    product = ProductFactory()
    other = ProductFactory()
    no_expiry = stock.receive(product=product, quantity=1)
    late = stock.receive(product=product, quantity=1, expires_on=days(90))
    soon_received_later = stock.receive(
        product=other, quantity=1, expires_on=days(10), received_on=today()
    )
    soon_received_first = stock.receive(
        product=product, quantity=1, expires_on=days(10), received_on=days(-5)
    )
    expired = stock.receive(
        product=other, quantity=1, expires_on=days(-1), status=LotStatus.EXPIRED
    )
    same_day_second = stock.receive(
        product=product, quantity=1, expires_on=days(10), received_on=today()
    )
    expected = [
        expired.pk,
        soon_received_first.pk,
        soon_received_later.pk,
        same_day_second.pk,
        late.pk,
        no_expiry.pk,
    ]
    assert ids(key_client().get(LOTS)) == expected
    assert expected == list(fefo_order(ProductLot.objects.all()).values_list("pk", flat=True))
    # Filters keep the order.
    assert ids(key_client().get(LOTS, {"product": product.pk})) == [
        soon_received_first.pk,
        same_day_second.pk,
        late.pk,
        no_expiry.pk,
    ]


@pytest.fixture
def lots() -> dict[str, Any]:
    """Two lots that differ in every filtered field."""
    here = WarehouseFactory(code="ICI")
    there = WarehouseFactory(code="LA")
    target_location = LocationFactory(warehouse=here)
    other_location = LocationFactory(warehouse=there)
    target = stock.receive(
        product=ProductFactory(default_location=target_location),
        quantity=5,
        lot_code="Lot-Cible",
        expires_on=days(20),
        status=LotStatus.QUARANTINED,
    )
    other = stock.receive(
        product=ProductFactory(default_location=other_location),
        quantity=3,
        lot_code="AUTRE",
        expires_on=days(200),
    )
    stock.adjust(lot=other, delta=-3, reason_code="lost")  # empty
    return {"target": target, "other": other, "here": here}


TARGET_ONLY = [
    ("product", lambda c: c["target"].product_id),
    ("status", lambda c: "quarantined"),
    ("location", lambda c: c["target"].location_id),
    ("warehouse", lambda c: c["here"].pk),
    ("expires_before", lambda c: days(20).isoformat()),  # inclusive
    ("lot_code", lambda c: "lot-cible"),  # any case, whole code
    ("in_stock", lambda c: "true"),
]


@pytest.mark.parametrize(("param", "value"), TARGET_ONLY, ids=[p for p, _ in TARGET_ONLY])
def test_each_filter_selects_the_matching_lot(lots, param, value):
    assert ids(key_client().get(LOTS, {param: value(lots)})) == [lots["target"].pk]


def test_filters_select_the_other_lot_too(lots):
    client = key_client()
    other = [lots["other"].pk]
    assert ids(client.get(LOTS, {"expires_after": days(200).isoformat()})) == other  # inclusive
    assert ids(client.get(LOTS, {"expires_before": days(19).isoformat()})) == []
    assert ids(client.get(LOTS, {"in_stock": "0"})) == other
    assert ids(client.get(LOTS, {"status": "available"})) == other
    assert ids(client.get(LOTS, {"lot_code": "lot"})) == []  # not a "contains" filter
    assert ids(client.get(LOTS, {"product": 999999})) == []


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("product", "abc"),
        ("product", "1.5"),
        ("product", "99999999999999999999999"),
        ("status", "perdu"),
        ("location", "A-01-1"),
        ("warehouse", ""),
        ("expires_before", "demain"),
        ("expires_after", "2025-02-30"),
        ("in_stock", "peut-être"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(lots, param, value):
    if param == "warehouse":  # an empty value means "no filter"
        assert len(rows(key_client().get(LOTS, {param: value}))) == 2
        return
    bad_filter(key_client().get(LOTS, {param: value}), param)


def test_unknown_parameters_are_ignored(lots):
    assert len(rows(key_client().get(LOTS, {"colour": "bleu"}))) == 2


def test_the_detail_ignores_list_filters_and_unknown_ids_are_404(lots):
    client = key_client()
    response = client.get(f"{LOTS}{lots['other'].pk}/", {"status": "perdu"})
    assert response.status_code == 200
    assert response.json()["quantity_on_hand"] == 0
    not_found(client.get(f"{LOTS}999999/"), "Lot introuvable.")
    not_found(client.get(f"{LOTS}99999999999999999999999/"), "Lot introuvable.")


def make_lots(count: int) -> None:
    for index in range(count):
        warehouse = WarehouseFactory(code=f"Q{ProductLot.objects.count()}")
        product = ProductFactory(default_location=LocationFactory(warehouse=warehouse))
        stock.receive(product=product, quantity=index + 1, expires_on=days(index))


@pytest.mark.parametrize("params", [{}, {"status": "available"}, {"page_size": 200}])
def test_the_query_count_does_not_grow_with_the_number_of_lots(params):
    client = key_client()
    make_lots(3)
    small = queries(client, LOTS, params)
    make_lots(12)
    large = queries(client, LOTS, params)
    assert small == large
    # COUNT, the page (the lot table alone: tests/perf/test_query_plans.py), then its products,
    # locations and warehouses; plus the rate limit.
    assert large <= 5 + RATE_LIMIT_QUERIES


def test_a_session_reads_the_lots_in_as_many_queries_at_any_size(worker):
    client = session(worker)
    make_lots(3)
    small = queries(client, LOTS)
    make_lots(12)
    assert queries(client, LOTS) == small
    assert queries(client, f"{LOTS}{ProductLot.objects.first().pk}/") <= small
