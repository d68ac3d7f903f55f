"""`GET /api/v1/cartons/` (+ `{id}/`) with their contents (S-API, S-CARTONS)."""

from __future__ import annotations

from typing import Any

import pytest

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
from tests.shipping_helpers import scene, stocked_product
from wms.models import Carton
from wms.services import packing
from wms.services.stock import Actor

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

CARTONS = f"{API}cartons/"
FIELDS = {
    "id",
    "code",
    "status",
    "status_label",
    "shipment_id",
    "shipment_reference",
    "location_id",
    "location_code",
    "carton_format_id",
    "length_cm",
    "width_cm",
    "height_cm",
    "max_weight_g",
    "created_at",
    "packed_at",
    "notes",
    "items",
}
ITEM_FIELDS = {
    "lot_id",
    "lot_code",
    "expires_on",
    "product_id",
    "product_sku",
    "product_name",
    "quantity",
}


@pytest.fixture
def cartons(manager) -> dict[str, Any]:
    sc = scene(manager)
    shipment = sc.shipment()
    product = stocked_product(30, sku="PANS-01", name="Pansement")
    assigned = packing.pack(product=product, quantity=4, actor=sc.actor, shipment=shipment).carton
    packing.close_carton(carton=assigned, actor=sc.actor)
    loose = packing.pack(product=product, quantity=2, actor=sc.actor).carton
    return {"assigned": assigned, "loose": loose, "shipment": shipment, "product": product}


def test_a_carton_has_exactly_the_documented_fields_with_its_items(cartons):
    assigned: Carton = Carton.objects.get(pk=cartons["assigned"].pk)
    body = key_client().get(f"{CARTONS}{assigned.pk}/").json()
    assert set(body) == FIELDS
    lot = cartons["product"].lots.get()
    assert body["items"] == [
        {
            "lot_id": lot.pk,
            "lot_code": "L1",
            "expires_on": lot.expires_on.isoformat(),
            "product_id": cartons["product"].pk,
            "product_sku": "PANS-01",
            "product_name": "Pansement",
            "quantity": 4,
        }
    ]
    assert set(body["items"][0]) == ITEM_FIELDS
    assert (body["code"], body["status"], body["status_label"]) == (
        assigned.code,
        "packed",
        "Affecté",
    )
    assert (body["shipment_id"], body["shipment_reference"]) == (
        cartons["shipment"].pk,
        cartons["shipment"].reference,
    )
    assert (body["length_cm"], body["max_weight_g"]) == ("40.0", 8000)
    assert body["packed_at"] is not None


def test_cartons_are_listed_newest_first_with_their_items(cartons):
    body = rows(key_client().get(CARTONS))
    assert [row["id"] for row in body] == [cartons["loose"].pk, cartons["assigned"].pk]
    assert [row["items"][0]["quantity"] for row in body] == [2, 4]
    assert body[0]["shipment_id"] is None and body[0]["shipment_reference"] is None


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"status": "packed"}, ["assigned"]),
        ({"status": "picking"}, ["loose"]),
        ({"status": "shipped"}, []),
    ],
)
def test_carton_filters(cartons, params, expected):
    assert ids(key_client().get(CARTONS, params)) == [cartons[name].pk for name in expected]


def test_filters_by_shipment_and_code(cartons):
    client = key_client()
    assigned = [cartons["assigned"].pk]
    assert ids(client.get(CARTONS, {"shipment": cartons["shipment"].pk})) == assigned
    code = Carton.objects.get(pk=cartons["assigned"].pk).code
    assert ids(client.get(CARTONS, {"code": code.lower()})) == assigned
    assert ids(client.get(CARTONS, {"code": code[:-1]})) == []


@pytest.mark.parametrize(
    ("param", "value"), [("status", "ferme"), ("shipment", "25-0001"), ("shipment", "1,2")]
)
def test_a_malformed_filter_is_a_400_naming_it(cartons, param, value):
    bad_filter(key_client().get(CARTONS, {param: value}), param)


def test_an_unknown_carton_is_a_json_404():
    not_found(key_client().get(f"{CARTONS}999999/"), "Carton introuvable.")


def make_cartons(count: int, actor: Any) -> None:
    for _ in range(count):
        first = stocked_product(10)
        second = stocked_product(10)
        carton = packing.pack(product=first, quantity=2, actor=actor).carton
        packing.pack(product=second, quantity=1, actor=actor, carton=carton)


def test_the_query_count_does_not_grow_with_cartons_and_items(cartons, worker):
    sc_actor = Actor(user=worker)
    client = key_client()
    make_cartons(2, sc_actor)
    small = queries(client, CARTONS)
    make_cartons(8, sc_actor)
    large = queries(client, CARTONS)
    assert small == large
    # COUNT, cartons with shipment and location, items with lots and products.
    assert large <= 3 + RATE_LIMIT_QUERIES
    assert queries(session(worker), CARTONS, {"status": "picking"}) == queries(
        session(worker), CARTONS, {"status": "picking"}
    )
