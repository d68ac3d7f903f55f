"""Importing from the admin (S-IMPORT): an "Importer" button on the changelists of the importable
tables, leading to the same upload → dry run report → confirm steps as the managers' screen;
reserved to holders of wms.manage_imports."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests import factories
from tests.wms.admin_support import assert_managers_hold_admin_permissions, page_text
from wms.models import Contact, ImportUpload, IntegrationEvent, Product

pytestmark = pytest.mark.django_db

CHANGELISTS = {
    "products": "/admin/wms/product/",
    "categories": "/admin/wms/productcategory/",
    "warehouses": "/admin/wms/warehouse/",
    "locations": "/admin/wms/location/",
    "contacts": "/admin/wms/contact/",
    "users": "/admin/auth/user/",
}


@pytest.fixture
def boss(client: Client, manager: User) -> User:
    assert_managers_hold_admin_permissions()
    client.force_login(manager)
    return manager


def csv_file(text: str, name: str = "fichier.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def upload(client: Client, table: str, text: str, **extra: Any) -> str:
    """Post the file on the table's admin import page; the review page's address."""
    url = CHANGELISTS[table] + "import/"
    response = client.post(url, {"file": csv_file(text), **extra})
    assert response.status_code == 303, page_text(response)[:3000]
    review = response["Location"]
    assert review.startswith(url) and review != url
    return review


@pytest.mark.parametrize("table", [name for name in CHANGELISTS if name != "users"])
def test_each_importable_changelist_shows_the_import_button(client, boss, table):
    html = client.get(CHANGELISTS[table]).content.decode()
    assert f'href="{CHANGELISTS[table]}import/" data-import-link' in html
    page = client.get(CHANGELISTS[table] + "import/")
    assert page.status_code == 200
    assert f"/scan/import/template/{table}.csv" in page.content.decode()


def test_the_users_changelist_shows_the_button_to_a_superuser(client):
    client.force_login(User.objects.create_superuser("racine", "racine@example.org", "x"))
    html = client.get(CHANGELISTS["users"]).content.decode()
    assert 'href="/admin/auth/user/import/" data-import-link' in html


def test_products_are_imported_from_the_admin(client, boss):
    review = upload(client, "products", "SKU;Nom;Marque\nPAN-001;compresses;euromedis\n")
    html = page_text(client.get(review))
    assert 'data-created="1"' in html and "data-import-errors" not in html
    assert not Product.objects.exists()
    done = client.post(review, {"action": "confirm"})
    assert done.status_code == 303 and done["Location"] == CHANGELISTS["products"]
    product = Product.objects.get()
    assert (product.sku, product.name) == ("PAN-001", "Compresses")
    assert not ImportUpload.objects.exists()
    shown = page_text(client.get(done["Location"]))
    assert "1 créés" in shown or "1 created" in shown


def test_contacts_with_a_bad_row_are_not_imported_and_matches_are_listed(client, boss):
    Contact.objects.create(name="Pharmacie du Port")
    text = "Nom;E-mail\nPharmacie du Port;port@pharmacie.example\nClinique;pas-un-email\n"
    review = upload(client, "contacts", text, update="on")
    html = page_text(client.get(review))
    assert 'data-row-error="3"' in html and "ligne 3 : " in html
    assert 'data-row-match="2"' in html
    start = html.index("data-confirm")
    assert "disabled" in html[start : html.index(">", start)]
    forced = client.post(review, {"action": "confirm", "update": "on"})
    assert forced.status_code == 200 and "data-import-refused" in page_text(forced)
    assert list(Contact.objects.values_list("name", "email")) == [("Pharmacie du Port", "")]
    cancel = client.post(review, {"action": "cancel"})
    assert cancel.status_code == 303 and cancel["Location"] == CHANGELISTS["contacts"] + "import/"
    assert not ImportUpload.objects.exists()


def test_contacts_are_updated_from_the_admin_when_asked(client, boss):
    Contact.objects.create(name="Pharmacie du Port")
    review = upload(client, "contacts", "Nom;E-mail\nPharmacie du Port;port@pharmacie.example\n")
    assert 'data-skipped="1"' in page_text(client.get(review))
    client.post(review, {"action": "confirm", "update": "on"})
    assert Contact.objects.get().email == "port@pharmacie.example"


def test_users_imported_from_the_admin_get_their_email_after_confirm_only(client, boss):
    text = "Identifiant;E-mail;Rôle\nzoe;zoe@example.org;Préparateur\n"
    review = upload(client, "users", text)
    assert 'data-created="1"' in page_text(client.get(review))
    assert not IntegrationEvent.objects.exists()
    assert not User.objects.filter(username="zoe").exists()
    done = client.post(review, {"action": "confirm"})
    assert done.status_code == 303 and done["Location"] == CHANGELISTS["users"]
    zoe = User.objects.get(username="zoe")
    assert not zoe.has_usable_password()
    (event,) = IntegrationEvent.objects.all()
    assert event.direction == "outbound" and event.payload["recipients"] == ["zoe@example.org"]


def test_a_refused_file_shows_the_admin_form_again(client, boss):
    url = CHANGELISTS["users"] + "import/"
    file = csv_file("Identifiant;E-mail;Mot de passe\nzoe;zoe@example.org;x\n")
    response = client.post(url, {"file": file})
    assert response.status_code == 200
    assert "Mot de passe" in page_text(response) and 'class="errornote"' in page_text(response)
    assert not ImportUpload.objects.exists()


def test_a_worker_is_sent_to_the_admin_login_and_nothing_is_stored(client, worker):
    client.force_login(worker)
    for table in ("products", "users"):
        url = CHANGELISTS[table] + "import/"
        for response in (client.get(url), client.post(url, {"file": csv_file("Nom\nX\n")})):
            assert response.status_code == 302 and "/admin/login/" in response["Location"]
        token_url = f"{url}{uuid.uuid4()}/"
        assert client.post(token_url, {"action": "confirm"}).status_code == 302
    assert not ImportUpload.objects.exists()


def test_staff_without_the_import_capability_get_403_and_no_button(client):
    clerk = factories.UserFactory(username="commis", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_product"))
    client.force_login(clerk)
    html = client.get(CHANGELISTS["products"]).content.decode()
    assert "data-import-link" not in html
    url = CHANGELISTS["products"] + "import/"
    assert client.get(url).status_code == 403
    assert client.post(url, {"file": csv_file("Nom\nX\n")}).status_code == 403
    assert not ImportUpload.objects.exists() and not Product.objects.exists()
