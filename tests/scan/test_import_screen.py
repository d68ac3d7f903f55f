"""The managers' import screen (S-IMPORT, S-ROLES, issue 10 acceptance 1 and 5): templates to
download, upload → dry run report (every row error with its line, the rows matching existing
records) → confirm or cancel; all or nothing; managers only; never a 500 on a bad file."""

from __future__ import annotations

import io
import os
import uuid
from typing import Any

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests import factories
from tests.html_forms import FormParser
from wms.imports.readers import normalize_header, read_table
from wms.imports.tables import IMPORT_TABLES, import_file
from wms.models import (
    Contact,
    ImportKind,
    ImportUpload,
    IntegrationEvent,
    ProductCategory,
    Warehouse,
)

pytestmark = pytest.mark.django_db

INDEX = "/scan/import/"
BOM = "\ufeff"


def csv_file(text: str, name: str = "contacts.csv", encoding: str = "utf-8") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


GOOD_CONTACTS = (
    "Nom;E-mail\nPharmacie du Port;port@pharmacie.example\nClinique Nord;nord@clinique.example\n"
)
BAD_CONTACTS = "Nom;E-mail\nPharmacie du Port;port@pharmacie.example\nClinique Nord;pas-un-email\n"


def upload(client: Client, file: Any, table: str = "contacts", **extra: Any) -> Any:
    return client.post(INDEX, {"table": table, "file": file, **extra})


def review_url_of(response: Any) -> str:
    assert response.status_code == 303, response.content.decode()[:2000]
    location = response["Location"]
    assert location.startswith(INDEX) and location != INDEX
    return location


def stored_upload(user: Any, table: str = "contacts", text: str = GOOD_CONTACTS) -> ImportUpload:
    row = ImportUpload(
        kind=ImportKind.TABLE, table=table, original_name="f.csv", size=len(text), created_by=user
    )
    row.file.save(f"{uuid.uuid4().hex}.csv", ContentFile(text.encode()), save=False)
    row.save()
    return row


def confirm_button(html: str) -> str:
    start = html.index("data-confirm")
    return html[start : html.index(">", start)]


# --- who may use it -------------------------------------------------------------------------------


def protected_urls(manager: Any) -> list[str]:
    token = stored_upload(manager).token
    return [
        INDEX,
        "/scan/import/template/products.csv",
        f"/scan/import/{token}/",
        "/scan/templates/",
    ]


def test_workers_and_association_users_get_403_and_anonymous_the_login(
    client, manager, worker, outsider
):
    urls = protected_urls(manager)
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"], url
    for user in (worker, outsider):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert upload(client, csv_file(GOOD_CONTACTS)).status_code == 403
        token = urls[2].rsplit("/", 2)[1]
        assert client.post(urls[2], {"action": "confirm"}).status_code == 403
        assert ImportUpload.objects.filter(token=token).exists()
    assert ImportUpload.objects.count() == 1
    assert not Contact.objects.exists()
    client.force_login(manager)
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_a_post_without_the_csrf_token_is_refused(manager):
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    assert upload(client, csv_file(GOOD_CONTACTS)).status_code == 403
    row = stored_upload(manager)
    response = client.post(f"/scan/import/{row.token}/", {"action": "confirm"})
    assert response.status_code == 403
    assert ImportUpload.objects.count() == 1
    assert not Contact.objects.exists()


def test_another_managers_upload_is_a_404_and_cannot_be_confirmed(client, manager):
    other = factories.manager(username="autre-responsable")
    row = stored_upload(other)
    client.force_login(manager)
    assert client.get(f"/scan/import/{row.token}/").status_code == 404
    assert client.get(f"/scan/import/{uuid.uuid4()}/").status_code == 404
    for action in ("confirm", "cancel"):
        response = client.post(f"/scan/import/{row.token}/", {"action": action})
        assert response.status_code == 303 and response["Location"] == INDEX
    assert ImportUpload.objects.filter(pk=row.pk).exists()
    assert not Contact.objects.exists()


