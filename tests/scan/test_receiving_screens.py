"""Receiving screens (S-RECEIPTS, S-IMPORT): the hub, the pallet receipt and its packing list
import as plain form posts — who may use them, one receipt per confirmation, and every bad input
answered with a message, nothing written and never a 500."""

from __future__ import annotations

import datetime as dt
import html
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from scan.models import ScanOperation
from tests import factories
from tests.html_forms import FormParser
from tests.listing_helpers import catalogue, counts, fixture_bytes, make_upload
from tests.stock_helpers import ledger_is_clean
from wms.imports.listing import ReadOptions, guess_mapping, read_listing
from wms.models import ImportUpload, ProductLot, Receipt, ReceiptStatus, ReceiptType

pytestmark = pytest.mark.django_db


def text_of(response: Any) -> str:
    return html.unescape(response.content.decode())


def signed_in(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def form_posting_to(response: Any, action: str) -> dict[str, Any]:
    parser = FormParser()
    parser.feed(response.content.decode())
    found = [form for form in parser.forms if form["attrs"].get("action") == action]
    assert found, f"a form posting to {action}"
    return found[0]


def pallet_fields(scene: Any, **changes: Any) -> dict[str, Any]:
    fields = {
        "op_id": str(uuid.uuid4()),
        "received_on": "2026-03-02",
        "pallet_count": "2",
        "donor": str(scene.donor.pk),
        "carrier": str(scene.carrier.pk),
        "transport_request_date": "2026-02-20",
        "origin_reference": "BL-778",
        "carrier_reference": "CMR-12",
        "warehouse": str(scene.warehouse.pk),
        "notes": "Palette filmée",
    }
    fields.update(changes)
    return fields


def uploaded(name: str, data: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, fixture_bytes(name) if data is None else data)


def mapped_upload(user: Any, name: str = "listing_simple.xlsx", **kwargs: Any) -> ImportUpload:
    read = kwargs.pop("read", {})
    table = read_listing(fixture_bytes(name), name, ReadOptions.from_json(read))
    return make_upload(user, name, read=read, mapping=guess_mapping(table.headers), **kwargs)


def stored_files() -> set[Path]:
    return set(Path(ImportUpload._meta.get_field("file").storage.location).rglob("*.*"))


def url(name: str, upload: ImportUpload | None = None) -> str:
    if upload is None:
        return reverse(f"scan:{name}")
    return reverse(f"scan:{name}", kwargs={"token": upload.token})


def form_error_codes(response: Any, form: str = "form") -> dict[str, list[str]]:
    return {
        field: [error.code for error in errors]
        for field, errors in response.context[form].errors.as_data().items()
    }


# --- who may use the screens --------------------------------------------------------------------


def token_urls(upload: ImportUpload) -> list[tuple[str, str]]:
    return [
        ("get", url("listing_mapping", upload)),
        ("get", url("listing_review", upload)),
        ("post", url("listing_confirm", upload)),
        ("post", url("listing_cancel", upload)),
    ]


def plain_urls() -> list[tuple[str, str]]:
    receipt = Receipt.objects.create(reference="26-01-XXX-00", received_on=dt.date(2026, 3, 2))
    return [
        ("get", url("receive")),
        ("get", url("receive_pallet")),
        ("get", url("listing_upload") + "?received_on=2026-03-02&pallet_count=1"),
        ("get", reverse("scan:receipt_detail", args=[receipt.pk])),
    ]


def test_anonymous_users_are_sent_to_the_login_page(worker):
    upload = mapped_upload(worker)
    client = Client()
    for method, target in [*plain_urls(), *token_urls(upload)]:
        response = getattr(client, method)(target)
        assert response.status_code == 302, target
        assert response["Location"].startswith(reverse("scan:login")), target
    assert ImportUpload.objects.filter(pk=upload.pk).exists()


def test_association_users_are_refused(worker, outsider):
    upload = mapped_upload(worker)
    client = signed_in(outsider)
    for method, target in [*plain_urls(), *token_urls(upload)]:
        assert getattr(client, method)(target).status_code == 403, target


def test_another_users_upload_is_not_found(worker):
    upload = mapped_upload(worker)
    colleague = signed_in(factories.worker(username="collegue"))
    for method, target in token_urls(upload):
        assert getattr(colleague, method)(target).status_code == 404, target
    unknown = make_upload(worker, "listing_simple.xlsx")
    unknown.token = uuid.uuid4()
    for method, target in token_urls(unknown):
        assert getattr(signed_in(worker), method)(target).status_code == 404, target
    assert ImportUpload.objects.count() == 2
    assert not Receipt.objects.exists()


def test_a_worker_sees_the_hub_with_its_three_links(worker):
    response = signed_in(worker).get(url("receive"))
    assert response.status_code == 200
    page = text_of(response)
    for target in ("receive_pallet", "stock_update", "receipts"):
        assert f'href="{reverse(f"scan:{target}")}"' in page
    # The earlier system's URL (S-SCAN), so that bookmarks carry over.
    assert reverse("scan:receive_pallet") == "/scan/receive-pallet/"


def test_posts_need_the_csrf_token(worker):
    scene = catalogue()
    client = signed_in(worker, enforce_csrf_checks=True)
    assert (
        client.post(url("receive_pallet"), pallet_fields(scene, action="record")).status_code == 403
    )
    upload = mapped_upload(worker)
    assert (
        client.post(url("listing_confirm", upload), {"op_id": str(uuid.uuid4())}).status_code == 403
    )
    assert not Receipt.objects.exists()
    page = client.get(url("receive_pallet"))
    token = form_posting_to(page, url("receive_pallet"))["hidden"]["csrfmiddlewaretoken"]
    fields = pallet_fields(scene, action="record", csrfmiddlewaretoken=token)
    assert client.post(url("receive_pallet"), fields).status_code == 303
    assert Receipt.objects.count() == 1


# --- the pallet form ----------------------------------------------------------------------------


def test_the_pallet_form_defaults_to_today_and_the_receiving_warehouse(worker):
    scene = catalogue()
    factories.WarehouseFactory(code="AAA", name="Annexe")
    factories.ContactFactory(name="Ancien donateur", is_donor=True, is_active=False)
    response = signed_in(worker).get(url("receive_pallet"))
    form = response.context["form"]
    assert form["received_on"].value() == timezone.localdate()
    assert form["warehouse"].value() == scene.warehouse.pk
    donors = [contact.name for contact in form.fields["donor"].queryset]
    assert donors == ["Pharma Export"]
    assert [c.name for c in form.fields["carrier"].queryset] == ["Transports Martin"]


def test_recording_a_pallet_creates_one_draft_pallet_receipt(worker):
    scene = catalogue()
    client = signed_in(worker)
    fields = pallet_fields(scene, action="record")
    response = client.post(url("receive_pallet"), fields)
    receipt = Receipt.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("scan:receipt_detail", args=[receipt.pk])
    assert receipt.receipt_type == ReceiptType.PALLET
    # No line: nothing makes it "received" (that happens when its last line is received).
    assert receipt.status == ReceiptStatus.DRAFT
    assert receipt.lines.count() == 0
    assert (receipt.pallet_count, receipt.source_contact, receipt.carrier_contact) == (
        2,
        scene.donor,
        scene.carrier,
    )
    assert receipt.created_by == worker
    again = client.post(url("receive_pallet"), fields)
    assert again.status_code == 303 and again["Location"] == response["Location"]
    assert Receipt.objects.count() == 1
    detail = client.get(response["Location"])
    assert receipt.reference in text_of(detail)


@pytest.mark.parametrize(
    "changes",
    [
        {"pallet_count": "-1"},
        {"pallet_count": "beaucoup"},
        {"received_on": "31/02/2026"},
        {"received_on": ""},
        {"donor": "999999"},
        {"carrier": "99999999999999999999999"},
        {"origin_reference": "R" * 81},
        {"warehouse": "abc"},
        {"op_id": "not-a-uuid"},
        {"op_id": ""},
    ],
)
def test_bad_pallet_input_is_shown_again_and_nothing_is_written(worker, changes):
    scene = catalogue()
    before = counts()
    response = signed_in(worker).post(
        url("receive_pallet"), pallet_fields(scene, action="record", **changes)
    )
    assert response.status_code == 200
    assert response.context["form"].errors
    assert counts() == before
    assert not ScanOperation.objects.exists()


def test_an_operation_id_sent_again_with_other_logistics_is_a_conflict(worker):
    scene = catalogue()
    client = signed_in(worker)
    fields = pallet_fields(scene, action="record")
    assert client.post(url("receive_pallet"), fields).status_code == 303
    response = client.post(url("receive_pallet"), {**fields, "pallet_count": "5"})
    assert response.status_code == 409
    assert response.context["form"].non_field_errors()
    assert Receipt.objects.count() == 1


def test_an_inactive_donor_cannot_be_chosen(worker):
    scene = catalogue()
    scene.donor.is_active = False
    scene.donor.save()
    response = signed_in(worker).post(url("receive_pallet"), pallet_fields(scene, action="record"))
    assert response.status_code == 200
    assert "donor" in response.context["form"].errors
    assert not Receipt.objects.exists()


# --- upload -------------------------------------------------------------------------------------


def start_import(client: Client, scene: Any) -> str:
    """The pallet form's "Import a packing list": the upload page's URL with the logistics."""
    response = client.post(url("receive_pallet"), pallet_fields(scene, action="import"))
    assert response.status_code == 303
    assert not Receipt.objects.exists()
    return response["Location"]


def upload_fields(client: Client, upload_url: str, file: Any, **options: Any) -> dict[str, Any]:
    page = client.get(upload_url)
    assert page.status_code == 200
    hidden = form_posting_to(page, url("listing_upload"))["hidden"]
    return {
        **hidden,
        "header_row": "1",
        "first_page": "1",
        "last_page": "",
        **options,
        "file": file,
    }


def test_an_upload_keeps_the_file_under_a_random_name_with_the_logistics(worker):
    scene = catalogue()
    client = signed_in(worker)
    upload_url = start_import(client, scene)
    page = text_of(client.get(upload_url))
    assert "Pharma Export" in page
    fields = upload_fields(client, upload_url, uploaded("listing_simple.xlsx"))
    response = client.post(url("listing_upload"), fields)
    upload = ImportUpload.objects.get()
    assert response.status_code == 303
    assert response["Location"] == url("listing_mapping", upload)
    assert re.fullmatch(r"imports/\d{4}/[0-9a-f]{32}\.xlsx", upload.file.name)
    assert upload.original_name == "listing_simple.xlsx"
    assert upload.created_by == worker
    assert upload.options["receipt"] == {
        "received_on": "2026-03-02",
        "pallet_count": 2,
        "source": scene.donor.pk,
        "carrier": scene.carrier.pk,
        "transport_request_date": "2026-02-20",
        "origin_reference": "BL-778",
        "carrier_reference": "CMR-12",
        "warehouse": scene.warehouse.pk,
        "notes": "Palette filmée",
    }
    assert upload.options["mapping"]["quantity"] == "qte"


def test_the_upload_page_without_logistics_goes_back_to_the_pallet_form(worker):
    response = signed_in(worker).get(url("listing_upload"))
    assert response.status_code == 303
    assert response["Location"] == url("receive_pallet")
    tampered = signed_in(worker).get(url("listing_upload") + "?received_on=2026-03-02&donor=98765")
    assert tampered.status_code == 200
    assert "donor" in tampered.context["form"].errors
    assert not ImportUpload.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "options", "message"),
    [
        ("listing.xlsx", b"this is no zip", {}, "XLSX illisible"),
        ("listing.docx", b"hello", {}, None),
        ("listing.csv", b"", {}, None),
        ("listing.pdf", None, {"first_page": "3"}, "le PDF a 2 page"),
        ("listing.pdf", None, {"first_page": "2", "last_page": "1"}, "impossibles"),
        ("scan.pdf", fixture_bytes("scanned.pdf"), {}, "scanné"),
        ("listing.csv", fixture_bytes("listing_cp1252.csv"), {"header_row": "50"}, "introuvable"),
        ("listing.xls", b"\xd0\xcf\x11\xe0 not really", {}, "XLS illisible"),
        ("listing.pdf", b"%PDF-1.4 garbage", {}, "PDF"),
        ("listing.csv", b"a;b\n1;2\n", {"header_row": "0"}, None),
        ("listing.csv", b"a;b\n1;2\n", {"first_page": "abc"}, None),
    ],
)
def test_bad_files_are_refused_with_a_message_and_nothing_is_stored(
    worker, name, data, options, message
):
    scene = catalogue()
    client = signed_in(worker)
    files_before = stored_files()
    content = fixture_bytes("listing_ruled.pdf") if data is None else data
    fields = upload_fields(client, start_import(client, scene), uploaded(name, content), **options)
    response = client.post(url("listing_upload"), fields)
    assert response.status_code == 200
    assert response.context["form"].errors
    if message:
        assert message in text_of(response)
    assert not ImportUpload.objects.exists()
    assert stored_files() == files_before


