"""Location, category and warehouse imports (S-LOCATIONS, S-CATALOG, S-IMPORT): the forms a
location or a category may be written in, the warehouses created on the way, the name rules, and
the refusals (depth limit, a warehouse name that belongs to another)."""

from __future__ import annotations

import pytest

from tests import factories
from wms.models import Location, ProductCategory, RackColor, Warehouse

from .table_import_support import errors, full_state, import_text

pytestmark = pytest.mark.django_db


# --- locations ----------------------------------------------------------------------------------


def test_a_location_may_be_one_cell_as_printed_or_as_its_qr_payload() -> None:
    result = import_text(
        "locations", "Emplacement;Notes\nLOC:REC:A-01-1;quai\nrec b-02-3;\nLOC:pha:c-1-a;\n"
    )
    assert (result.created, errors(result)) == (3, [])
    assert sorted(loc.qr_payload for loc in Location.objects.select_related("warehouse")) == [
        "LOC:PHA:C-1-A",
        "LOC:REC:A-01-1",
        "LOC:REC:B-02-3",
    ]
    assert Location.objects.get(zone="A").notes == "quai"


def test_a_missing_warehouse_is_created_and_an_existing_one_is_found_by_code_or_name() -> None:
    receiving = factories.WarehouseFactory(code="REC", name="Réception")
    result = import_text(
        "locations",
        "Entrepôt;Zone;Étagère;Bac\nréception;A;01;1\nREC;A;01;2\nANX;Z;1;1\n",
    )
    assert (result.created, errors(result)) == (3, [])
    assert receiving.locations.count() == 2
    assert Warehouse.objects.get(code="ANX").name == "ANX"


def test_a_blank_warehouse_means_the_receiving_one() -> None:
    factories.WarehouseFactory(code="STK", name="Stock")
    receiving = factories.WarehouseFactory(code="REC", name="Réception")
    result = import_text("locations", "Zone;Étagère;Bac\nA;01;1\n")
    assert errors(result) == []
    assert Location.objects.get().warehouse == receiving


def test_the_rack_colour_is_set_for_the_zone_of_the_warehouse() -> None:
    result = import_text(
        "locations",
        "Entrepôt;Zone;Étagère;Bac;Couleur du rack\n"
        "REC;A;01;1;1e90ff\nREC;A;02;1;\nPHA;A;01;1;#ff0000\n",
    )
    assert errors(result) == []
    assert sorted(RackColor.objects.values_list("warehouse__code", "zone", "color")) == [
        ("PHA", "A", "#FF0000"),
        ("REC", "A", "#1E90FF"),
    ]


# --- categories ---------------------------------------------------------------------------------


def test_a_category_may_be_a_path_levels_or_a_name_under_a_parent() -> None:
    result = import_text(
        "categories",
        "Catégorie;Nom;Catégorie parente;Catégorie niveau 1;Catégorie niveau 2\n"
        "médical > pansements;;;;\n"
        ";Stériles;Médical > Pansements;;\n"
        ";;;hygiène;savons\n",
    )
    assert (result.created, errors(result)) == (3, [])
    assert sorted((c.path, c.level) for c in ProductCategory.objects.all()) == [
        ("HYGIÈNE", 1),
        ("HYGIÈNE > Savons", 2),
        ("MÉDICAL", 1),
        ("MÉDICAL > Pansements", 2),
        ("MÉDICAL > Pansements > Stériles", 3),
    ]


def test_a_root_is_found_whatever_its_case_and_accents() -> None:
    ProductCategory.objects.create(name="MÉDICAL")
    result = import_text("categories", "Catégorie\nmedical\nMédical > Gants\n")
    assert (result.created, result.skipped, errors(result)) == (1, 1, [])
    assert [str(match) for match in result.matches] == ["ligne 2 : catégorie « MÉDICAL »"]
    assert ProductCategory.objects.filter(parent=None).count() == 1


def test_a_fifth_level_is_refused_in_every_form() -> None:
    before = full_state()
    result = import_text(
        "categories",
        "Catégorie;Nom;Catégorie parente\nA > B > C > D > E;;\n;E;A > B > C > D\n",
    )
    assert errors(result) == [
        (2, "Catégorie : « A > B > C > D > E » : 5 niveaux, 4 au plus."),
        (3, "« E » serait au niveau 5, 4 au plus."),
    ]
    assert full_state() == before
    result = import_text("categories", "Catégorie\nA > B > C > D\n")
    assert (result.created, errors(result)) == (1, [])
    assert ProductCategory.objects.get(name="D").level == 4


# --- warehouses ---------------------------------------------------------------------------------


def test_a_warehouse_is_matched_by_code_else_by_name() -> None:
    factories.WarehouseFactory(code="REC", name="Réception")
    result = import_text("warehouses", "Code;Nom\nrec;\n;RÉCEPTION\n")
    assert errors(result) == [(3, "REC figure déjà ligne 2.")]
    result = import_text("warehouses", "Nom\nRECEPTION\n")
    assert (result.skipped, [str(m) for m in result.matches]) == (
        1,
        ["ligne 2 : entrepôt REC « Réception »"],
    )


def test_a_name_that_belongs_to_another_warehouse_is_refused() -> None:
    factories.WarehouseFactory(code="REC", name="Réception")
    factories.WarehouseFactory(code="STK", name="Stock")
    before = full_state()
    result = import_text("warehouses", "Code;Nom\nNEW;stock\n")
    assert errors(result) == [(2, "le nom « stock » est déjà celui de l'entrepôt STK, pas de NEW.")]
    result = import_text("warehouses", "Code;Nom\nREC;Stock\n", update=True)
    assert errors(result) == [(2, "le nom « Stock » est déjà celui de l'entrepôt STK.")]
    assert full_state() == before
