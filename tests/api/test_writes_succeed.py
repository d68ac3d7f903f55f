"""Every write operation of the API can succeed (S-API, acceptance 2): a fuzzer sends mostly
invalid bodies, so this pass sends one valid body to every write endpoint the URL resolver knows,
with a key holding read, write and events (as in the fuzz run), and wants a 2xx and the effect.

A write endpoint (or method) without a body in VALID_WRITES fails the first test."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from tests.api.conftest import issue_key
from tests.api.endpoints import WRITE_METHODS, api_endpoints
from tests.api.test_permission_matrix import EXPECTATIONS
from tests.factories import LocationFactory
from tests.stock_helpers import ledger_is_clean
from wms.models import (
    IntegrationEvent,
    IntegrationStatus,
    Order,
    OrderStatus,
    ProductLot,
    TrackingEvent,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

World = dict[str, int]
Body = Callable[[World], dict[str, Any]]
Effect = Callable[[World, dict[str, Any]], None]


def in_days(days: int) -> str:
    return (timezone.localdate() + dt.timedelta(days=days)).isoformat()


def other_location(world: World) -> int:
    return int(LocationFactory().pk)


def lot_grew(world: World, body: dict[str, Any]) -> None:
    assert ProductLot.objects.get(pk=body["lot_id"]).quantity_on_hand == 5


def carton_made(world: World, body: dict[str, Any]) -> None:
    assert body["carton_code"] and body["status"]


def order_is(*statuses: str) -> Effect:
    def check(world: World, body: dict[str, Any]) -> None:
        assert Order.objects.get(pk=world["order"]).status in statuses
        assert body == {"order_id": world["order"], "status": body["status"]}

    return check


def event_posted(world: World, body: dict[str, Any]) -> None:
    event = IntegrationEvent.objects.get(pk=body["id"])
    assert (event.direction, event.status, event.source) == ("inbound", "pending", "planificateur")


def event_processed(world: World, body: dict[str, Any]) -> None:
    event = IntegrationEvent.objects.get(pk=world["event"])
    assert event.status == IntegrationStatus.PROCESSED
    assert event.processed_at is not None


def step_recorded(world: World, body: dict[str, Any]) -> None:
    assert TrackingEvent.objects.filter(shipment_id=world["shipment"], step="planned").exists()


def nothing_more(world: World, body: dict[str, Any]) -> None:
    return None


# (endpoint URL name, method) -> (valid body from the world's ids, what must have happened).
VALID_WRITES: dict[tuple[str, str], tuple[Body, Effect]] = {
    ("stock-receive", "POST"): (
        lambda w: {
            "product_id": w["product"],
            "quantity": 5,
            "location_id": w["location"],
            "lot_code": "API-01",
            "expires_on": in_days(300),
        },
        lot_grew,
    ),
    ("pack", "POST"): (lambda w: {"product_id": w["product"], "quantity": 2}, carton_made),
    ("order-reserve", "POST"): (lambda w: {}, order_is(OrderStatus.RESERVED)),
    ("order-prepare", "POST"): (
        lambda w: {},
        order_is(OrderStatus.PREPARING, OrderStatus.READY),
    ),
    ("integration-event-list", "POST"): (
        lambda w: {
            "event_type": "flight.planned",
            "source": "planificateur",
            "external_id": "VOL-42",
            "payload": {"flight": "AF123"},
        },
        event_posted,
    ),
    ("integration-event-detail", "PATCH"): (lambda w: {"status": "processed"}, event_processed),
    ("integration-event-detail", "PUT"): (
        lambda w: {"status": "processed", "error_message": ""},
        event_processed,
    ),
    ("shipment-tracking-events", "POST"): (
        lambda w: {
            "step": "planned",
            "actor_name": "Jeanne Martin",
            "actor_structure": "ASF Roissy",
            "comments": "Vol confirmé",
        },
        step_recorded,
    ),
    ("stock-adjust", "POST"): (
        lambda w: {"lot_id": w["lot"], "delta": 1, "reason_code": "found"},
        nothing_more,
    ),
    ("stock-transfer", "POST"): (
        lambda w: {"lot_id": w["lot"], "quantity": 3, "to_location_id": other_location(w)},
        nothing_more,
    ),
}

WRITES = sorted(
    (name, method)
    for name, endpoint in api_endpoints().items()
    for method in endpoint.methods
    if method in WRITE_METHODS
)


def test_every_write_operation_has_a_valid_body_here():
    missing = sorted(set(WRITES) - set(VALID_WRITES))
    assert missing == [], f"write operations without a valid body in VALID_WRITES: {missing}"
    stale = sorted(set(VALID_WRITES) - set(WRITES))
    assert stale == [], f"VALID_WRITES names operations that do not exist: {stale}"


@pytest.mark.parametrize(("name", "method"), sorted(set(WRITES) & set(VALID_WRITES)))
def test_a_valid_write_succeeds_with_a_full_scope_key(name, method, world):
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Api-Key {issue_key('fuzz', {'read', 'write', 'events'})}"
    )
    endpoint = api_endpoints()[name]
    path = endpoint.path({kwarg: world[kind] for kwarg, kind in EXPECTATIONS[name].ids.items()})
    build, effect = VALID_WRITES[(name, method)]
    body = build(world)
    response = getattr(client, method.lower())(path, body, format="json")
    assert 200 <= response.status_code < 300, (method, path, body, response.content[:800])
    effect(world, response.json())
    assert ledger_is_clean()