def test_a_file_over_the_size_limit_is_refused_naming_the_limit(worker, settings):
    settings.LISTING_MAX_FILE_SIZE_MB = 1
    scene = catalogue()
    client = signed_in(worker)
    big = b"a;b\n" + b"1;2\n" * (1024 * 1024 // 4 + 1)
    fields = upload_fields(client, start_import(client, scene), uploaded("big.csv", big))
    response = client.post(url("listing_upload"), fields)
    assert response.status_code == 200
    assert form_error_codes(response)["file"] == ["size"]
    assert " 1 " in text_of(response).split("field-error-text")[1][:200]
    assert not ImportUpload.objects.exists()


# --- mapping ------------------------------------------------------------------------------------


def selected_option(page: str, name: str) -> str | None:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert select, name
    chosen = re.search(r'<option value="([^"]*)"[^>]*selected', select.group(1))
    return chosen.group(1) if chosen else None


def test_the_mapping_shows_the_guess_and_keeps_the_choice(worker):
    catalogue()
    upload = mapped_upload(worker, "listing_cp1252.csv")
    client = signed_in(worker)
    page = text_of(client.get(url("listing_mapping", upload)))
    assert selected_option(page, "quantity") == "quantite"
    assert selected_option(page, "name") == "designation"
    assert selected_option(page, "location") == ""  # "— not in the file —"
    assert "Sérum physiologique 5ml" not in page  # only the first three rows are shown
    assert "Compresses stériles" in page
    choice = {**upload.options["mapping"], "action": "map", "lot_code": "", "sku": ""}
    response = client.post(url("listing_mapping", upload), choice)
    assert response.status_code == 303 and response["Location"] == url("listing_review", upload)
    upload.refresh_from_db()
    assert upload.options["mapping"]["lot_code"] == ""
    assert upload.options["mapping"]["quantity"] == "quantite"


@pytest.mark.parametrize(
    "changes",
    [{"quantity": ""}, {"gtin": "", "sku": "", "name": ""}, {"quantity": "nope"}],
)
def test_an_unusable_mapping_is_refused(worker, changes):
    upload = mapped_upload(worker, "listing_cp1252.csv")
    before = dict(upload.options)
    response = signed_in(worker).post(
        url("listing_mapping", upload), {**upload.options["mapping"], **changes, "action": "map"}
    )
    assert response.status_code == 200
    assert response.context["mapping_form"].errors
    upload.refresh_from_db()
    assert upload.options == before


def test_a_workbook_is_read_again_from_its_sheet_and_header_row(worker):
    upload = make_upload(worker, "listing.xlsx", mapping={})
    client = signed_in(worker)
    page = text_of(client.get(url("listing_mapping", upload)))
    assert selected_option(page, "sheet") == "Notes"
    response = client.post(
        url("listing_mapping", upload), {"action": "read", "sheet": "Colisage", "header_row": "3"}
    )
    assert response.status_code == 303
    upload.refresh_from_db()
    assert upload.options["read"]["sheet"] == "Colisage"
    assert upload.options["mapping"]["quantity"] == "qte"
    page = text_of(client.get(url("listing_mapping", upload)))
    assert selected_option(page, "quantity") == "qte"
    assert "31/12/2027" in page  # a date cell shown as typed


@pytest.mark.parametrize(
    "fields",
    [
        {"sheet": "Colisage", "header_row": "99"},
        {"sheet": "Absente", "header_row": "1"},
        {"sheet": "Colisage", "header_row": "-2"},
        {"sheet": "Colisage", "header_row": "x"},
    ],
)
def test_reading_a_workbook_where_it_has_no_table_is_refused(worker, fields):
    upload = make_upload(worker, "listing.xlsx", read={"sheet": "Colisage", "header_row": 3})
    before = dict(upload.options)
    response = signed_in(worker).post(url("listing_mapping", upload), {"action": "read", **fields})
    assert response.status_code == 200
    assert response.context["read_form"].errors
    upload.refresh_from_db()
    assert upload.options == before


def test_a_pdf_page_range_beyond_the_pdf_is_refused(worker):
    upload = mapped_upload(worker, "listing_ruled.pdf")
    client = signed_in(worker)
    page = client.get(url("listing_mapping", upload))
    assert page.context["pages"] == 2
    response = client.post(
        url("listing_mapping", upload), {"action": "read", "first_page": "2", "last_page": "7"}
    )
    assert response.status_code == 200
    assert "le PDF a 2 page" in text_of(response)
    ok = client.post(
        url("listing_mapping", upload), {"action": "read", "first_page": "2", "last_page": ""}
    )
    assert ok.status_code == 303
    upload.refresh_from_db()
    assert upload.options["read"]["first_page"] == 2


# --- review and confirmation --------------------------------------------------------------------


TEXT_INPUT = r'<input type="text"[^>]*name="([^"]+)" value="([^"]*)"'
CHECKED_BOX = r'<input[^>]*type="checkbox"[^>]*name="([^"]+)" value="1" checked'


def review_fields(client: Client, upload: ImportUpload) -> tuple[Any, dict[str, Any]]:
    """The review form as a browser sends it: hidden fields, checked boxes, the text inputs."""
    page = client.get(url("listing_review", upload))
    assert page.status_code == 200
    content = page.content.decode()
    fields: dict[str, Any] = dict(form_posting_to(page, url("listing_review", upload))["hidden"])
    for name, value in re.findall(TEXT_INPUT, content):
        fields[name] = html.unescape(value)
    for name in re.findall(CHECKED_BOX, content):
        fields[name] = "1"
    return page, fields


def test_the_review_shows_matches_new_products_and_defaults(worker):
    scene = catalogue()
    upload = mapped_upload(worker, receipt={"received_on": "2026-03-02"})
    page, fields = review_fields(signed_in(worker), upload)
    plan = {item["planned"].line: item["planned"] for item in page.context["rows"]}
    assert plan[2].product == scene.compresses
    assert plan[3].product == scene.gloves
    assert plan[4].product == scene.paracetamol
    assert plan[5].is_new_product
    assert fields["row-2-location"] == "REC S-01-1"  # the product's own location
    assert fields["row-3-location"] == "REC QUAI-01-1"  # the warehouse's receiving location
    assert fields["row-5-quantity"] == "30"
    assert all(fields[f"row-{line}-apply"] == "1" for line in range(2, 6))
    assert page.context["errors"] == []


def test_confirming_creates_the_received_receipt_and_shows_its_lots(worker):
    scene = catalogue()
    upload = mapped_upload(
        worker, receipt={"received_on": "2026-03-02", "source": scene.donor.pk, "pallet_count": 1}
    )
    client = signed_in(worker)
    _page, fields = review_fields(client, upload)
    fields["row-3-quantity"] = "150"
    fields["row-4-location"] = "S-01-1"
    response = client.post(url("listing_confirm", upload), fields)
    receipt = Receipt.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("scan:receipt_detail", args=[receipt.pk])
    assert (receipt.receipt_type, receipt.status) == (ReceiptType.PALLET, ReceiptStatus.RECEIVED)
    lots = {lot.product: (lot.quantity_on_hand, lot.location) for lot in ProductLot.objects.all()}
    assert lots[scene.gloves] == (150, scene.dock)
    assert lots[scene.paracetamol] == (12, scene.shelf)
    assert len(lots) == 4
    assert ledger_is_clean()
    assert not ImportUpload.objects.exists()
    detail = client.get(response["Location"])
    page = text_of(detail)
    assert receipt.reference in page
    assert page.count("data-lot=") == 4
    assert "L-G-2" in page and "150" in page


def test_a_double_confirmation_creates_one_receipt(worker):
    catalogue()
    upload = mapped_upload(worker)
    client = signed_in(worker)
    _page, fields = review_fields(client, upload)
    first = client.post(url("listing_confirm", upload), fields)
    second = client.post(url("listing_confirm", upload), fields)
    other_tab = client.post(url("listing_confirm", upload), {**fields, "op_id": str(uuid.uuid4())})
    assert first.status_code == second.status_code == other_tab.status_code == 303
    assert first["Location"] == second["Location"] == other_tab["Location"]
    assert Receipt.objects.count() == 1
    assert ProductLot.objects.count() == 4
    colleague = signed_in(factories.worker(username="collegue"))
    assert colleague.post(url("listing_confirm", upload), fields).status_code == 404


def test_an_operation_id_used_for_another_listing_is_refused(worker):
    catalogue()
    client = signed_in(worker)
    first, second = mapped_upload(worker), mapped_upload(worker)
    _page, fields = review_fields(client, first)
    assert client.post(url("listing_confirm", first), fields).status_code == 303
    _page, other = review_fields(client, second)
    response = client.post(url("listing_confirm", second), {**other, "op_id": fields["op_id"]})
    assert response.status_code == 200
    assert response.context["errors"] == [
        "Cet identifiant d'opération a déjà servi pour une autre saisie."
    ]
    assert Receipt.objects.count() == 1
    assert ImportUpload.objects.filter(pk=second.pk).exists()


def test_a_bad_row_refuses_the_confirmation_naming_its_line(worker):
    catalogue()
    upload = mapped_upload(worker, "listing_bad.xlsx")
    client = signed_in(worker)
    page, fields = review_fields(client, upload)
    assert "ligne 4 : quantité : « abc » n'est pas un nombre." in page.context["errors"]
    fields["row-2-quantity"] = "-3"
    before = counts()
    response = client.post(url("listing_confirm", upload), fields)
    assert response.status_code == 200
    errors = response.context["errors"]
    assert errors == [
        "ligne 2 : quantité : « -3 » : la quantité doit être au moins 1.",
        "ligne 4 : quantité : « abc » n'est pas un nombre.",
    ]
    assert "ligne 4" in text_of(response)
    assert counts() == before
    assert not ScanOperation.objects.exists()
    # The corrected row goes through; the decisions typed before are kept.
    upload.refresh_from_db()
    assert upload.options["decisions"]["2"]["quantity"] == "-3"
    _page, fields = review_fields(client, upload)
    fields["row-2-quantity"] = "3"
    fields["row-4-quantity"] = "7"
    assert client.post(url("listing_confirm", upload), fields).status_code == 303
    assert sorted(Receipt.objects.get().lines.values_list("quantity", flat=True)) == [3, 7, 30, 200]


def test_an_unchecked_bad_row_is_skipped(worker):
    catalogue()
    upload = mapped_upload(worker, "listing_bad.xlsx")
    client = signed_in(worker)
    _page, fields = review_fields(client, upload)
    del fields["row-4-apply"]
    assert client.post(url("listing_review", upload), fields).status_code == 303
    upload.refresh_from_db()
    assert upload.options["decisions"]["4"]["apply"] is False
    page, fields = review_fields(client, upload)
    assert page.context["errors"] == []
    assert "row-4-apply" not in fields
    assert client.post(url("listing_confirm", upload), fields).status_code == 303
    assert Receipt.objects.get().lines.count() == 3


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"row-2-location": "REC Z-99-9"}, "inconnu"),
        ({"row-2-location": "n'importe où"}, "n'est pas un emplacement"),
        ({"row-2-quantity": "2,5"}, "nombre entier"),
        ({"row-2-quantity": ""}, "manquante"),
        ({"row-2-quantity": "9" * 40}, "trop grand"),
        ({"op_id": "garbage"}, "Identifiant d'opération"),
    ],
)
def test_each_bad_review_input_is_named_and_nothing_is_created(worker, changes, reason):
    catalogue()
    upload = mapped_upload(worker)
    client = signed_in(worker)
    _page, fields = review_fields(client, upload)
    before = counts()
    response = client.post(url("listing_confirm", upload), {**fields, **changes})
    assert response.status_code == 200
    assert reason in text_of(response)
    assert counts() == before


