"""`seed_demo`, cartons and shipments part (S-CARTONS, S-SHIPMENTS): formats, destinations with
their correspondents, and shipments in every status, all made through the packing and shipping
services from the demo stock; idempotent, the ledger clean."""

from __future__ import annotations

import io
import itertools

import pytest
from django.core.management import call_command
from django.db.models import Model, Sum
from django.test import override_settings

from tests import factories
from wms.demo_shipping import DEMO_NOTE
from wms.models import (
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    Contact,
    Destination,
    MovementType,
    Shipment,
    ShipmentStatus,
    StatusChange,
    StockMovement,
    TrackingEvent,
    TrackingStep,
)
from wms.services import shipping

pytestmark = pytest.mark.django_db

SHIPPING_TABLES: tuple[type[Model], ...] = (
    CartonFormat,
    Destination,
    Contact,
    Carton,
    CartonItem,
    Shipment,
    StatusChange,
    TrackingEvent,
    StockMovement,
)


def seed() -> str:
    out = io.StringIO()
    with override_settings(DEBUG=True, DEMO_PASSWORD="demo-pass-from-env-1"):
        call_command("seed_demo", stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in SHIPPING_TABLES}


def ledger_exit_code() -> int:
    try:
        call_command("check_stock_ledger", stdout=io.StringIO())
    except SystemExit as exit_:
        return int(exit_.code or 0)
    return 0


@pytest.fixture
def seeded() -> str:
    return seed()


def demo_shipment(status: str) -> Shipment:
    return Shipment.objects.get(status=status, notes__startswith=DEMO_NOTE)


def test_running_it_twice_duplicates_nothing_and_keeps_the_ledger_clean():
    first = seed()
    before = counts()

    second = seed()

    assert counts() == before
    assert "Expéditions de démonstration créées (brouillon, en préparation, prête, expédiée, " in (
        first
    )
    assert "Expéditions de démonstration déjà présentes : aucune ajoutée." in second
    assert "Données de démonstration ajoutées : rien (déjà présentes)." in second
    assert ledger_exit_code() == 0


def test_there_is_a_demo_shipment_in_every_status(seeded):
    statuses = set(Shipment.objects.values_list("status", flat=True))
    assert statuses == set(ShipmentStatus.values)
    assert ledger_exit_code() == 0


def test_every_status_was_reached_through_the_services_never_forced(seeded):
    for shipment in Shipment.objects.all():
        history = list(shipment.status_changes.order_by("created_at", "pk"))
        assert not any(change.is_override for change in history), shipment.reference
        last = history[-1].to_status if history else ShipmentStatus.DRAFT
        assert last == shipment.status, shipment.reference
        for earlier, later in itertools.pairwise(history):
            assert earlier.to_status == later.from_status
            assert later.to_status in shipping.TRANSITIONS[earlier.to_status]


def test_every_packed_unit_left_the_shelves_through_the_ledger(seeded):
    for carton in Carton.objects.prefetch_related("items"):
        packed = sum(item.quantity for item in carton.items.all())
        taken = StockMovement.objects.filter(
            carton=carton, movement_type__in=[MovementType.OUT, MovementType.PRECONDITION]
        ).aggregate(total=Sum("delta"))["total"]
        assert -(taken or 0) == packed, carton.code
        kinds = set(
            StockMovement.objects.filter(carton=carton).values_list("movement_type", flat=True)
        )
        # Packed for a shipment: `out`; packed ahead (and maybe attached later): `precondition`.
        allowed = {MovementType.PRECONDITION}
        if carton.shipment_id is not None:
            allowed.add(MovementType.OUT)
        assert kinds <= allowed, carton.code
    attached_ahead = Carton.objects.filter(
        shipment__isnull=False, movements__movement_type=MovementType.PRECONDITION
    )
    assert attached_ahead.exists()


def test_the_shipments_show_each_stage_of_preparation_and_tracking(seeded):
    draft = demo_shipment(ShipmentStatus.DRAFT)
    assert shipping.carton_progress(draft) == (0, 1)
    assert not draft.cartons.get().items.exists()

    assert shipping.carton_progress(demo_shipment(ShipmentStatus.PICKING)) == (1, 2)
    assert shipping.carton_progress(demo_shipment(ShipmentStatus.PACKED)) == (2, 2)

    shipped = demo_shipment(ShipmentStatus.SHIPPED)
    assert list(shipped.tracking_events.values_list("step", flat=True)) == [
        TrackingStep.PLANNING_OK,
        TrackingStep.PLANNED,
        TrackingStep.MOVED_EXPORT,
        TrackingStep.BOARDING_OK,
    ]
    assert shipped.flight_number and shipped.awb_number and shipped.shipped_at
    assert set(shipped.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}

    delivered = demo_shipment(ShipmentStatus.DELIVERED)
    steps = list(delivered.tracking_events.values_list("step", "via_update_link"))
    assert steps[-2:] == [
        (TrackingStep.RECEIVED_CORRESPONDENT, True),
        (TrackingStep.RECEIVED_RECIPIENT, True),
    ]
    assert delivered.delivered_at is not None


def test_some_cartons_wait_unassigned_packed_or_still_open(seeded):
    unassigned = Carton.objects.filter(shipment=None)
    assert unassigned.filter(status=CartonStatus.PACKED).count() >= 2
    assert unassigned.filter(status=CartonStatus.PICKING).exists()
    assert all(carton.location is not None for carton in unassigned)
    assert set(Carton.objects.values_list("status", flat=True)) == set(CartonStatus.values)


def test_destinations_have_a_correspondent_and_one_format_is_the_default(seeded):
    assert Destination.objects.count() >= 4
    for destination in Destination.objects.select_related("correspondent"):
        correspondent = destination.correspondent
        assert correspondent is not None and correspondent.is_correspondent, destination
        assert correspondent.email.endswith("@example.org")
        assert shipping.recipients_for(destination).exists(), destination
        assert shipping.shippers_for(destination).exists(), destination
    assert str(Destination.objects.get(iata_code="TNR")) == "Antananarivo (TNR) - Madagascar"
    assert CartonFormat.default().name == "Standard 40×30×30"
    assert CartonFormat.objects.filter(name="Petit 30×20×20", is_default=False).exists()


def test_a_default_format_chosen_on_the_machine_stays_the_default():
    factories.CartonFormatFactory(name="Format maison", is_default=True)

    seed()

    assert CartonFormat.default().name == "Format maison"
    assert Shipment.objects.filter(notes__startswith=DEMO_NOTE).count() == 5


def test_when_the_stock_cannot_fill_the_shipments_they_are_skipped_and_added_later():
    # Every demo lot expires sooner than this: nothing may be packed for export.
    with override_settings(MIN_SHELF_LIFE_DAYS_EXPORT=100_000):
        first = seed()

    assert "Expéditions de démonstration non créées : « " in first
    assert not Shipment.objects.exists()
    assert not Carton.objects.exists()  # the cartons packed before the refusal are gone too
    assert Destination.objects.count() == 4
    assert ledger_exit_code() == 0

    second = seed()

    assert "Expéditions de démonstration créées" in second
    assert set(Shipment.objects.values_list("status", flat=True)) == set(ShipmentStatus.values)
    assert ledger_exit_code() == 0
