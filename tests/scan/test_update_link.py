"""The correspondent's update link /scan/shipment/update/<token>/ (S-SHIPMENTS, issue 7
acceptance 7): anonymous, the two correspondent steps only, throttled per shipment and client,
valid until 30 days after delivery, and showing no one's name."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from typing import Any

import pytest
import time_machine
from django.test import Client, override_settings
from django.urls import reverse

from tests import factories
from tests.shipping_helpers import scene
from wms.models import Shipment, ShipmentStatus, TrackingEvent, TrackingStep
from wms.services import shipping
from wms.services.stock import Actor

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def update_url(shipment: Shipment) -> str:
    return reverse("scan:shipment_update", args=[shipment.update_token])


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def form_data(**overrides: Any) -> dict[str, Any]:
    return {
        "step": TrackingStep.RECEIVED_CORRESPONDENT,
        "actor_name": "Lucienne Randria",
        "actor_structure": "Correspondance Tana",
        "comments": "Reçu 12 cartons, appeler Lucienne au +261 34 00 000 00",
        **overrides,
    }


@pytest.fixture
def shipment() -> Shipment:
    return scene().shipment()


def shipped() -> Shipment:
    place = scene()
    shipment = place.packed_shipment(cartons=1)
    return shipping.ship(shipment=shipment, actor=place.actor)


def delivered_at(moment: dt.datetime) -> Shipment:
    with time_machine.travel(moment, tick=False):
        shipment = shipped()
        shipment = shipping.deliver(shipment=shipment, actor=Actor(user=factories.manager()))
    assert shipment.delivered_at == moment
    return shipment


# --- the page ------------------------------------------------------------------------------------


def test_it_shows_the_shipment_and_a_form_with_the_correspondent_steps_only(
    client: Client, shipment: Shipment
) -> None:
    shipping.record_step(
        shipment=shipment,
        step=TrackingStep.PLANNED,
        actor_name="Marcel Dupontel",
        actor_structure="ASF Export Roissy",
        comments="Marcel : 06 12 34 56 78",
        actor=Actor(),
    )

    response = client.get(update_url(shipment))

    assert response.status_code == 200
    page = text_of(response)
    assert shipment.reference in page
    assert "Antananarivo (TNR) - Madagascar" in page
    assert "ASF Export Roissy" in page
    for secret in ("Marcel Dupontel", "06 12 34 56 78", "ASF Toulouse", "Hôpital", "@"):
        assert secret not in page, secret
    select = re.search(r'<select name="step".*?</select>', page, re.DOTALL)
    assert select is not None
    options = re.findall(r'<option value="([a-z_]*)"', select.group(0))
    assert options == ["received_correspondent", "received_recipient"]
    assert 'name="csrfmiddlewaretoken"' in page


def test_an_unknown_token_is_not_found(client: Client) -> None:
    url = reverse("scan:shipment_update", args=[uuid.uuid4()])

    assert client.get(url).status_code == 404
    assert client.post(url, form_data()).status_code == 404


def test_the_tracking_token_does_not_open_the_update_link(
    client: Client, shipment: Shipment
) -> None:
    url = reverse("scan:shipment_update", args=[shipment.tracking_token])

    assert client.get(url).status_code == 404


def test_it_is_neither_cached_nor_indexed_nor_sent_on_as_a_referer(
    client: Client, shipment: Shipment
) -> None:
    response = client.get(update_url(shipment))

    assert "no-store" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    # no-referrer would make Chromium post `Origin: null` (a CSRF 403)
    assert response["Referrer-Policy"] == "same-origin"


def test_it_answers_head_and_refuses_other_methods(client: Client, shipment: Shipment) -> None:
    assert client.head(update_url(shipment)).status_code == 200
    assert client.put(update_url(shipment)).status_code == 405


# --- recording -----------------------------------------------------------------------------------


def test_the_correspondent_records_received_correspondent(
    client: Client, shipment: Shipment
) -> None:
    response = client.post(update_url(shipment), form_data())

    assert response.status_code == 303
    assert response["Location"] == update_url(shipment)
    event = TrackingEvent.objects.get()
    assert event.step == TrackingStep.RECEIVED_CORRESPONDENT
    assert (event.actor_name, event.actor_structure) == ("Lucienne Randria", "Correspondance Tana")
    assert event.via_update_link
    assert event.author is None
    page = text_of(client.get(update_url(shipment)))
    assert 'class="flash flash-success"' in page
    assert "Reçue par le correspondant" in page


def test_received_recipient_delivers_a_shipped_shipment(client: Client) -> None:
    shipment = shipped()

    response = client.post(update_url(shipment), form_data(step=TrackingStep.RECEIVED_RECIPIENT))

    assert response.status_code == 303
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"step": TrackingStep.BOARDING_OK}, id="a warehouse step"),
        pytest.param({"step": TrackingStep.PLANNING_OK}, id="another warehouse step"),
        pytest.param({"step": "delivered"}, id="an unknown step"),
        pytest.param({"actor_structure": ""}, id="no structure"),
        pytest.param({"actor_name": ""}, id="no name"),
        pytest.param({"actor_structure": "x" * 121}, id="too long a structure"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_records_nothing(
    client: Client, shipment: Shipment, overrides: dict[str, Any]
) -> None:
    response = client.post(update_url(shipment), form_data(**overrides))

    assert response.status_code == 200
    assert "field-error-text" in response.content.decode()
    assert not TrackingEvent.objects.exists()
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DRAFT


def test_a_refused_step_does_not_burn_the_throttle(client: Client, shipment: Shipment) -> None:
    client.post(update_url(shipment), form_data(actor_structure=""))

    response = client.post(update_url(shipment), form_data())

    assert response.status_code == 303
    assert TrackingEvent.objects.count() == 1


def test_a_post_without_the_csrf_token_is_refused(shipment: Shipment) -> None:
    client = Client(enforce_csrf_checks=True)

    assert client.post(update_url(shipment), form_data()).status_code == 403
    assert not TrackingEvent.objects.exists()


def test_the_csrf_cookie_of_the_page_lets_the_correspondent_post(shipment: Shipment) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(update_url(shipment)).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token is not None

    response = client.post(update_url(shipment), form_data(csrfmiddlewaretoken=token.group(1)))

    assert response.status_code == 303
    assert TrackingEvent.objects.count() == 1


# --- throttle ------------------------------------------------------------------------------------


@override_settings(TRACKING_UPDATE_THROTTLE_SECONDS=60)
def test_a_second_update_within_the_window_is_refused(client: Client, shipment: Shipment) -> None:
    with time_machine.travel(START, tick=False) as clock:
        assert client.post(update_url(shipment), form_data()).status_code == 303
        clock.shift(dt.timedelta(seconds=30))

        response = client.post(
            update_url(shipment), form_data(step=TrackingStep.RECEIVED_RECIPIENT)
        )

        assert response.status_code == 429
        assert "réessayez dans 30 s" in text_of(response)
        assert TrackingEvent.objects.count() == 1

        clock.shift(dt.timedelta(seconds=31))
        assert client.post(update_url(shipment), form_data()).status_code == 303
        assert TrackingEvent.objects.count() == 2


@override_settings(TRACKING_UPDATE_THROTTLE_SECONDS=0)
def test_a_zero_window_disables_the_throttle(client: Client, shipment: Shipment) -> None:
    assert client.post(update_url(shipment), form_data()).status_code == 303
    assert client.post(update_url(shipment), form_data()).status_code == 303
    assert TrackingEvent.objects.count() == 2


@override_settings(TRACKING_UPDATE_THROTTLE_SECONDS=60, TRUSTED_PROXY_COUNT=1)
def test_the_throttle_keys_on_the_client_address_behind_the_proxy(
    client: Client, shipment: Shipment
) -> None:
    def post_from(address: str) -> int:
        return client.post(
            update_url(shipment), form_data(), HTTP_X_FORWARDED_FOR=address
        ).status_code

    assert post_from("198.51.100.7") == 303
    assert post_from("203.0.113.9") == 303  # another correspondent's office
    assert post_from("198.51.100.7") == 429
    assert TrackingEvent.objects.count() == 2


# --- expiry --------------------------------------------------------------------------------------


def test_the_link_expires_thirty_days_after_delivery(client: Client) -> None:
    shipment = delivered_at(START)

    with time_machine.travel(START + dt.timedelta(days=31), tick=False):
        page = client.get(update_url(shipment))
        refused = client.post(update_url(shipment), form_data())

    assert page.status_code == 200
    assert "data-link-expired" in page.content.decode()
    assert 'name="actor_name"' not in page.content.decode()
    assert refused.status_code == 410
    assert "data-link-expired" in refused.content.decode()
    assert not TrackingEvent.objects.exists()


def test_the_link_still_works_twenty_nine_days_after_delivery(client: Client) -> None:
    shipment = delivered_at(START)

    with time_machine.travel(START + dt.timedelta(days=29), tick=False):
        page = client.get(update_url(shipment))
        response = client.post(update_url(shipment), form_data())

    assert 'name="actor_name"' in page.content.decode()
    assert response.status_code == 303
    event = TrackingEvent.objects.get()
    assert event.step == TrackingStep.RECEIVED_CORRESPONDENT
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.DELIVERED


# --- query budget --------------------------------------------------------------------------------


def test_the_page_costs_the_same_queries_for_few_and_many_steps(
    client: Client, django_assert_max_num_queries: Any
) -> None:
    place = scene()
    few, many = place.shipment(), place.shipment()
    for index in range(40):
        shipping.record_step(
            shipment=many if index else few,
            step=TrackingStep.values[index % 4],
            actor_name="Marcel Dupontel",
            actor_structure=f"Structure {index}",
            actor=Actor(),
        )

    for shipment in (few, many):
        with django_assert_max_num_queries(2):
            assert client.get(update_url(shipment)).status_code == 200
