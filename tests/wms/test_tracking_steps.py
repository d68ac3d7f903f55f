"""Tracking steps (S-SHIPMENTS, S-EMAIL): what a step records, its checks, the managers' email at
most once per shipment per TRACKING_EMAIL_THROTTLE_SECONDS, and the correspondent's update link
(its steps, its throttle, its expiry 30 days after delivery)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from tests.shipping_helpers import Scene, scene
from wms.models import (
    IntegrationEvent,
    Shipment,
    ShipmentStatus,
    StatusChange,
    ThrottleSlot,
    TrackingEvent,
    TrackingStep,
)
from wms.models.shipments import STEP_ORDER
from wms.services import shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db


def world() -> dict[str, list[dict[str, Any]]]:
    models = (Shipment, StatusChange, TrackingEvent, IntegrationEvent, ThrottleSlot)
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in models}


def refused(match: str, operation: Any, **kwargs: Any) -> StockError:
    before = world()
    with pytest.raises(StockError, match=match) as caught:
        operation(**kwargs)
    assert world() == before
    return caught.value


def step_emails() -> list[dict[str, Any]]:
    events = IntegrationEvent.objects.order_by("pk")
    return [event.payload for event in events if "tracking_step" in event.payload["tags"]]


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture(autouse=True)
def windows(settings):
    settings.TRACKING_EMAIL_THROTTLE_SECONDS = 900
    settings.TRACKING_UPDATE_THROTTLE_SECONDS = 60


def step(sc: Scene, shipment: Shipment, name: str = "planning_ok", **kwargs: Any):
    values = dict(actor_name="Aina", actor_structure="Fret Air Madagascar", actor=sc.actor)
    return shipping.record_step(shipment=shipment, step=name, **{**values, **kwargs})


def test_steps_are_listed_in_process_order():
    assert sorted(TrackingStep.values, key=STEP_ORDER.__getitem__) == [
        "planning_ok",
        "planned",
        "moved_export",
        "boarding_ok",
        "received_correspondent",
        "received_recipient",
    ]


def test_a_step_records_who_from_which_structure_and_when(sc):
    shipment = sc.packed_shipment(cartons=1)
    result = step(sc, shipment, "planned", actor_name="  Aina ", comments=" Vol AF934 ")
    event = TrackingEvent.objects.get()
    assert (event.step, event.actor_name, event.actor_structure) == (
        "planned",
        "Aina",
        "Fret Air Madagascar",
    )
    assert (event.comments, event.author, event.via_update_link) == ("Vol AF934", sc.actor.user,
                                                                      False)  # fmt: skip
    assert event.created_at is not None
    assert (result.event, result.status_changed) == (event, False)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED


def test_an_anonymous_step_has_no_author(sc):
    shipment = sc.packed_shipment(cartons=1)
    shipping.record_step(
        shipment=shipment, step="planned", actor_name="A", actor_structure="B", actor=Actor()
    )
    assert TrackingEvent.objects.get().author is None


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"step": "lost"}, "Étape inconnue"),
        ({"actor_name": "  "}, "Indiquez votre nom et votre structure"),
        ({"actor_structure": ""}, "Indiquez votre nom et votre structure"),
        ({"actor_name": None}, "Indiquez votre nom et votre structure"),
        ({"actor_name": "x" * 121}, "Le nom : 120 caractères au plus"),
        ({"actor_structure": "x" * 121}, "La structure : 120 caractères au plus"),
        ({"comments": "x" * 501}, "Le commentaire : 500 caractères au plus"),
    ],
)
def test_a_bad_step_is_refused_and_changes_nothing(sc, fields, match):
    shipment = sc.packed_shipment(cartons=1)
    values = dict(
        shipment=shipment,
        step="planned",
        actor_name="Aina",
        actor_structure="Fret",
        actor=sc.actor,
    )
    refused(match, shipping.record_step, **{**values, **fields})


# --- the managers' email, throttled ---------------------------------------------------------------


def test_managers_get_at_most_one_step_email_per_shipment_per_window(sc):
    shipment = sc.packed_shipment(cartons=1)
    other = sc.packed_shipment(cartons=1)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        step(sc, shipment, "planning_ok")
        step(sc, shipment, "planned")
        step(sc, other, "planning_ok")  # another shipment has its own window
        assert len(step_emails()) == 2
        traveller.shift(dt.timedelta(seconds=899))
        step(sc, shipment, "moved_export")
        assert len(step_emails()) == 2
        traveller.shift(dt.timedelta(seconds=2))
        step(sc, shipment, "moved_export", comments="Palette 2")
        assert len(step_emails()) == 3
    assert TrackingEvent.objects.filter(shipment=shipment).count() == 4  # every step recorded
    assert step_emails()[0]["recipients"] == ["responsable-test@example.org"]


def test_out_of_sequence_warnings_are_never_throttled(sc):
    shipment = sc.packed_shipment(cartons=1)
    step(sc, shipment, "planning_ok")
    step(sc, shipment, "received_recipient")
    step(sc, shipment, "received_recipient")
    tags = [event.payload["tags"][0] for event in IntegrationEvent.objects.order_by("pk")]
    assert tags == ["tracking_step", "tracking_out_of_sequence", "tracking_out_of_sequence"]


def test_a_zero_window_sends_every_step_email(sc, settings):
    settings.TRACKING_EMAIL_THROTTLE_SECONDS = 0
    shipment = sc.packed_shipment(cartons=1)
    for name in ("planning_ok", "planned", "moved_export"):
        step(sc, shipment, name)
    assert len(step_emails()) == 3


# --- the correspondent's update link ----------------------------------------------------------


def correspondent_step(shipment: Shipment, name: str, client_key: str = "203.0.113.7"):
    return shipping.record_correspondent_step(
        shipment=shipment,
        step=name,
        actor_name="Hery",
        actor_structure="ASF Madagascar",
        client_key=client_key,
    )


@pytest.fixture
def shipped(sc) -> Shipment:
    shipment = sc.packed_shipment(cartons=1)
    return shipping.ship(shipment=shipment, actor=sc.actor)


@pytest.mark.parametrize("name", ["planning_ok", "planned", "moved_export", "boarding_ok"])
def test_the_update_link_records_only_the_correspondents_steps(shipped, name):
    refused("Étape non autorisée", correspondent_step, shipment=shipped, name=name)


def test_the_correspondent_records_reception_and_delivery(shipped):
    received = correspondent_step(shipped, "received_correspondent")
    assert (received.event.via_update_link, received.event.author) == (True, None)
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=61), tick=False):
        delivered = correspondent_step(shipped, "received_recipient")
    assert delivered.status_changed is True
    shipped.refresh_from_db()
    assert shipped.status == ShipmentStatus.DELIVERED


def test_the_update_link_is_throttled_per_shipment_and_client(shipped):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        correspondent_step(shipped, "received_correspondent")
        error = refused("réessayez dans 60 s", correspondent_step,
                        shipment=shipped, name="received_correspondent")  # fmt: skip
        assert error.code == "throttled"
        correspondent_step(shipped, "received_correspondent", client_key="198.51.100.2")
        traveller.shift(dt.timedelta(seconds=61))
        correspondent_step(shipped, "received_correspondent")
    assert TrackingEvent.objects.count() == 3


def test_a_refused_step_does_not_take_the_throttle_slot(shipped):
    with pytest.raises(StockError, match="Indiquez votre nom"):
        shipping.record_correspondent_step(
            shipment=shipped,
            step="received_correspondent",
            actor_name="",
            actor_structure="ASF",
            client_key="203.0.113.7",
        )
    correspondent_step(shipped, "received_correspondent")


def test_the_update_link_expires_thirty_days_after_delivery(sc, shipped):
    assert shipping.update_link_valid(shipped)
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        shipping.deliver(shipment=shipped, actor=sc.actor)
        shipped.refresh_from_db()
        traveller.shift(dt.timedelta(days=30))
        assert shipping.update_link_valid(shipped)
        correspondent_step(shipped, "received_correspondent")
        traveller.shift(dt.timedelta(seconds=1))
        assert not shipping.update_link_valid(shipped)
        error = refused("Ce lien a expiré", correspondent_step,
                        shipment=shipped, name="received_correspondent",
                        client_key="other")  # fmt: skip
        assert error.code == "expired"


def test_the_update_link_is_valid_before_delivery(sc):
    shipment = sc.packed_shipment(cartons=1)
    assert shipping.update_link_valid(shipment, now=timezone.now() + dt.timedelta(days=365))
