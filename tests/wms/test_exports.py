"""CSV exports (S-IMPORT): formula-injection safety, the product round trip through the import,
every table's header, the manager download view and the admin action."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import URLPattern, URLResolver, include, path, reverse

from project.urls import urlpatterns as project_urlpatterns
from scan import urls as scan_urls
from scan.routes import exports as export_routes
from tests import factories
from tests.wms.admin_support import assert_managers_hold_admin_permissions
from wms.exports.csv_export import safe_cell, write_csv
from wms.exports.tables import TABLES, export_table
from wms.imports.products import import_products
from wms.imports.readers import read_table
from wms.models import ContactAddress, Product, ProductCategory, ProductTag, RackColor

# Until scan/urls.py includes scan/routes/exports.py, the view tests mount it themselves (first,
# so that this "scan" namespace, which also holds the login page, is the one reverse() uses).
urlpatterns: list[URLPattern | URLResolver] = [
    path(
        "scan/",
        include(
            ([*scan_urls.urlpatterns, *export_routes.urlpatterns], "scan"),
            namespace="scan",
        ),
    ),
    *project_urlpatterns,
]
with_export_urls = pytest.mark.urls(__name__)


def parse(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


# --- formula injection --------------------------------------------------------------------------


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_text_cell_starting_like_a_formula_is_neutralised(start):
    assert safe_cell(f"{start}1+1") == f"'{start}1+1"


def test_plain_text_and_numbers_are_written_as_they_are():
    assert safe_cell("Gants 1+1") == "Gants 1+1"
    assert safe_cell(-3) == "-3"  # a number cannot carry a formula: it stays a number
    assert safe_cell(Decimal("-1.50")) == "-1,5"
    assert safe_cell(True) == "oui"
    assert safe_cell(None) == ""


def test_a_product_named_like_a_formula_exports_neutralised(db):
    factories.ProductFactory(name='=HYPERLINK("http://x.example","clic")', brand="@marque")
    rows = parse(export_table("products"))
    header, row = rows[0], rows[1]
    assert row[header.index("Nom")].startswith("'=HYPERLINK(")
    assert row[header.index("Marque")] == "'@marque"


def test_the_writer_neutralises_the_header_too():
    assert parse(write_csv(["=1"], [["a"]])) == [["'=1"], ["a"]]


# --- the product round trip ---------------------------------------------------------------------


def snapshot() -> dict[str, tuple[object, ...]]:
    rows = {}
    for product in Product.objects.select_related("category", "default_location__warehouse"):
        location = product.default_location
        rows[product.sku] = (
            product.name,
            product.brand,
            product.color,
            product.category.path if product.category else None,
            sorted(tag.name for tag in product.tags.all()),
            product.barcode,
            product.ean,
            product.gtin,
            product.pu_ht,
            product.tva,
            product.length_cm,
            product.width_cm,
            product.height_cm,
            product.weight_g,
            product.volume_cm3,
            product.storage_conditions,
            product.perishable,
            product.quarantine_default,
            product.is_active,
            product.notes,
            location.qr_payload if location else None,
        )
    return rows


def stocked_catalog() -> None:
    root = ProductCategory.objects.create(name="MÉDICAL")
    child = ProductCategory.objects.create(name="Pansements", parent=root)
    location = factories.LocationFactory(
        warehouse=factories.WarehouseFactory(code="REC", name="Réception"),
        zone="B",
        aisle="02",
        shelf="3",
    )
    RackColor.objects.create(warehouse=location.warehouse, zone="B", color="#1E90FF")
    full = factories.ProductFactory(
        sku="RV-001",
        name="Compresses Stériles",  # as the S-CATALOG name rules write them
        brand="MÖLNLYCKE",
        color="Blanc",
        category=child,
        barcode="ABC-123",
        ean="4006381333931",
        pu_ht=Decimal("12.50"),
        tva=Decimal("0.0550"),
        length_cm=Decimal("10.5"),
        width_cm=Decimal("4"),
        height_cm=Decimal("2.25"),
        weight_g=120,
        volume_cm3=94,
        storage_conditions="Au sec; à l'abri",
        perishable=True,
        quarantine_default=True,
        notes='Ligne 1\nLigne 2 "citée"',
        default_location=location,
    )
    full.tags.set(
        [ProductTag.objects.create(name="urgence"), ProductTag.objects.create(name="stérile")]
    )
    factories.ProductFactory(sku="RV-002", name="Gants", default_location=None, is_active=False)


def test_an_exported_product_table_reimports_into_an_empty_catalogue_to_the_same_data(db):
    stocked_catalog()
    before = snapshot()
    assert before["RV-001"][7] == "04006381333931"  # the GTIN the import recomputes
    exported = export_table("products")

    Product.objects.all().delete()
    ProductTag.objects.all().delete()
    ProductCategory.objects.filter(parent__isnull=False).delete()
    ProductCategory.objects.all().delete()
    RackColor.objects.all().delete()
    result = import_products(read_table(exported, "products.csv"))

    assert not result.errors, result.errors
    assert result.created == 2
    assert snapshot() == before
    assert RackColor.objects.get(zone="B").color == "#1E90FF"
    assert export_table("products") == exported


def test_a_name_that_looks_like_a_formula_comes_back_as_it_was(db):
    factories.ProductFactory(
        sku="RV-F", name="=1+1 trousse", brand="@marque", default_location=None
    )
    exported = export_table("products")
    assert b"'=1+1 trousse" in exported  # neutralised in the file
    Product.objects.all().delete()
    result = import_products(read_table(exported, "products.csv"))
    assert not result.errors, result.errors
    product = Product.objects.get(sku="RV-F")
    # Back without the guard apostrophe (the import's naming rules still apply to the case).
    assert product.name.casefold() == "=1+1 trousse" and product.brand.casefold() == "@marque"


def test_an_exported_product_table_reimported_with_update_restores_edited_products(db, tmp_path):
    stocked_catalog()
    before = snapshot()
    target = tmp_path / "produits.csv"
    call_command("export_table", "products", "--output", str(target), stderr=StringIO())
    Product.objects.filter(sku="RV-001").update(name="Autre", pu_ht=Decimal("1"), weight_g=1)
    Product.objects.get(sku="RV-001").tags.clear()

    out = StringIO()
    call_command("import_products", str(target), "--update", stdout=out)

    assert "mis à jour: 2" in out.getvalue()
    assert snapshot() == before


# --- every table --------------------------------------------------------------------------------


def test_every_table_exports_its_header_even_when_empty(db):
    for name, table in TABLES.items():
        assert parse(export_table(name)) == [list(table.header)], name


def test_every_table_exports_one_row_per_record(db):
    stocked_catalog()
    organisation = factories.ContactFactory(name="ONG Santé", phone="+33 1 23 45 67 89")
    person = factories.ContactFactory(
        name="Jean Dupont", kind="person", organisation=organisation, is_shipper=True
    )
    person.destinations.add(factories.DestinationFactory(iata_code="TNR"))
    ContactAddress.objects.create(contact=person, line1="1 rue X", city="Paris")

    locations = parse(export_table("locations"))
    assert ["REC", "B", "02", "3", "#1E90FF", "", "oui"] in locations
    assert parse(export_table("warehouses"))[1:] == [["REC", "Réception"]]
    categories = parse(export_table("categories"))
    assert categories[1:] == [
        ["MÉDICAL", "MÉDICAL", "1", ""],
        ["MÉDICAL > Pansements", "Pansements", "2", "MÉDICAL"],
    ]
    contacts = {
        row[1]: dict(zip(contacts_header(), row, strict=True))
        for row in parse(export_table("contacts"))[1:]
    }
    assert contacts["ONG Santé"]["Téléphone"] == "'+33 1 23 45 67 89"
    dupont = contacts["Jean Dupont"]
    assert dupont["Organisation"] == "ONG Santé"
    assert dupont["Expéditeur"] == "oui"
    assert dupont["Destinations"] == "TNR"


def contacts_header() -> list[str]:
    return list(TABLES["contacts"].header)


# --- the command --------------------------------------------------------------------------------


def test_the_command_writes_the_csv_to_stdout_by_default(db, capfdbinary):
    factories.ProductFactory(sku="RV-009", name="Masques")
    call_command("export_table", "products")
    data = capfdbinary.readouterr().out
    assert parse(data)[1][0] == "RV-009"


def test_the_command_refuses_an_unknown_table_in_french(db, tmp_path: Path):
    with pytest.raises(CommandError, match="Table inconnue « stock »"):
        call_command("export_table", "stock", "--output", str(tmp_path / "x.csv"))
    assert not (tmp_path / "x.csv").exists()


# --- the download view --------------------------------------------------------------------------


@with_export_urls
def test_a_manager_downloads_a_table_as_a_csv_attachment(client, manager):
    factories.ProductFactory(sku="RV-010")
    client.force_login(manager)
    response = client.get(reverse("scan:export_table", args=["products"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith('attachment; filename="products-')
    assert parse(response.content)[1][0] == "RV-010"


@with_export_urls
def test_a_worker_may_not_download_an_export(client, worker):
    client.force_login(worker)
    assert client.get(reverse("scan:export_table", args=["products"])).status_code == 403


@with_export_urls
def test_an_anonymous_visitor_is_sent_to_the_login_page(client, db):
    url = reverse("scan:export_table", args=["contacts"])
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("scan:login"))


@with_export_urls
def test_an_unknown_table_is_a_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("scan:export_table", args=["users"])).status_code == 404


@with_export_urls
def test_the_export_is_get_only(client, manager):
    client.force_login(manager)
    assert client.post(reverse("scan:export_table", args=["products"])).status_code == 405


@with_export_urls
@pytest.mark.parametrize("name", sorted(TABLES))
def test_the_query_count_does_not_grow_with_the_table(
    client, manager, django_assert_max_num_queries, name
):
    client.force_login(manager)
    url = reverse("scan:export_table", args=[name])
    counts = []
    for size in (1, 6):
        for _ in range(size):
            product = factories.ProductFactory(
                category=ProductCategory.objects.create(
                    name=f"Cat {ProductCategory.objects.count()}"
                )
            )
            product.tags.add(ProductTag.objects.create(name=f"t{ProductTag.objects.count()}"))
            contact = factories.ContactFactory(organisation=factories.ContactFactory())
            ContactAddress.objects.create(contact=contact, line1="1 rue X", city="Paris")
            contact.destinations.add(factories.DestinationFactory())
        with django_assert_max_num_queries(12) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]


# --- the admin action ---------------------------------------------------------------------------


def test_the_admin_action_exports_only_the_selected_products(client, manager):
    assert_managers_hold_admin_permissions()
    client.force_login(manager)
    chosen = factories.ProductFactory(sku="RV-100")
    factories.ProductFactory(sku="RV-200")
    data = {"action": "export_csv", "_selected_action": [chosen.pk], "index": "0"}
    response = client.post("/admin/wms/product/", data)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert [row[0] for row in parse(response.content)[1:]] == ["RV-100"]
