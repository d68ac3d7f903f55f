"""Master data in the admin (S-CATALOG, S-CONTACTS, S-LOCATIONS): name rules on save, category
depth and sibling names, kits, GTIN check, contact roles and addresses, location codes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests import factories
from tests.wms.admin_support import (
    assert_managers_hold_admin_permissions,
    management_form,
    page_text,
)
from wms.models import (
    Contact,
    ContactAddress,
    Location,
    Product,
    ProductCategory,
    ProductKitItem,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def boss(client, manager: User) -> User:
    assert_managers_hold_admin_permissions()
    client.force_login(manager)
    return manager


def product_data(**overrides: object) -> dict[str, object]:
    return {
        "sku": "",
        "name": "paracétamol 500mg",
        "brand": "doliprane",
        "ean": "",
        "storage_conditions": "",
        "notes": "",
        "is_active": "on",
        **management_form("kit_items"),
        **overrides,
    }


def category_chain(depth: int, prefix: str = "Niveau") -> list[ProductCategory]:
    chain: list[ProductCategory] = []
    for level in range(depth):
        chain.append(
            ProductCategory.objects.create(
                name=f"{prefix} {level + 1}", parent=chain[-1] if chain else None
            )
        )
    return chain


# --- products ------------------------------------------------------------------------------------


def test_a_product_saved_in_the_admin_follows_the_name_rules(client, boss):
    response = client.post("/admin/wms/product/add/", product_data())
    assert response.status_code == 302, page_text(response)
    product = Product.objects.get()
    assert (product.name, product.brand) == ("Paracétamol 500mg", "DOLIPRANE")
    assert product.sku.startswith("ASF-")


def test_a_product_with_a_wrong_check_digit_is_refused(client, boss):
    response = client.post("/admin/wms/product/add/", product_data(ean="3400930000001"))
    assert response.status_code == 200
    assert "« 3400930000001 » : chiffre de contrôle invalide." in page_text(response)
    assert not Product.objects.exists()


def test_the_gtin_of_a_product_is_its_ean_on_fourteen_digits(client, boss):
    client.post("/admin/wms/product/add/", product_data(ean="4006381333931"))
    assert Product.objects.get().gtin == "04006381333931"


def test_the_product_list_shows_the_category_path_and_filters_by_branch(client, boss):
    root, child = category_chain(2)
    inside = factories.ProductFactory(name="Gants", category=child)
    outside = factories.ProductFactory(name="Masques")
    body = page_text(client.get("/admin/wms/product/"))
    assert "Niveau 1 > Niveau 2" in body
    response = client.get("/admin/wms/product/", {"category": root.pk})
    assert list(response.context["cl"].result_list) == [inside]
    assert outside.sku in body


def test_marking_products_as_verified_clears_needs_review(client, boss):
    flagged = factories.ProductFactory(needs_review=True)
    data = {"action": "mark_reviewed", "_selected_action": [flagged.pk], "index": "0"}
    response = client.post("/admin/wms/product/", data, follow=True)
    assert "1 produit(s) marqué(s) comme vérifié(s)." in page_text(response)
    flagged.refresh_from_db()
    assert not flagged.needs_review


def test_kit_components_are_edited_inline(client, boss):
    kit = factories.ProductFactory(name="Kit pansement")
    component = factories.ProductFactory(name="Compresse")
    data = product_data(
        sku=kit.sku,
        name=kit.name,
        brand="",
        **management_form("kit_items", total=1),
        **{"kit_items-0-component": component.pk, "kit_items-0-quantity": "4"},
    )
    response = client.post(f"/admin/wms/product/{kit.pk}/change/", data)
    assert response.status_code == 302, page_text(response)
    item = ProductKitItem.objects.get()
    assert (item.kit, item.component, item.quantity) == (kit, component, 4)


def test_a_kit_cannot_contain_another_kit(client, boss):
    inner = factories.ProductFactory(name="Kit interne")
    ProductKitItem.objects.create(kit=inner, component=factories.ProductFactory(), quantity=1)
    outer = factories.ProductFactory(name="Kit externe")
    data = product_data(
        sku=outer.sku,
        name=outer.name,
        brand="",
        **management_form("kit_items", total=1),
        **{"kit_items-0-component": inner.pk, "kit_items-0-quantity": "1"},
    )
    response = client.post(f"/admin/wms/product/{outer.pk}/change/", data)
    assert response.status_code == 200
    assert "Un kit ne peut pas contenir un autre kit." in page_text(response)
    assert not ProductKitItem.objects.filter(kit=outer).exists()


# --- categories ----------------------------------------------------------------------------------


def test_a_root_category_is_upper_cased_and_a_child_follows_the_name_rules(client, boss):
    client.post("/admin/wms/productcategory/add/", {"name": "médical"})
    root = ProductCategory.objects.get()
    assert root.name == "MÉDICAL"
    client.post("/admin/wms/productcategory/add/", {"name": "gants nitrile", "parent": root.pk})
    child = ProductCategory.objects.get(parent=root)
    assert (child.name, child.level, child.path) == ("Gants Nitrile", 2, "MÉDICAL > Gants Nitrile")


def test_a_category_of_the_fourth_level_takes_no_child(client, boss):
    chain = category_chain(4)
    parents = client.get("/admin/wms/productcategory/add/").context["adminform"].form
    assert chain[3] not in parents.fields["parent"].queryset
    assert chain[2] in parents.fields["parent"].queryset
    response = client.post(
        "/admin/wms/productcategory/add/", {"name": "Trop bas", "parent": chain[3].pk}
    )
    assert response.status_code == 200
    assert ProductCategory.objects.count() == 4


def test_moving_a_branch_below_the_fourth_level_is_refused(client, boss):
    chain = category_chain(3)
    branch = category_chain(2, prefix="Branche")
    response = client.post(
        f"/admin/wms/productcategory/{branch[0].pk}/change/",
        {"name": branch[0].name, "parent": chain[2].pk},
    )
    assert response.status_code == 200
    assert "Au plus 4 niveaux de catégories : cette branche en compterait 5." in page_text(response)
    branch[0].refresh_from_db()
    assert branch[0].parent is None


def test_moving_a_branch_updates_the_levels_below_it(client, boss):
    target = category_chain(1)[0]
    branch = category_chain(2, prefix="Branche")
    response = client.post(
        f"/admin/wms/productcategory/{branch[0].pk}/change/",
        {"name": "Branche 1", "parent": target.pk},
    )
    assert response.status_code == 302, page_text(response)
    branch[1].refresh_from_db()
    assert branch[1].level == 3


def test_a_sibling_with_the_same_name_is_a_form_error(client, boss):
    ProductCategory.objects.create(name="MÉDICAL")
    response = client.post("/admin/wms/productcategory/add/", {"name": "medical"})
    assert response.status_code == 200
    assert "Une catégorie de ce nom existe déjà à cet endroit." in page_text(response)
    assert ProductCategory.objects.count() == 1


# --- contacts ------------------------------------------------------------------------------------


def contact_data(**overrides: object) -> dict[str, object]:
    return {
        "kind": "organisation",
        "name": "Croix Verte",
        "is_active": "on",
        **management_form("addresses"),
        **overrides,
    }


def test_a_contact_gets_its_asf_id_from_its_role_and_cannot_type_one(client, boss):
    response = client.post(
        "/admin/wms/contact/add/", contact_data(is_donor="on", asf_id="DON-9999")
    )
    assert response.status_code == 302, page_text(response)
    assert Contact.objects.get().asf_id == "DON-0001"


def test_contacts_filter_by_role(client, boss):
    donor = factories.ContactFactory(is_donor=True)
    factories.ContactFactory(is_carrier=True)
    response = client.get("/admin/wms/contact/", {"is_donor__exact": "1"})
    assert list(response.context["cl"].result_list) == [donor]


def test_the_default_address_is_chosen_in_the_inline(client, boss):
    data = contact_data(
        **management_form("addresses", total=2),
        **{
            "addresses-0-line1": "1 rue du Port",
            "addresses-0-city": "Roissy",
            "addresses-0-country": "France",
            "addresses-1-line1": "2 avenue des Pistes",
            "addresses-1-city": "Tremblay",
            "addresses-1-country": "France",
            "addresses-1-make_default": "on",
        },
    )
    response = client.post("/admin/wms/contact/add/", data)
    assert response.status_code == 302, page_text(response)
    default = ContactAddress.objects.get(default_marker=True)
    assert default.city == "Tremblay"


def test_two_default_addresses_are_refused(client, boss):
    data = contact_data(
        **management_form("addresses", total=2),
        **{
            f"addresses-{i}-{field}": value
            for i in (0, 1)
            for field, value in (("line1", f"{i} rue"), ("city", "Roissy"), ("make_default", "on"))
        },
    )
    response = client.post("/admin/wms/contact/add/", data)
    assert response.status_code == 200
    assert "Une seule adresse peut être l'adresse par défaut." in page_text(response)
    assert not Contact.objects.exists()


def test_deleting_an_organisation_keeps_its_members_with_a_note(client, boss):
    organisation = factories.ContactFactory(name="Hôpital Nord")
    member = factories.ContactFactory(name="Jeanne", kind="person", organisation=organisation)
    response = client.post(f"/admin/wms/contact/{organisation.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organisation is None
    assert member.notes.count("Ancienne organisation : Hôpital Nord") == 1


# --- locations -----------------------------------------------------------------------------------


def test_the_location_list_shows_the_qr_payload(client, boss):
    warehouse = factories.WarehouseFactory(name="Roissy", code="REC")
    factories.LocationFactory(warehouse=warehouse, zone="A", aisle="02", shelf="3")
    assert "LOC:REC:A-02-3" in page_text(client.get("/admin/wms/location/"))


def test_a_location_typed_in_lower_case_is_upper_cased_and_checked_for_duplicates(client, boss):
    warehouse = factories.WarehouseFactory(name="Roissy", code="REC")
    data = {"warehouse": warehouse.pk, "zone": "b", "aisle": "1", "shelf": "c", "is_active": "on"}
    assert client.post("/admin/wms/location/add/", data).status_code == 302
    assert Location.objects.get().code == "B-1-C"
    response = client.post("/admin/wms/location/add/", data)
    assert response.status_code == 200
    assert Location.objects.count() == 1


def test_a_rack_colour_must_be_a_hex_colour(client, boss):
    warehouse = factories.WarehouseFactory(name="Roissy", code="REC")
    data = {"warehouse": warehouse.pk, "zone": "a", "color": "bleu"}
    response = client.post("/admin/wms/rackcolor/add/", data)
    assert "Couleur au format #RRGGBB, par exemple #1E90FF." in page_text(response)
    data["color"] = "#1e90ff"
    assert client.post("/admin/wms/rackcolor/add/", data).status_code == 302


@pytest.mark.parametrize("term", ["b-02", "B-02-3", "LOC:REC:B-02-3"])
def test_a_location_is_found_by_its_code_or_its_qr_payload(client, boss, term):
    warehouse = factories.WarehouseFactory(name="Roissy", code="REC")
    wanted = factories.LocationFactory(warehouse=warehouse, zone="B", aisle="02", shelf="3")
    factories.LocationFactory(warehouse=warehouse, zone="B", aisle="03", shelf="3")
    response = client.get("/admin/wms/location/", {"q": term})
    assert list(response.context["cl"].result_list) == [wanted]
