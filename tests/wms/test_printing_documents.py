"""Printed documents and labels (S-PRINT): what each page says, and the paper it is sized for.

Pages are fetched as a worker would open them; their content is read from the markup (data
attributes mark the values, so the checks hold in French and English). The paper size is read
from the stylesheet each page links, found through the static files finders like the server
would serve it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import get_template
from django.utils import timezone

from tests.factories import LocationFactory, ProductFactory, WarehouseFactory
from tests.shipping_helpers import scene, stocked_product
from tests.wms.test_print_codes import bars_of, decode_code128, expected_matrix, qr_matrix_of
from wms.models import Carton, Contact, Location, ProductLot, RackColor, Shipment
from wms.printing import documents
from wms.services import packing, shipping
from wms.services.stock import receive

pytestmark = pytest.mark.django_db

ORG = {
    "ORG_NAME": "Aviation Sans Frontières",
    "ORG_ADDRESS": "Aéroport de Toulouse-Blagnac",
    "ORG_CONTACT": "contact@asf.example",
    "ORG_SIGNATORY": "Jeanne Martin, présidente",
}


@pytest.fixture(autouse=True)
def organisation(settings):
    for name, value in ORG.items():
        setattr(settings, name, value)
    settings.SITE_BASE_URL = "https://wms.example.org"


# --- reading pages ------------------------------------------------------------------------------


def page(client, user, url: str) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    body = response.content.decode()
    assert_no_inline_code(body)
    return body


def assert_no_inline_code(body: str) -> None:
    """The CSP allows no inline script or style: every script has a src, no style attribute."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", body), "inline script"
    assert "<style" not in body and " style=" not in body, "inline style"
    assert "http://" not in body and "//cdn" not in body, "external resource"


def page_rules(body: str) -> str:
    """The @page rules of the stylesheets the page links (as served from static files)."""
    rules = []
    for href in re.findall(r'<link rel="stylesheet" href="/static/([^"]+)"', body):
        path = finders.find(href)
        assert path, f"stylesheet not found: {href}"
        with open(path, encoding="utf-8") as css:
            rules += re.findall(r"@page\s*\{[^}]*\}", css.read())
    return "\n".join(rules)


def assert_paper(body: str, size: str) -> None:
    rules = page_rules(body)
    assert rules.count("@page") == 1, rules  # exactly one paper size per page
    assert re.search(rf"size:\s*{re.escape(size)}\s*;", rules), rules


def values(body: str, attribute: str) -> list[str]:
    return re.findall(rf'data-{attribute}="([^"]*)"', body)


def text_of(body: str, attribute: str) -> list[str]:
    """The text of the elements marked `data-<attribute>` (tags stripped, spaces joined)."""
    found = re.findall(rf"<(\w+)[^>]*\bdata-{attribute}\b[^>]*>(.*?)</\1>", body, re.S)
    return [" ".join(re.sub(r"<[^>]+>", " ", inner).split()) for _tag, inner in found]


