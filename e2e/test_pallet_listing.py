"""A worker on a phone receives a pallet with its packing list (S-RECEIPTS, S-IMPORT; issue 10,
acceptance 3): the pallet form, the upload, the guessed columns, the review, the confirmation,
and the receipt page — from a workbook, from a text PDF, and a listing with a bad row that is
refused whole. No console error and no CSP violation on any page (`checked_page`)."""

from __future__ import annotations

from typing import Any

import pytest

from e2e.conftest import PageProblems
from tests.listing_helpers import DATA, NEW_GTIN, Catalogue, catalogue
from wms.models import (
    ImportUpload,
    Product,
    ProductLot,
    Receipt,
    ReceiptLine,
    ReceiptStatus,
    ReceiptType,
)

pytestmark = pytest.mark.django_db(transaction=True)


def assert_clean(page: Any) -> None:
    """Checked after each step, so that a problem is reported on the page where it happened."""
    problems: PageProblems = page.problems
    assert problems.csp_violations() == [], f"CSP violations on {page.url}"
    assert problems.console_errors == [], f"console errors on {page.url}"


def submit(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()
    assert_clean(page)


def fill_pallet_form(page: Any, base: str, scene: Catalogue) -> None:
    page.goto(base + "/scan/receive/")
    assert_clean(page)
    submit(page, "[data-receive-link=pallet]")
    assert page.locator("#id_received_on").input_value()  # today, filled by the server
    page.locator("#id_pallet_count").fill("2")
    page.locator("#id_donor").select_option(label=scene.donor.name)
    page.locator("#id_carrier").select_option(label=scene.carrier.name)
    page.locator("#id_origin_reference").fill("BL-778")
    submit(page, "button[name=action][value=import]")
    assert scene.donor.name in page.locator("[data-logistics-donor]").inner_text()


def upload(page: Any, name: str, **pages: str) -> None:
    page.locator("input[name=file]").set_input_files(str(DATA / name))
    for field, value in pages.items():
        page.locator(f"#id_{field}").fill(value)
    submit(page, "form[data-listing-upload] button[type=submit]")
    page.wait_for_selector("form[data-mapping-form]")


def review(page: Any) -> None:
    submit(page, "form[data-mapping-form] button[type=submit]")
    page.wait_for_selector("[data-listing-summary]")


def test_a_worker_receives_a_pallet_from_its_workbook(signed_in_page, live_server):
    base, page = live_server.url, signed_in_page
    scene = catalogue()
    fill_pallet_form(page, base, scene)
    upload(page, "listing_simple.xlsx")
    # The guessed columns are selected: "Qté" is the quantity, "DLU" the expiry date.
    assert page.locator("select[name=quantity]").input_value() == "qte"
    assert page.locator("select[name=expires_on]").input_value() == "dlu"
    assert page.locator("select[name=quantity] option:checked").inner_text() == "Qté"
    review(page)
    assert page.locator("[data-listing-summary]").get_attribute("data-applied") == "4"
    assert page.locator("[data-line='5'] [data-new-product]").count() == 1
    page.locator("input[name=row-3-quantity]").fill("150")
    submit(page, "[data-confirm-listing]")
    page.wait_for_url("**/scan/receipts/*/")

    receipt = Receipt.objects.get()
    assert page.locator("[data-receipt-reference]").inner_text() == receipt.reference
    assert (receipt.receipt_type, receipt.status) == (ReceiptType.PALLET, ReceiptStatus.RECEIVED)
    assert (receipt.source_contact, receipt.carrier_contact) == (scene.donor, scene.carrier)
    assert (receipt.pallet_count, receipt.origin_reference) == (2, "BL-778")
    lots = {lot.product.name: lot.quantity_on_hand for lot in ProductLot.objects.all()}
    assert lots == {
        "Compresses stériles": 40,
        "Gants nitrile M": 150,
        "Paracétamol 500mg": 12,
        "Sérum Physiologique 5ml": 30,
    }
    assert page.locator("[data-lot]").count() == 4
    assert not ImportUpload.objects.exists()


def test_a_worker_receives_a_pallet_from_a_text_pdf(signed_in_page, live_server):
    base, page = live_server.url, signed_in_page
    scene = catalogue()
    fill_pallet_form(page, base, scene)
    upload(page, "listing_ruled.pdf")
    assert page.locator("[data-page-count]").get_attribute("data-page-count") == "2"
    assert page.locator("select[name=lot_code]").input_value() == "n_lot"
    review(page)
    assert page.locator("[data-listing-summary]").get_attribute("data-applied") == "36"
    submit(page, "[data-confirm-listing]")
    page.wait_for_url("**/scan/receipts/*/")

    receipt = Receipt.objects.get()
    assert page.locator("[data-receipt-reference]").inner_text() == receipt.reference
    assert receipt.status == ReceiptStatus.RECEIVED
    assert receipt.lines.count() == 36
    assert sum(lot.quantity_on_hand for lot in ProductLot.objects.all()) == sum(range(1, 37))
    assert ProductLot.objects.filter(product=scene.compresses).count() == 9


def test_a_listing_with_a_bad_row_is_refused_whole(signed_in_page, live_server):
    base, page = live_server.url, signed_in_page
    scene = catalogue()
    products = Product.objects.count()
    fill_pallet_form(page, base, scene)
    upload(page, "listing_bad.xlsx")
    review(page)
    assert page.locator("[data-line='4'][data-row-invalid]").count() == 1
    submit(page, "[data-confirm-listing]")

    errors = page.locator("[data-listing-error]").all_inner_texts()
    assert errors == ["ligne 4 : quantité : « abc » n'est pas un nombre."]
    assert "/review/" in page.url or "/confirm/" in page.url
    assert not Receipt.objects.exists()
    assert not ReceiptLine.objects.exists()
    assert not ProductLot.objects.exists()
    assert Product.objects.count() == products
    assert not Product.objects.filter(gtin="0" + NEW_GTIN).exists()
    assert ImportUpload.objects.count() == 1
