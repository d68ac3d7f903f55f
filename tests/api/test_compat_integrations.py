"""`/api/v1/integrations/shipments/`, `/destinations/` and `/events/` — api-v1-compat.md: the
fields and shapes, orders and filters, constant query counts, who may call, and the outbound
email queue that shares the events table and never shows."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from tests.api import (
    INTEGRATION_KEY,
    RATE_LIMIT_QUERIES,
    anonymous,
    api_key_client,
    integration_client,
    queries_for,
    rows,
    session_client,
)
from tests.factories import ContactFactory, DestinationFactory
from tests.shipping_helpers import Scene, scene
from tests.wms.test_orders_workflow import association
from wms.emailing.queue import queue_email
from wms.models import (
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
    Shipment,
    ShipmentStatus,
)

pytestmark = pytest.mark.django_db

SHIPMENTS = "/api/v1/integrations/shipments/"
DESTINATIONS = "/api/v1/integrations/destinations/"
EVENTS = "/api/v1/integrations/events/"
PARIS = zoneinfo.ZoneInfo("Europe/Paris")

SHIPMENT_FIELDS = {
    "id",
    "reference",
    "status",
    "shipper_name",
    "shipper_contact",
    "recipient_name",
    "recipient_contact",
    "correspondent_name",
    "destination_id",
    "destination_iata",
    "destination_city",
    "destination_country",
    "destination_address",
    "requested_delivery_date",
    "created_at",
    "ready_at",
    "notes",
    "carton_count",
}
DESTINATION_FIELDS = {"id", "city", "iata_code", "country", "correspondent_name", "is_active"}
EVENT_FIELDS = {
    "id",
    "direction",
    "source",
    "target",
    "event_type",
    "external_id",
    "payload",
    "status",
    "error_message",
    "created_at",
    "processed_at",
}
ENVELOPE = {"count", "next", "previous", "results"}


@pytest.fixture(autouse=True)
def integration_key() -> Iterator[None]:
    with override_settings(INTEGRATION_API_KEY=INTEGRATION_KEY):
        yield


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


def ids(response: Any) -> list[int]:
    return [row["id"] for row in rows(response)]


def created(shipment: Shipment, moment: dt.datetime) -> Shipment:
    Shipment.objects.filter(pk=shipment.pk).update(created_at=moment)
    return shipment


def email_events(count: int = 2) -> list[IntegrationEvent]:
    """Outbound emails queued by the application (S-EMAIL): never API output."""
    for index in range(count):
        queue_email(f"Sujet {index}", "Corps", [f"destinataire{index}@example.org"])
    return list(IntegrationEvent.objects.filter(direction=IntegrationDirection.OUTBOUND))


def inbound(**fields: Any) -> IntegrationEvent:
    values = {"source": "planificateur", "event_type": "flight.planned", **fields}
    return IntegrationEvent.objects.create(direction=IntegrationDirection.INBOUND, **values)


# --- shipments: shape --------------------------------------------------------------------------


def test_shipments_are_a_plain_array_with_exactly_the_contract_fields(sc):
    sc.shipper.email = "expedition@asf.example"
    sc.shipper.phone = "05 61 00 00 00"
    sc.shipper.save()
    shipment = sc.packed_shipment(cartons=2, units=1)
    body = rows(integration_client().get(SHIPMENTS))
    assert len(body) == 1
    row = body[0]
    assert set(row) == SHIPMENT_FIELDS
    assert row["id"] == shipment.pk
    assert row["reference"] == shipment.reference
    assert row["status"] == ShipmentStatus.PACKED
    assert row["carton_count"] == 2
    assert (row["shipper_name"], row["recipient_name"]) == ("ASF Toulouse", "Hôpital Befelatanana")
    assert row["shipper_contact"] == "expedition@asf.example, 05 61 00 00 00"
    assert row["recipient_contact"] == sc.recipient.email
    assert row["correspondent_name"] == sc.destination.correspondent.name
    assert (row["destination_id"], row["destination_iata"]) == (sc.destination.pk, "TNR")
    assert (row["destination_city"], row["destination_country"]) == ("Antananarivo", "Madagascar")
    assert "Rue Andriamifidy" in row["destination_address"]
    assert row["ready_at"] is not None
    assert row["requested_delivery_date"] is None


def test_a_shipment_without_cartons_counts_zero_and_its_detail_has_the_same_shape(sc):
    shipment = sc.shipment(requested_delivery_date=dt.date(2026, 4, 1), notes="Urgent")
    row = integration_client().get(f"{SHIPMENTS}{shipment.pk}/").json()
    assert set(row) == SHIPMENT_FIELDS
    assert (row["carton_count"], row["ready_at"], row["notes"]) == (0, None, "Urgent")
    assert row["requested_delivery_date"] == "2026-04-01"


def test_an_unknown_shipment_is_a_json_404(sc):
    response = integration_client().get(f"{SHIPMENTS}999999/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Expédition introuvable.", "errors": {}}


def test_shipments_come_newest_first(sc):
    now = timezone.now()
    old = created(sc.shipment(), now - dt.timedelta(days=5))
    new = created(sc.shipment(), now - dt.timedelta(days=1))
    middle = created(sc.shipment(), now - dt.timedelta(days=3))
    assert ids(integration_client().get(SHIPMENTS)) == [new.pk, middle.pk, old.pk]


def test_page_switches_the_shipments_to_the_envelope(sc):
    for _ in range(3):
        sc.shipment()
    body = integration_client().get(SHIPMENTS, {"page": 1}).json()
    assert set(body) == ENVELOPE
    assert body["count"] == 3
    assert set(body["results"][0]) == SHIPMENT_FIELDS


# --- shipments: filters ------------------------------------------------------------------------


@pytest.fixture
def two_destinations(sc) -> tuple[Shipment, Shipment]:
    """One shipment to Antananarivo (TNR), one to Bamako (BKO)."""
    to_tana = sc.shipment()
    bamako = DestinationFactory(city="Bamako", iata_code="BKO", country="Mali")
    recipient = ContactFactory(name="CSCOM Bamako", is_recipient=True)
    to_bamako = sc.shipment()
    Shipment.objects.filter(pk=to_bamako.pk).update(destination=bamako, recipient=recipient)
    return to_tana, to_bamako


def test_the_destination_filter_takes_an_iata_code_in_any_case_or_part_of_a_city(
    two_destinations,
):
    to_tana, to_bamako = two_destinations
    client = integration_client()
    assert ids(client.get(SHIPMENTS, {"destination": "bko"})) == [to_bamako.pk]
    assert ids(client.get(SHIPMENTS, {"destination": "TNR"})) == [to_tana.pk]
    assert ids(client.get(SHIPMENTS, {"destination": "tanana"})) == [to_tana.pk]
    assert ids(client.get(SHIPMENTS, {"destination": "Dakar"})) == []
    # "BK" is neither a code nor part of a city.
    assert ids(client.get(SHIPMENTS, {"destination": "BK"})) == []


def test_the_status_filter_and_unknown_statuses_are_ignored(sc):
    draft = sc.shipment()
    packed = sc.packed_shipment(cartons=1, units=1)
    client = integration_client()
    assert ids(client.get(SHIPMENTS, {"status": "packed"})) == [packed.pk]
    assert ids(client.get(SHIPMENTS, {"status": "draft"})) == [draft.pk]
    assert set(ids(client.get(SHIPMENTS, {"status": "perdu"}))) == {draft.pk, packed.pk}


def test_since_reads_naive_datetimes_in_paris_time(sc):
    # 2026-01-15 09:30 in Paris is 08:30 UTC (winter time).
    before = created(sc.shipment(), dt.datetime(2026, 1, 15, 8, 29, tzinfo=dt.UTC))
    after = created(sc.shipment(), dt.datetime(2026, 1, 15, 8, 31, tzinfo=dt.UTC))
    client = integration_client()
    assert ids(client.get(SHIPMENTS, {"since": "2026-01-15T09:30:00"})) == [after.pk]
    assert ids(client.get(SHIPMENTS, {"since": "2026-01-15T08:30:00Z"})) == [after.pk]
    assert ids(client.get(SHIPMENTS, {"since": "2026-01-15T09:30:00+02:00"})) == [
        after.pk,
        before.pk,
    ]
    # A date alone: its midnight in Paris.
    assert ids(client.get(SHIPMENTS, {"since": "2026-01-16"})) == []


@pytest.mark.parametrize(
    "value", ["yesterday", "2026-13-40T00:00:00", "0001-01-01T00:00:00+14:00", "", "9" * 40]
)
def test_a_malformed_since_is_ignored(sc, value):
    shipment = sc.shipment()
    assert ids(integration_client().get(SHIPMENTS, {"since": value})) == [shipment.pk]


def test_filters_combine(two_destinations):
    to_tana, to_bamako = two_destinations
    created(to_tana, timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).astimezone(PARIS).replace(tzinfo=None)
    response = integration_client().get(
        SHIPMENTS, {"since": since.isoformat(), "status": "draft", "destination": "Ba"}
    )
    assert ids(response) == [to_bamako.pk]


def test_the_shipment_list_costs_the_same_queries_for_3_or_30_shipments(sc):
    client = integration_client()
    sc.packed_shipment(cartons=2, units=1)
    for _ in range(2):
        sc.shipment()
    small = queries_for(client, SHIPMENTS)
    for _ in range(27):
        sc.shipment()
    assert len(rows(client.get(SHIPMENTS))) == 30
    large = queries_for(client, SHIPMENTS)
    assert small == large
    # Shipments with destination and parties joined and cartons counted, in one query.
    assert large <= 1 + RATE_LIMIT_QUERIES
    filtered = queries_for(client, SHIPMENTS, {"destination": "TNR", "since": "2026-01-01"})
    assert filtered == large


# --- destinations ------------------------------------------------------------------------------


def test_destinations_are_a_plain_array_by_city_with_exactly_the_contract_fields():
    DestinationFactory(city="Niamey", iata_code="NIM", country="Niger")
    bamako = DestinationFactory(city="Bamako", iata_code="BKO", country="Mali")
    DestinationFactory(city="Conakry", iata_code="CKY", country="Guinée", correspondent=None)
    body = rows(integration_client().get(DESTINATIONS))
    assert [row["city"] for row in body] == ["Bamako", "Conakry", "Niamey"]
    assert all(set(row) == DESTINATION_FIELDS for row in body)
    assert body[0] == {
        "id": bamako.pk,
        "city": "Bamako",
        "iata_code": "BKO",
        "country": "Mali",
        "correspondent_name": bamako.correspondent.name,
        "is_active": True,
    }
    assert body[1]["correspondent_name"] == ""


@pytest.mark.parametrize("value", ["1", "true", "false", "0", "oui"])
def test_any_non_empty_active_value_lists_active_destinations_only(value):
    active = DestinationFactory(city="Bamako")
    DestinationFactory(city="Dakar", is_active=False)
    assert ids(integration_client().get(DESTINATIONS, {"active": value})) == [active.pk]


def test_without_active_every_destination_is_listed():
    DestinationFactory(city="Bamako")
    DestinationFactory(city="Dakar", is_active=False)
    client = integration_client()
    assert len(rows(client.get(DESTINATIONS))) == 2
    assert len(rows(client.get(DESTINATIONS, {"active": ""}))) == 2


def test_a_destination_detail_reads_an_inactive_one_and_unknown_ids_are_a_404():
    inactive = DestinationFactory(city="Dakar", is_active=False)
    client = integration_client()
    row = client.get(f"{DESTINATIONS}{inactive.pk}/", {"active": "1"}).json()
    assert set(row) == DESTINATION_FIELDS
    assert row["is_active"] is False
    missing = client.get(f"{DESTINATIONS}999999/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Destination introuvable.", "errors": {}}


def test_page_size_switches_the_destinations_to_the_envelope():
    for city in ("Bamako", "Conakry", "Dakar"):
        DestinationFactory(city=city)
    body = integration_client().get(DESTINATIONS, {"page_size": 2}).json()
    assert set(body) == ENVELOPE
    assert [row["city"] for row in body["results"]] == ["Bamako", "Conakry"]


def test_the_destination_list_costs_the_same_queries_for_3_or_30_destinations():
    client = integration_client()
    for _ in range(3):
        DestinationFactory()
    small = queries_for(client, DESTINATIONS)
    for _ in range(27):
        DestinationFactory()
    assert len(rows(client.get(DESTINATIONS))) == 30
    large = queries_for(client, DESTINATIONS)
    assert small == large
    assert large <= 1 + RATE_LIMIT_QUERIES


# --- who reads shipments and destinations ------------------------------------------------------


@pytest.mark.parametrize("role", ["worker", "manager"])
def test_staff_sessions_read_shipments_and_destinations(sc, role, request):
    shipment = sc.shipment()
    client = session_client(request.getfixturevalue(role))
    assert ids(client.get(SHIPMENTS)) == [shipment.pk]
    assert ids(client.get(DESTINATIONS)) == [sc.destination.pk]


def test_a_read_key_reads_shipments_and_destinations(sc):
    sc.shipment()
    client = api_key_client(read=True)
    assert len(rows(client.get(SHIPMENTS))) == 1
    assert len(rows(client.get(DESTINATIONS))) == 1


def test_anonymous_callers_association_users_and_keys_without_read_get_nothing(sc):
    shipment = sc.shipment()
    user = association("Asso Curieuse").association_profiles.get().user
    paths = [
        SHIPMENTS,
        f"{SHIPMENTS}{shipment.pk}/",
        DESTINATIONS,
        f"{DESTINATIONS}{sc.destination.pk}/",
    ]
    for path in paths:
        assert anonymous().get(path).status_code == 401
        for client in (session_client(user), api_key_client(read=False, write=True)):
            response = client.get(path)
            assert response.status_code == 403
            assert set(response.json()) == {"detail", "errors"}


# --- events: reading ---------------------------------------------------------------------------


def test_events_are_a_plain_array_of_inbound_events_newest_first_with_the_contract_fields():
    email_events(2)
    now = timezone.now()
    older = inbound(external_id="A", payload={"flight": "AF934"})
    newer = inbound(external_id="B")
    IntegrationEvent.objects.filter(pk=older.pk).update(created_at=now - dt.timedelta(hours=2))
    body = rows(integration_client().get(EVENTS))
    assert [row["id"] for row in body] == [newer.pk, older.pk]
    assert all(set(row) == EVENT_FIELDS for row in body)
    assert body[1]["payload"] == {"flight": "AF934"}
    assert (body[1]["direction"], body[1]["status"]) == ("inbound", "pending")


def test_outbound_email_events_are_never_listed_read_or_changed():
    emails = email_events(2)
    client = integration_client()
    assert rows(client.get(EVENTS)) == []
    assert rows(client.get(EVENTS, {"direction": "outbound"})) == []
    assert rows(client.get(EVENTS, {"source": "wms.email"})) == []
    assert client.get(EVENTS, {"page": 1}).json()["count"] == 0
    for event in emails:
        path = f"{EVENTS}{event.pk}/"
        assert client.get(path).status_code == 404
        assert client.patch(path, {"status": "processed"}, format="json").status_code == 404
        assert client.put(path, {"status": "failed"}, format="json").status_code == 404
    assert {event.status for event in IntegrationEvent.objects.all()} == {IntegrationStatus.PENDING}


def test_an_inbound_event_tagged_as_the_email_source_stays_hidden_too():
    hidden = inbound(source="wms.email")
    client = integration_client()
    assert rows(client.get(EVENTS)) == []
    assert client.get(f"{EVENTS}{hidden.pk}/").status_code == 404


def test_event_filters_and_unknown_values():
    processed = inbound(source="erp", event_type="order.created", status="processed")
    pending = inbound(source="planificateur", event_type="flight.planned")
    email_events(1)
    client = integration_client()
    assert ids(client.get(EVENTS, {"status": "processed"})) == [processed.pk]
    assert ids(client.get(EVENTS, {"source": "erp"})) == [processed.pk]
    assert ids(client.get(EVENTS, {"event_type": "flight.planned"})) == [pending.pk]
    assert set(ids(client.get(EVENTS, {"direction": "inbound"}))) == {processed.pk, pending.pk}
    # An unknown status or direction is ignored, as in the earlier system.
    assert set(ids(client.get(EVENTS, {"status": "bogus", "direction": "sideways"}))) == {
        processed.pk,
        pending.pk,
    }
    assert ids(client.get(EVENTS, {"source": "erp", "status": "pending"})) == []


def test_the_event_list_costs_the_same_queries_for_3_or_30_events():
    client = integration_client()
    email_events(3)
    for _ in range(3):
        inbound()
    small = queries_for(client, EVENTS)
    for _ in range(27):
        inbound()
    email_events(10)
    assert len(rows(client.get(EVENTS))) == 30
    large = queries_for(client, EVENTS)
    assert small == large
    assert large <= 1 + RATE_LIMIT_QUERIES


def test_an_event_detail_and_an_unknown_id():
    event = inbound()
    client = integration_client()
    row = client.get(f"{EVENTS}{event.pk}/").json()
    assert set(row) == EVENT_FIELDS
    missing = client.get(f"{EVENTS}999999/")
    assert missing.status_code == 404
    assert missing.json() == {"detail": "Événement introuvable.", "errors": {}}


# --- events: posting ---------------------------------------------------------------------------


def test_posting_creates_an_inbound_pending_event_whatever_the_body_says():
    response = integration_client().post(
        EVENTS,
        {
            "event_type": "flight.planned",
            "source": "planificateur",
            "target": "wms",
            "external_id": "VOL-42",
            "payload": {"flight": "AF934", "cartons": [1, 2]},
            "direction": "outbound",
            "status": "processed",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == EVENT_FIELDS
    event = IntegrationEvent.objects.get()
    assert body["id"] == event.pk
    assert (event.direction, event.status) == ("inbound", "pending")
    assert (event.source, event.target, event.external_id) == ("planificateur", "wms", "VOL-42")
    assert event.payload == {"flight": "AF934", "cartons": [1, 2]}
    assert event.processed_at is None


def test_the_source_and_target_headers_are_fallbacks():
    client = integration_client()
    response = client.post(
        EVENTS,
        {"event_type": "flight.planned"},
        format="json",
        HTTP_X_ASF_SOURCE="planificateur",
        HTTP_X_ASF_TARGET="wms",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["source"], response.json()["target"]) == ("planificateur", "wms")
    # The body wins over the headers.
    response = client.post(
        EVENTS,
        {"event_type": "x", "source": "erp"},
        format="json",
        HTTP_X_ASF_SOURCE="planificateur",
    )
    assert (response.json()["source"], response.json()["target"]) == ("erp", "")


@pytest.mark.parametrize(
    ("body", "headers", "field"),
    [
        ({"event_type": "flight.planned"}, {}, "source"),
        ({"event_type": "flight.planned", "source": "  "}, {}, "source"),
        ({"source": "erp"}, {}, "event_type"),
        ({"event_type": "x"}, {"HTTP_X_ASF_SOURCE": "s" * 101}, "source"),
        ({"event_type": "x", "source": "wms.email"}, {}, "source"),
        ({"event_type": "x" * 101, "source": "erp"}, {}, "event_type"),
        ({"event_type": "x", "source": "erp", "payload": None}, {}, "payload"),
    ],
)
def test_a_bad_event_is_a_400_and_nothing_is_created(body, headers, field):
    response = integration_client().post(EVENTS, body, format="json", **headers)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not IntegrationEvent.objects.exists()


def test_the_same_idempotency_key_posts_one_event():
    client = integration_client()
    body = {"event_type": "flight.planned", "source": "planificateur"}
    first = client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="evt-1")
    second = client.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="evt-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert IntegrationEvent.objects.count() == 1
    other = client.post(
        EVENTS, {**body, "external_id": "2"}, format="json", HTTP_IDEMPOTENCY_KEY="evt-1"
    )
    assert other.status_code == 409
    # Another caller using the same key gets its own event.
    events_key = api_key_client(read=False, events=True)
    assert (
        events_key.post(EVENTS, body, format="json", HTTP_IDEMPOTENCY_KEY="evt-1").status_code
        == 201
    )
    assert IntegrationEvent.objects.count() == 2


# --- events: updating --------------------------------------------------------------------------


def test_patch_to_processed_sets_processed_at_to_now():
    event = inbound()
    before = timezone.now()
    response = integration_client().patch(
        f"{EVENTS}{event.pk}/", {"status": "processed"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert set(response.json()) == EVENT_FIELDS
    event.refresh_from_db()
    assert event.status == IntegrationStatus.PROCESSED
    assert event.processed_at is not None and event.processed_at >= before
    assert response.json()["status"] == "processed"


def test_a_given_processed_at_is_kept_and_a_naive_one_is_paris_time():
    event = inbound()
    response = integration_client().patch(
        f"{EVENTS}{event.pk}/",
        {"status": "processed", "processed_at": "2026-02-01T10:00:00"},
        format="json",
    )
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert event.processed_at == dt.datetime(2026, 2, 1, 10, 0, tzinfo=PARIS)


@pytest.mark.parametrize("moment", ["1798-02-21T12:25:15+00:00", "1969-12-31T23:00:00Z"])
def test_a_processed_at_before_1970_is_refused_and_nothing_changes(moment):
    # Found by schemathesis: Paris times before 1911 carry +00:09:21, no valid date-time.
    event = inbound()
    response = integration_client().patch(
        f"{EVENTS}{event.pk}/", {"status": "processed", "processed_at": moment}, format="json"
    )
    assert response.status_code == 400
    assert "processed_at" in response.json()["errors"]
    event.refresh_from_db()
    assert event.processed_at is None and event.status == "pending"


def test_put_records_a_failure_with_its_message_and_no_processed_at():
    event = inbound()
    response = integration_client().put(
        f"{EVENTS}{event.pk}/",
        {"status": "failed", "error_message": "Vol annulé"},
        format="json",
    )
    assert response.status_code == 200, response.content
    event.refresh_from_db()
    assert (event.status, event.error_message, event.processed_at) == ("failed", "Vol annulé", None)


def test_patch_changes_only_the_given_fields_and_keeps_an_earlier_processed_at():
    earlier = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    event = inbound(status="processed", processed_at=earlier, external_id="X")
    response = integration_client().patch(
        f"{EVENTS}{event.pk}/", {"error_message": "note"}, format="json"
    )
    assert response.status_code == 200
    event.refresh_from_db()
    assert (event.status, event.processed_at, event.error_message) == (
        "processed",
        earlier,
        "note",
    )
    assert (event.source, event.event_type, event.external_id) == (
        "planificateur",
        "flight.planned",
        "X",
    )


@pytest.mark.parametrize(
    "body",
    [
        {"status": "done"},
        {"processed_at": "hier"},
        {"processed_at": "0001-01-01T00:00:00+14:00"},
        {"error_message": None},
    ],
)
def test_a_bad_update_is_a_400_and_changes_nothing(body):
    event = inbound()
    response = integration_client().patch(f"{EVENTS}{event.pk}/", body, format="json")
    assert response.status_code == 400, response.content
    assert set(response.json()) == {"detail", "errors"}
    event.refresh_from_db()
    assert (event.status, event.processed_at, event.error_message) == ("pending", None, "")


def test_the_same_idempotency_key_updates_once():
    event = inbound()
    client = integration_client()
    path = f"{EVENTS}{event.pk}/"
    first = client.patch(path, {"status": "processed"}, format="json", HTTP_IDEMPOTENCY_KEY="u1")
    stamped = IntegrationEvent.objects.get(pk=event.pk).processed_at
    second = client.patch(path, {"status": "processed"}, format="json", HTTP_IDEMPOTENCY_KEY="u1")
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert IntegrationEvent.objects.get(pk=event.pk).processed_at == stamped


# --- who may use events ------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["worker", "manager"])
def test_staff_sessions_read_post_and_update_events(role, request):
    client = session_client(request.getfixturevalue(role))
    created_event = client.post(EVENTS, {"event_type": "x", "source": "erp"}, format="json")
    assert created_event.status_code == 201
    path = f"{EVENTS}{created_event.json()['id']}/"
    assert client.patch(path, {"status": "processing"}, format="json").status_code == 200
    assert len(rows(client.get(EVENTS))) == 1


def test_a_key_needs_the_events_scope():
    event = inbound()
    allowed = api_key_client("Événements", read=False, events=True)
    assert len(rows(allowed.get(EVENTS))) == 1
    refused = api_key_client("Lecture et écriture", read=True, write=True)
    path = f"{EVENTS}{event.pk}/"
    assert refused.get(EVENTS).status_code == 403
    assert refused.get(path).status_code == 403
    assert (
        refused.post(EVENTS, {"event_type": "x", "source": "s"}, format="json").status_code == 403
    )
    assert refused.patch(path, {"status": "failed"}, format="json").status_code == 403
    assert IntegrationEvent.objects.get().status == IntegrationStatus.PENDING


def test_anonymous_callers_and_association_users_get_no_events():
    event = inbound()
    user = association("Asso Curieuse").association_profiles.get().user
    path = f"{EVENTS}{event.pk}/"
    assert anonymous().get(EVENTS).status_code == 401
    assert (
        anonymous().post(EVENTS, {"event_type": "x", "source": "s"}, format="json").status_code
        == 401
    )
    assert anonymous().patch(path, {"status": "failed"}, format="json").status_code == 401
    client = session_client(user)
    assert client.get(EVENTS).status_code == 403
    assert client.get(path).status_code == 403
    assert client.post(EVENTS, {"event_type": "x", "source": "s"}, format="json").status_code == 403
    assert client.patch(path, {"status": "failed"}, format="json").status_code == 403
    assert IntegrationEvent.objects.count() == 1


# --- every list: the envelope on request, and the schema -----------------------------------------


@pytest.mark.parametrize(
    ("path", "fields"),
    [(SHIPMENTS, SHIPMENT_FIELDS), (DESTINATIONS, DESTINATION_FIELDS), (EVENTS, EVENT_FIELDS)],
)
def test_page_1_gives_the_envelope_with_the_contract_rows(sc, path, fields):
    sc.shipment()
    inbound()
    email_events(1)
    body = integration_client().get(path, {"page": 1}).json()
    assert set(body) == ENVELOPE
    assert body["count"] == 1
    assert [set(row) for row in body["results"]] == [fields]


def test_a_shipment_detail_costs_the_same_queries_whatever_its_cartons(sc):
    client = integration_client()
    light = sc.packed_shipment(cartons=1, units=1)
    heavy = sc.packed_shipment(cartons=4, units=1)
    assert client.get(f"{SHIPMENTS}{heavy.pk}/").json()["carton_count"] == 4
    assert queries_for(client, f"{SHIPMENTS}{light.pk}/") == queries_for(
        client, f"{SHIPMENTS}{heavy.pk}/"
    )


def test_the_schema_documents_the_filters_and_the_idempotency_header():
    schema = anonymous().get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    paths = schema.json()["paths"]

    def parameters(path: str, method: str) -> set[str]:
        return {parameter["name"] for parameter in paths[path][method].get("parameters", [])}

    base = "/api/v1/integrations"
    assert {"status", "destination", "since", "page", "page_size"} <= parameters(
        f"{base}/shipments/", "get"
    )
    assert {"active", "page", "page_size"} <= parameters(f"{base}/destinations/", "get")
    assert {"direction", "status", "source", "event_type"} <= parameters(f"{base}/events/", "get")
    assert {"Idempotency-Key", "X-ASF-Source", "X-ASF-Target"} <= parameters(
        f"{base}/events/", "post"
    )
    for path, method in [
        (f"{base}/events/{{id}}/", "patch"),
        (f"{base}/events/{{id}}/", "put"),
        ("/api/v1/stock/receive/", "post"),
        ("/api/v1/pack/", "post"),
        ("/api/v1/orders/{id}/reserve/", "post"),
        ("/api/v1/orders/{id}/prepare/", "post"),
    ]:
        assert "Idempotency-Key" in parameters(path, method), (path, method)
        assert "400" in paths[path][method]["responses"], (path, method)