# --- templates ------------------------------------------------------------------------------------


@pytest.mark.parametrize("extension", ["csv", "xlsx"])
@pytest.mark.parametrize("table", list(IMPORT_TABLES))
def test_each_template_downloads_reads_back_and_its_example_row_imports(
    client, manager, table, extension
):
    client.force_login(manager)
    response = client.get(f"/scan/import/template/{table}.{extension}")
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="modele-{table}.{extension}"'
    expected_type = "text/csv" if extension == "csv" else "application/vnd.openxmlformats"
    assert response["Content-Type"].startswith(expected_type)
    data = response.content
    name = f"modele-{table}.{extension}"
    parsed = read_table(data, name)
    template = IMPORT_TABLES[table]
    assert list(parsed.headers) == [normalize_header(h) for h in template.template_header]
    assert len(parsed.rows) == 1
    result = import_file(table, data, name, actor=manager)
    assert result.errors == [] and result.ignored_columns == []
    assert result.committed and result.created >= 1


def test_an_unknown_template_is_a_404(client, manager):
    client.force_login(manager)
    assert client.get("/scan/import/template/nope.csv").status_code == 404
    assert client.get("/scan/import/template/products.pdf").status_code == 404


def test_the_screen_lists_every_table_and_preselects_the_one_asked(client, manager):
    client.force_login(manager)
    html = client.get(INDEX + "?table=locations").content.decode()
    for table in IMPORT_TABLES:
        assert f'data-import-table="{table}"' in html
        assert f'href="/scan/import/template/{table}.xlsx"' in html
    assert 'href="/scan/export/contacts.csv"' in html
    assert '<option value="locations" selected>' in html
    assert "data-update-field hidden" not in html
    categories = client.get(INDEX + "?table=categories").content.decode()
    assert "data-update-field hidden" in categories


# --- upload, report, confirm ----------------------------------------------------------------------


def test_a_bad_file_reports_every_row_error_and_cannot_be_confirmed(client, manager):
    client.force_login(manager)
    review = review_url_of(upload(client, csv_file(BAD_CONTACTS)))
    html = client.get(review).content.decode()
    assert 'data-row-error="3"' in html and "ligne 3 : " in html
    assert 'data-created="1"' in html and 'data-errors="1"' in html
    assert "disabled" in confirm_button(html)
    before = Contact.objects.count()
    forced = client.post(review, {"action": "confirm"})
    assert forced.status_code == 200
    page = forced.content.decode()
    assert "data-import-refused" in page and "ligne 3 : " in page
    assert Contact.objects.count() == before == 0
    assert ImportUpload.objects.count() == 1


def test_a_good_file_is_imported_on_confirm_and_its_upload_removed(client, manager):
    client.force_login(manager)
    review = review_url_of(upload(client, csv_file(GOOD_CONTACTS)))
    row = ImportUpload.objects.get()
    assert row.created_by == manager and row.table == "contacts"
    assert row.original_name == "contacts.csv"
    stored = row.file.path
    assert os.path.basename(stored) != "contacts.csv" and stored.endswith(".csv")
    html = client.get(review).content.decode()
    assert 'data-created="2"' in html and "data-import-errors" not in html
    assert "disabled" not in confirm_button(html)
    assert not Contact.objects.exists()  # the dry run wrote nothing

    done = client.post(review, {"action": "confirm"})
    assert done.status_code == 303 and done["Location"] == INDEX
    assert sorted(Contact.objects.values_list("name", flat=True)) == [
        "Clinique Nord",
        "Pharmacie du Port",
    ]
    assert not ImportUpload.objects.exists()
    assert not os.path.exists(stored)
    page = client.get(INDEX).content.decode()
    assert "2 créés, 0 mis à jour, 0 ignorés" in page or "2 created, 0 updated" in page

    # The same form sent again (a double click): nothing more, a friendly redirect.
    again = client.post(review, {"action": "confirm"})
    assert again.status_code == 303 and again["Location"] == INDEX
    assert Contact.objects.count() == 2


