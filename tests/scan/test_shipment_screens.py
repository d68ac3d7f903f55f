"""Shipment screens (S-SHIPMENTS, S-SCAN, S-ROLES): sequenced creation with filtered parties,
cartons attached or packed from product lines all or nothing, edition (refused once locked), the
list under way, the detail page, ship, and the manager's deliver / override."""

from __future__ import annotations

import html
import re
import uuid
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tests.factories import ContactFactory, DestinationFactory
from tests.shipping_helpers import Scene, scene, stocked_product
from tests.stock_helpers import ledger_is_clean, snapshot
from wms.models import (
    Carton,
    CartonStatus,
    ContactAddress,
    ProductLot,
    Shipment,
    ShipmentStatus,
    StatusChange,
    TrackingStep,
)
from wms.services import packing, shipping

pytestmark = pytest.mark.django_db

CREATE = "/scan/shipment/"
READY = "/scan/shipments-ready/"


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture
def world(manager: Any) -> Scene:
    return scene(manager)


def text(response: Any) -> str:
    return html.unescape(response.content.decode())


def detail(shipment: Shipment) -> str:
    return f"/scan/shipment/{shipment.pk}/"


def edit(shipment: Shipment) -> str:
    return f"/scan/shipment/{shipment.pk}/edit/"


def form_data(world: Scene, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "op_id": str(uuid.uuid4()),
        "destination": world.destination.pk,
        "shipper": world.shipper.pk,
        "recipient": world.recipient.pk,
    }
    data.update(extra)
    return data


def packed_carton(world: Scene, units: int = 2, product: Any = None) -> Carton:
    """A closed carton in no shipment (prepared ahead on the pack screen)."""
    product = product or stocked_product(units + 5)
    result = packing.pack(product=product, quantity=units, actor=world.actor)
    return packing.close_carton(carton=result.carton, actor=world.actor)


def on_hand(product: Any) -> int:
    return sum(
        ProductLot.objects.filter(product=product).values_list("quantity_on_hand", flat=True)
    )


