"""Every exported table re-imports to the same data (S-IMPORT, issue 10): export, forget the
data (the savepoint that created it is rolled back, so the database is as fresh as before), import
the file, export again: the same bytes. The data carries what a round trip could lose or
corrupt — values starting with = + - @ (neutralised in the file, restored by the import),
accents, decimal commas, booleans, categories four levels deep, tags, contact roles,
destinations, organisations, default addresses and ASF identifiers."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import transaction

from tests import factories
from wms.exports.tables import TABLES, export_table
from wms.imports.tables import import_file
from wms.models import (
    Contact,
    ContactAddress,
    Location,
    Product,
    ProductCategory,
    ProductTag,
    RackColor,
    Warehouse,
)
from wms.services.contacts import set_default_address

pytestmark = pytest.mark.django_db

FORMULA_STARTS = ("=", "+", "-", "@")


def rows_of(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))


def exported_then_forgotten(name: str, build: Callable[[], None]) -> bytes:
    with transaction.atomic():
        build()
        data = export_table(name)
        transaction.set_rollback(True)  # back to the savepoint: none of it was ever written
    return data


def round_trip(name: str, build: Callable[[], None]) -> tuple[bytes, bytes]:
    first = exported_then_forgotten(name, build)
    result = import_file(name, first, f"{name}.csv")
    assert result.errors == [] and result.committed, result.errors
    return first, export_table(name)


def assert_no_cell_starts_like_a_formula(data: bytes) -> None:
    for row in rows_of(data):
        for cell in row:
            assert not cell.startswith(FORMULA_STARTS), cell


# --- the data -----------------------------------------------------------------------------------


def warehouses() -> None:
    for code, name in (
        ("REC", "Réception"),
        ("ANX", "@Annexe"),
        ("STK", "=Stock Général"),
        ("PHA", "-Pharmacie"),
        ("ZZ", "+Zone Franche"),
    ):
        Warehouse.objects.create(code=code, name=name)


def locations() -> None:
    receiving = Warehouse.objects.create(code="REC", name="REC")
    annex = Warehouse.objects.create(code="ANX", name="ANX")
    for warehouse, zone, aisle, shelf, notes, active in (
        (receiving, "A", "01", "1", "=cmd|' /C calc'!A0", True),
        (receiving, "A", "01", "2", "+33 quai nord", False),
        (receiving, "B", "02", "3", "@Réserve; étagère haute", True),
        (annex, "Z", "1", "A", "-1 sous-sol, « froid »", True),
        (annex, "Z", "1", "B", "", True),
    ):
        Location.objects.create(
            warehouse=warehouse, zone=zone, aisle=aisle, shelf=shelf, notes=notes, is_active=active
        )
    RackColor.objects.create(warehouse=receiving, zone="A", color="#1E90FF")
    RackColor.objects.create(warehouse=annex, zone="Z", color="#FF8800")


def categories() -> None:
    medical = ProductCategory.objects.create(name="MÉDICAL")
    pain = ProductCategory.objects.create(name="Antalgiques", parent=medical)
    tablets = ProductCategory.objects.create(name="Comprimés", parent=pain)
    ProductCategory.objects.create(name="Enfants", parent=tablets)
    ProductCategory.objects.create(name="Pansements", parent=medical)
    formula = ProductCategory.objects.create(name="=FORMULE")
    ProductCategory.objects.create(name="@Arobase", parent=formula)
    ProductCategory.objects.create(name="ÉTAGÈRE")


def products() -> None:
    categories()
    location = Location.objects.create(
        warehouse=Warehouse.objects.create(code="REC", name="REC"), zone="A", aisle="01", shelf="1"
    )
    RackColor.objects.create(warehouse=location.warehouse, zone="A", color="#1E90FF")
    full = Product.objects.create(
        sku="RT-001",
        name="=1+1 Trousse De Secours",
        brand="@MARQUE",
        color="+Rouge",
        category=ProductCategory.objects.get(name="Enfants"),
        barcode="-ABC-123",
        ean="4006381333931",
        pu_ht=Decimal("1234.56"),
        tva=Decimal("0.055"),
        length_cm=Decimal("10.5"),
        width_cm=Decimal("4"),
        height_cm=Decimal("2.25"),
        weight_g=120,
        volume_cm3=94,
        storage_conditions="=A1 au sec; à l'abri",
        perishable=True,
        quarantine_default=False,
        notes='-5 ml à diluer\n+ deuxième ligne "citée"',
        default_location=location,
    )
    full.tags.set(
        [ProductTag.objects.create(name="stérile"), ProductTag.objects.create(name="Urgence")]
    )
    Product.objects.create(
        sku="RT-002",
        name="Gants Nitrile",
        category=ProductCategory.objects.get(name="@Arobase"),
        pu_ht=Decimal("0.5"),
        tva=Decimal("0.2"),
        perishable=False,
        is_active=False,
    )


def contacts() -> None:
    organisation = Contact.objects.create(
        name="ONG Santé Sud",
        email="ong@sante-sud.example",
        phone="+261 20 22 000 00",
        siret="12345678900012",
        vat_number="FR12345678901",
        legal_registration="W123456789",
        is_recipient=True,
        notes='=HYPERLINK("http://x.example";"clic")',
    )
    organisation.destinations.set(factories_destinations())
    set_default_address(
        ContactAddress(
            contact=organisation,
            line1="12 avenue de l'Étagère",
            line2="-Bât. B",
            postal_code="101",
            city="Antananarivo",
            country="Madagascar",
        )
    )
    member = Contact.objects.create(
        kind="person",
        name="Jean Dupont",
        title="M.",
        first_name="Jean",
        last_name="Dupont",
        job="@Logistique",
        email="jean.dupont@example.org",
        other_emails="jd@example.org, jean@example.net",
        other_phones="+33 6 00 00 00 00",
        organisation=organisation,
        is_donor=True,
        is_shipper=True,
    )
    member.destinations.set(factories_destinations()[:1])
    Contact.objects.create(
        name="Air Cargo Océan", is_carrier=True, is_donor=True, is_correspondent=True
    )
    Contact.objects.create(name="Ancien Partenaire", is_active=False)
    # Identifiers as an earlier system gave them, not the ones the counter would give now.
    Contact.objects.filter(pk=organisation.pk).update(asf_id="DEST-0012")
    Contact.objects.filter(pk=member.pk).update(asf_id="DON-0007")


def factories_destinations() -> list[object]:
    from wms.models import Destination

    return list(Destination.objects.order_by("iata_code"))


@pytest.fixture(autouse=True)
def destinations() -> None:
    """Outside the rolled-back data: destinations are not exported with the contacts."""
    factories.DestinationFactory(iata_code="TNR", correspondent=None)
    factories.DestinationFactory(iata_code="DZA", correspondent=None)


BUILDERS: dict[str, Callable[[], None]] = {
    "products": products,
    "locations": locations,
    "warehouses": warehouses,
    "categories": categories,
    "contacts": contacts,
}


# --- the round trips ----------------------------------------------------------------------------


def test_every_exported_table_has_a_round_trip() -> None:
    assert set(BUILDERS) == set(TABLES)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_an_export_reimports_into_a_fresh_database_to_the_same_bytes(name: str) -> None:
    first, second = round_trip(name, BUILDERS[name])

    assert len(rows_of(first)) > 2
    assert second == first
    assert_no_cell_starts_like_a_formula(first)


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_a_second_import_of_an_export_finds_every_row(name: str) -> None:
    first, _second = round_trip(name, BUILDERS[name])
    again = import_file(name, first, f"{name}.csv")
    assert again.errors == [] and again.created == 0
    assert again.skipped == len(rows_of(first)) - 1


def test_formula_like_values_are_neutralised_in_the_file_and_restored_by_the_import() -> None:
    first, _second = round_trip("contacts", contacts)
    text = first.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'@Logistique" in text and "'-Bât. B" in text
    assert "'+261 20 22 000 00" in text
    organisation = Contact.objects.get(name="ONG Santé Sud")
    assert organisation.notes.startswith("=HYPERLINK(")
    assert organisation.addresses.get(default_marker=True).line2 == "-Bât. B"
    assert Contact.objects.get(name="Jean Dupont").job == "@Logistique"


def test_the_contact_round_trip_keeps_roles_destinations_organisation_and_identifiers() -> None:
    round_trip("contacts", contacts)
    member = Contact.objects.get(name="Jean Dupont")
    organisation = Contact.objects.get(name="ONG Santé Sud")
    assert member.organisation == organisation and not organisation.needs_review
    assert (member.asf_id, organisation.asf_id) == ("DON-0007", "DEST-0012")
    assert member.roles == ["donor", "shipper"] and organisation.roles == ["recipient"]
    assert sorted(organisation.destinations.values_list("iata_code", flat=True)) == [
        "DZA",
        "TNR",
    ]
    assert organisation.addresses.get(default_marker=True).country == "Madagascar"
    assert Contact.objects.get(name="Ancien Partenaire").is_active is False
    # The counters moved past the identifiers taken over.
    assert factories.ContactFactory(is_donor=True).asf_id == "DON-0008"


def test_the_product_round_trip_keeps_decimal_commas_booleans_categories_and_tags() -> None:
    first, _second = round_trip("products", products)
    header, *rows = rows_of(first)
    full = dict(zip(header, rows[0], strict=True))
    assert full["Prix HT"] == "1234,56" and full["TVA"] == "5,5 %"
    assert full["Périssable"] == "oui" and full["Quarantaine"] == "non"
    assert full["Catégorie"] == "MÉDICAL > Antalgiques > Comprimés > Enfants"
    assert full["Étiquettes"] == "Urgence | stérile"
    product = Product.objects.get(sku="RT-001")
    assert product.name == "=1+1 Trousse De Secours" and product.brand == "@MARQUE"
    assert product.notes == '-5 ml à diluer\n+ deuxième ligne "citée"'
    assert product.pu_ht == Decimal("1234.56") and product.tva == Decimal("0.0550")
    assert product.category is not None and product.category.level == 4
    assert Product.objects.get(sku="RT-002").is_active is False
