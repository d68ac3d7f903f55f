"""Carton codes, shipment references and tracking URLs resolved against the database (S-SCAN
"/scan/resolve/", issue 7): what each one finds, what an unknown one says, and the links of the
HTML fragment."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse

from scan.codes import resolve_code
from tests.shipping_helpers import Scene, scene, stocked_product
from wms.models import Carton, Shipment
from wms.services import packing

pytestmark = pytest.mark.django_db

URL = "/scan/resolve/"
JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.fixture
def place() -> Scene:
    return scene()


@pytest.fixture
def shipment(place: Scene) -> Shipment:
    return place.packed_shipment(cartons=1)


@pytest.fixture
def loose_carton(place: Scene) -> Carton:
    """A carton packed for stock, in no shipment."""
    result = packing.pack(product=stocked_product(10), quantity=2, actor=place.actor)
    return result.carton


def url_or_none(name: str, *args: Any) -> str | None:
    # The shipment detail and carton list are built by other work of this issue.
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def fragment(client: Client, worker: Any, code: str) -> str:
    client.force_login(worker)
    response = client.get(URL, {"code": code}, HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    return response.content.decode()


# --- cartons -------------------------------------------------------------------------------------


def test_a_carton_code_finds_the_carton_and_its_shipment(shipment: Shipment) -> None:
    carton = shipment.cartons.get()

    result = resolve_code(carton.code)

    assert result.kind == "carton"
    assert result.carton == carton.code
    assert result.shipment == shipment.reference
    assert result.error is None
    assert carton.code in result.label


def test_a_carton_code_typed_in_lower_case_finds_the_carton(shipment: Shipment) -> None:
    carton = shipment.cartons.get()

    result = resolve_code(carton.code.lower())

    assert (result.kind, result.carton, result.error) == ("carton", carton.code, None)


def test_a_carton_in_no_shipment_has_no_shipment(loose_carton: Carton) -> None:
    result = resolve_code(loose_carton.code)

    assert (result.kind, result.carton, result.shipment) == ("carton", loose_carton.code, None)
    assert result.error is None


def test_an_unknown_carton_code_keeps_its_kind_and_says_so(loose_carton: Carton) -> None:
    result = resolve_code("ZZ-20260115-999")

    assert (result.kind, result.carton) == ("carton", "ZZ-20260115-999")
    assert result.error == "Colis inconnu : ZZ-20260115-999."


# --- shipment references -------------------------------------------------------------------------


def test_a_shipment_reference_finds_the_shipment(shipment: Shipment) -> None:
    result = resolve_code(shipment.reference)

    assert (result.kind, result.shipment, result.error) == ("shipment", shipment.reference, None)
    assert "Antananarivo (TNR) - Madagascar" in result.label


def test_an_unknown_shipment_reference_says_so(shipment: Shipment) -> None:
    result = resolve_code("269998")

    assert (result.kind, result.shipment) == ("shipment", "269998")
    assert result.error == "Expédition inconnue : 269998."


# --- tracking URLs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spelling",
    [
        pytest.param("https://wms.asf.example/scan/shipment/track/{token}/", id="absolute"),
        pytest.param("http://another-host:8000/scan/shipment/track/{token}", id="other host"),
        pytest.param("/scan/shipment/track/{token}/", id="relative"),
        pytest.param("/scan/shipment/track/{upper}/?from=label", id="upper case with a query"),
    ],
)
def test_a_tracking_url_finds_its_shipment(shipment: Shipment, spelling: str) -> None:
    token = str(shipment.tracking_token)

    result = resolve_code(spelling.format(token=token, upper=token.upper()))

    assert (result.kind, result.shipment, result.error) == ("shipment", shipment.reference, None)


def test_the_tracking_url_of_no_shipment_says_so(shipment: Shipment) -> None:
    result = resolve_code("/scan/shipment/track/0b1e4a3c-9d1c-4b7e-8f55-1e2d3c4b5a69/")

    assert (result.kind, result.shipment) == ("shipment", None)
    assert result.error == "Aucune expédition pour ce lien de suivi."


def test_the_update_link_is_no_tracking_url(shipment: Shipment) -> None:
    # The correspondent's link must not be turned into a shipment by whoever scans it.
    result = resolve_code(f"/scan/shipment/update/{shipment.update_token}/")

    assert result.kind == "unknown"


# --- the view ------------------------------------------------------------------------------------


def test_json_answers_carry_the_carton_and_its_shipment(
    client: Client, worker: Any, shipment: Shipment
) -> None:
    carton = shipment.cartons.get()
    client.force_login(worker)

    data = client.get(URL, {"code": carton.code}, **JSON).json()

    assert data["kind"] == "carton"
    assert data["carton"] == carton.code
    assert data["shipment"] == shipment.reference
    assert data["error"] is None
    assert "shipment_id" not in data  # the S-SCAN keys only


def test_the_fragment_of_a_shipment_links_to_its_detail(
    client: Client, worker: Any, shipment: Shipment
) -> None:
    html = fragment(client, worker, shipment.reference)

    assert 'data-code-kind="shipment"' in html
    assert shipment.reference in html
    detail = url_or_none("scan:shipment_detail", shipment.pk)
    if detail is not None:
        assert f'href="{detail}"' in html
    else:
        assert "href=" not in html


def test_the_fragment_of_a_carton_links_to_the_carton_list_and_its_shipment(
    client: Client, worker: Any, shipment: Shipment
) -> None:
    carton = shipment.cartons.get()

    html = fragment(client, worker, carton.code)

    assert 'data-code-kind="carton"' in html
    assert carton.code in html
    cartons = url_or_none("scan:cartons")
    if cartons is not None:
        assert f'href="{cartons}?q={carton.code}"' in html
    detail = url_or_none("scan:shipment_detail", shipment.pk)
    if detail is not None:
        assert f'href="{detail}"' in html


def test_a_tracking_url_scanned_in_the_app_costs_few_queries(
    client: Client, worker: Any, shipment: Shipment, django_assert_max_num_queries: Any
) -> None:
    client.force_login(worker)
    url = f"https://wms.asf.example/scan/shipment/track/{shipment.tracking_token}/"
    client.get(URL, {"code": url}, **JSON)

    with django_assert_max_num_queries(8):
        data = client.get(URL, {"code": url}, **JSON).json()

    assert data["shipment"] == shipment.reference