def count_queries(client: Any, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return len(captured)


# --- roles --------------------------------------------------------------------------------------


def page_urls(world: Scene) -> list[str]:
    shipment = world.shipment()
    return [CREATE, READY, detail(shipment), edit(shipment)]


def test_workers_open_every_shipment_page(client, world, worker):
    client.force_login(worker)
    for url in page_urls(world):
        assert client.get(url).status_code == 200, url


def test_users_without_the_scan_role_are_refused(client, world, outsider):
    client.force_login(outsider)
    urls = page_urls(world)
    shipment = Shipment.objects.get()
    for url in urls:
        assert client.get(url).status_code == 403, url
    for name in ("shipment_ship", "shipment_status"):
        url = reverse(f"scan:{name}", args=[shipment.pk])
        assert client.post(url, {"op_id": str(uuid.uuid4())}).status_code == 403, url
    assert client.post(CREATE, form_data(world)).status_code == 403
    assert Shipment.objects.count() == 1


def test_anonymous_visitors_are_sent_to_the_login_page(client, world):
    urls = page_urls(world)
    shipment = Shipment.objects.get()
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/scan/login/" in response["Location"], url
    for name in ("shipment_ship", "shipment_status"):
        response = client.post(reverse(f"scan:{name}", args=[shipment.pk]), {})
        assert response.status_code == 302 and "/scan/login/" in response["Location"]
    response = client.post(CREATE, form_data(world))
    assert response.status_code == 302
    assert Shipment.objects.count() == 1


def test_unknown_shipments_are_not_found(client, worker):
    client.force_login(worker)
    assert client.get("/scan/shipment/999999/").status_code == 404
    assert client.get("/scan/shipment/999999/edit/").status_code == 404


# --- creation: the destination first, then its parties --------------------------------------------


def test_the_destination_comes_first(client, world, worker):
    client.force_login(worker)
    DestinationFactory(city="Retirée", iata_code="OLD", is_active=False)
    response = client.get(CREATE)
    body = text(response)
    assert "Antananarivo (TNR) - Madagascar" in body
    assert "Retirée" not in body  # only active destinations
    assert 'name="shipper"' not in body  # nothing else before the destination


def test_choosing_the_destination_offers_only_its_parties(client, world, worker):
    client.force_login(worker)
    elsewhere = DestinationFactory(city="Bamako", iata_code="BKO", country="Mali")
    ContactFactory(name="Expéditeur du Mali", is_shipper=True).destinations.add(elsewhere)
    ContactFactory(name="Hôpital sans adresse", is_recipient=True)
    abroad = ContactFactory(name="Dispensaire malien", is_recipient=True)
    ContactAddress.objects.create(contact=abroad, line1="Rue 1", city="Bamako", country="Mali")
    response = client.get(CREATE, {"destination": world.destination.pk})
    body = text(response)
    assert response.status_code == 200
    assert "ASF Toulouse" in body and "Hôpital Befelatanana" in body
    assert "Expéditeur du Mali" not in body
    assert "Hôpital sans adresse" not in body and "Dispensaire malien" not in body
    assert world.destination.correspondent.name in body  # shown, not chosen


def test_htmx_gets_only_the_form_for_the_chosen_destination(client, world, worker):
    client.force_login(worker)
    response = client.get(CREATE, {"destination": world.destination.pk}, HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="shipment-form">')
    assert 'name="shipper"' in body and "<html" not in body


def test_it_creates_a_shipment_and_shows_it(client, world, worker):
    client.force_login(worker)
    data = form_data(world, notes="Urgent", requested_delivery_date="2031-05-04")
    response = client.post(CREATE, data)
    shipment = Shipment.objects.get()
    assert response.status_code == 303 and response["Location"] == detail(shipment)
    assert (shipment.shipper_name, shipment.recipient_name) == (
        "ASF Toulouse",
        "Hôpital Befelatanana",
    )
    assert shipment.correspondent == world.destination.correspondent
    assert shipment.notes == "Urgent" and str(shipment.requested_delivery_date) == "2031-05-04"
    assert shipment.created_by == worker
    assert shipment.status == ShipmentStatus.DRAFT
    page = client.get(response["Location"])
    assert shipment.reference in text(page)


def test_a_double_submit_creates_one_shipment(client, world, worker):
    client.force_login(worker)
    data = form_data(world)
    first = client.post(CREATE, data)
    second = client.post(CREATE, data)
    assert Shipment.objects.count() == 1
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"]


def test_it_refuses_a_shipper_that_does_not_serve_the_destination(client, world, worker):
    client.force_login(worker)
    elsewhere = DestinationFactory(city="Bamako", iata_code="BKO", country="Mali")
    foreign = ContactFactory(name="Expéditeur du Mali", is_shipper=True)
    foreign.destinations.add(elsewhere)
    response = client.post(CREATE, form_data(world, shipper=foreign.pk, notes="à garder"))
    body = text(response)
    assert response.status_code == 200
    assert "« Expéditeur du Mali » n'est pas expéditeur pour" in body
    assert "à garder" in body  # the user's input is kept
    assert not Shipment.objects.exists()


def test_it_refuses_a_recipient_without_an_address_in_the_country(client, world, worker):
    client.force_login(worker)
    homeless = ContactFactory(name="Hôpital sans adresse", is_recipient=True)
    response = client.post(CREATE, form_data(world, recipient=homeless.pk))
    assert response.status_code == 200
    assert "« Hôpital sans adresse » n'est pas destinataire" in text(response)
    assert not Shipment.objects.exists()


def test_it_refuses_a_missing_party_or_destination(client, world, worker):
    client.force_login(worker)
    response = client.post(CREATE, form_data(world, shipper=""))
    assert response.status_code == 200 and not Shipment.objects.exists()
    assert "field-error" in response.content.decode()
    response = client.post(CREATE, form_data(world, destination="999999"))
    assert response.status_code == 200 and not Shipment.objects.exists()


def test_it_attaches_packed_cartons_and_packs_product_lines(client, world, worker):
    client.force_login(worker)
    ready = packed_carton(world, units=2)
    product = stocked_product(200)
    before = on_hand(product)
    data = form_data(world, cartons=[ready.pk], line_code_1=product.sku, line_quantity_1="100")
    response = client.post(CREATE, data)
    assert response.status_code == 303
    shipment = Shipment.objects.get()
    cartons = list(shipment.cartons.order_by("pk"))
    # The ready carton, then 100 units of 100 g / 500 cm³ split by the default format
    # (40×30×30 cm, 8 kg: 72 units per carton at most).
    assert cartons[0] == ready
    assert len(cartons) == 3
    new_quantities = sorted(sum(i.quantity for i in c.items.all()) for c in cartons[1:])
    assert new_quantities == [28, 72]
    assert on_hand(product) == before - 100
    assert {c.status for c in cartons[1:]} == {CartonStatus.PICKING}
    assert shipment.status == ShipmentStatus.PICKING  # 1 of 3 cartons ready
    assert ledger_is_clean()


def test_it_changes_nothing_when_a_line_lacks_stock(client, world, worker):
    client.force_login(worker)
    ready = packed_carton(world, units=2)
    plenty = stocked_product(50)
    scarce = stocked_product(3)
    before, cartons_before = snapshot(), Carton.objects.count()
    data = form_data(
        world,
        cartons=[ready.pk],
        line_code_1=plenty.sku,
        line_quantity_1="5",
        line_code_2=scarce.sku,
        line_quantity_2="10",
        notes="garder ceci",
    )
    response = client.post(CREATE, data)
    body = text(response)
    assert response.status_code == 200
    assert "Stock insuffisant" in body and "garder ceci" in body
    assert not Shipment.objects.exists()
    assert Carton.objects.count() == cartons_before
    ready.refresh_from_db()
    assert ready.shipment_id is None
    assert snapshot() == before


def test_products_without_size_need_the_default_values(client, world, worker):
    client.force_login(worker)
    product = stocked_product(10, weight_g=None, volume_cm3=None)
    data = form_data(world, line_code_1=product.sku, line_quantity_1="4")
    response = client.post(CREATE, data)
    assert response.status_code == 200
    assert "Poids et volume inconnus" in text(response)
    assert not Shipment.objects.exists()
    response = client.post(CREATE, {**data, "op_id": str(uuid.uuid4()), "use_default_sizes": "on"})
    assert response.status_code == 303
    assert Shipment.objects.get().cartons.count() == 1


def test_it_refuses_an_unknown_product_or_a_line_without_quantity(client, world, worker):
    client.force_login(worker)
    product = stocked_product(10)
    response = client.post(CREATE, form_data(world, line_code_1="INCONNU-999", line_quantity_1="2"))
    assert response.status_code == 200
    assert "INCONNU-999" in text(response)
    response = client.post(CREATE, form_data(world, line_code_1=product.sku))
    assert response.status_code == 200
    assert not Shipment.objects.exists()


def test_a_carton_of_another_shipment_cannot_be_taken(client, world, worker):
    client.force_login(worker)
    other = world.packed_shipment(cartons=1, units=1)
    taken = other.cartons.get()
    response = client.post(CREATE, form_data(world, cartons=[taken.pk]))
    assert response.status_code == 200
    assert "appartient à une autre expédition" in text(response)
    assert Shipment.objects.count() == 1


# --- edition ------------------------------------------------------------------------------------


def test_the_edit_form_is_prefilled(client, world, worker):
    client.force_login(worker)
    shipment = world.shipment(notes="Note initiale")
    body = text(client.get(edit(shipment)))
    assert "Note initiale" in body
    assert f'<option value="{world.shipper.pk}" selected>' in body
    assert 'name="flight_number"' in body


def test_editing_changes_notes_flight_and_cartons(client, world, worker):
    client.force_login(worker)
    shipment = world.packed_shipment(cartons=2, units=1)
    leaving, staying = shipment.cartons.order_by("pk")
    joining = packed_carton(world, units=1)
    product = stocked_product(10)
    data = form_data(
        world,
        notes="Modifiée",
        flight_number="AF934",
        flight_date="2031-06-01",
        awb_number="057-1234",
        detach=[leaving.pk],
        cartons=[joining.pk],
        line_code_1=product.sku,
        line_quantity_1="4",
    )
    response = client.post(edit(shipment), data)
    assert response.status_code == 303 and response["Location"] == detail(shipment)
    shipment.refresh_from_db()
    assert shipment.notes == "Modifiée"
    assert (shipment.flight_number, shipment.awb_number) == ("AF934", "057-1234")
    assert str(shipment.flight_date) == "2031-06-01"
    leaving.refresh_from_db()
    assert leaving.shipment_id is None
    cartons = list(shipment.cartons.order_by("pk"))
    assert cartons[:2] == [staying, joining]
    assert [item.quantity for item in cartons[2].items.all()] == [4]
    assert on_hand(product) == 6
    assert shipment.status == ShipmentStatus.PICKING  # the new carton is still open


def test_an_edit_refused_by_a_service_changes_nothing(client, world, worker):
    client.force_login(worker)
    shipment = world.packed_shipment(cartons=1, units=1)
    scarce = stocked_product(2)
    before = snapshot()
    kept = shipment.cartons.get()
    data = form_data(
        world, notes="Jamais", detach=[kept.pk], line_code_1=scarce.sku, line_quantity_1="5"
    )
    response = client.post(edit(shipment), data)
    assert response.status_code == 200 and "Stock insuffisant" in text(response)
    shipment.refresh_from_db()
    kept.refresh_from_db()
    assert shipment.notes == "" and kept.shipment_id == shipment.pk
    assert shipment.status == ShipmentStatus.PACKED
    assert snapshot() == before


def test_the_destination_can_be_changed_on_the_edit_screen(client, world, worker):
    client.force_login(worker)
    shipment = world.shipment()
    other = DestinationFactory(city="Toamasina", iata_code="TMM", country="Madagascar")
    body = text(client.get(edit(shipment), {"destination": other.pk}))
    assert f'name="destination" value="{other.pk}"' in body
    response = client.post(edit(shipment), form_data(world, destination=other.pk))
    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.destination == other
    assert shipment.correspondent == other.correspondent


def test_a_locked_shipment_cannot_be_edited(client, world, worker):
    client.force_login(worker)
    shipment = world.packed_shipment(cartons=1, units=1)
    shipping.ship(shipment=shipment, actor=world.actor)
    response = client.get(edit(shipment))
    assert response.status_code == 200
    assert "ne peut plus être modifiée" in text(response)
    assert 'name="shipper"' not in text(response)
    response = client.post(edit(shipment), form_data(world, notes="Trop tard"))
    assert response.status_code == 409
    assert "ne peut plus être modifiée" in text(response)
    shipment.refresh_from_db()
    assert shipment.notes == ""


def test_a_shipped_shipment_still_takes_its_flight_details(client, world, worker):
    client.force_login(worker)
    shipment = world.packed_shipment(cartons=1, units=1)
    shipping.ship(shipment=shipment, actor=world.actor)
    data = {"op_id": str(uuid.uuid4()), "flight_only": "1", "flight_number": "ET850"}
    response = client.post(edit(shipment), data)
    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.flight_number == "ET850"
    assert shipment.status == ShipmentStatus.SHIPPED


# --- the list -----------------------------------------------------------------------------------


def test_the_list_shows_shipments_under_way_with_their_progress(client, world, worker):
    client.force_login(worker)
    partial = world.packed_shipment(cartons=2, units=1)
    opened = packing.pack(
        product=stocked_product(5), quantity=1, actor=world.actor, shipment=partial
    )
    assert opened.carton.status == CartonStatus.PICKING
    delivered = world.packed_shipment(cartons=1, units=1)
    shipping.ship(shipment=delivered, actor=world.actor)
    shipping.deliver(shipment=delivered, actor=world.actor)
    body = text(client.get(READY))
    # "PARTIEL 2/3" in French (the English source reads "PARTIAL 2/3").
    assert partial.reference in body and re.search(r"PARTI(EL|AL) 2/3", body)
    assert delivered.reference not in body
    body = text(client.get(READY, {"status": "delivered"}))
    assert delivered.reference in body and partial.reference not in body
    assert f'href="{detail(delivered)}"' in body


def test_the_list_query_count_does_not_grow_with_the_rows(client, world, worker):
    client.force_login(worker)
    for _ in range(2):
        world.packed_shipment(cartons=1, units=1)
    small = count_queries(client, READY)
    for _ in range(18):
        world.shipment()
    large = count_queries(client, READY)
    assert small == large, (small, large)
    assert large <= 12


# --- the detail page and its actions ------------------------------------------------------------


def test_the_detail_shows_parties_cartons_links_and_tracking_in_process_order(
    client, world, worker
):
    client.force_login(worker)
    shipment = world.packed_shipment(cartons=2, units=1)
    for step, name in (
        (TrackingStep.RECEIVED_CORRESPONDENT, "Rakoto"),
        (TrackingStep.PLANNING_OK, "Dupont"),
    ):
        shipping.record_step(
            shipment=shipment,
            step=step,
            actor_name=name,
            actor_structure="ASF",
            actor=world.actor,
            comments=f"vu par {name}",
        )
    body = text(client.get(detail(shipment)))
    assert shipment.reference in body and "ASF Toulouse" in body
    assert "Rue Andriamifidy" in body
    for carton in shipment.cartons.all():
        assert carton.code in body
    assert body.index("Dupont") < body.index("Rakoto")  # process order, not time order
    assert reverse("scan:shipment_track", args=[shipment.tracking_token]) in body
    assert shipping.update_url(shipment) in body
    try:
        note = reverse("scan:print_shipment_document", args=[shipment.pk, "note"])
    except NoReverseMatch:
        note = None
    if note:
        assert note in body


def test_the_detail_query_count_does_not_grow_with_cartons_and_events(client, world, worker):
    client.force_login(worker)

    def seeded(cartons: int) -> Shipment:
        shipment = world.packed_shipment(cartons=cartons, units=1)
        for step in (TrackingStep.PLANNING_OK, TrackingStep.PLANNED)[: 1 if cartons < 5 else 2]:
            shipping.record_step(
                shipment=shipment,
                step=step,
                actor_name="Dupont",
                actor_structure="ASF",
                actor=world.actor,
            )
        return shipment

    small = count_queries(client, detail(seeded(2)))
    large = count_queries(client, detail(seeded(20)))
    assert small == large, (small, large)
    assert large <= 12


def ship_url(shipment: Shipment) -> str:
    return reverse("scan:shipment_ship", args=[shipment.pk])


def test_the_ship_button_ships_a_packed_shipment_once(client, world, worker):
    client.force_login(worker)
    shipment = world.packed_shipment(cartons=2, units=1)
    body = client.get(detail(shipment)).content.decode()
    assert 'type="submit">' in body and "disabled" not in body.split("data-ship-form")[1][:600]
    data = {"op_id": str(uuid.uuid4())}
    first = client.post(ship_url(shipment), data)
    second = client.post(ship_url(shipment), data)
    assert first.status_code == second.status_code == 303
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    assert set(shipment.cartons.values_list("status", flat=True)) == {CartonStatus.SHIPPED}
    assert StatusChange.objects.filter(shipment=shipment, to_status="shipped").count() == 1


def test_the_ship_button_refuses_a_shipment_that_is_not_ready(client, world, worker):
    client.force_login(worker)
    shipment = world.shipment()
    body = client.get(detail(shipment)).content.decode()
    assert "disabled" in body.split("data-ship-form")[1][:600]
    response = client.post(ship_url(shipment), {"op_id": str(uuid.uuid4())})
    assert response.status_code == 200
    assert "n'est pas prête" in text(response)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT


def status_url(shipment: Shipment) -> str:
    return reverse("scan:shipment_status", args=[shipment.pk])


def shipped(world: Scene) -> Shipment:
    shipment = world.packed_shipment(cartons=1, units=1)
    return shipping.ship(shipment=shipment, actor=world.actor)


def test_a_manager_marks_a_shipment_delivered(client, world, manager):
    client.force_login(manager)
    shipment = shipped(world)
    assert "data-deliver-form" in client.get(detail(shipment)).content.decode()
    response = client.post(status_url(shipment), {"op_id": str(uuid.uuid4()), "action": "deliver"})
    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED


def test_workers_may_not_deliver_or_override(client, world, worker):
    client.force_login(worker)
    shipment = shipped(world)
    assert "data-override-form" not in client.get(detail(shipment)).content.decode()
    for data in ({"action": "deliver"}, {"action": "override", "status": "draft", "reason": "x"}):
        response = client.post(status_url(shipment), {"op_id": str(uuid.uuid4()), **data})
        assert response.status_code == 403
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED


def test_an_override_needs_a_reason(client, world, manager):
    client.force_login(manager)
    shipment = shipped(world)
    data = {"op_id": str(uuid.uuid4()), "action": "override", "status": "packed", "reason": " "}
    response = client.post(status_url(shipment), data)
    assert response.status_code == 200
    assert "Indiquez le motif du forçage." in text(response)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    data = {**data, "op_id": str(uuid.uuid4()), "reason": "Vol annulé"}
    response = client.post(status_url(shipment), data)
    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PACKED
    change = StatusChange.objects.filter(shipment=shipment).latest("pk")
    assert change.is_override and change.reason == "Vol annulé"


def test_an_override_without_a_status_is_refused(client, world, manager):
    client.force_login(manager)
    shipment = shipped(world)
    data = {"op_id": str(uuid.uuid4()), "action": "override", "reason": "Vol annulé"}
    response = client.post(status_url(shipment), data)
    assert response.status_code == 200
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
