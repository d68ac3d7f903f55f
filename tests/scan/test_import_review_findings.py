"""Regressions for what an independent review of the imports found (issue 10): broken PDFs, a
listing whose stored file has gone, a location given as its QR payload, a kit on a listing, a
formula without its computed value, an apostrophe at the start of an exported text, and an
unruled PDF listing of a single product."""

from __future__ import annotations

import io
import uuid

import pytest
from openpyxl import Workbook

from tests import factories
from tests.listing_helpers import catalogue, counts, make_upload
from tests.pdf_builder import BAD_PAGES_DICT, NO_MEDIABOX, text_pdf
from tests.scan.test_receiving_screens import (
    signed_in,
    start_import,
    stored_files,
    text_of,
    upload_fields,
    uploaded,
    url,
)
from wms.exports.tables import export_table
from wms.imports.errors import ImportFileError
from wms.imports.listing import ReadOptions, find_location, read_listing
from wms.imports.tables import import_file
from wms.models import Product, ProductKitItem, Receipt
from wms.services import stock
from wms.services.errors import StockError

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("data", [NO_MEDIABOX, BAD_PAGES_DICT], ids=["no-mediabox", "bad-dict"])
def test_a_broken_pdf_is_refused_by_the_reader(data: bytes) -> None:
    with pytest.raises(ImportFileError, match="PDF illisible"):
        read_listing(data, "liste.pdf", ReadOptions())


@pytest.mark.parametrize("data", [NO_MEDIABOX, BAD_PAGES_DICT], ids=["no-mediabox", "bad-dict"])
def test_a_broken_pdf_upload_is_a_message_not_a_server_error(worker, data: bytes) -> None:
    scene = catalogue()
    client = signed_in(worker)
    before, files = counts(), stored_files()
    fields = upload_fields(client, start_import(client, scene), uploaded("liste.pdf", data))

    response = client.post(url("listing_upload"), fields)

    assert response.status_code == 200
    assert "PDF illisible" in text_of(response)
    assert counts() == before and stored_files() == files


def test_every_listing_step_survives_a_stored_file_that_has_gone(worker) -> None:
    catalogue()
    upload = make_upload(
        worker,
        "liste.csv",
        data="Désignation;Qté\nGants nitrile M;12\n".encode(),
        mapping={"name": "designation", "quantity": "qte"},
    )
    upload.file.storage.delete(upload.file.name)
    client = signed_in(worker)

    pages = [
        client.get(url("listing_mapping", upload)),
        client.get(url("listing_review", upload)),
        client.post(url("listing_review", upload), {}),
        client.post(url("listing_confirm", upload), {"op_id": str(uuid.uuid4())}),
    ]

    assert [page.status_code for page in pages] == [200, 200, 303, 200]
    assert "n'est plus disponible" in text_of(pages[0])
    assert "n'est plus disponible" in text_of(pages[3])
    assert not Receipt.objects.exists()


@pytest.mark.parametrize("written", ["LOC:REC:S-01-1", "loc:rec:s-01-1", "S-01-1", "REC S-01-1"])
def test_a_listing_location_may_be_written_as_its_label_or_its_qr_payload(written: str) -> None:
    scene = catalogue()

    assert find_location(written, scene.warehouse) == scene.shelf


def test_a_kit_named_on_a_listing_is_refused_with_its_line_and_nothing_is_received(worker):
    scene = catalogue()
    ProductKitItem.objects.create(kit=scene.gloves, component=scene.paracetamol, quantity=1)
    upload = make_upload(
        worker,
        "liste.csv",
        data="SKU;Qté\nPARA-500;3\nASF-GANTS;5\n".encode(),
        mapping={"sku": "sku", "quantity": "qte"},
    )
    before = counts()

    response = signed_in(worker).post(url("listing_confirm", upload), {"op_id": str(uuid.uuid4())})

    assert response.status_code == 200
    page = text_of(response)
    assert f"ligne 3 : « {scene.gloves.name} » est un kit : recevez ses composants." in page
    assert counts() == before


def test_no_service_puts_stock_on_a_kit() -> None:
    kit = factories.ProductFactory(name="Kit pansement")
    ProductKitItem.objects.create(kit=kit, component=factories.ProductFactory(), quantity=2)
    location = factories.LocationFactory()

    with pytest.raises(StockError, match="est un kit"):
        stock.receive(product=kit, quantity=3, location=location)
    assert not kit.lots.exists()


def test_a_formula_saved_without_its_value_refuses_the_file_instead_of_reading_blank() -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["SKU", "Nom", "Quantité"])
    sheet.append(["F-1", "Produit F", "=2+3"])
    buffer = io.BytesIO()
    workbook.save(buffer)

    with pytest.raises(ImportFileError, match="La cellule C2 contient une formule"):
        import_file("products", buffer.getvalue(), "produits.xlsx", dry_run=True)
    assert not Product.objects.exists()


@pytest.mark.parametrize("notes", ["'=pas une formule", "'apostrophe", "''double", "=SOMME(A1)"])
def test_an_exported_text_starting_with_an_apostrophe_comes_back_unchanged(notes: str) -> None:
    factories.ProductFactory(name="Prod", sku="Q-1", notes=notes)
    data = export_table("products")
    Product.objects.all().delete()

    result = import_file("products", data, "produits.csv")

    assert not result.errors
    assert Product.objects.get(sku="Q-1").notes == notes


def test_an_unruled_pdf_listing_of_one_product_is_read() -> None:
    data = text_pdf(
        [
            (60, 780, "Désignation"),
            (300, 780, "Qté"),
            (60, 760, "Gants nitrile M"),
            (300, 760, "12"),
        ]
    )

    table = read_listing(data, "liste.pdf", ReadOptions())

    assert list(table.headers.values()) == ["Désignation", "Qté"]
    assert [row.cells for row in table.rows] == [{"designation": "Gants nitrile M", "qte": "12"}]
