"""Catalogue rules enforced by the models and the database (S-CATALOG, S-CONTACTS, S-LOCATIONS)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings

from tests.factories import ContactFactory, LocationFactory, ProductFactory, WarehouseFactory
from wms.gtin import InvalidGtin, check_digit, normalize_gtin
from wms.models import Contact, ContactAddress, Location, ProductCategory, ProductKitItem, Warehouse
from wms.services import contacts as contact_services
from wms.services.catalog import quick_create_product
from wms.services.errors import StockError

pytestmark = pytest.mark.django_db


def test_a_second_root_named_like_another_is_refused_by_the_database():
    ProductCategory.objects.create(name="Medical")
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductCategory.objects.create(name="MÉDICAL")


def test_siblings_are_unique_but_cousins_may_share_a_name():
    medical = ProductCategory.objects.create(name="MÉDICAL")
    hygiene = ProductCategory.objects.create(name="HYGIÈNE")
    ProductCategory.objects.create(name="Gants", parent=medical)
    ProductCategory.objects.create(name="Gants", parent=hygiene)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductCategory.objects.create(name="gants ", parent=medical)


def test_categories_have_at_most_four_levels_and_show_their_path():
    node = None
    for name in ["MÉDICAL", "Soins", "Pansements", "Compresses"]:
        node = ProductCategory.objects.create(name=name, parent=node)
    assert node.path == "MÉDICAL > Soins > Pansements > Compresses"
    assert node.level == 4
    assert node.root().name == "MÉDICAL"
    fifth = ProductCategory(name="Stériles", parent=node)
    with pytest.raises(ValidationError, match="4 niveaux"):
        fifth.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        fifth.save()  # the CHECK constraint is the last guard


@pytest.mark.parametrize(
    ("raw", "gtin14"),
    [
        ("96385074", "00000096385074"),  # EAN-8
        ("036000291452", "00036000291452"),  # UPC-A
        ("4006381333931", "04006381333931"),  # EAN-13
        ("10614141000415", "10614141000415"),  # GTIN-14
    ],
)
def test_every_gtin_form_normalises_to_fourteen_digits(raw, gtin14):
    assert normalize_gtin(raw) == gtin14
    product = ProductFactory(ean=raw)
    assert product.gtin == gtin14


@pytest.mark.parametrize("raw", ["4006381333932", "12345", "40063813339AB"])
def test_bad_gtins_are_refused_with_a_message(raw):
    with pytest.raises(InvalidGtin):
        normalize_gtin(raw)


def test_check_digit_examples():
    assert check_digit("400638133393") == 1


def test_sku_prices_and_volume_are_derived_on_save():
    with override_settings(SKU_PREFIX="TST"):
        product = ProductFactory(
            sku="",
            pu_ht=Decimal("10.00"),
            tva=Decimal("5.5"),
            length_cm=Decimal("10"),
            width_cm=Decimal("5"),
            height_cm=Decimal("2"),
        )
    assert product.sku.startswith("TST-") and len(product.sku) == 12
    assert product.sku[4:] == product.sku[4:].upper()
    assert product.tva == Decimal("0.055")
    assert product.pu_ttc == Decimal("10.55")
    assert product.volume_cm3 == 100
    product.pu_ht, product.tva = Decimal("0.125"), Decimal("0.2")
    product.save()
    assert product.pu_ttc == Decimal("0.15")  # 0.15 exactly: half-up


def test_kits_refuse_themselves_and_kits_inside_kits():
    kit, component, other_kit = ProductFactory(), ProductFactory(), ProductFactory()
    ProductKitItem.objects.create(kit=kit, component=component, quantity=2)
    with pytest.raises(ValidationError, match="lui-même"):
        ProductKitItem(kit=kit, component=kit).clean()
    with pytest.raises(ValidationError, match="un autre kit"):
        ProductKitItem(kit=other_kit, component=kit).clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProductKitItem.objects.create(kit=component, component=component)


def test_quick_created_products_need_review_and_refuse_a_known_gtin():
    product = quick_create_product(name="compresses stériles", gtin="4006381333931")
    assert (product.name, product.needs_review, product.gtin) == (
        "Compresses Stériles",
        True,
        "04006381333931",
    )
    with pytest.raises(StockError, match="déjà celui"):
        quick_create_product(name="Autre", gtin="04006381333931")
    with pytest.raises(StockError, match="chiffre de contrôle"):
        quick_create_product(name="Autre", gtin="4006381333932")
    with pytest.raises(StockError, match="obligatoire"):
        quick_create_product(name="  ")


def test_asf_ids_come_from_the_first_role_with_a_prefix_and_never_change():
    donor = ContactFactory(is_donor=True, is_recipient=True)
    assert donor.asf_id == "DON-0001"
    plain = ContactFactory()
    assert plain.asf_id is None
    plain.is_correspondent = True
    plain.save()
    assert plain.asf_id == "CORR-0001"
    donor.is_donor = False
    donor.save()
    assert donor.asf_id == "DON-0001"


def test_quick_created_donors_are_flagged_and_reuse_a_known_name():
    donor = contact_services.quick_create_donor(name="  Pharmacie   Centrale ")
    assert (donor.name, donor.is_donor, donor.needs_review) == ("Pharmacie Centrale", True, True)
    assert contact_services.quick_create_donor(name="PHARMACIE CENTRALE") == donor
    with pytest.raises(StockError):
        contact_services.quick_create_donor(name="")


def test_one_default_address_per_contact_copied_to_members():
    org = ContactFactory(name="ONG Santé")
    member = Contact.objects.create(name="Jeanne", kind="person", organisation=org,
                                    use_organisation_address=True)  # fmt: skip
    first = ContactAddress.objects.create(contact=org, line1="1 rue A", city="Paris")
    contact_services.set_default_address(first)
    second = ContactAddress.objects.create(contact=org, line1="2 rue B", city="Lyon")
    contact_services.set_default_address(second)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    copy = member.addresses.get()
    assert (copy.line1, copy.city, copy.is_default, copy.copied_from) == (
        "2 rue B",
        "Lyon",
        True,
        second,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        ContactAddress.objects.filter(pk=first.pk).update(default_marker=True)


def test_locations_are_upper_cased_unique_and_print_their_qr_payload():
    warehouse = WarehouseFactory(name="Réception CDG", code="rec")
    location = Location.objects.create(warehouse=warehouse, zone="a", aisle="02", shelf="b ")
    assert str(location) == "Réception CDG A-02-B"
    assert location.qr_payload == "LOC:REC:A-02-B"
    with pytest.raises(IntegrityError), transaction.atomic():
        Location.objects.create(warehouse=warehouse, zone="A", aisle="02", shelf="B")
    assert Warehouse.receiving() == warehouse
    LocationFactory()  # another warehouse, first by name or not, REC still wins
    assert Warehouse.receiving() == warehouse


def test_deleting_an_organisation_keeps_its_members_with_a_note():
    organisation = ContactFactory(name="Hôpital Nord")
    member = Contact.objects.create(name="Jeanne", kind="person", organisation=organisation,
                                    notes="Infirmière")  # fmt: skip
    organisation.delete()
    member.refresh_from_db()
    assert member.organisation is None
    assert member.notes == "Infirmière\nAncienne organisation : Hôpital Nord"


def test_moving_a_branch_updates_the_levels_below_it():
    root = ProductCategory.objects.create(name="MÉDICAL")
    other = ProductCategory.objects.create(name="HYGIÈNE")
    middle = ProductCategory.objects.create(name="Soins", parent=other)
    leaf = ProductCategory.objects.create(name="Pansements", parent=middle)
    middle.parent = ProductCategory.objects.create(name="Premiers secours", parent=root)
    middle.save()
    leaf.refresh_from_db()
    assert (leaf.level, leaf.path) == (4, "MÉDICAL > Premiers secours > Soins > Pansements")


def test_a_vat_typed_as_a_percentage_passes_model_validation():
    product = ProductFactory.build(tva=Decimal("20"), default_location=None)
    product.full_clean(exclude=["default_location"])
    assert product.tva == Decimal("0.2")
    product.tva = Decimal("150")
    with pytest.raises(ValidationError, match="Taux de TVA invalide"):
        product.full_clean(exclude=["default_location"])
