"""The public tracking page /scan/shipment/track/<token>/ (S-SHIPMENTS, issue 7 acceptance 7):
structures but never names, e-mails, phones, addresses or comments for whoever holds a label;
the step form, offline-capable, for a logged-in worker."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import uuid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse

from scan.models import ScanOperation
from tests import factories
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import Shipment, ShipmentStatus, TrackingEvent, TrackingStep
from wms.services import packing, shipping
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
# What must never reach an anonymous reader: people, their contact data, free text.
CORRESPONDENT = {
    "name": "Jeanne Rakotomalala",
    "email": "jeanne.rakoto@example.mg",
    "phone": "+261 34 12 345 67",
}
SECRETS = [
    *CORRESPONDENT.values(),
    "Marcel Dupontel",  # an event's actor name
    "Appeler Marcel au 06 12 34 56 78",  # an event's comment
    "Lucienne Randria",  # the correspondent's actor name on the update link
    "ASF Toulouse",  # the shipper
    "Hôpital Befelatanana",  # the recipient
    "Rue Andriamifidy",  # the recipient's address
    "@",  # no e-mail address at all
]
STRUCTURES = ["Air Madagascar Fret", "ASF Export Roissy"]


def track_url(shipment: Shipment) -> str:
    return reverse("scan:shipment_track", args=[shipment.tracking_token])


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def public_scene() -> Scene:
    """A scene whose destination's correspondent has a name, an e-mail and a phone."""
    place = scene()
    correspondent = factories.ContactFactory(is_correspondent=True, **CORRESPONDENT)
    place.destination.correspondent = correspondent
    place.destination.save()
    return place


def step(shipment: Shipment, which: str, **fields: Any) -> TrackingEvent:
    values = {"actor_name": "Marcel Dupontel", "actor_structure": STRUCTURES[0], **fields}
    return shipping.record_step(shipment=shipment, step=which, actor=Actor(), **values).event


@pytest.fixture
def shipment() -> Shipment:
    place = public_scene()
    shipment = place.shipment()
    # Recorded out of process order, on purpose.
    step(shipment, TrackingStep.MOVED_EXPORT, comments="Appeler Marcel au 06 12 34 56 78")
    step(shipment, TrackingStep.PLANNING_OK, actor_structure=STRUCTURES[1])
    shipping.record_correspondent_step(
        shipment=shipment,
        step=TrackingStep.RECEIVED_CORRESPONDENT,
        actor_name="Lucienne Randria",
        actor_structure="Correspondance Tana",
        client_key="192.0.2.1",
    )
    return shipment


def picking_shipment(place: Scene) -> Shipment:
    """One carton closed, one still open: "PARTIEL 1/2"."""
    shipment = place.shipment()
    product = stocked_product(20)
    closed = packing.pack(product=product, quantity=2, actor=place.actor, shipment=shipment)
    packing.close_carton(carton=closed.carton, actor=place.actor)
    packing.pack(product=product, quantity=2, actor=place.actor, shipment=shipment)
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKING
    return shipment


def step_form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "op_id": str(uuid.uuid4()),
        "step": TrackingStep.PLANNED,
        "actor_name": "Paul Magasinier",
        "actor_structure": "ASF Entrepôt",
        "comments": "Palette filmée",
        **overrides,
    }


# --- what anyone holding a label sees ------------------------------------------------------------


def test_it_shows_reference_destination_status_and_the_steps_with_their_structures(
    client: Client, shipment: Shipment
) -> None:
    response = client.get(track_url(shipment))

    assert response.status_code == 200
    page = text_of(response)
    assert shipment.reference in page
    assert "Antananarivo (TNR) - Madagascar" in page
    assert shipment.get_status_display() in page
    for structure in [*STRUCTURES, "Correspondance Tana"]:
        assert structure in page
    # Process order, not the order they were recorded in; the current step is the furthest.
    steps = re.findall(r'<tr data-step="([a-z_]+)"', page)
    assert steps == ["planning_ok", "moved_export", "received_correspondent"]
    assert 'data-current-step="received_correspondent"' in page


def test_it_dates_each_step_in_paris_time(client: Client) -> None:
    shipment = public_scene().shipment()
    with time_machine.travel(dt.datetime(2026, 1, 15, 22, 30, tzinfo=dt.UTC), tick=False):
        step(shipment, TrackingStep.PLANNED)

    page = text_of(client.get(track_url(shipment)))

    assert "15/01/2026 23:30" in page  # UTC+1 in winter


def test_it_never_shows_a_name_email_phone_address_or_comment_to_an_anonymous_reader(
    client: Client, shipment: Shipment
) -> None:
    page = text_of(client.get(track_url(shipment)))

    for secret in SECRETS:
        assert secret not in page, secret
    assert shipment.correspondent_name not in page