def test_matching_rows_are_listed_and_updated_only_when_asked(client, manager):
    Contact.objects.create(name="Pharmacie du Port", email="ancien@pharmacie.example")
    client.force_login(manager)
    review = review_url_of(upload(client, csv_file(GOOD_CONTACTS)))
    html = client.get(review).content.decode()
    assert 'data-row-match="2"' in html and "Pharmacie du Port" in html
    assert 'data-skipped="1"' in html and 'data-created="1"' in html
    # Checked again with "update": the report says the match would be updated.
    recheck = client.post(review, {"action": "recheck", "update": "on"})
    assert recheck.status_code == 303 and recheck["Location"] == review
    assert ImportUpload.objects.get().options == {"update": True}
    html = client.get(review).content.decode()
    assert 'data-updated="1"' in html and 'name="update" id="id_update" checked' in html
    assert client.post(review, {"action": "confirm", "update": "on"}).status_code == 303
    assert Contact.objects.get(name="Pharmacie du Port").email == "port@pharmacie.example"
    assert Contact.objects.count() == 2


def test_an_upload_with_update_ticked_reports_updates(client, manager):
    Warehouse.objects.create(code="REC", name="Ancien nom")
    client.force_login(manager)
    file = csv_file("Code;Nom\nREC;Réception\n", name="entrepots.csv")
    review = review_url_of(upload(client, file, table="warehouses", update="on"))
    html = client.get(review).content.decode()
    assert 'data-updated="1"' in html and 'data-row-match="2"' in html
    client.post(review, {"action": "confirm", "update": "on"})
    assert Warehouse.objects.get(code="REC").name == "Réception"


def test_categories_never_update(client, manager):
    client.force_login(manager)
    file = csv_file("Catégorie\nMÉDICAL > Pansements\n", name="categories.csv")
    review = review_url_of(upload(client, file, table="categories", update="on"))
    assert ImportUpload.objects.get().options == {"update": False}
    html = client.get(review).content.decode()
    assert 'name="update"' not in html
    client.post(review, {"action": "confirm", "update": "on"})
    assert ProductCategory.objects.count() == 2


def test_cancel_deletes_the_upload_and_imports_nothing(client, manager):
    client.force_login(manager)
    review = review_url_of(upload(client, csv_file(GOOD_CONTACTS)))
    stored = ImportUpload.objects.get().file.path
    response = client.post(review, {"action": "cancel"})
    assert response.status_code == 303 and response["Location"].startswith(INDEX)
    assert not ImportUpload.objects.exists() and not os.path.exists(stored)
    assert not Contact.objects.exists()
    assert client.get(review).status_code == 404


def test_the_review_form_posts_back_as_rendered(client, manager):
    client.force_login(manager)
    review = review_url_of(upload(client, csv_file(GOOD_CONTACTS)))
    parser = FormParser()
    parser.feed(client.get(review).content.decode())
    (form,) = [f for f in parser.forms if "data-import-decision" in f["attrs"]]
    assert form["attrs"]["action"] == review
    response = client.post(form["attrs"]["action"], {**form["hidden"], "action": "confirm"})
    assert response.status_code == 303
    assert Contact.objects.count() == 2


def stored_files(root: Any) -> set[str]:
    return {
        os.path.join(folder, name)
        for folder, _dirs, names in os.walk(os.path.join(root, "imports"))
        for name in names
    }


# --- refusals of the whole file -------------------------------------------------------------------


