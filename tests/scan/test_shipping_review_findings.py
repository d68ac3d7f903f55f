"""Inputs an independent review tried on the carton and shipment screens: huge quantities and
ids, retired parties, renamed contacts, override round trips, shortages across cartons, tiny
sizes, labels read before closing, empty cartons on labels."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.scan.test_shipment_screens import edit, form_data, text
from tests.shipping_helpers import Scene, scene, stocked_product
from tests.stock_helpers import snapshot
from wms.models import Carton, CartonStatus, ProductCategory, Shipment, ShipmentStatus
from wms.printing import documents
from wms.services import packing, shipping

pytestmark = pytest.mark.django_db

HUGE_ID = "9223372036854775808"


@pytest.fixture
def world(manager: Any) -> Scene:
    return scene(manager)


def test_a_million_units_on_a_shipment_line_is_refused_at_once(client, world, worker):
    client.force_login(worker)
    product = stocked_product(5, weight_g=7000, volume_cm3=10)
    before = snapshot()
    started = time.monotonic()
    data = form_data(world, line_code_1=product.sku, line_quantity_1="1000000")
    response = client.post("/scan/shipment/", data)
    assert time.monotonic() - started < 5  # no plan of a million cartons is built
    assert response.status_code == 200
    assert Shipment.objects.count() == 0
    assert snapshot() == before


def test_the_service_stops_planning_past_a_hundred_cartons(world):
    product = stocked_product(5, weight_g=7000, volume_cm3=10)
    dimensions = packing.Dimensions.of(world.carton_format)
    with pytest.raises(packing.StockError) as refused:
        packing.plan_cartons([(product, 10_000_000)], dimensions, use_defaults=False)
    assert refused.value.code == "too_many_cartons"


@pytest.mark.parametrize("field", ["cartons", "detach"])
def test_ids_too_large_for_the_database_are_a_form_error(client, world, worker, field):
    client.force_login(worker)
    shipment = world.shipment()
    response = client.post(edit(shipment), form_data(world, **{field: HUGE_ID}))
    assert response.status_code in (200, 409, 422)
    response = client.post("/scan/shipment/", form_data(world, cartons=HUGE_ID))
    assert response.status_code == 200
    assert Shipment.objects.count() == 1


def test_a_huge_carton_id_on_the_plan_screen_is_ignored(client, worker):
    client.force_login(worker)
    assert client.get(f"/scan/pack/plan/?cartons={HUGE_ID},1").status_code == 200


def test_a_shipment_to_a_retired_destination_keeps_its_notes_and_flight_editable(
    client, world, worker
):
    client.force_login(worker)
    shipment = world.shipment()
    world.destination.is_active = False
    world.destination.save()
    world.shipper.is_active = False
    world.shipper.save()
    response = client.post(edit(shipment), form_data(world, notes="hello", flight_number="AF934"))
    assert response.status_code == 303, text(response)
    shipment.refresh_from_db()
    assert (shipment.notes, shipment.flight_number) == ("hello", "AF934")


def test_saving_notes_never_copies_a_renamed_contact_onto_the_documents(client, world, worker):
    client.force_login(worker)
    shipment = world.shipment()
    world.shipper.name = "RENAMED AGAIN"
    world.shipper.save()
    new_correspondent = world.destination.correspondent
    new_correspondent.pk = None
    new_correspondent.name = "Autre correspondant"
    new_correspondent.email = "autre@example.org"
    new_correspondent.asf_id = ""
    new_correspondent.save()
    world.destination.correspondent = new_correspondent
    world.destination.save()
    response = client.post(edit(shipment), form_data(world, notes="juste une note"))
    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.shipper_name == "ASF Toulouse"
    assert shipment.correspondent_name != "Autre correspondant"


def test_an_override_round_trip_gives_each_carton_back_its_own_status(world):
    shipment = world.packed_shipment(cartons=1, units=1)
    open_carton = packing.pack(
        product=stocked_product(5), quantity=1, actor=world.actor, shipment=shipment
    ).carton
    shipping.override_status(
        shipment=shipment, status=ShipmentStatus.SHIPPED, reason="vol avancé", actor=world.actor
    )
    shipping.override_status(
        shipment=shipment, status=ShipmentStatus.PICKING, reason="erreur", actor=world.actor
    )
    statuses = dict(shipment.cartons.values_list("pk", "status"))
    assert statuses[open_carton.pk] == CartonStatus.PICKING
    assert sorted(statuses.values()) == [CartonStatus.PACKED, CartonStatus.PICKING]
    packing.close_carton(carton=open_carton, actor=world.actor)
    shipment.refresh_from_db()
    assert shipping.ship(shipment=shipment, actor=world.actor).status == ShipmentStatus.SHIPPED


def test_ship_follows_the_cartons_when_a_forced_status_lags_behind(world):
    shipment = world.packed_shipment(cartons=1, units=1)
    shipping.override_status(
        shipment=shipment, status=ShipmentStatus.PICKING, reason="contrôle", actor=world.actor
    )
    assert shipping.ship(shipment=shipment, actor=world.actor).status == ShipmentStatus.SHIPPED


def test_a_shortage_across_several_cartons_names_the_real_quantity(world):
    product = stocked_product(5, weight_g=5000, volume_cm3=10)
    shipment = world.shipment()
    dimensions = packing.Dimensions.of(world.carton_format)
    bins = packing.plan_cartons([(product, 8)], dimensions, use_defaults=False)
    before = snapshot()
    with pytest.raises(packing.StockError) as refused:
        packing.pack_planned(bins, [(product, 8)], actor=world.actor, shipment=shipment)
    assert "5 disponible(s) pour 8 demandé(s)" in refused.value.message
    assert snapshot() == before


@pytest.mark.parametrize("length", ["0,04", "0.04", "1e40", "NaN", "-1"])
def test_a_size_that_rounds_to_nothing_or_overflows_is_refused(length):
    with pytest.raises(packing.StockError):
        packing.Dimensions.parse(length, "30", "30", "8000")


def test_a_label_read_before_the_carton_changed_type_still_resolves(client, world, worker):
    client.force_login(worker)
    medical = stocked_product(5, category="Médical")
    carton = packing.pack(product=medical, quantity=1, actor=world.actor).carton
    first_code = carton.code
    hygiene = stocked_product(50, category="Hygiène", weight_g=1000)
    carton = packing.pack(product=hygiene, quantity=10, actor=world.actor, carton=carton).carton
    assert carton.code != first_code
    answer = client.get(
        "/scan/resolve/", {"code": first_code}, HTTP_ACCEPT="application/json"
    ).json()
    assert (answer["kind"], answer["carton"]) == ("carton", carton.code)


def test_labels_count_only_cartons_with_something_in_them(world):
    shipment = world.packed_shipment(cartons=2, units=1)
    packing.create_carton(actor=world.actor, shipment=shipment)
    labels = documents.shipment_labels(shipment)["labels"]
    assert [(label.position, label.count) for label in labels] == [(1, 2), (2, 2)]
    assert ProductCategory.objects.exists() and Carton.objects.count() == 3