def test_a_logged_in_user_without_the_scan_permission_gets_the_public_page(
    outsider: Any, shipment: Shipment
) -> None:
    page = text_of(logged_in(outsider).get(track_url(shipment)))

    assert shipment.reference in page
    assert 'name="op_id"' not in page
    assert 'name="actor_name"' not in page
    for secret in SECRETS[:-1]:  # the sign-out link's frame may hold the user's own address
        assert secret not in page, secret


def test_a_shipment_without_steps_says_so(client: Client) -> None:
    shipment = public_scene().shipment()

    response = client.get(track_url(shipment))

    assert response.status_code == 200
    assert 'data-current-step=""' in text_of(response)


def test_an_unknown_token_is_not_found(client: Client, worker: Any) -> None:
    url = reverse("scan:shipment_track", args=[uuid.uuid4()])

    assert client.get(url).status_code == 404
    assert logged_in(worker).get(url).status_code == 404
    assert logged_in(worker).post(url, step_form_data()).status_code == 404


def test_it_answers_head_and_refuses_other_methods(client: Client, shipment: Shipment) -> None:
    assert client.head(track_url(shipment)).status_code == 200
    assert client.put(track_url(shipment)).status_code == 405
    assert client.delete(track_url(shipment)).status_code == 405


def test_it_is_neither_cached_nor_indexed_nor_sent_on_as_a_referer(
    client: Client, worker: Any, shipment: Shipment
) -> None:
    for response in (client.get(track_url(shipment)), logged_in(worker).get(track_url(shipment))):
        assert "no-store" in response["Cache-Control"]
        assert "noindex" in response["X-Robots-Tag"]
        # no-referrer would make Chromium post `Origin: null` (a CSRF 403)
        assert response["Referrer-Policy"] == "same-origin"


# --- refused writers -----------------------------------------------------------------------------


def test_an_anonymous_post_is_refused_and_records_nothing(
    client: Client, shipment: Shipment
) -> None:
    before = TrackingEvent.objects.count()

    response = client.post(track_url(shipment), step_form_data())

    assert response.status_code == 403
    assert TrackingEvent.objects.count() == before
    assert not ScanOperation.objects.exists()


def test_a_user_without_the_scan_permission_cannot_record_a_step(
    outsider: Any, shipment: Shipment
) -> None:
    before = TrackingEvent.objects.count()

    response = logged_in(outsider).post(track_url(shipment), step_form_data())

    assert response.status_code == 403
    assert TrackingEvent.objects.count() == before


def test_a_post_without_the_csrf_token_is_refused(worker: Any, shipment: Shipment) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(worker)
    before = TrackingEvent.objects.count()

    response = client.post(track_url(shipment), step_form_data())

    assert response.status_code == 403
    assert TrackingEvent.objects.count() == before


# --- the worker's step form ----------------------------------------------------------------------


def test_a_worker_sees_the_step_form_prefilled_and_the_names_and_comments(
    shipment: Shipment,
) -> None:
    user = factories.worker(username="pmag", first_name="Paul", last_name="Magasinier")

    response = logged_in(user).get(track_url(shipment))

    page = text_of(response)
    assert 'value="Paul Magasinier"' in page
    assert f'value="{settings.ORG_NAME}"' in page
    form = page.split(f'action="{track_url(shipment)}"', 1)[1].split("</form>", 1)[0]
    assert 'name="op_id"' in form
    assert 'name="csrfmiddlewaretoken"' in form
    for value in TrackingStep.values:
        assert f'value="{value}"' in form
    start = page.rfind("<form", 0, page.index(f'action="{track_url(shipment)}"'))
    assert 'data-offline="queue"' in page[start : page.index("</form>", start)]
    # Staff see who recorded what.
    assert "Marcel Dupontel" in page
    assert "Appeler Marcel au 06 12 34 56 78" in page
    assert "Lucienne Randria" in page


def test_a_worker_without_a_full_name_gets_the_username_prefilled(
    worker: Any, shipment: Shipment
) -> None:
    page = text_of(logged_in(worker).get(track_url(shipment)))

    assert f'value="{worker.username}"' in page


def test_a_worker_records_a_step(worker: Any, shipment: Shipment) -> None:
    client = logged_in(worker)

    response = client.post(track_url(shipment), step_form_data())

    assert response.status_code == 303
    assert response["Location"] == track_url(shipment)
    event = TrackingEvent.objects.get(step=TrackingStep.PLANNED)
    assert (event.actor_name, event.actor_structure, event.comments) == (
        "Paul Magasinier",
        "ASF Entrepôt",
        "Palette filmée",
    )
    assert event.author == worker
    assert not event.via_update_link
    page = text_of(client.get(track_url(shipment)))
    flash = re.search(r'class="flash flash-success">([^<]*)<', page)
    assert flash is not None
    assert "Planifiée" in flash.group(1)
    assert shipment.reference in flash.group(1)
    assert '<tr data-step="planned"' in page


