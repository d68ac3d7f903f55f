"""`GET /api/v1/shipments/` (+ `{id}/`), `GET` and `POST shipments/{id}/tracking-events/`
(S-API, S-SHIPMENTS)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.api.conftest import Principals
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
    write_key_client,
)
from tests.factories import DestinationFactory
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import Shipment, StatusChange, TrackingEvent, TrackingStep
from wms.services import packing, shipping

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

SHIPMENTS = f"{API}shipments/"
FIELDS = {
    "id",
    "reference",
    "status",
    "shipper_name",
    "recipient_name",
    "correspondent_name",
    "destination_id",
    "destination_iata",
    "destination_city",
    "destination_country",
    "destination_address",
    "requested_delivery_date",
    "created_at",
    "ready_at",
    "shipped_at",
    "delivered_at",
    "flight_date",
    "flight_number",
    "awb_number",
    "cartons_ready",
    "cartons_total",
    "tracking_url",
    "notes",
}
EVENT_FIELDS = {
    "id",
    "shipment_id",
    "step",
    "step_label",
    "actor_name",
    "actor_structure",
    "comments",
    "author",
    "via_update_link",
    "created_at",
}


def events_path(shipment: Shipment | int) -> str:
    return f"{SHIPMENTS}{getattr(shipment, 'pk', shipment)}/tracking-events/"


def partial_shipment(sc: Scene) -> Shipment:
    """One carton closed, one still being picked: "PARTIEL 1/2"."""
    shipment = sc.shipment()
    product = stocked_product(20)
    done = packing.pack(product=product, quantity=2, actor=sc.actor, shipment=shipment).carton
    packing.close_carton(carton=done, actor=sc.actor)
    packing.pack(product=product, quantity=1, actor=sc.actor, shipment=shipment)
    shipment.refresh_from_db()
    return shipment


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


def test_a_shipment_has_exactly_the_documented_fields(sc):
    shipment = sc.packed_shipment(cartons=2, units=3)
    shipping.set_flight(
        shipment=shipment,
        actor=sc.actor,
        flight_date=dt.date(2025, 6, 2),
        flight_number="AF934",
        awb_number="057-1234",
    )
    # The printed names are snapshots: renaming the contact later changes nothing.
    sc.shipper.name = "Nouveau nom"
    sc.shipper.save()
    body = key_client().get(f"{SHIPMENTS}{shipment.pk}/").json()
    assert set(body) == FIELDS
    shipment.refresh_from_db()
    assert {key: body[key] for key in FIELDS - {"created_at", "ready_at"}} == {
        "id": shipment.pk,
        "reference": shipment.reference,
        "status": "packed",
        "shipper_name": "ASF Toulouse",
        "recipient_name": "Hôpital Befelatanana",
        "correspondent_name": shipment.correspondent_name,
        "destination_id": sc.destination.pk,
        "destination_iata": "TNR",
        "destination_city": "Antananarivo",
        "destination_country": "Madagascar",
        "destination_address": shipment.destination_address,
        "requested_delivery_date": None,
        "shipped_at": None,
        "delivered_at": None,
        "flight_date": "2025-06-02",
        "flight_number": "AF934",
        "awb_number": "057-1234",
        "cartons_ready": 2,
        "cartons_total": 2,
        "tracking_url": shipping.tracking_url(shipment),
        "notes": "",
    }
    assert body["ready_at"] is not None
    assert str(shipment.update_token) not in str(body)
    assert str(shipment.tracking_token) in body["tracking_url"]


def test_the_carton_progress_counts_ready_cartons(sc):
    partial = partial_shipment(sc)
    empty = sc.shipment()
    progress = {
        row["id"]: (row["status"], row["cartons_ready"], row["cartons_total"])
        for row in rows(key_client().get(SHIPMENTS))
    }
    assert progress == {partial.pk: ("picking", 1, 2), empty.pk: ("draft", 0, 0)}
    assert shipping.carton_progress(partial) == (1, 2)


def test_shipments_are_listed_newest_first_and_filtered(sc):
    with time_machine.travel(dt.datetime(2025, 1, 10, 8, 0, tzinfo=dt.UTC), tick=False):
        old = sc.shipment()
    with time_machine.travel(dt.datetime(2025, 1, 20, 8, 0, tzinfo=dt.UTC), tick=False):
        packed = sc.packed_shipment(cartons=1, units=1)
    client = key_client()
    assert ids(client.get(SHIPMENTS)) == [packed.pk, old.pk]
    assert ids(client.get(SHIPMENTS, {"status": "packed"})) == [packed.pk]
    assert ids(client.get(SHIPMENTS, {"status": "delivered"})) == []
    assert ids(client.get(SHIPMENTS, {"reference": old.reference})) == [old.pk]
    assert ids(client.get(SHIPMENTS, {"destination": sc.destination.pk})) == [packed.pk, old.pk]
    assert ids(client.get(SHIPMENTS, {"destination": DestinationFactory().pk})) == []
    assert ids(client.get(SHIPMENTS, {"since": "2025-01-20T09:00:00"})) == [packed.pk]  # Paris
    assert ids(client.get(SHIPMENTS, {"since": "2025-01-20T09:00:01"})) == []


@pytest.mark.parametrize(
    ("param", "value"),
    [("status", "envoyée"), ("destination", "TNR"), ("since", "20/01/2025")],
)
def test_a_malformed_filter_is_a_400_naming_it(sc, param, value):
    sc.shipment()
    bad_filter(key_client().get(SHIPMENTS, {param: value}), param)


def test_an_unknown_shipment_is_a_json_404():
    not_found(key_client().get(f"{SHIPMENTS}999999/"), "Expédition introuvable.")
    not_found(key_client().get(events_path(999999)), "Expédition introuvable.")


def test_the_shipment_query_count_does_not_grow(sc, worker):
    client = key_client()
    sc.packed_shipment(cartons=2, units=1)
    small = queries(client, SHIPMENTS)
    for _ in range(4):
        partial_shipment(sc)
    large = queries(client, SHIPMENTS)
    assert small == large
    assert large <= 2 + RATE_LIMIT_QUERIES
    assert len(rows(session(worker).get(SHIPMENTS))) == 5


# --- tracking events: read ----------------------------------------------------------------------


def step(shipment: Shipment, name: str, sc: Scene, **extra: Any) -> TrackingEvent:
    return shipping.record_step(
        shipment=shipment,
        step=name,
        actor_name=extra.pop("actor_name", "Awa Diallo"),
        actor_structure=extra.pop("actor_structure", "ASF Roissy"),
        actor=sc.actor,
        **extra,
    ).event


def test_tracking_events_are_listed_in_process_order(sc):
    shipment = sc.packed_shipment(cartons=1, units=1)
    planned = step(shipment, TrackingStep.PLANNED, sc)
    moved = step(shipment, TrackingStep.MOVED_EXPORT, sc)
    first = step(shipment, TrackingStep.PLANNING_OK, sc, comments="Validé")
    again = step(shipment, TrackingStep.PLANNED, sc)
    step(sc.shipment(), TrackingStep.PLANNED, sc)  # another shipment's
    body = page(key_client().get(events_path(shipment)))
    assert [row["id"] for row in body["results"]] == [first.pk, planned.pk, again.pk, moved.pk]
    row = body["results"][0]
    assert set(row) == EVENT_FIELDS
    assert {key: row[key] for key in EVENT_FIELDS - {"created_at"}} == {
        "id": first.pk,
        "shipment_id": shipment.pk,
        "step": "planning_ok",
        "step_label": "Planification validée",
        "actor_name": "Awa Diallo",
        "actor_structure": "ASF Roissy",
        "comments": "Validé",
        "author": sc.actor.user.username,
        "via_update_link": False,
    }


def test_the_tracking_events_query_count_does_not_grow(sc):
    shipment = sc.packed_shipment(cartons=1, units=1)
    step(shipment, TrackingStep.PLANNING_OK, sc)
    client = key_client()
    small = queries(client, events_path(shipment))
    for name in [TrackingStep.PLANNED, TrackingStep.MOVED_EXPORT] * 4:
        step(shipment, name, sc)
    assert queries(client, events_path(shipment)) == small
    assert small <= 3 + RATE_LIMIT_QUERIES


# --- tracking events: record a step --------------------------------------------------------------

STEP = {"step": "boarding_ok", "actor_name": "Awa Diallo", "actor_structure": "ASF Roissy"}


def post_step(
    client: APIClient, shipment: Shipment | int, body: dict[str, Any], **headers: str
) -> Any:
    return client.post(events_path(shipment), body, format="json", **headers)


def test_a_worker_records_boarding_which_ships_a_packed_shipment(sc, worker):
    shipment = sc.packed_shipment(cartons=1, units=1)
    response = post_step(session(worker), shipment, {**STEP, "comments": "Vol AF934"})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == EVENT_FIELDS | {"shipment_status", "status_changed"}
    assert (body["step"], body["author"], body["comments"]) == (
        "boarding_ok",
        "magasinier-test",
        "Vol AF934",
    )
    assert (body["shipment_status"], body["status_changed"]) == ("shipped", True)
    shipment.refresh_from_db()
    assert shipment.status == "shipped"
    event = TrackingEvent.objects.get(pk=body["id"])
    assert event.author.username == "magasinier-test"


def test_a_step_out_of_sequence_is_recorded_and_the_status_stays(sc, manager):
    shipment = sc.shipment()
    response = post_step(session(manager), shipment, STEP)
    assert response.status_code == 201
    assert (response.json()["shipment_status"], response.json()["status_changed"]) == (
        "draft",
        False,
    )


def test_a_write_key_records_a_step_without_an_author(sc):
    shipment = sc.packed_shipment(cartons=1, units=1)
    response = post_step(write_key_client(), shipment, {**STEP, "step": "planned"})
    assert response.status_code == 201
    assert response.json()["author"] is None
    assert TrackingEvent.objects.get(pk=response.json()["id"]).author is None


def test_who_may_record_a_step(sc, principals: Principals):
    shipment = sc.packed_shipment(cartons=1, units=1)
    got = {
        name: post_step(principals.client(name), shipment, {**STEP, "step": "planned"})
        for name in Principals.NAMES
    }
    assert {name: response.status_code for name, response in got.items()} == {
        "anonymous": 401,
        "revoked_key": 401,
        "association": 403,
        "integration": 403,  # read + events, no write
        "read_key": 403,
        "events_key": 403,
        "worker": 201,
        "manager": 201,
        "write_key": 201,
    }
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 3


def snapshot_tracking(shipment: Shipment) -> tuple[Any, ...]:
    shipment.refresh_from_db()
    return (
        list(TrackingEvent.objects.values()),
        list(StatusChange.objects.values()),
        shipment.status,
    )


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({**STEP, "step": "decollage"}, "step", None),
        ({"actor_name": "A", "actor_structure": "B"}, "step", None),
        ({**STEP, "actor_name": "x" * 121}, "actor_name", None),
        ({"step": "planned", "actor_structure": "ASF"}, "actor_name", None),
        ({**STEP, "actor_name": "   "}, None, "Indiquez votre nom et votre structure."),
        ({**STEP, "actor_structure": ""}, None, "Indiquez votre nom et votre structure."),
    ],
)
def test_a_bad_step_is_refused_and_changes_nothing(sc, worker, body, field, message):
    shipment = sc.packed_shipment(cartons=1, units=1)
    before = snapshot_tracking(shipment)
    response = post_step(session(worker), shipment, body)
    assert response.status_code == 400, response.content
    refusal = response.json()
    if field:
        assert refusal["detail"] == "Données invalides."
        assert list(refusal["errors"]) == [field]
    else:
        assert refusal["detail"] == message
        assert refusal["errors"] == {}
    assert snapshot_tracking(shipment) == before


def test_a_step_for_an_unknown_shipment_is_a_404(worker):
    response = post_step(session(worker), 999999, STEP)
    not_found(response, "Expédition introuvable.")


def test_an_idempotent_step_is_recorded_once_and_replayed(sc, worker):
    shipment = sc.packed_shipment(cartons=1, units=1)
    client = session(worker)
    first = post_step(client, shipment, STEP, HTTP_IDEMPOTENCY_KEY="vol-af934")
    again = post_step(client, shipment, STEP, HTTP_IDEMPOTENCY_KEY="vol-af934")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 1
    other_body = post_step(
        client, shipment, {**STEP, "comments": "autre"}, HTTP_IDEMPOTENCY_KEY="vol-af934"
    )
    assert other_body.status_code == 409
    assert set(other_body.json()) == {"detail", "errors"}
    # The same key and body for another shipment is another request, not a replay.
    other_shipment = sc.packed_shipment(cartons=1, units=1)
    elsewhere = post_step(client, other_shipment, STEP, HTTP_IDEMPOTENCY_KEY="vol-af934")
    assert elsewhere.status_code == 409
    assert TrackingEvent.objects.count() == 1
