"""Pallet listing import (S-IMPORT, S-RECEIPTS): column guess, reading every format, matching,
and a confirmation that creates one received pallet receipt — or nothing at all."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.listing_helpers import (
    KNOWN_GTIN,
    NEW_GTIN,
    catalogue,
    counts,
    fixture_bytes,
    make_upload,
)
from tests.stock_helpers import ledger_is_clean
from wms.imports import listing
from wms.imports.errors import CellError, ImportFileError
from wms.imports.listing import ReadOptions, guess_mapping, mapping_problems, read_listing
from wms.imports.readers import SourceRow, Table, normalize_header
from wms.models import (
    ImportUpload,
    MovementType,
    Product,
    ProductLot,
    Receipt,
    ReceiptStatus,
    ReceiptType,
    StockMovement,
)
from wms.services import pallet_receipts
from wms.services.errors import StockError
from wms.services.pallet_receipts import ListingRejected, Logistics

pytestmark = pytest.mark.django_db

WORKBOOK = {"sheet": "Colisage", "header_row": 3}


def headers(*written: str) -> dict[str, str]:
    return {normalize_header(text): text for text in written}


def guessed(*written: str) -> dict[str, str]:
    """The guess, as {field: header as written}."""
    table_headers = headers(*written)
    return {
        key: table_headers[value] for key, value in guess_mapping(table_headers).items() if value
    }


def listing_mapping(name: str, read: dict | None = None) -> dict[str, str]:
    table = read_listing(fixture_bytes(name), name, ReadOptions.from_json(read))
    return guess_mapping(table.headers)


# --- the column guess ---------------------------------------------------------------------------


def test_french_listing_words_are_guessed():
    assert guessed(
        "EAN", "Code article", "Désignation", "Marque", "Qté", "N° lot", "DLU", "Emplacement"
    ) == {
        "gtin": "EAN",
        "sku": "Code article",
        "name": "Désignation",
        "brand": "Marque",
        "quantity": "Qté",
        "lot_code": "N° lot",
        "expires_on": "DLU",
        "location": "Emplacement",
    }
    assert guessed("Libellé", "Quantité", "Date de péremption", "n° de lot", "Conservation") == {
        "name": "Libellé",
        "quantity": "Quantité",
        "expires_on": "Date de péremption",
        "lot_code": "n° de lot",
        "storage_conditions": "Conservation",
    }
    assert guessed("Nb", "Produit")["quantity"] == "Nb"


def test_english_headers_are_guessed():
    assert guessed(
        "Barcode", "SKU", "Product name", "Brand", "Qty", "Batch number", "Expiry date", "Storage"
    ) == {
        "gtin": "Barcode",
        "sku": "SKU",
        "name": "Product name",
        "brand": "Brand",
        "quantity": "Qty",
        "lot_code": "Batch number",
        "expires_on": "Expiry date",
        "storage_conditions": "Storage",
    }


def test_a_unit_count_wins_over_a_carton_count_and_a_longer_header_is_recognised():
    assert guessed("Colis", "Quantité", "Désignation")["quantity"] == "Quantité"
    assert guessed("Nb colis", "Désignation")["quantity"] == "Nb colis"
    assert guessed("Quantité livrée ce jour", "Désignation du produit") == {
        "quantity": "Quantité livrée ce jour",
        "name": "Désignation du produit",
    }


def test_a_header_feeds_one_field_and_unknown_headers_stay_unmapped():
    mapping = guess_mapping(headers("Observations", "Poids", "Désignation"))
    assert mapping["name"] == "designation"
    assert list(mapping.values()).count("designation") == 1
    assert mapping["quantity"] == ""


def test_a_mapping_needs_a_quantity_and_a_product_column():
    table = Table(headers=headers("Désignation", "Qté"))
    assert mapping_problems({"name": "designation", "quantity": "qte"}, table) == []
    problems = mapping_problems({"name": "", "quantity": ""}, table)
    assert "Choisissez la colonne des quantités." in problems
    assert any("désigne le produit" in problem for problem in problems)
    assert any("n'existe pas" in p for p in mapping_problems({"quantity": "nope"}, table))


# --- reading the formats ------------------------------------------------------------------------


def test_a_workbook_sheet_is_chosen_and_its_header_read_below_a_title_block():
    data = fixture_bytes("listing.xlsx")
    assert listing.file_shape(data, "listing.xlsx").sheets == ["Notes", "Colisage"]
    table = read_listing(data, "listing.xlsx", ReadOptions.from_json(WORKBOOK))
    assert table.headers["qte"] == "Qté"
    assert [row.line for row in table.rows] == [4, 5, 6, 7]
    assert table.rows[0].cells["designation"] == "Compresses stériles"
    # The first sheet with the default header row is another table altogether.
    first = read_listing(data, "listing.xlsx", ReadOptions())
    assert "qte" not in first.headers


def test_a_legacy_xls_listing_reads_like_the_xlsx_one():
    xls = read_listing(fixture_bytes("listing.xls"), "listing.xls", ReadOptions.from_json(WORKBOOK))
    xlsx = read_listing(
        fixture_bytes("listing.xlsx"), "listing.xlsx", ReadOptions.from_json(WORKBOOK)
    )
    assert xls.headers == xlsx.headers
    assert [row.line for row in xls.rows] == [4, 5, 6, 7]
    assert xls.rows[0].cells["dlu"] == dt.date(2027, 12, 31)
    assert xls.rows[0].cells["qte"] == 40


def test_a_french_excel_csv_is_read_in_cp1252_with_semicolons():
    table = read_listing(fixture_bytes("listing_cp1252.csv"), "listing.csv", ReadOptions())
    assert table.headers["reference"] == "Référence"
    assert table.rows[3].cells["designation"] == "Sérum physiologique 5ml"
    assert guess_mapping(table.headers)["sku"] == "reference"


def test_a_text_pdf_over_two_pages_reads_the_repeated_header_once():
    data = fixture_bytes("listing_ruled.pdf")
    assert listing.file_shape(data, "l.pdf").pages == 2
    table = read_listing(data, "l.pdf", ReadOptions())
    assert len(table.rows) == 36
    assert [row.cells["n_lot"] for row in table.rows[:2]] == ["PDF-01", "PDF-02"]
    assert all(row.cells["qte"] != "Qté" for row in table.rows)
    second = read_listing(data, "l.pdf", ReadOptions(first_page=2))
    assert [row.cells["n_lot"] for row in second.rows][:1] == ["PDF-21"]
    assert len(second.rows) == 16
    with pytest.raises(ImportFileError, match="le PDF a 2 page"):
        read_listing(data, "l.pdf", ReadOptions(first_page=2, last_page=5))


def test_a_pdf_without_ruling_lines_is_read_from_the_words_alignment():
    table = read_listing(fixture_bytes("listing_unruled.pdf"), "l.pdf", ReadOptions())
    assert len(table.rows) == 4
    assert table.rows[2].cells == {
        "code_ean": None,
        "designation": "Paracétamol 500mg",
        "marque": "UPSA",
        "qte": "12",
        "n_lot": "P-77",
        "dlu": "31/12/2026",
    }


def test_a_scanned_pdf_is_refused():
    with pytest.raises(ImportFileError, match="scanné"):
        read_listing(fixture_bytes("scanned.pdf"), "scan.pdf", ReadOptions())


def test_the_size_limit_names_the_limit_and_an_empty_file_is_refused():
    listing.check_size(10 * 1024 * 1024, 10)
    with pytest.raises(ImportFileError, match="10 Mo au plus"):
        listing.check_size(10 * 1024 * 1024 + 1, 10)
    with pytest.raises(ImportFileError, match="vide"):
        listing.check_size(0, 10)


def test_other_formats_are_refused_by_name():
    with pytest.raises(ImportFileError, match="CSV, XLSX, XLS ou PDF"):
        listing.extension_of("listing.docx")
    with pytest.raises(ImportFileError, match="XLSX illisible"):
        read_listing(b"not a zip at all", "listing.xlsx", ReadOptions())


# --- values -------------------------------------------------------------------------------------


def test_quantities_are_whole_positive_numbers():
    assert listing.parse_quantity("1 200") == 1200
    assert listing.parse_quantity(12.0) == 12
    for bad, reason in [
        ("abc", "n'est pas un nombre"),
        ("-3", "au moins 1"),
        ("0", "au moins 1"),
        ("2,5", "nombre entier"),
        ("", "manquante"),
        ("99999999999", "trop grande"),
        ("9" * 40, "trop grand"),
    ]:
        with pytest.raises(CellError, match=reason):
            listing.parse_quantity(bad)


def test_expiry_dates_accept_a_month_and_refuse_nonsense():
    assert listing.parse_expiry("12/2026") == dt.date(2026, 12, 31)
    assert listing.parse_expiry("02/28") == dt.date(2028, 2, 29)
    assert listing.parse_expiry("31/12/2027") == dt.date(2027, 12, 31)
    assert listing.parse_expiry(None) is None
    for bad in ["31/02/2027", "13/2026", "01/01/1900", "bientôt"]:
        with pytest.raises(CellError):
            listing.parse_expiry(bad)


# --- matching -----------------------------------------------------------------------------------


def row(**cells: object) -> listing.ListingRow:
    mapping = {key: key for key in cells}
    return listing.parse_row(SourceRow(line=9, cells=dict(cells)), mapping)


def test_products_are_matched_by_gtin_then_sku_then_name_and_brand():
    scene = catalogue()
    assert listing.match_product(row(gtin=KNOWN_GTIN, name="Autre nom")) == scene.compresses
    assert listing.match_product(row(gtin="03401234567890")) == scene.compresses
    assert listing.match_product(row(sku="asf-gants")) == scene.gloves
    assert listing.match_product(row(name="PARACETAMOL 500MG", brand="upsa")) == scene.paracetamol
    assert listing.match_product(row(name="Paracétamol 500mg", brand="Doliprane")) is None
    assert listing.match_product(row(gtin=NEW_GTIN, name="Sérum")) is None


def test_an_ambiguous_or_contradictory_row_is_an_error():
    scene = catalogue()
    factories.ProductFactory(name="Gants nitrile M", sku="GANTS-2")
    with pytest.raises(CellError, match="plusieurs produits"):
        listing.match_product(row(name="Gants nitrile M"))
    with pytest.raises(CellError, match="dont le GTIN"):
        listing.match_product(row(sku=scene.compresses.sku, gtin=NEW_GTIN))


def test_locations_are_found_never_created():
    scene = catalogue()
    assert listing.find_location("REC S-01-1", None) == scene.shelf
    assert listing.find_location("LOC:REC:S-01-1", None) == scene.shelf
    assert listing.find_location("s-01-1", scene.warehouse) == scene.shelf
    assert listing.receiving_location(scene.warehouse) == scene.dock
    before = counts()
    for bad, reason in [
        ("REC Z-99-9", "inconnu"),
        ("NOPE S-01-1", "entrepôt"),
        ("étagère du fond", "n'est pas un emplacement"),
    ]:
        with pytest.raises(CellError, match=reason):
            listing.find_location(bad, scene.warehouse)
    assert counts() == before


# --- confirming ---------------------------------------------------------------------------------


def logistics_json(scene) -> dict:
    return Logistics(
        received_on=dt.date(2026, 3, 2),
        pallet_count=2,
        source=scene.donor,
        carrier=scene.carrier,
        transport_request_date=dt.date(2026, 2, 20),
        origin_reference="BL-778",
        carrier_reference="CMR-12",
        warehouse=scene.warehouse,
        notes="Palette filmée",
    ).as_json()


@pytest.mark.parametrize(
    ("name", "read"),
    [("listing.xlsx", WORKBOOK), ("listing.xls", WORKBOOK), ("listing_cp1252.csv", {})],
)
def test_a_listing_becomes_one_received_pallet_receipt(
    worker, name, read, django_capture_on_commit_callbacks
):
    scene = catalogue()
    upload = make_upload(
        worker, name, read=read, mapping=listing_mapping(name, read), receipt=logistics_json(scene)
    )
    stored = upload.file.name
    with django_capture_on_commit_callbacks(execute=True):
        result = pallet_receipts.confirm_listing(upload)

    receipt = result.receipt
    assert receipt.receipt_type == ReceiptType.PALLET
    assert receipt.status == ReceiptStatus.RECEIVED
    assert receipt.reference == "26-01-PHA-01"
    assert (receipt.source_contact, receipt.carrier_contact) == (scene.donor, scene.carrier)
    assert receipt.pallet_count == 2
    assert receipt.transport_request_date == dt.date(2026, 2, 20)
    assert (receipt.origin_reference, receipt.carrier_reference) == ("BL-778", "CMR-12")
    assert receipt.warehouse == scene.warehouse
    assert receipt.notes == "Palette filmée"
    new = Product.objects.get(gtin="0" + NEW_GTIN)
    assert new.needs_review and new.name == "Sérum Physiologique 5ml" and new.brand == "GIFRER"
    assert result.new_products == [new]
    lots = {
        lot.product: (lot.quantity_on_hand, lot.lot_code, lot.expires_on, lot.location)
        for lot in ProductLot.objects.filter(source_receipt=receipt)
    }
    assert lots == {
        scene.compresses: (40, "L-CMP-1", dt.date(2027, 12, 31), scene.shelf),
        scene.gloves: (200, "L-G-2", dt.date(2027, 6, 30), scene.dock),
        scene.paracetamol: (12, "P-77", dt.date(2026, 12, 31), scene.dock),
        new: (30, "S-5", dt.date(2027, 3, 31), scene.dock),
    }
    assert {lot.pk for lot in result.lots} == set(
        ProductLot.objects.filter(source_receipt=receipt).values_list("pk", flat=True)
    )
    assert StockMovement.objects.filter(movement_type=MovementType.IN).count() == 4
    assert ledger_is_clean()
    assert not ImportUpload.objects.exists()
    assert not upload.file.storage.exists(stored)


def test_a_pdf_listing_on_two_pages_creates_each_new_product_once(worker):
    scene = catalogue()
    upload = make_upload(worker, "listing_ruled.pdf", mapping=listing_mapping("listing_ruled.pdf"))
    result = pallet_receipts.confirm_listing(upload)
    assert result.receipt.lines.count() == 36
    assert len(result.new_products) == 1
    assert ProductLot.objects.filter(product=scene.compresses).count() == 9
    assert sum(lot.quantity_on_hand for lot in result.lots) == sum(range(1, 37))


def test_a_page_range_receives_only_its_pages(worker):
    catalogue()
    read = {"first_page": 2, "last_page": 2}
    upload = make_upload(
        worker, "listing_ruled.pdf", read=read, mapping=listing_mapping("listing_ruled.pdf", read)
    )
    result = pallet_receipts.confirm_listing(upload)
    assert sorted(result.receipt.lines.values_list("lot_code", flat=True)) == [
        f"PDF-{index}" for index in range(21, 37)
    ]


def test_bad_rows_are_named_and_nothing_is_created(worker):
    scene = catalogue()
    mapping = listing_mapping("listing_bad.xlsx")
    decisions = {
        "3": {"apply": True, "quantity": "-3", "location": None},
        "5": {"apply": True, "quantity": None, "location": "REC Z-99-9"},
    }
    upload = make_upload(worker, "listing_bad.xlsx", mapping=mapping, decisions=decisions)
    factories.ProductFactory(name="Déjà là")  # stock elsewhere stays as it is
    before = counts()
    with pytest.raises(ListingRejected) as refused:
        pallet_receipts.confirm_listing(upload)
    assert refused.value.errors == [
        "ligne 3 : quantité : « -3 » : la quantité doit être au moins 1.",
        "ligne 4 : quantité : « abc » n'est pas un nombre.",
        "ligne 5 : emplacement : emplacement « REC Z-99-9 » inconnu.",
    ]
    assert counts() == before
    assert ledger_is_clean()
    assert ImportUpload.objects.filter(pk=upload.pk).exists()
    assert not Product.objects.filter(gtin="0" + NEW_GTIN).exists()
    assert scene.compresses.lots.count() == 0


@pytest.mark.parametrize(
    ("cells", "reason"),
    [
        ({"Qté": "2,5"}, "nombre entier"),
        ({"DLU": "31/02/2027"}, "n'est pas une date"),
        ({"DLU": "01/01/1900"}, "invraisemblable"),
        ({"Code EAN": "", "Désignation": ""}, "sans désignation"),
        ({"N° lot": "L" * 61}, "trop long"),
        ({"Code EAN": "3401234567891"}, "chiffre de contrôle"),
    ],
)
def test_each_kind_of_bad_row_refuses_the_whole_listing(worker, cells, reason):
    catalogue()
    header = ["Code EAN", "Désignation", "Qté", "N° lot", "DLU"]
    good = {"Code EAN": KNOWN_GTIN, "Désignation": "Compresses", "Qté": "5", "N° lot": "A"}
    rows = [good, {**good, **cells}]
    text = "\n".join(
        [";".join(header), *(";".join(str(r.get(h, "")) for h in header) for r in rows)]
    )
    upload = make_upload(
        worker,
        "l.csv",
        data=text.encode(),
        mapping=guess_mapping(headers(*header)),
    )
    before = counts()
    with pytest.raises(ListingRejected) as refused:
        pallet_receipts.confirm_listing(upload)
    assert len(refused.value.errors) == 1
    assert refused.value.errors[0].startswith("ligne 3 : ")
    assert reason in refused.value.errors[0]
    assert counts() == before


def test_a_perishable_product_needs_its_expiry(worker):
    scene = catalogue()
    scene.gloves.perishable = True
    scene.gloves.save()
    text = "Code article;Qté\nASF-GANTS;4\n"
    upload = make_upload(
        worker, "l.csv", data=text.encode(), mapping=guess_mapping(headers("Code article", "Qté"))
    )
    with pytest.raises(ListingRejected, match=r"ligne 2 : .*périssable"):
        pallet_receipts.confirm_listing(upload)


def test_unchecked_rows_are_skipped_and_edited_values_are_received(worker):
    scene = catalogue()
    mapping = listing_mapping("listing_bad.xlsx")
    decisions = {
        "2": {"apply": True, "quantity": "41", "location": "S-01-1"},
        "4": {"apply": False, "quantity": "abc", "location": None},
        "5": {"apply": True, "quantity": None, "location": "REC QUAI-01-1"},
    }
    upload = make_upload(worker, "listing_bad.xlsx", mapping=mapping, decisions=decisions)
    result = pallet_receipts.confirm_listing(upload)
    lines = {line.product: (line.quantity, line.location) for line in result.receipt.lines.all()}
    assert lines[scene.compresses] == (41, scene.shelf)
    assert scene.paracetamol not in lines
    assert len(lines) == 3
    assert result.receipt.status == ReceiptStatus.RECEIVED


def test_a_listing_with_no_applied_row_is_refused(worker):
    catalogue()
    decisions = {str(line): {"apply": False} for line in range(2, 6)}
    upload = make_upload(
        worker,
        "listing_simple.xlsx",
        mapping=listing_mapping("listing_simple.xlsx"),
        decisions=decisions,
    )
    with pytest.raises(ListingRejected, match="Aucune ligne"):
        pallet_receipts.confirm_listing(upload)
    assert not Receipt.objects.exists()


def test_a_listing_is_confirmed_once(worker):
    catalogue()
    upload = make_upload(
        worker, "listing_simple.xlsx", mapping=listing_mapping("listing_simple.xlsx")
    )
    pallet_receipts.confirm_listing(upload)
    with pytest.raises(StockError) as second:
        pallet_receipts.confirm_listing(upload)
    assert second.value.code == "gone"
    assert Receipt.objects.count() == 1


def test_a_donor_deactivated_since_the_upload_refuses_the_confirmation(worker):
    scene = catalogue()
    upload = make_upload(
        worker,
        "listing_simple.xlsx",
        mapping=listing_mapping("listing_simple.xlsx"),
        receipt=logistics_json(scene),
    )
    scene.donor.is_active = False
    scene.donor.save()
    before = counts()
    with pytest.raises(StockError, match="donateur"):
        pallet_receipts.confirm_listing(upload)
    assert counts() == before


def test_a_pallet_without_listing_is_a_draft_pallet_receipt(worker):
    scene = catalogue()
    logistics = Logistics.from_json(logistics_json(scene))
    receipt = pallet_receipts.record_pallet(logistics)
    assert receipt.receipt_type == ReceiptType.PALLET
    assert receipt.status == ReceiptStatus.DRAFT
    assert receipt.lines.count() == 0
    assert receipt.pallet_count == 2
    assert receipt.source_contact == scene.donor


def test_logistics_survive_json_and_default_to_the_receiving_warehouse():
    scene = catalogue()
    data = logistics_json(scene)
    assert Logistics.from_json(data) == Logistics(
        received_on=dt.date(2026, 3, 2),
        pallet_count=2,
        source=scene.donor,
        carrier=scene.carrier,
        transport_request_date=dt.date(2026, 2, 20),
        origin_reference="BL-778",
        carrier_reference="CMR-12",
        warehouse=scene.warehouse,
        notes="Palette filmée",
    )
    assert Logistics.from_json({"received_on": "2026-03-02"}).warehouse == scene.warehouse
    with pytest.raises(StockError):
        Logistics.from_json({"received_on": "mardi"})
