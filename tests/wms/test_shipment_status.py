"""The shipment status machine (S-SHIPMENTS): the explicit transition table, the statuses derived
from the cartons after every carton change, ship / deliver, the steps that move a shipment on,
and the manager's logged override, with the emails each queues (S-EMAIL)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.factories import manager as make_manager
from tests.shipping_helpers import Scene, scene, stocked_product
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import (
    Carton,
    CartonStatus,
    IntegrationEvent,
    Shipment,
    ShipmentStatus,
    StatusChange,
    TrackingEvent,
)
from wms.services import packing, shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

S = ShipmentStatus
ALL = list(S.values)


def world() -> dict[str, list[dict[str, Any]]]:
    state = snapshot()
    for model in (Carton, Shipment, StatusChange, TrackingEvent, IntegrationEvent):
        state[model.__name__] = list(model.objects.order_by("pk").values())
    return state


def refused(match: str, operation: Any, **kwargs: Any) -> StockError:
    before = world()
    with pytest.raises(StockError, match=match) as caught:
        operation(**kwargs)
    assert world() == before
    return caught.value


def queued(tag: str) -> list[dict[str, Any]]:
    """The payloads of the queued emails of this template, oldest first."""
    events = IntegrationEvent.objects.order_by("pk")
    return [event.payload for event in events if tag in event.payload["tags"]]


def emails(tag: str) -> list[list[str]]:
    """The recipients of each queued email of this template, oldest first."""
    return [payload["recipients"] for payload in queued(tag)]


def set_status(shipment: Shipment, status: str) -> Shipment:
    """Test setup only: put a shipment in a status without going through the machine."""
    Shipment.objects.filter(pk=shipment.pk).update(status=status)
    shipment.refresh_from_db()
    return shipment


@pytest.fixture
def sc(manager) -> Scene:
    return scene(manager)


@pytest.fixture
def managers(sc) -> list[str]:
    """Every active manager with an email address, sorted (manager_emails())."""
    make_manager(username="responsable-deux")
    make_manager(username="ancien", is_active=False)
    return sorted(["responsable-test@example.org", "responsable-deux@example.org"])


# --- the table -------------------------------------------------------------------------------


def test_the_table_is_the_one_of_the_spec():
    expected = {
        S.DRAFT: {S.PICKING, S.PACKED},
        S.PICKING: {S.DRAFT, S.PACKED},
        S.PACKED: {S.DRAFT, S.PICKING, S.SHIPPED},
        S.SHIPPED: {S.DELIVERED},
        S.DELIVERED: set(),
    }
    assert expected == shipping.TRANSITIONS


@pytest.mark.parametrize(("start", "to"), list(itertools.permutations(ALL, 2)))
def test_every_transition_follows_the_table(sc, start, to):
    shipment = set_status(sc.shipment(), start)
    if to in shipping.TRANSITIONS[start]:
        assert shipping._transition(shipment, to, sc.actor) is True
        shipment.refresh_from_db()
        assert shipment.status == to
        change = StatusChange.objects.get(shipment=shipment)
        assert (change.from_status, change.to_status, change.is_override) == (start, to, False)
        assert change.user == sc.actor.user
    else:
        refused("impossible pour l'expédition", shipping._transition,
                shipment=shipment, to=to, actor=sc.actor)  # fmt: skip
        shipment.refresh_from_db()
        assert shipment.status == start


@pytest.mark.parametrize("status", ALL)
def test_a_transition_to_the_same_status_is_no_change(sc, status):
    shipment = set_status(sc.shipment(), status)
    assert shipping._transition(shipment, status, sc.actor) is False
    assert not StatusChange.objects.exists()


def test_the_timestamps_follow_the_status(sc):
    shipment = sc.shipment()
    shipping._transition(shipment, S.PACKED, sc.actor)
    assert shipment.ready_at is not None and shipment.shipped_at is None
    shipping._transition(shipment, S.PICKING, sc.actor)
    assert shipment.ready_at is None
    shipping._transition(shipment, S.PACKED, sc.actor)
    shipping._transition(shipment, S.SHIPPED, sc.actor)
    assert shipment.ready_at is not None and shipment.shipped_at is not None
    shipping._transition(shipment, S.DELIVERED, sc.actor)
    shipment.refresh_from_db()
    assert shipment.delivered_at is not None and shipment.shipped_at is not None


# --- derived from the cartons ----------------------------------------------------------------


def statuses(shipment: Shipment) -> tuple[str, bool]:
    shipment.refresh_from_db()
    return shipment.status, shipment.ready_at is not None


def test_the_status_follows_every_carton_change(sc):
    shipment = sc.shipment()
    product = stocked_product(30)
    pack = dict(product=product, quantity=2, actor=sc.actor, shipment=shipment)
    first = packing.pack(**pack).carton
    second = packing.pack(**pack).carton
    assert statuses(shipment) == (S.DRAFT, False)  # no carton ready
    packing.close_carton(carton=first, actor=sc.actor)
    assert statuses(shipment) == (S.PICKING, False)  # "PARTIEL 1/2"
    assert shipping.carton_progress(shipment) == (1, 2)
    packing.close_carton(carton=second, actor=sc.actor)
    assert statuses(shipment) == (S.PACKED, True)
    third = packing.pack(**pack).carton
    assert statuses(shipment) == (S.PICKING, False)  # ready_at cleared on leaving packed
    packing.unpack_carton(carton=third, actor=sc.actor)  # detached: 2/2 ready again
    assert statuses(shipment) == (S.PACKED, True)
    packing.reopen_carton(carton=second, actor=sc.actor)
    assert statuses(shipment) == (S.PICKING, False)
    packing.close_carton(carton=second, actor=sc.actor)
    packing.detach_carton(carton=second, actor=sc.actor)
    assert statuses(shipment) == (S.PACKED, True)  # 1/1
    packing.detach_carton(carton=first, actor=sc.actor)
    assert statuses(shipment) == (S.DRAFT, False)  # no carton at all
    packing.attach_carton(carton=first, shipment=shipment, actor=sc.actor)
    assert statuses(shipment) == (S.PACKED, True)
    log = list(StatusChange.objects.filter(shipment=shipment).values_list("to_status", flat=True))
    assert log == [S.PICKING, S.PACKED, S.PICKING, S.PACKED, S.PICKING, S.PACKED, S.DRAFT,
                   S.PACKED]  # fmt: skip
    assert ledger_is_clean()


def test_a_single_carton_takes_a_draft_shipment_straight_to_packed(sc):
    shipment = sc.packed_shipment(cartons=1)
    assert shipment.status == S.PACKED
    assert list(StatusChange.objects.values_list("from_status", "to_status")) == [
        (S.DRAFT, S.PACKED)
    ]


# --- ship and deliver ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "match"),
    [
        (S.DRAFT, "n'est pas prête : 0/0"),
        (S.PICKING, "n'est pas prête : 0/0"),
        (S.SHIPPED, "est déjà expédiée"),
        (S.DELIVERED, "est déjà livrée"),
    ],
)
def test_only_a_packed_shipment_is_shipped(sc, status, match):
    shipment = set_status(sc.shipment(), status)
    refused(match, shipping.ship, shipment=shipment, actor=sc.actor)


def test_a_partly_ready_shipment_says_how_many_cartons_are_ready(sc):
    shipment = sc.packed_shipment(cartons=2)
    packing.pack(product=stocked_product(5), quantity=1, actor=sc.actor, shipment=shipment)
    refused("n'est pas prête : 2/3 carton", shipping.ship, shipment=shipment, actor=sc.actor)


def test_shipping_ships_every_carton_and_queues_the_emails(sc, managers):
    shipment = sc.packed_shipment(cartons=2)
    shipped = shipping.ship(shipment=shipment, actor=sc.actor)
    assert (shipped.status, shipped.is_locked) == (S.SHIPPED, True)
    assert shipped.shipped_at is not None
    assert set(shipment.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}
    assert emails("shipment_shipped") == [managers]
    correspondent = sc.destination.correspondent
    assert emails("shipment_update_link") == [[correspondent.email]]
    assert shipping.update_url(shipment) in queued("shipment_update_link")[0]["message"]


def test_no_update_link_email_without_a_correspondent_address(sc):
    sc.destination.correspondent.email = ""
    sc.destination.correspondent.save()
    shipping.ship(shipment=sc.packed_shipment(cartons=1), actor=sc.actor)
    assert emails("shipment_update_link") == []


def test_only_a_manager_delivers_and_only_a_shipped_shipment(sc, worker, managers):
    shipment = sc.packed_shipment(cartons=1)
    refused("impossible", shipping.deliver, shipment=shipment, actor=sc.actor)
    shipping.ship(shipment=shipment, actor=sc.actor)
    error = refused("Seul un responsable", shipping.deliver,
                    shipment=shipment, actor=Actor(user=worker))  # fmt: skip
    assert error.code == "forbidden"
    delivered = shipping.deliver(shipment=shipment, actor=sc.actor)
    assert (delivered.status, delivered.delivered_at is not None) == (S.DELIVERED, True)
    assert emails("shipment_delivered") == [managers]


# --- steps that move a shipment on ---------------------------------------------------------------


def step(sc: Scene, shipment: Shipment, name: str) -> shipping.StepResult:
    return shipping.record_step(
        shipment=shipment,
        step=name,
        actor_name="Aina",
        actor_structure="Fret Air Madagascar",
        actor=sc.actor,
    )


def test_boarding_ok_on_a_picking_shipment_is_recorded_and_managers_are_told(sc, managers):
    shipment = sc.packed_shipment(cartons=1)
    packing.pack(product=stocked_product(5), quantity=1, actor=sc.actor, shipment=shipment)
    shipment.refresh_from_db()
    assert shipment.status == S.PICKING
    result = step(sc, shipment, "boarding_ok")
    assert result.status_changed is False
    assert result.event.step == "boarding_ok"
    shipment.refresh_from_db()
    assert shipment.status == S.PICKING
    assert emails("tracking_out_of_sequence") == [managers]
    assert emails("shipment_shipped") == []
    message = IntegrationEvent.objects.get().payload["message"]
    assert "Embarquement validé" in message and "Prête" in message


def test_boarding_ok_ships_a_packed_shipment(sc, managers):
    shipment = sc.packed_shipment(cartons=2)
    result = step(sc, shipment, "boarding_ok")
    assert result.status_changed is True
    shipment.refresh_from_db()
    assert shipment.status == S.SHIPPED
    assert set(shipment.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}
    assert emails("shipment_shipped") == [managers]
    assert len(emails("shipment_update_link")) == 1
    assert emails("tracking_out_of_sequence") == []


def test_boarding_ok_after_the_ship_button_is_an_ordinary_step(sc, managers):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    result = step(sc, shipment, "boarding_ok")
    shipment.refresh_from_db()
    assert (result.status_changed, shipment.status) == (False, S.SHIPPED)
    assert emails("tracking_out_of_sequence") == []
    assert emails("tracking_step") == [managers]


def test_received_recipient_delivers_a_shipped_shipment(sc, managers):
    shipment = sc.packed_shipment(cartons=1)
    shipping.ship(shipment=shipment, actor=sc.actor)
    result = step(sc, shipment, "received_recipient")
    shipment.refresh_from_db()
    assert (result.status_changed, shipment.status) == (True, S.DELIVERED)
    assert emails("shipment_delivered") == [managers]


def test_received_recipient_before_shipping_is_out_of_sequence(sc, managers):
    shipment = sc.packed_shipment(cartons=1)
    result = step(sc, shipment, "received_recipient")
    shipment.refresh_from_db()
    assert (result.status_changed, shipment.status) == (False, S.PACKED)
    assert emails("tracking_out_of_sequence") == [managers]


# --- manager override ---------------------------------------------------------------------------


def test_a_worker_may_not_override(sc, worker):
    shipment = sc.packed_shipment(cartons=1)
    error = refused("Seul un responsable peut forcer", shipping.override_status,
                    shipment=shipment, status=S.DELIVERED, reason="Vu sur place",
                    actor=Actor(user=worker))  # fmt: skip
    assert error.code == "forbidden"


@pytest.mark.parametrize(
    ("status", "reason", "match"),
    [
        (S.DELIVERED, "", "Indiquez le motif"),
        (S.DELIVERED, "   ", "Indiquez le motif"),
        (S.DELIVERED, None, "Indiquez le motif"),
        (S.DELIVERED, "x" * 401, "400 caractères au plus"),
        ("lost", "Perdu en route", "Statut inconnu"),
        (S.PACKED, "Déjà prête", "déjà « Prête »"),
    ],
)
def test_an_override_needs_a_reason_and_a_real_change(sc, status, reason, match):
    shipment = sc.packed_shipment(cartons=1)
    refused(match, shipping.override_status,
            shipment=shipment, status=status, reason=reason, actor=sc.actor)  # fmt: skip


def test_an_override_is_logged_with_its_reason_and_managers_are_told(sc, managers):
    shipment = sc.packed_shipment(cartons=1)
    shipping.override_status(
        shipment=shipment, status=S.DELIVERED, reason="  Livrée en main propre ", actor=sc.actor
    )
    shipment.refresh_from_db()
    assert (shipment.status, shipment.delivered_at is not None) == (S.DELIVERED, True)
    change = StatusChange.objects.filter(is_override=True).get()
    assert (change.from_status, change.to_status) == (S.PACKED, S.DELIVERED)
    assert (change.reason, change.user) == ("Livrée en main propre", sc.actor.user)
    assert emails("shipment_override") == [managers]
    assert "Livrée en main propre" in queued("shipment_override")[0]["message"]
    assert set(shipment.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}


def test_overriding_a_partial_shipment_to_shipped_ships_its_cartons(sc, managers):
    shipment = sc.packed_shipment(cartons=1)
    packing.pack(product=stocked_product(5), quantity=1, actor=sc.actor, shipment=shipment)
    shipping.override_status(
        shipment=shipment, status=S.SHIPPED, reason="Carton fermé sur le quai", actor=sc.actor
    )
    shipment.refresh_from_db()
    assert shipment.status == S.SHIPPED
    assert set(shipment.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}
    assert emails("shipment_shipped") == [managers]
    assert emails("shipment_override") == [managers]
    assert len(emails("shipment_update_link")) == 1


def test_overriding_a_shipped_shipment_back_reopens_its_cartons(sc):
    shipment = sc.packed_shipment(cartons=2)
    shipping.ship(shipment=shipment, actor=sc.actor)
    shipping.override_status(
        shipment=shipment, status=S.PACKED, reason="Vol annulé", actor=sc.actor
    )
    shipment.refresh_from_db()
    assert (shipment.status, shipment.shipped_at, shipment.is_locked) == (S.PACKED, None, False)
    assert set(shipment.cartons.values_list("status", flat=True)) == {CartonStatus.PACKED}
