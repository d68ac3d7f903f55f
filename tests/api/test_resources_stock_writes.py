"""`POST /api/v1/stock/adjust/` and `/api/v1/stock/transfer/`: the stock services behind the
API, refusals with their French message and nothing changed, Idempotency-Key, who may write
(S-API, S-STOCK, S-ROLES)."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import Principals
from tests.api.test_resources_common import API, session, write_key_client
from tests.factories import LocationFactory, ProductFactory
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import MovementType, ProductLot, StockMovement
from wms.services import stock

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

ADJUST = f"{API}stock/adjust/"
TRANSFER = f"{API}stock/transfer/"


@pytest.fixture
def lot() -> ProductLot:
    return stock.receive(product=ProductFactory(), quantity=10, lot_code="L-API")


def post(client: APIClient, path: str, body: dict[str, Any], **headers: str) -> Any:
    return client.post(path, body, format="json", **headers)


def refused_with(response: Any, detail: str, errors: dict[str, list[str]] | None = None) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == detail
    if errors is not None:
        assert body["errors"] == errors


# --- adjust ------------------------------------------------------------------------------------


def test_a_worker_adjusts_a_lot(worker, lot):
    body = {"lot_id": lot.pk, "delta": -3, "reason_code": "damaged", "notes": "Carton mouillé"}
    response = post(session(worker), ADJUST, body)
    assert response.status_code == 201, response.content
    movement = StockMovement.objects.get(movement_type=MovementType.ADJUST)
    assert response.json() == {
        "movement_id": movement.pk,
        "lot_id": lot.pk,
        "delta": -3,
        "quantity_on_hand": 7,
        "quantity_available": 7,
    }
    assert (movement.reason_code, movement.notes, movement.user) == (
        "damaged",
        "Carton mouillé",
        worker,
    )
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 7
    assert ledger_is_clean()


def test_a_write_key_adjusts_without_a_user(lot):
    response = post(
        write_key_client(), ADJUST, {"lot_id": lot.pk, "delta": 2, "reason_code": "found"}
    )
    assert response.status_code == 201
    assert StockMovement.objects.get(pk=response.json()["movement_id"]).user is None


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"delta": 0, "reason_code": "found"}, "La variation ne peut pas être nulle."),
        (
            {"delta": -11, "reason_code": "lost"},
            "Ajustement impossible : le stock deviendrait négatif (-1).",
        ),
        (
            {"delta": 20_000_000, "reason_code": "found"},
            "La variation est trop grande (au plus 10 000 000).",
        ),
    ],
)
def test_an_adjustment_the_rules_refuse_changes_nothing(worker, lot, body, detail):
    before = snapshot()
    response = post(session(worker), ADJUST, {"lot_id": lot.pk, **body})
    refused_with(response, detail, {})
    assert snapshot() == before


def test_an_adjustment_below_the_reserved_quantity_is_refused(worker, lot):
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=8)  # as an order would
    before = snapshot()
    response = post(session(worker), ADJUST, {"lot_id": lot.pk, "delta": -3, "reason_code": "lost"})
    refused_with(response, "Ajustement impossible : 8 unité(s) sont réservées sur ce lot.")
    assert snapshot() == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lot_id": 999999, "delta": 1, "reason_code": "found"}, "lot_id"),
        ({"lot_id": 99999999999999999999999, "delta": 1, "reason_code": "found"}, "lot_id"),
        ({"lot_id": "abc", "delta": 1, "reason_code": "found"}, "lot_id"),
        ({"delta": 1, "reason_code": "found"}, "lot_id"),
        ({"lot_id": "LOT", "delta": "beaucoup", "reason_code": "found"}, "lot_id"),
        ({"lot_id": None, "delta": 1, "reason_code": "found"}, "lot_id"),
        ({"delta": 1.5, "reason_code": "found"}, "delta"),
        ({"reason_code": "found"}, "delta"),
        ({"delta": 1, "reason_code": "vol"}, "reason_code"),
        ({"delta": 1, "reason_code": "found", "notes": "x" * 401}, "notes"),
    ],
)
def test_bad_adjust_data_is_a_400_naming_the_field(worker, lot, body, field):
    if "lot_id" not in body and field != "lot_id":
        body = {"lot_id": lot.pk, **body}
    before = snapshot()
    response = post(session(worker), ADJUST, body)
    refused_with(response, "Données invalides.")
    assert field in response.json()["errors"]
    assert snapshot() == before


def test_a_missing_lot_is_named(worker):
    response = post(session(worker), ADJUST, {"lot_id": 424242, "delta": 1, "reason_code": "found"})
    refused_with(response, "Données invalides.", {"lot_id": ["Lot introuvable."]})


# --- transfer ----------------------------------------------------------------------------------


def test_a_worker_transfers_part_of_a_lot(worker, lot):
    destination = LocationFactory()
    response = post(
        session(worker),
        TRANSFER,
        {"lot_id": lot.pk, "quantity": 4, "to_location_id": destination.pk},
    )
    assert response.status_code == 201, response.content
    moved = ProductLot.objects.get(location=destination)
    assert response.json() == {
        "lot_id": moved.pk,
        "source_lot_id": lot.pk,
        "location_id": destination.pk,
        "quantity": 4,
        "quantity_on_hand": 4,
    }
    lot.refresh_from_db()
    assert (lot.quantity_on_hand, moved.lot_code) == (6, "L-API")
    assert StockMovement.objects.filter(movement_type=MovementType.TRANSFER).count() == 2
    # A second transfer to the same place joins the same lot.
    again = post(
        session(worker),
        TRANSFER,
        {"lot_id": lot.pk, "quantity": 1, "to_location_id": destination.pk},
    )
    assert (again.json()["lot_id"], again.json()["quantity_on_hand"]) == (moved.pk, 5)
    assert ledger_is_clean()


@pytest.mark.parametrize(
    ("quantity", "same_place", "detail"),
    [
        (11, False, "Stock insuffisant : 10 disponible(s)"),
        (0, False, "La quantité doit être au moins 1."),
        (2, True, "Le lot est déjà à cet emplacement."),
    ],
)
def test_a_transfer_the_rules_refuse_changes_nothing(worker, lot, quantity, same_place, detail):
    to = lot.location if same_place else LocationFactory()
    before = snapshot()
    response = post(
        session(worker), TRANSFER, {"lot_id": lot.pk, "quantity": quantity, "to_location_id": to.pk}
    )
    refused_with(response, detail, {})
    assert snapshot() == before


def test_a_transfer_of_reserved_units_is_refused(worker, lot):
    ProductLot.objects.filter(pk=lot.pk).update(quantity_reserved=7)
    before = snapshot()
    response = post(
        session(worker),
        TRANSFER,
        {"lot_id": lot.pk, "quantity": 5, "to_location_id": LocationFactory().pk},
    )
    refused_with(
        response, "Transfert impossible : 7 unité(s) réservées sur ce lot, 3 transférable(s)."
    )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("to_location", "message"),
    [
        (lambda: LocationFactory(is_active=False).pk, "Emplacement introuvable ou inactif."),
        (lambda: 999999, "Emplacement introuvable ou inactif."),
    ],
)
def test_a_missing_or_inactive_destination_is_named(worker, lot, to_location, message):
    before = snapshot()
    response = post(
        session(worker),
        TRANSFER,
        {"lot_id": lot.pk, "quantity": 1, "to_location_id": to_location()},
    )
    refused_with(response, "Données invalides.", {"to_location_id": [message]})
    assert snapshot() == before


# --- who may write -----------------------------------------------------------------------------

WRITE_EXPECTED = {
    "anonymous": 401,
    "revoked_key": 401,
    "association": 403,
    "integration": 403,  # read + events, never write
    "read_key": 403,
    "events_key": 403,
    "worker": 201,
    "manager": 201,
    "write_key": 201,
}


def test_who_may_adjust_and_transfer(principals: Principals, lot):
    destination = LocationFactory()
    for path, body in [
        (ADJUST, {"lot_id": lot.pk, "delta": 1, "reason_code": "found"}),
        (TRANSFER, {"lot_id": lot.pk, "quantity": 1, "to_location_id": destination.pk}),
    ]:
        got = {name: post(principals.client(name), path, body) for name in Principals.NAMES}
        assert {name: r.status_code for name, r in got.items()} == WRITE_EXPECTED, path
        for name, response in got.items():
            if response.status_code in (401, 403):
                assert set(response.json()) == {"detail", "errors"}, name
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 10  # +3 adjusted, 3 moved away
    assert ledger_is_clean()


# --- Idempotency-Key ---------------------------------------------------------------------------


def test_a_repeated_adjustment_applies_once_and_answers_the_same(worker, lot):
    client = session(worker)
    body = {"lot_id": lot.pk, "delta": -2, "reason_code": "lost"}
    first = post(client, ADJUST, body, HTTP_IDEMPOTENCY_KEY="inventaire-42")
    again = post(client, ADJUST, body, HTTP_IDEMPOTENCY_KEY="inventaire-42")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 8
    other = post(client, ADJUST, {**body, "delta": -1}, HTTP_IDEMPOTENCY_KEY="inventaire-42")
    assert other.status_code == 409
    assert set(other.json()) == {"detail", "errors"}
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 8


def test_a_repeated_transfer_applies_once(lot):
    client = write_key_client()
    body = {"lot_id": lot.pk, "quantity": 3, "to_location_id": LocationFactory().pk}
    first = post(client, TRANSFER, body, HTTP_IDEMPOTENCY_KEY="rangement-1")
    again = post(client, TRANSFER, body, HTTP_IDEMPOTENCY_KEY="rangement-1")
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 7
    assert StockMovement.objects.filter(movement_type=MovementType.TRANSFER).count() == 2


def test_a_refusal_is_replayed_as_the_same_refusal(worker, lot):
    client = session(worker)
    body = {"lot_id": lot.pk, "delta": -50, "reason_code": "lost"}
    first = post(client, ADJUST, body, HTTP_IDEMPOTENCY_KEY="trop")
    again = post(client, ADJUST, body, HTTP_IDEMPOTENCY_KEY="trop")
    assert first.status_code == again.status_code == 400
    assert again.json()["detail"] == first.json()["detail"]
    assert again["Idempotent-Replayed"] == "true"


def test_idempotency_keys_are_scoped_per_caller(worker, manager, lot):
    body = {"lot_id": lot.pk, "delta": 1, "reason_code": "found"}
    for client in (session(worker), session(manager), write_key_client("a"), write_key_client("b")):
        assert post(client, ADJUST, body, HTTP_IDEMPOTENCY_KEY="même-clé").status_code == 201
    lot.refresh_from_db()
    assert lot.quantity_on_hand == 14