def refused(client: Client, file: Any, table: str = "contacts") -> str:
    """The form again with a message; neither the upload row nor its file is kept."""
    before = stored_files(settings.MEDIA_ROOT)
    response = upload(client, file, table)
    assert response.status_code == 200
    assert not ImportUpload.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == before
    return response.content.decode()


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("vide.csv", b"", ("vide", "empty")),
        ("programme.exe", b"MZ\x90\x00binary", ("programme.exe",)),
        ("classeur.xlsx", b"this is not a zip file at all", ("xlsx", "XLSX")),
        ("en-tete.csv", b"Nom;E-mail\n", ("aucune ligne",)),
        ("colonnes.csv", b"Couleur;Taille\nbleu;2\n", ("Aucune colonne",)),
        ("binaire.csv", bytes(range(256)) * 4, ("",)),
    ],
)
def test_a_file_refused_as_a_whole_shows_the_form_again_with_its_message(
    client, manager, name, content, needle
):
    client.force_login(manager)
    html = refused(client, SimpleUploadedFile(name, content))
    assert 'class="field-error-text"' in html
    text = html.replace("&#x27;", "'")
    assert any(word in text for word in needle), text[text.index("field-error-text") :][:300]
    assert not Contact.objects.exists()


def test_a_users_file_with_a_password_column_is_refused(client, manager):
    client.force_login(manager)
    file = csv_file("Identifiant;E-mail;Mot de passe\nzoe;zoe@example.org;secret\n", "u.csv")
    html = refused(client, file, "users")
    assert "Mot de passe" in html
    assert not IntegrationEvent.objects.exists()


def test_a_utf16_csv_with_its_bom_is_read(client, manager):
    client.force_login(manager)
    file = csv_file(BOM + GOOD_CONTACTS, encoding="utf-16-le")
    review = review_url_of(upload(client, file))
    assert 'data-created="2"' in client.get(review).content.decode()


def test_an_xlsx_file_is_imported(client, manager):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Code", "Nom"])
    sheet.append(["STK", "Stockage"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(manager)
    file = SimpleUploadedFile("entrepots.xlsx", buffer.getvalue())
    review = review_url_of(upload(client, file, table="warehouses"))
    client.post(review, {"action": "confirm"})
    assert Warehouse.objects.filter(code="STK", name="Stockage").exists()


def test_a_file_over_the_size_limit_is_refused_and_not_stored(client, manager, settings):
    settings.UPLOAD_MAX_MB = 1
    client.force_login(manager)
    before = stored_files(settings.MEDIA_ROOT)
    text = GOOD_CONTACTS + "x;y@example.org\n" * (1024 * 1024 // 16 + 1)
    html = refused(client, csv_file(text))
    assert "1 MB" in html or "1 Mo" in html
    assert stored_files(settings.MEDIA_ROOT) == before


def test_an_unknown_table_is_a_form_error(client, manager):
    client.force_login(manager)
    html = refused(client, csv_file(GOOD_CONTACTS), table="nope")
    assert "field-error-text" in html


def test_a_stored_file_gone_missing_leads_back_to_the_form(client, manager):
    row = stored_upload(manager)
    row.file.delete(save=False)
    client.force_login(manager)
    response = client.get(f"/scan/import/{row.token}/")
    assert response.status_code == 303 and response["Location"].startswith(INDEX)
    assert not ImportUpload.objects.exists()


# --- users: the set-password email goes with the real import only ---------------------------------


def test_users_get_their_set_password_email_on_confirm_only(client, manager):
    client.force_login(manager)
    file = csv_file("Identifiant;E-mail;Rôle\nzoe;zoe@example.org;Préparateur\n", "users.csv")
    review = review_url_of(upload(client, file, table="users"))
    assert 'data-created="1"' in client.get(review).content.decode()
    assert not IntegrationEvent.objects.exists()
    client.post(review, {"action": "confirm"})
    (event,) = IntegrationEvent.objects.all()
    assert event.payload["recipients"] == ["zoe@example.org"]


def test_a_product_matching_by_sku_is_listed_before_the_confirmation(client, manager):
    factories.ProductFactory(sku="PAN-001", name="Compresses")
    client.force_login(manager)
    file = csv_file("SKU;Nom\nPAN-001;Compresses stériles\nPAN-002;Gants\n", "produits.csv")
    review = review_url_of(upload(client, file, table="products"))
    html = client.get(review).content.decode()
    assert 'data-row-match="2"' in html and "PAN-001" in html
    assert 'data-row-match="3"' not in html
    assert 'data-skipped="1"' in html and 'data-created="1"' in html