def rows(body: str) -> list[list[str]]:
    cells = []
    for row in re.findall(r"<tr data-line>(.*?)</tr>", body, re.S):
        found = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        cells.append([" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in found])
    return cells


def doc_url(shipment: Shipment, document: str) -> str:
    return f"/scan/print/shipment/{shipment.pk}/{document}/"


def today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")


def expiry_of(shipment: Shipment) -> str:
    lot = ProductLot.objects.filter(carton_items__carton__shipment=shipment).first()
    assert lot is not None and lot.expires_on is not None
    return lot.expires_on.strftime("%d/%m/%Y")


# --- shipment note ------------------------------------------------------------------------------


def test_the_shipment_note_shows_reference_destination_parties_cartons_and_weight(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=3, units=2)
    body = page(client, worker, doc_url(shipment, "note"))

    assert values(body, "document") == ["note"]
    assert text_of(body, "reference") == [shipment.reference]
    assert text_of(body, "destination") == ["Antananarivo (TNR)"]
    assert values(body, "carton-count") == ["3"]
    assert values(body, "total-weight-g") == ["600"]  # 3 cartons × 2 units × 100 g
    assert "0,60 kg" in body
    assert text_of(body, "party") == [
        "ASF Toulouse",
        "Hôpital Befelatanana Rue Andriamifidy Antananarivo Madagascar",
        shipment.correspondent_name,
    ]
    assert shipment.correspondent_name.startswith("Correspondant")
    for value in ORG.values():
        assert value in body
    # The attestation paragraph names the shipment, its recipient and its destination.
    (attestation,) = text_of(body, "text-block")
    assert shipment.reference in attestation
    assert "Hôpital Befelatanana" in attestation and "Antananarivo (Madagascar)" in attestation
    assert values(body, "block") == list(documents.LAYOUTS["note"])
    assert_paper(body, "A5")


def test_the_shipment_note_leaves_blank_lines_for_an_unknown_flight(client, worker):
    shipment = scene().packed_shipment(cartons=1, units=1)
    body = page(client, worker, doc_url(shipment, "note"))
    flight = re.search(r'data-block="flight">(.*?)</section>', body, re.S)
    assert flight
    # flight date, number, air waybill and customs declaration: four lines to fill by hand
    assert flight.group(1).count('class="blank"') == 4


def test_the_shipment_note_prints_the_flight_when_it_is_known(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=1)
    shipping.set_flight(
        shipment=shipment,
        actor=shop.actor,
        flight_date=dt.date(2026, 3, 14),
        flight_number="AF934",
        awb_number="057-12345675",
    )
    body = page(client, worker, doc_url(shipment, "note"))
    flight = re.search(r'data-block="flight">(.*?)</section>', body, re.S)
    assert flight
    assert "14/03/2026" in flight.group(1)
    assert "AF934" in flight.group(1) and "057-12345675" in flight.group(1)
    assert flight.group(1).count('class="blank"') == 1  # only the customs declaration


@pytest.mark.parametrize("document", documents.SHIPMENT_DOCUMENTS)
def test_documents_print_the_party_names_taken_when_the_shipment_was_made(client, worker, document):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=1)
    for contact in Contact.objects.all():
        contact.name = f"Renommé {contact.pk}"
        contact.save()
    body = page(client, worker, doc_url(shipment, document))
    assert "Renommé" not in body
    if document != "packing-list":
        assert text_of(body, "party")[0] == "ASF Toulouse"
        assert text_of(body, "party")[1].startswith("Hôpital Befelatanana")


# --- packing lists ------------------------------------------------------------------------------


def test_the_packing_list_lists_every_line_with_weight_and_volume_totals(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=2, units=3)
    gauze = stocked_product(
        10, name="Compresses stériles", brand="Hartmann", weight_g=40, volume_cm3=120
    )
    extra = packing.pack(product=gauze, quantity=4, actor=shop.actor, shipment=shipment).carton
    body = page(client, worker, doc_url(shipment, "packing-list"))

    cartons = list(Carton.objects.filter(shipment=shipment).order_by("pk"))
    expiry = expiry_of(shipment)
    gauze_expiry = gauze.lots.get().expires_on.strftime("%d/%m/%Y")
    first_name = cartons[0].items.get().lot.product.name
    assert rows(body) == [
        [first_name, "L1", "3", expiry, cartons[0].code],
        [first_name, "L1", "3", expiry, cartons[1].code],
        ["Compresses stériles · Hartmann", "L1", "4", gauze_expiry, extra.code],
    ]
    assert values(body, "carton-count") == ["3"]
    assert values(body, "total-quantity") == ["10"]
    assert values(body, "total-weight-g") == [str(6 * 100 + 4 * 40)]
    assert values(body, "total-volume-cm3") == [str(6 * 500 + 4 * 120)]
    assert "0,76 kg" in body and "3,5 dm³" in body
    assert_paper(body, "A5")


def test_totals_are_hidden_when_a_product_has_no_weight_or_volume(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=2)
    unweighed = stocked_product(5, weight_g=None, volume_cm3=None)
    packing.pack(product=unweighed, quantity=1, actor=shop.actor, shipment=shipment)

    for document in ("packing-list", "donation"):
        body = page(client, worker, doc_url(shipment, document))
        assert not re.search(r'data-total-weight-g="\d', body), document
        assert not re.search(r'data-total-volume-cm3="\d', body), document
    body = page(client, worker, doc_url(shipment, "packing-list"))
    assert "data-totals-incomplete" in body
    assert values(body, "total-quantity") == ["3"]
    # The shipment note keeps a blank line for the weight, to be filled in by hand.
    note = page(client, worker, doc_url(shipment, "note"))
    assert values(note, "total-weight-g") == [""]


def test_only_the_missing_volume_hides_the_totals(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=2)
    no_volume = stocked_product(5, weight_g=50, volume_cm3=None)
    packing.pack(product=no_volume, quantity=1, actor=shop.actor, shipment=shipment)
    totals = documents.totals_of(documents.lines_of(documents.shipment_cartons(shipment)))
    assert totals.weight_g == 250 and totals.volume_cm3 is None and not totals.complete


def test_the_carton_packing_list_shows_only_that_carton(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=2, units=3)
    first, second = Carton.objects.filter(shipment=shipment).order_by("pk")
    body = page(client, worker, f"/scan/print/carton/{second.pk}/packing-list/")
    assert [row[-1] for row in rows(body)] == [second.code]
    assert text_of(body, "carton-code") == [second.code]
    assert first.code not in body
    assert text_of(body, "reference") == [shipment.reference]
    assert text_of(body, "destination") == ["Antananarivo (TNR)"]
    assert values(body, "total-weight-g") == ["300"]
    assert values(body, "total-volume-cm3") == ["1500"]
    assert_paper(body, "A5")


# --- certificates -------------------------------------------------------------------------------


@pytest.mark.parametrize("document", documents.CERTIFICATES)
def test_certificates_state_reference_parties_destination_cartons_content_and_signatory(
    client, worker, document
):
    shop = scene()
    shipment = shop.packed_shipment(cartons=2, units=3)
    body = page(client, worker, doc_url(shipment, document))
    assert text_of(body, "reference") == [shipment.reference]
    assert text_of(body, "party")[:2] == [
        "ASF Toulouse",
        "Hôpital Befelatanana Rue Andriamifidy Antananarivo Madagascar",
    ]
    assert text_of(body, "destination") == ["Antananarivo (TNR)"]
    assert values(body, "carton-count") == ["2"]
    assert values(body, "total-weight-g") == ["600"]
    product_name = Carton.objects.filter(shipment=shipment).first().items.get().lot.product.name
    summary = re.findall(r"<tr data-summary-row><td>(.*?)</td><td[^>]*>(\d+)</td>", body)
    assert summary == [(product_name, "6")]
    assert text_of(body, "signatory") == [ORG["ORG_SIGNATORY"]]
    signature = re.search(r'data-block="signature">(.*?)</section>', body, re.S)
    assert signature and today() in signature.group(1) and ORG["ORG_NAME"] in signature.group(1)
    (text,) = text_of(body, "text-block")
    assert shipment.reference in text and "2" in text
    assert_paper(body, "A5")


def test_each_certificate_has_its_own_text():
    shipment = scene().packed_shipment(cartons=1, units=1)
    texts = {
        document: documents.shipment_document(shipment, document)["blocks"][2].text
        for document in documents.CERTIFICATES
    }
    assert len(set(texts.values())) == 3
    assert all(ORG["ORG_NAME"] in text or "ASF Toulouse" in text for text in texts.values())


# --- picking list -------------------------------------------------------------------------------


def test_the_picking_list_groups_the_lines_by_location_in_location_order(client, worker):
    shop = scene()
    warehouse = WarehouseFactory(name="Entrepôt principal", code="MAIN")
    far = LocationFactory(warehouse=warehouse, zone="C", aisle="02", shelf="1")
    near = LocationFactory(warehouse=warehouse, zone="A", aisle="01", shelf="2")
    soap = ProductFactory(name="Savon", weight_g=90, volume_cm3=100, default_location=far)
    gloves = ProductFactory(name="Gants", weight_g=10, volume_cm3=50, default_location=near)
    masks = ProductFactory(name="Masques", weight_g=5, volume_cm3=20, default_location=far)
    for product, location in ((soap, far), (gloves, near), (masks, far)):
        receive(product=product, quantity=10, location=location, lot_code=f"L-{product.name}")
    carton = packing.pack(product=soap, quantity=2, actor=shop.actor).carton
    packing.pack(product=gloves, quantity=5, actor=shop.actor, carton=carton)
    packing.pack(product=masks, quantity=3, actor=shop.actor, carton=carton)

    body = page(client, worker, f"/scan/print/carton/{carton.pk}/picking-list/")
    assert values(body, "location") == ["A-01-2", "C-02-1"]
    assert [row[1:] for row in rows(body)] == [
        ["Gants", "L-Gants", "5"],
        ["Masques", "L-Masques", "3"],
        ["Savon", "L-Savon", "2"],
    ]
    assert text_of(body, "carton-code") == [carton.code]
    assert_paper(body, "A5")


# --- carton labels ------------------------------------------------------------------------------


def labels_of(body: str) -> list[str]:
    return re.split(r'<section class="carton-label"', body)[1:]


def svg_in(html: str, css_class: str) -> str:
    match = re.search(rf'<svg [^>]*class="{css_class}".*?</svg>', html, re.S)
    assert match, f"no {css_class} symbol"
    return match.group(0)


def test_shipment_labels_give_one_label_per_carton_with_destination_qr_code_and_position(
    client, worker
):
    shipment = scene().packed_shipment(cartons=3, units=1)
    cartons = list(Carton.objects.filter(shipment=shipment).order_by("pk"))
    body = page(client, worker, f"/scan/print/shipment/{shipment.pk}/labels/")

    labels = labels_of(body)
    assert len(labels) == 3
    tracking = shipping.tracking_url(shipment)
    assert tracking.startswith("https://wms.example.org/scan/shipment/track/")
    for position, (label, carton) in enumerate(zip(labels, cartons, strict=True), start=1):
        assert text_of(label, "iata") == ["TNR"]
        assert text_of(label, "city") == ["Antananarivo"]
        assert text_of(label, "reference") == [shipment.reference]
        assert text_of(label, "position") == [f"{position} / 3"]
        assert text_of(label, "code") == [carton.code]
        assert decode_code128(bars_of(svg_in(label, "barcode"))) == carton.code
        assert qr_matrix_of(svg_in(label, "qr")) == expected_matrix(tracking)
    assert_paper(body, "100mm 150mm")


def test_a_carton_label_shows_its_place_in_the_shipment(client, worker):
    shipment = scene().packed_shipment(cartons=3, units=1)
    second = Carton.objects.filter(shipment=shipment).order_by("pk")[1]
    body = page(client, worker, f"/scan/print/carton/{second.pk}/label/")
    (label,) = labels_of(body)
    assert text_of(label, "position") == ["2 / 3"]
    assert text_of(label, "code") == [second.code]
    assert qr_matrix_of(svg_in(label, "qr")) == expected_matrix(shipping.tracking_url(shipment))
    assert_paper(body, "100mm 150mm")


def test_a_carton_outside_any_shipment_gets_a_label_with_the_qr_of_its_code(client, worker):
    shop = scene()
    carton = packing.pack(product=stocked_product(5), quantity=2, actor=shop.actor).carton
    body = page(client, worker, f"/scan/print/carton/{carton.pk}/label/")
    (label,) = labels_of(body)
    assert text_of(label, "iata") == [] and text_of(label, "position") == []
    assert text_of(label, "code") == [carton.code]
    assert qr_matrix_of(svg_in(label, "qr")) == expected_matrix(carton.code)
    assert decode_code128(bars_of(svg_in(label, "barcode"))) == carton.code


# --- product and location labels ----------------------------------------------------------------


def label_products(count: int, location: Location) -> list:
    return [
        ProductFactory(
            name=f"Produit étiqueté {n:02d}",
            brand="Braun",
            color="Bleu",
            default_location=location,
        )
        for n in range(count)
    ]


def test_product_labels_show_name_brand_colour_rack_colour_location_and_qr_of_the_sku(
    client, worker
):
    location = LocationFactory(zone="B", aisle="04", shelf="2")
    RackColor.objects.create(warehouse=location.warehouse, zone="B", color="#1e90ff")
    products = label_products(5, location)
    ids = ",".join(str(product.pk) for product in products)
    body = page(client, worker, f"/scan/print/labels/products/?ids={ids}&layout=sheet")

    assert values(body, "layout") == ["sheet", "sheet"]  # 4 per A4 sheet: 5 labels, 2 pages
    labels = re.split(r'<section class="item-label"', body)[1:]
    assert [values(label, "product-label")[0] for label in labels] == [p.sku for p in products]
    first = labels[0]
    assert text_of(first, "name") == ["Produit étiqueté 00"]
    assert text_of(first, "brand") == ["Braun"]
    assert text_of(first, "color") == ["Bleu"]
    assert text_of(first, "location") == ["B-04-2"]
    assert values(first, "rack-color") == ["#1E90FF"]
    assert '<rect width="10" height="10" fill="#1E90FF"' in first  # the swatch: an SVG fill
    assert qr_matrix_of(svg_in(first, "qr")) == expected_matrix(products[0].sku)
    assert_paper(body, "A4")


def test_the_grid_layout_puts_many_small_labels_on_a_page(client, worker):
    products = label_products(5, LocationFactory())
    ids = ",".join(str(product.pk) for product in products)
    body = page(client, worker, f"/scan/print/labels/products/?ids={ids}&layout=grid")
    assert values(body, "layout") == ["grid"]
    assert len(values(body, "product-label")) == 5
    assert text_of(body, "rack-color") == []  # no rack colour set for that zone
    assert_paper(body, "A4")


def test_location_labels_show_the_code_and_the_qr_of_the_location(client, worker):
    warehouse = WarehouseFactory(name="Réserve", code="RES")
    locations = [LocationFactory(warehouse=warehouse, zone="D", aisle=f"{n:02d}") for n in (2, 1)]
    RackColor.objects.create(warehouse=warehouse, zone="D", color="#22AA44")
    ids = ",".join(str(location.pk) for location in locations)
    body = page(client, worker, f"/scan/print/labels/locations/?ids={ids}&layout=sheet")

    assert values(body, "location-label") == ["LOC:RES:D-01-1", "LOC:RES:D-02-1"]
    labels = re.split(r'<section class="item-label location-label"', body)[1:]
    assert text_of(labels[0], "code") == ["D-01-1"]
    assert values(labels[0], "rack-color") == ["#22AA44"]
    assert qr_matrix_of(svg_in(labels[0], "qr")) == expected_matrix("LOC:RES:D-01-1")
    assert_paper(body, "A4")


def test_a_rack_colour_that_is_not_a_hex_colour_is_left_out():
    location = LocationFactory(zone="E")
    RackColor.objects.create(warehouse=location.warehouse, zone="E", color='red"/>')
    (label,) = documents.location_labels(documents.load_locations(ids=[location.pk]))
    assert label.rack is None


# --- blocks -------------------------------------------------------------------------------------


def test_every_block_of_every_document_has_its_template():
    for layout in documents.LAYOUTS.values():
        for name in layout:
            assert get_template(documents.Block(name).template)


def test_text_blocks_fill_only_the_whitelisted_placeholders():
    text = "{reference} pour {recipient} {unknown} {__class__} {{reference}}"
    filled = documents.fill(text, {"reference": "260001", "recipient": "Hôpital"})
    assert filled == "260001 pour Hôpital {unknown} {__class__} {260001}"


def test_text_blocks_are_escaped_in_the_page(client, worker):
    shop = scene()
    shipment = shop.packed_shipment(cartons=1, units=1)
    Shipment.objects.filter(pk=shipment.pk).update(recipient_name="<b>Hôpital</b>")
    body = page(client, worker, doc_url(shipment, "note"))
    assert "<b>Hôpital</b>" not in body
    assert "&lt;b&gt;Hôpital&lt;/b&gt;" in body


def test_a_shipment_without_carton_prints_empty_documents(client, worker):
    shipment = scene().shipment()
    for document in documents.SHIPMENT_DOCUMENTS:
        body = page(client, worker, doc_url(shipment, document))
        assert values(body, "carton-count") in ([], ["0"])
    body = page(client, worker, f"/scan/print/shipment/{shipment.pk}/labels/")
    assert labels_of(body) == []
