"""`POST /api/v1/stock/receive/` and `POST /api/v1/pack/` — api-v1-compat.md "Stock receive" and
"Pack": the 201 bodies, 400 for missing objects and domain refusals (nothing changed),
Idempotency-Key (one effect per caller and key), and who may write."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings

from tests.api import (
    INTEGRATION_KEY,
    anonymous,
    api_key_client,
    integration_client,
    session_client,
)
from tests.factories import CartonFormatFactory, LocationFactory, ProductFactory
from tests.shipping_helpers import scene, stocked_product
from tests.stock_helpers import ledger_is_clean, snapshot
from tests.wms.test_orders_workflow import association
from wms.models import (
    Carton,
    CartonStatus,
    LotStatus,
    MovementType,
    Product,
    ProductLot,
    Receipt,
    StockMovement,
)
from wms.services import packing
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

RECEIVE = "/api/v1/stock/receive/"
PACK = "/api/v1/pack/"
RECEIVED_FIELDS = {"lot_id", "product_id", "quantity", "location_id"}
PACKED_FIELDS = {"carton_id", "carton_code", "status"}


@pytest.fixture(autouse=True)
def integration_key() -> Iterator[None]:
    with override_settings(INTEGRATION_API_KEY=INTEGRATION_KEY):
        yield


@pytest.fixture(autouse=True)
def books_balance() -> Iterator[None]:
    yield
    assert ledger_is_clean()


def post(client: Any, path: str, body: dict[str, Any], key: str | None = None) -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(path, body, format="json", **headers)


# --- receive -----------------------------------------------------------------------------------


def test_a_worker_receives_a_lot_and_gets_exactly_the_contract_body(worker):
    product = ProductFactory()
    location = LocationFactory()
    receipt = Receipt.objects.create(reference="26-01-XXX-00", received_on="2026-01-10")
    response = post(
        session_client(worker),
        RECEIVE,
        {
            "product_id": product.pk,
            "quantity": 12,
            "location_id": location.pk,
            "lot_code": "LOT-7",
            "received_on": "2026-01-10",
            "expires_on": "2027-06-30",
            "status": "hold",
            "storage_conditions": "Au frais",
            "source_receipt_id": receipt.pk,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == RECEIVED_FIELDS
    lot = ProductLot.objects.get()
    assert body == {
        "lot_id": lot.pk,
        "product_id": product.pk,
        "quantity": 12,
        "location_id": location.pk,
    }
    assert (lot.lot_code, str(lot.expires_on), str(lot.received_on)) == (
        "LOT-7",
        "2027-06-30",
        "2026-01-10",
    )
    assert (lot.status, lot.storage_conditions, lot.source_receipt_id) == (
        LotStatus.HOLD,
        "Au frais",
        receipt.pk,
    )
    movement = StockMovement.objects.get()
    assert (movement.movement_type, movement.delta, movement.user) == (MovementType.IN, 12, worker)
    assert movement.receipt_id == receipt.pk


def test_only_product_and_quantity_are_needed(manager):
    product = ProductFactory()
    response = post(session_client(manager), RECEIVE, {"product_id": product.pk, "quantity": 3})
    assert response.status_code == 201, response.content
    lot = ProductLot.objects.get()
    # The product's default location, and a blank status: available (no quarantine default).
    assert response.json()["location_id"] == product.default_location_id
    assert lot.status == LotStatus.AVAILABLE


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"product_id": 999999, "quantity": 1}, "product_id"),
        ({"quantity": 1}, "product_id"),
        ({"product_id": "PRODUCT", "quantity": 1}, "product_id"),
        ({"product_id": 10**30, "quantity": 1}, "product_id"),
        ({"product_id": "<product>", "quantity": 0}, "quantity"),
        ({"product_id": "<product>", "quantity": 1.5}, "quantity"),
        ({"product_id": "<product>", "quantity": 1, "location_id": 999999}, "location_id"),
        (
            {"product_id": "<product>", "quantity": 1, "source_receipt_id": 999999},
            "source_receipt_id",
        ),
        ({"product_id": "<product>", "quantity": 1, "expires_on": "31/12/2026"}, "expires_on"),
        ({"product_id": "<product>", "quantity": 1, "status": "perdu"}, "status"),
        ({"product_id": "<product>", "quantity": 1, "lot_code": "x" * 61}, "lot_code"),
        ({"product_id": "<product>", "quantity": 1, "lot_code": "a\x00b"}, "lot_code"),
    ],
)
def test_bad_or_missing_objects_are_a_400_naming_the_field(worker, body, field):
    product = ProductFactory()
    body = {key: product.pk if value == "<product>" else value for key, value in body.items()}
    before = snapshot()
    response = post(session_client(worker), RECEIVE, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_a_domain_refusal_is_a_400_with_the_service_message(worker):
    product = ProductFactory(name="Vaccin", perishable=True)
    before = snapshot()
    response = post(session_client(worker), RECEIVE, {"product_id": product.pk, "quantity": 2})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "« Vaccin » est périssable : la date de péremption est obligatoire.",
        "errors": {},
        "code": "invalid",
    }
    assert snapshot() == before


def test_a_product_without_location_is_refused_when_none_is_given(worker):
    product = ProductFactory(default_location=None)
    response = post(session_client(worker), RECEIVE, {"product_id": product.pk, "quantity": 2})
    assert response.status_code == 400
    assert "Aucun emplacement" in response.json()["detail"]
    assert not ProductLot.objects.exists()


def test_the_same_idempotency_key_receives_once_and_answers_the_same(worker):
    product = ProductFactory()
    client = session_client(worker)
    body = {"product_id": product.pk, "quantity": 5}
    first = post(client, RECEIVE, body, key="reception-1")
    second = post(client, RECEIVE, body, key="reception-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert (ProductLot.objects.count(), StockMovement.objects.count()) == (1, 1)


def test_the_same_idempotency_key_with_another_body_is_a_409(worker):
    product = ProductFactory()
    client = session_client(worker)
    assert (
        post(client, RECEIVE, {"product_id": product.pk, "quantity": 5}, key="k").status_code == 201
    )
    conflict = post(client, RECEIVE, {"product_id": product.pk, "quantity": 6}, key="k")
    assert conflict.status_code == 409
    assert (
        conflict.json()["detail"] == "Cette clé d'idempotence a déjà servi pour une autre requête."
    )
    assert StockMovement.objects.count() == 1


def test_the_same_idempotency_key_from_two_callers_applies_twice(worker, manager):
    product = ProductFactory()
    body = {"product_id": product.pk, "quantity": 5}
    callers = [
        session_client(worker),
        session_client(manager),
        api_key_client("Client A", write=True),
        api_key_client("Client B", write=True),
    ]
    for client in callers:
        assert post(client, RECEIVE, body, key="shared-key").status_code == 201
    assert (ProductLot.objects.count(), StockMovement.objects.count()) == (4, 4)


def test_without_idempotency_key_every_send_applies(worker):
    product = ProductFactory()
    client = session_client(worker)
    for _ in range(2):
        assert post(client, RECEIVE, {"product_id": product.pk, "quantity": 1}).status_code == 201
    assert ProductLot.objects.count() == 2


def test_a_key_with_write_receives_and_the_ledger_names_no_user():
    product = ProductFactory()
    client = api_key_client(read=False, write=True)
    response = post(client, RECEIVE, {"product_id": product.pk, "quantity": 4})
    assert response.status_code == 201, response.content
    assert StockMovement.objects.get().user is None


def test_callers_without_write_may_not_receive(worker):
    product = ProductFactory()
    body = {"product_id": product.pk, "quantity": 4}
    user = association("Asso Curieuse").association_profiles.get().user
    assert post(anonymous(), RECEIVE, body).status_code == 401
    for client in (
        session_client(user),
        integration_client(),
        api_key_client(read=True, events=True),
    ):
        response = post(client, RECEIVE, body)
        assert response.status_code == 403
        assert set(response.json()) == {"detail", "errors"}
    assert not ProductLot.objects.exists()


# --- pack --------------------------------------------------------------------------------------


@pytest.fixture
def product() -> Product:
    CartonFormatFactory(name="Standard")
    return stocked_product(20)


def test_a_worker_packs_into_a_new_carton_and_gets_exactly_the_contract_body(worker, product):
    response = post(session_client(worker), PACK, {"product_id": product.pk, "quantity": 3})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == PACKED_FIELDS
    carton = Carton.objects.get()
    assert body == {"carton_id": carton.pk, "carton_code": carton.code, "status": "picking"}
    assert carton.items.get().quantity == 3
    assert carton.prepared_by == worker
    assert StockMovement.objects.filter(movement_type=MovementType.PRECONDITION).count() == 1


def test_packing_by_carton_id_or_code_fills_that_carton(worker, product):
    carton = packing.pack(product=product, quantity=1, actor=Actor(user=worker)).carton
    client = session_client(worker)
    by_id = post(client, PACK, {"product_id": product.pk, "quantity": 2, "carton_id": carton.pk})
    assert by_id.status_code == 201, by_id.content
    by_code = post(
        client, PACK, {"product_id": product.pk, "quantity": 4, "carton_code": carton.code.lower()}
    )
    assert by_code.status_code == 201, by_code.content
    assert by_id.json()["carton_id"] == by_code.json()["carton_id"] == carton.pk
    assert Carton.objects.count() == 1
    assert sum(item.quantity for item in carton.items.all()) == 7


def test_current_location_id_places_the_carton(worker, product):
    location = LocationFactory()
    response = post(
        session_client(worker),
        PACK,
        {"product_id": product.pk, "quantity": 1, "current_location_id": location.pk},
    )
    assert response.status_code == 201, response.content
    assert Carton.objects.get().location == location


def test_packing_into_a_shipment_takes_the_stock_out(manager):
    sc = scene(manager)
    shipment = sc.shipment()
    product = stocked_product(10)
    response = post(
        session_client(manager),
        PACK,
        {"product_id": product.pk, "quantity": 2, "shipment_id": shipment.pk},
    )
    assert response.status_code == 201, response.content
    carton = Carton.objects.get(pk=response.json()["carton_id"])
    assert carton.shipment == shipment
    assert StockMovement.objects.filter(movement_type=MovementType.OUT).count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"carton_id": "<carton>", "carton_code": "<code>"}, "carton_code"),
        ({"carton_id": 999999}, "carton_id"),
        ({"carton_code": "XX-19990101-1"}, "carton_code"),
        ({"shipment_id": 999999}, "shipment_id"),
        ({"current_location_id": 999999}, "current_location_id"),
        ({"product_id": 999999}, "product_id"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": "beaucoup"}, "quantity"),
    ],
)
def test_bad_or_missing_objects_are_a_400_and_nothing_is_packed(worker, product, extra, field):
    carton = packing.pack(product=product, quantity=1, actor=Actor(user=worker)).carton
    replaced = {"<carton>": carton.pk, "<code>": carton.code}
    body = {"product_id": product.pk, "quantity": 1}
    body.update({key: replaced.get(value, value) for key, value in extra.items()})
    before = snapshot()
    response = post(session_client(worker), PACK, body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_a_domain_refusal_is_a_400_and_leaves_the_carton_where_it_was(worker, product):
    carton = packing.pack(product=product, quantity=1, actor=Actor(user=worker)).carton
    packing.close_carton(carton=carton, actor=Actor(user=worker))
    location = LocationFactory()
    before = snapshot()
    response = post(
        session_client(worker),
        PACK,
        {
            "product_id": product.pk,
            "quantity": 1,
            "carton_id": carton.pk,
            "current_location_id": location.pk,
        },
    )
    assert response.status_code == 400
    assert "est fermé" in response.json()["detail"]
    assert snapshot() == before
    carton.refresh_from_db()
    assert (carton.status, carton.location) == (CartonStatus.PACKED, None)


def test_insufficient_stock_is_a_400(worker, product):
    response = post(session_client(worker), PACK, {"product_id": product.pk, "quantity": 500})
    assert response.status_code == 400
    assert "Stock insuffisant : 20 disponible(s)" in response.json()["detail"]
    assert not Carton.objects.exists()


def test_the_same_idempotency_key_packs_once_and_answers_the_same(worker, product):
    client = session_client(worker)
    body = {"product_id": product.pk, "quantity": 2}
    first = post(client, PACK, body, key="colis-1")
    second = post(client, PACK, body, key="colis-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert Carton.objects.count() == 1
    assert StockMovement.objects.filter(movement_type=MovementType.PRECONDITION).count() == 1
    conflict = post(client, PACK, {**body, "quantity": 3}, key="colis-1")
    assert conflict.status_code == 409


def test_the_same_idempotency_key_from_two_keys_packs_twice(product):
    body = {"product_id": product.pk, "quantity": 2}
    for name in ("Client A", "Client B"):
        client = api_key_client(name, write=True)
        assert post(client, PACK, body, key="same").status_code == 201
    assert Carton.objects.count() == 2


def test_callers_without_write_may_not_pack(product):
    body = {"product_id": product.pk, "quantity": 1}
    user = association("Asso Curieuse").association_profiles.get().user
    assert post(anonymous(), PACK, body).status_code == 401
    for client in (session_client(user), integration_client(), api_key_client(read=True)):
        assert post(client, PACK, body).status_code == 403
    assert not Carton.objects.exists()


def test_a_key_with_write_packs(product):
    response = post(api_key_client(write=True), PACK, {"product_id": product.pk, "quantity": 1})
    assert response.status_code == 201, response.content
    assert Carton.objects.get().prepared_by is None
