"""What the API tests share: the principals a request can come from (anonymous, association user,
worker and manager sessions, the integration key, per-client keys with one scope each, a revoked
key), and a small warehouse with one object of every kind an endpoint can name."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import manager as make_manager
from tests.factories import worker as make_worker
from tests.shipping_helpers import scene, stocked_product
from tests.wms.test_orders_workflow import approve, association, place
from wms.models import (
    ApiKey,
    IntegrationDirection,
    IntegrationEvent,
    ProductLot,
    StockMovement,
    TrackingStep,
)
from wms.models.api_keys import SCOPES
from wms.services import receiving, shipping

INTEGRATION_KEY = "integration-key-for-api-tests-0123456789"


@pytest.fixture
def api_settings(db: None) -> Iterator[None]:
    """The integration key set, and fresh rate-limit counters (they live in the shared cache: one
    test's requests must not count in another). Not autouse: other modules here set their own."""
    cache.clear()
    with override_settings(INTEGRATION_API_KEY=INTEGRATION_KEY):
        yield
    cache.clear()


def issue_key(name: str, scopes: set[str], *, revoked: bool = False) -> str:
    key = ApiKey(name=name, **{f"scope_{scope}": scope in scopes for scope in SCOPES})
    raw = key.issue()
    if revoked:
        key.revoked_at = timezone.now()
    key.save()
    return raw


@dataclass
class Principals:
    """Builds an APIClient per principal; users and keys are created once per test."""

    association_user: User
    worker: User
    manager: User
    keys: dict[str, str]

    NAMES = (
        "anonymous",
        "association",
        "worker",
        "manager",
        "integration",
        "read_key",
        "write_key",
        "events_key",
        "revoked_key",
    )

    def client(self, name: str) -> APIClient:
        client = APIClient()
        if name == "association":
            client.force_login(self.association_user)
        elif name in ("worker", "manager"):
            client.force_login(getattr(self, name))
        elif name == "integration":
            client.credentials(HTTP_X_ASF_INTEGRATION_KEY=INTEGRATION_KEY)
        elif name in self.keys:
            client.credentials(HTTP_AUTHORIZATION=f"Api-Key {self.keys[name]}")
        else:
            assert name == "anonymous", name
        return client


@pytest.fixture
def principals(db: None) -> Principals:
    return Principals(
        association_user=association("Association Matrice").association_profiles.get().user,
        worker=make_worker(username="matrice-magasinier"),
        manager=make_manager(username="matrice-responsable"),
        keys={
            "read_key": issue_key("lecture", {"read"}),
            "write_key": issue_key("écriture", {"write"}),
            "events_key": issue_key("événements", {"events"}),
            "revoked_key": issue_key("révoquée", {"read", "write", "events"}, revoked=True),
        },
    )


def build_world() -> dict[str, int]:
    """One object of each kind, made through the services; {kind: id}."""
    sc = scene()
    shipment = sc.packed_shipment(cartons=1, units=2)
    carton = shipment.cartons.get()
    product = stocked_product(100)
    lot = ProductLot.objects.filter(product=product).get()
    receipt = receiving.create_receipt(
        lines=[{"product": product, "quantity": 5, "lot_code": "R1"}]
    )
    receiving.receive_all(receipt)
    order = place(association("Association Commande"), [(product, 3)])
    approve(order, sc)
    step = shipping.record_step(
        shipment=shipment,
        step=TrackingStep.PLANNING_OK,
        actor_name="Agent",
        actor_structure="ASF",
        actor=sc.actor,
    ).event
    event = IntegrationEvent.objects.create(
        direction=IntegrationDirection.INBOUND, source="erp", event_type="order.created"
    )
    return {
        "product": product.pk,
        "category": product.category_id,
        "lot": lot.pk,
        "location": lot.location_id,
        "warehouse": lot.location.warehouse_id,
        "movement": StockMovement.objects.filter(lot=lot).latest("pk").pk,
        "receipt": receipt.pk,
        "carton": carton.pk,
        "shipment": shipment.pk,
        "tracking_event": step.pk,
        "destination": sc.destination.pk,
        "order": order.pk,
        "event": event.pk,
        "contact": sc.recipient.pk,
    }


@pytest.fixture
def world(db: None) -> dict[str, int]:
    return build_world()
