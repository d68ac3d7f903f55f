"""From destination to aircraft on a phone: create a shipment with ready cartons, ship it, print
its carton labels, and read the labels' codes back from a screenshot (zxing-cpp)."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from tests.shipping_helpers import scene, stocked_product
from wms.models import Shipment, ShipmentStatus
from wms.services import packing, shipping

pytestmark = pytest.mark.django_db(transaction=True)


def ready_cartons(setup, count: int) -> list[str]:
    product = stocked_product(40, name="Compresses stériles")
    codes = []
    for _ in range(count):
        carton = packing.pack(product=product, quantity=4, actor=setup.actor).carton
        codes.append(packing.close_carton(carton=carton, actor=setup.actor).code)
    return codes


def decoded(png: bytes) -> dict[str, str]:
    """{format name: text} of every code zxing-cpp finds in a screenshot."""
    image = Image.open(io.BytesIO(png)).convert("L")
    return {result.format.name: result.text for result in zxingcpp.read_barcodes(image)}


def test_a_worker_creates_ships_and_labels_a_shipment_on_a_phone(
    signed_in_page, live_server, settings
):
    settings.SITE_BASE_URL = live_server.url
    setup = scene()
    codes = ready_cartons(setup, 2)
    page = signed_in_page

    page.goto(live_server.url + "/scan/shipment/")
    page.get_by_label("Destination").select_option(label=str(setup.destination))
    page.get_by_role("button", name="Continuer").click()
    page.get_by_label("Expéditeur").select_option(label=setup.shipper.name)
    page.get_by_label("Destinataire").select_option(label=setup.recipient.name)
    for code in codes:
        page.get_by_label(code).check()
    page.get_by_role("button", name="Créer l'expédition").click()
    page.wait_for_url("**/scan/shipment/*/")

    shipment = Shipment.objects.get()
    assert shipment.status == ShipmentStatus.PACKED
    assert sorted(shipment.cartons.values_list("code", flat=True)) == sorted(codes)
    page.get_by_role("button", name="Expédier", exact=True).click()
    page.wait_for_selector("[data-shipment-status='shipped']")
    shipment.refresh_from_db()
    assert shipment.status == ShipmentStatus.SHIPPED

    page.get_by_role("link", name="Étiquettes des cartons").click()
    page.wait_for_selector("[data-carton-label]")
    labels = page.locator("[data-carton-label]")
    assert labels.count() == 2
    tracking_url = shipping.tracking_url(shipment)
    assert tracking_url.startswith("http://")
    for index in range(2):
        label = labels.nth(index)
        code = label.get_attribute("data-carton-label")
        qr = decoded(label.locator(".carton-label-qr").screenshot())
        barcode = decoded(label.locator(".carton-label-code").screenshot())
        assert qr == {"QRCode": tracking_url}
        assert barcode == {"Code128": code}
        assert label.locator("[data-iata]").inner_text() == "TNR"
        assert label.locator("[data-position]").inner_text() == f"{index + 1} / 2"


def test_the_correspondent_records_the_arrival_through_the_update_link(checked_page, live_server):
    """No login: the link from the email, a real browser's form post (its CSRF check depends on
    the page's Referrer-Policy), then the public tracking page shows the step."""
    setup = scene()
    shipment = setup.packed_shipment(cartons=1, units=2)
    shipping.ship(shipment=shipment, actor=setup.actor)
    page = checked_page
    page.goto(f"{live_server.url}/scan/shipment/update/{shipment.update_token}/")
    page.locator("[name=step]").select_option("received_correspondent")
    page.locator("[name=actor_name]").fill("Hery Rakotomalala")
    page.locator("[name=actor_structure]").fill("Correspondant ASF Madagascar")
    page.get_by_role("button", name="Envoyer").click()
    page.wait_for_load_state("networkidle")
    event = shipment.tracking_events.get()
    assert (event.step, event.via_update_link) == ("received_correspondent", True)
    page.goto(f"{live_server.url}/scan/shipment/track/{shipment.tracking_token}/")
    body = page.locator("main").inner_text()
    assert "Correspondant ASF Madagascar" in body
    assert "Hery Rakotomalala" not in body