def test_boarding_ok_ships_a_packed_shipment(worker: Any) -> None:
    shipment = scene().packed_shipment(cartons=2)

    response = logged_in(worker).post(
        track_url(shipment), step_form_data(step=TrackingStep.BOARDING_OK)
    )

    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED
    assert set(shipment.cartons.values_list("status", flat=True)) == {"shipped"}
    assert shipment.tracking_events.get().step == TrackingStep.BOARDING_OK


def test_boarding_ok_on_a_picking_shipment_records_the_step_and_keeps_the_status(
    worker: Any,
) -> None:
    shipment = picking_shipment(scene())
    client = logged_in(worker)

    response = client.post(
        track_url(shipment), step_form_data(step=TrackingStep.BOARDING_OK), follow=True
    )

    assert response.status_code == 200
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.PICKING
    assert shipment.tracking_events.get().step == TrackingStep.BOARDING_OK
    assert "managers have been told" in text_of(response) or "responsables" in text_of(response)


def test_the_same_operation_id_records_the_step_once(worker: Any, shipment: Shipment) -> None:
    client = logged_in(worker)
    data = step_form_data()
    before = TrackingEvent.objects.count()

    first = client.post(track_url(shipment), data)
    second = client.post(track_url(shipment), data)

    assert first.status_code == second.status_code == 303
    assert TrackingEvent.objects.count() == before + 1


def test_an_operation_id_replayed_on_another_shipment_is_a_conflict(
    worker: Any, shipment: Shipment
) -> None:
    other = Shipment.objects.create(reference="269999", destination=shipment.destination)
    client = logged_in(worker)
    data = step_form_data()
    client.post(track_url(shipment), data)

    response = client.post(track_url(other), data)

    assert response.status_code == 409
    assert not other.tracking_events.exists()


@pytest.mark.parametrize(
    ("overrides", "error"),
    [
        pytest.param({"step": "teleported"}, "teleported", id="an unknown step"),
        pytest.param({"actor_structure": ""}, "", id="no structure"),
        pytest.param({"actor_name": "   "}, "", id="a blank name"),
        pytest.param({"comments": "x" * 501}, "500", id="too long a comment"),
        pytest.param({"op_id": "not-a-uuid"}, "opération", id="a broken operation id"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_records_nothing(
    worker: Any, shipment: Shipment, overrides: dict[str, Any], error: str
) -> None:
    before = TrackingEvent.objects.count()

    response = logged_in(worker).post(track_url(shipment), step_form_data(**overrides))

    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert error in text_of(response)
    assert TrackingEvent.objects.count() == before


def test_the_outbox_gets_a_json_answer(worker: Any, shipment: Shipment) -> None:
    response = logged_in(worker).post(
        track_url(shipment), step_form_data(), HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 200
    answer = json.loads(response.content)
    assert answer["status"] == "applied"
    assert "Planifiée" in answer["message"]
    assert TrackingEvent.objects.filter(pk=answer["data"]["event_id"]).exists()


def test_the_outbox_gets_a_json_refusal(worker: Any, shipment: Shipment) -> None:
    response = logged_in(worker).post(
        track_url(shipment), step_form_data(step="nope"), HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 422
    assert json.loads(response.content)["status"] == "rejected"


def test_an_htmx_post_gets_the_fragment_with_the_new_step(worker: Any, shipment: Shipment) -> None:
    response = logged_in(worker).post(track_url(shipment), step_form_data(), HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    page = text_of(response)
    assert page.lstrip().startswith('<div id="capture">')
    assert 'data-capture-result="applied"' in page
    assert '<tr data-step="planned"' in page


def test_the_step_form_offers_the_step_after_the_furthest_one_recorded(worker: Any) -> None:
    shipment = public_scene().shipment()
    step(shipment, TrackingStep.PLANNED)
    step(shipment, TrackingStep.PLANNING_OK)

    page = text_of(logged_in(worker).get(track_url(shipment)))

    assert '<option value="moved_export" selected>' in page


# --- query budget --------------------------------------------------------------------------------


def many_steps(shipment: Shipment, count: int) -> None:
    for index in range(count):
        step(shipment, TrackingStep.values[index % 4], comments=f"note {index}")


@pytest.mark.parametrize("as_worker", [False, True], ids=["anonymous", "worker"])
def test_the_page_costs_the_same_queries_for_few_and_many_steps(
    django_assert_max_num_queries: Any, worker: Any, as_worker: bool
) -> None:
    place = public_scene()
    few, many = place.shipment(), place.shipment()
    many_steps(few, 1)
    many_steps(many, 40)
    client = logged_in(worker) if as_worker else Client()
    client.get(track_url(few))  # session and permission caches warm up alike

    budget = 7 if as_worker else 2
    with django_assert_max_num_queries(budget):
        assert client.get(track_url(few)).status_code == 200
    with django_assert_max_num_queries(budget):
        response = client.get(track_url(many))
    assert response.content.decode().count("<tr data-step=") == 40
