"""`GET /api/v1/receipts/` (+ `{id}/`) with their lines (S-API, S-RECEIPTS)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.api.test_resources_common import (
    API,
    RATE_LIMIT_QUERIES,
    bad_filter,
    ids,
    key_client,
    not_found,
    queries,
    session,
)
from tests.factories import ContactFactory, LocationFactory, ProductFactory, WarehouseFactory
from wms.models import LotStatus, Receipt
from wms.services import receiving

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

RECEIPTS = f"{API}receipts/"
FIELDS = {
    "id",
    "reference",
    "receipt_type",
    "status",
    "source_contact_id",
    "source_name",
    "carrier_contact_id",
    "carrier_name",
    "origin_reference",
    "carrier_reference",
    "pallet_count",
    "carton_count",
    "out_of_format_count",
    "transport_request_date",
    "received_on",
    "warehouse_id",
    "notes",
    "created_at",
    "lines",
    "out_of_format_lines",
}
LINE_FIELDS = {
    "id",
    "product_id",
    "product_sku",
    "product_name",
    "quantity",
    "lot_code",
    "expires_on",
    "lot_status",
    "location_id",
    "storage_conditions",
    "received_lot_id",
}
DAY = dt.date(2025, 3, 14)


@pytest.fixture
def receipts() -> dict[str, Receipt]:
    warehouse = WarehouseFactory(code="REC", name="Réception")
    location = LocationFactory(warehouse=warehouse)
    product = ProductFactory(sku="GANTS-M", name="Gants M", default_location=location)
    donation = receiving.create_receipt(
        received_on=DAY,
        source=ContactFactory(name="Édith Piaf"),
        carrier=ContactFactory(name="Transports Rapides"),
        warehouse=warehouse,
        lines=[
            {"product": product, "quantity": 5, "lot_code": "G1", "expires_on": DAY},
            {"product": product, "quantity": 2, "lot_status": LotStatus.QUARANTINED},
        ],
        out_of_format=["Fauteuil roulant", "Brancard"],
        origin_reference="BL-778",
        notes="Livraison du matin",
    )
    receiving.receive_line(donation.lines.order_by("pk").first())
    pallet = receiving.create_receipt(
        receipt_type="pallet",
        received_on=DAY - dt.timedelta(days=10),
        warehouse=WarehouseFactory(code="ANX", name="Annexe"),
        pallet_count=3,
    )
    return {"donation": donation, "pallet": pallet}


def test_a_receipt_has_exactly_the_documented_fields_with_its_lines(receipts):
    donation = receipts["donation"]
    body = key_client().get(f"{RECEIPTS}{donation.pk}/").json()
    assert set(body) == FIELDS
    first, second = donation.lines.order_by("pk")
    assert {key: body[key] for key in FIELDS - {"lines", "out_of_format_lines", "created_at"}} == {
        "id": donation.pk,
        "reference": donation.reference,
        "receipt_type": "donation",
        "status": "draft",  # one line still to receive
        "source_contact_id": donation.source_contact_id,
        "source_name": "Édith Piaf",
        "carrier_contact_id": donation.carrier_contact_id,
        "carrier_name": "Transports Rapides",
        "origin_reference": "BL-778",
        "carrier_reference": "",
        "pallet_count": 0,
        "carton_count": 0,
        "out_of_format_count": 2,
        "transport_request_date": None,
        "received_on": "2025-03-14",
        "warehouse_id": donation.warehouse_id,
        "notes": "Livraison du matin",
    }
    assert donation.reference.endswith("-EDI-01")
    assert [set(line) for line in body["lines"]] == [LINE_FIELDS, LINE_FIELDS]
    assert body["lines"][0] == {
        "id": first.pk,
        "product_id": first.product_id,
        "product_sku": "GANTS-M",
        "product_name": "Gants M",
        "quantity": 5,
        "lot_code": "G1",
        "expires_on": "2025-03-14",
        "lot_status": "",
        "location_id": None,
        "storage_conditions": "",
        "received_lot_id": first.received_lot_id,
    }
    assert first.received_lot_id is not None
    assert (body["lines"][1]["lot_status"], body["lines"][1]["received_lot_id"]) == (
        "quarantined",
        None,
    )
    assert second.pk == body["lines"][1]["id"]
    assert body["out_of_format_lines"] == [
        {"number": 1, "description": "Fauteuil roulant"},
        {"number": 2, "description": "Brancard"},
    ]


def test_the_list_is_newest_received_first_and_holds_the_lines(receipts):
    response = key_client().get(RECEIPTS)
    assert ids(response) == [receipts["donation"].pk, receipts["pallet"].pk]
    listed = response.json()["results"][0]
    assert listed == key_client().get(f"{RECEIPTS}{receipts['donation'].pk}/").json()


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "draft"}, ["donation", "pallet"]),
        ({"status": "received"}, []),
        ({"type": "pallet"}, ["pallet"]),
        ({"received_after": "2025-03-14"}, ["donation"]),
        ({"received_before": "2025-03-13"}, ["pallet"]),
        ({"received_after": "2025-03-05", "received_before": "2025-03-14"}, ["donation"]),
    ],
)
def test_receipt_filters(receipts, params, expected):
    assert ids(key_client().get(RECEIPTS, params)) == [receipts[name].pk for name in expected]


def test_reference_and_warehouse_filters(receipts):
    donation = receipts["donation"]
    client = key_client()
    assert ids(client.get(RECEIPTS, {"reference": donation.reference.lower()})) == [donation.pk]
    assert ids(client.get(RECEIPTS, {"warehouse": donation.warehouse_id})) == [donation.pk]


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("status", "recue"),
        ("type", "don"),
        ("received_after", "14/03/2025"),
        ("warehouse", "REC"),
    ],
)
def test_a_malformed_filter_is_a_400_naming_it(receipts, param, value):
    bad_filter(key_client().get(RECEIPTS, {param: value}), param)


def test_an_unknown_receipt_is_a_json_404():
    not_found(key_client().get(f"{RECEIPTS}999999/"), "Réception introuvable.")


def make_receipts(count: int) -> None:
    location = LocationFactory()
    for _ in range(count):
        product = ProductFactory(default_location=location)
        receipt = receiving.create_receipt(
            source=ContactFactory(),
            carrier=ContactFactory(),
            lines=[{"product": product, "quantity": 2}, {"product": product, "quantity": 3}],
            out_of_format=["Lit"],
        )
        receiving.receive_all(receipt)


def test_the_query_count_does_not_grow_with_receipts_and_lines(worker):
    client = key_client()
    make_receipts(2)
    small = queries(client, RECEIPTS)
    make_receipts(8)
    large = queries(client, RECEIPTS)
    assert small == large
    # COUNT, receipts with contacts, their lines with products, their out-of-format lines.
    assert large <= 4 + RATE_LIMIT_QUERIES
    assert queries(session(worker), RECEIPTS) == queries(session(worker), RECEIPTS)