def test_nothing_checked_is_refused(worker):
    catalogue()
    upload = mapped_upload(worker)
    client = signed_in(worker)
    _page, fields = review_fields(client, upload)
    unchecked = {name: value for name, value in fields.items() if not name.endswith("-apply")}
    response = client.post(url("listing_confirm", upload), unchecked)
    assert response.status_code == 200
    assert "Aucune ligne à recevoir" in text_of(response)
    assert not Receipt.objects.exists()


def test_a_review_of_a_file_that_no_longer_reads_says_so(worker):
    upload = make_upload(worker, "listing.csv", data=b"\n\n", mapping={"quantity": "q"})
    response = signed_in(worker).get(url("listing_review", upload))
    assert response.status_code == 200
    assert "data-listing-problem" in text_of(response)
    assert "noms des colonnes" in text_of(response)


def test_abandoning_an_import_deletes_the_file(worker):
    upload = mapped_upload(worker)
    storage, name = upload.file.storage, upload.file.name
    response = signed_in(worker).post(url("listing_cancel", upload))
    assert response.status_code == 303 and response["Location"] == url("receive_pallet")
    assert not ImportUpload.objects.exists()
    assert not storage.exists(name)


def test_the_whole_flow_through_the_pages(worker):
    scene = catalogue()
    client = signed_in(worker)
    fields = upload_fields(client, start_import(client, scene), uploaded("listing.xlsx"))
    response = client.post(url("listing_upload"), fields)
    upload = ImportUpload.objects.get()
    read = {"action": "read", "sheet": "Colisage", "header_row": "3"}
    assert client.post(response["Location"], read).status_code == 303
    mapping_page = client.get(url("listing_mapping", upload))
    assert "Compresses stériles" in text_of(mapping_page)
    upload.refresh_from_db()
    mapping = dict(upload.options["mapping"])
    assert (
        client.post(url("listing_mapping", upload), {**mapping, "action": "map"}).status_code == 303
    )
    _page, review = review_fields(client, upload)
    done = client.post(url("listing_confirm", upload), review)
    receipt = Receipt.objects.get()
    assert done["Location"] == reverse("scan:receipt_detail", args=[receipt.pk])
    assert receipt.source_contact == scene.donor
    assert receipt.notes == "Palette filmée"
    assert ProductLot.objects.filter(source_receipt=receipt).count() == 4


def test_a_receipt_page_with_a_number_too_big_is_not_found(worker):
    client = signed_in(worker)
    assert client.get("/scan/receipts/99999999999999999999999/").status_code == 404
    assert client.get("/scan/receipts/12/").status_code == 404


def test_the_review_and_receipt_pages_keep_their_query_count_flat(
    worker, django_assert_max_num_queries
):
    catalogue()
    client = signed_in(worker)
    upload = mapped_upload(worker, "listing_ruled.pdf")  # 36 rows
    with django_assert_max_num_queries(20):
        assert client.get(url("listing_review", upload)).status_code == 200
    _page, fields = review_fields(client, upload)
    detail = client.post(url("listing_confirm", upload), fields)["Location"]
    with django_assert_max_num_queries(10):
        assert client.get(detail).status_code == 200
