"""`manage.py normalize_wms_text` (S-IMPORT, runbook section 8): the name rules re-applied to rows
written around them (`QuerySet.update` bypasses `save()`, as raw SQL or an old import would)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from wms.management.commands.normalize_wms_text import save_changed
from wms.models import Location, Product, ProductCategory, RackColor, Warehouse
from wms.text import fold_key

pytestmark = pytest.mark.django_db

TABLES = (Warehouse, Location, RackColor, ProductCategory, Product)


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("normalize_wms_text", *args, stdout=out)
    return out.getvalue()


def rows() -> dict[str, list[dict[str, Any]]]:
    return {model.__name__: list(model.objects.order_by("pk").values()) for model in TABLES}


def product(name: str, **fields: Any) -> Product:
    """A product whose name is written as typed, bypassing save() (and its name_key)."""
    created = Product.objects.create(sku=f"SKU-{Product.objects.count()}", name="Provisoire")
    Product.objects.filter(pk=created.pk).update(name=name, **fields)
    created.refresh_from_db()
    return created


@pytest.fixture
def warehouse() -> Warehouse:
    return Warehouse.objects.create(name="Stock Roissy", code="ROI")


@pytest.fixture
def drifted(warehouse: Warehouse) -> dict[str, Any]:
    """Rows whose texts drifted from the rules, and rows already right."""
    medical = ProductCategory.objects.create(name="MÉDICAL")
    ProductCategory.objects.filter(pk=medical.pk).update(name="médical")
    pain = ProductCategory.objects.create(name="Antalgiques", parent=medical)
    ProductCategory.objects.filter(pk=pain.pk).update(name="antalgiques")
    hygiene = ProductCategory.objects.create(name="HYGIÈNE")
    location = Location.objects.create(warehouse=warehouse, zone="B", aisle="02", shelf="3")
    Location.objects.filter(pk=location.pk).update(zone="b", shelf=" 3 ")
    rack = RackColor.objects.create(warehouse=warehouse, zone="B", color="#43A047")
    RackColor.objects.filter(pk=rack.pk).update(zone="b")
    other = Warehouse.objects.create(name="Réception CDG", code="REC")
    Warehouse.objects.filter(pk=other.pk).update(code="rec")
    return {
        "paracetamol": product("paracétamol 500mg"),
        "ph_meter": product("pH-mètre"),
        "gel": product("gel hydro-alcoolique 100ml", brand="hygial"),
        "gloves": product("Gants Nitrile", brand="  protecta "),
        "medical": medical,
        "pain": pain,
        "hygiene": hygiene,
        "location": location,
        "rack": rack,
        "warehouse": other,
    }


def test_it_applies_the_rules_and_prints_the_rows_changed_per_table(drifted):
    out = run()

    for key in drifted:
        drifted[key].refresh_from_db()
    assert drifted["paracetamol"].name == "Paracétamol 500mg"
    assert drifted["ph_meter"].name == "pH-mètre"
    assert drifted["gel"].name == "Gel Hydro-Alcoolique 100ml"
    assert drifted["gel"].brand == "HYGIAL"
    assert drifted["gloves"].brand == "PROTECTA"
    assert drifted["medical"].name == "MÉDICAL"
    assert drifted["pain"].name == "Antalgiques"
    assert drifted["hygiene"].name == "HYGIÈNE"
    location = drifted["location"]
    assert (location.zone, location.aisle, location.shelf) == ("B", "02", "3")
    assert drifted["rack"].zone == "B"
    assert drifted["warehouse"].code == "REC"
    assert out.splitlines() == [
        "entrepôts: 1 corrigé",
        "emplacements: 1 corrigé",
        "couleurs de rack: 1 corrigée",
        "catégories: 2 corrigées",
        "produits: 3 corrigés",
    ]


def test_a_saved_row_gets_its_derived_keys_recomputed(drifted):
    assert drifted["gel"].name_key == fold_key("Provisoire")

    run()

    drifted["gel"].refresh_from_db()
    assert drifted["gel"].name_key == fold_key("Gel Hydro-Alcoolique 100ml")


def test_rows_already_right_are_not_saved(drifted):
    untouched = Product.objects.get(pk=drifted["ph_meter"].pk).updated_at

    run()

    assert Product.objects.get(pk=drifted["ph_meter"].pk).updated_at == untouched


def test_a_second_run_finds_nothing_to_correct(drifted):
    run()
    after_first = rows()

    out = run()

    assert rows() == after_first
    assert out.splitlines() == [
        "entrepôts: 0 corrigé",
        "emplacements: 0 corrigé",
        "couleurs de rack: 0 corrigée",
        "catégories: 0 corrigée",
        "produits: 0 corrigé",
    ]


def test_dry_run_prints_what_would_change_and_changes_nothing(drifted):
    before = rows()

    out = run("--dry-run")

    assert rows() == before
    paracetamol = drifted["paracetamol"]
    assert (
        f"produit #{paracetamol.pk} {paracetamol.sku} « paracétamol 500mg » : "
        "nom « paracétamol 500mg » → « Paracétamol 500mg »"
    ) in out
    assert f"catégorie #{drifted['medical'].pk} « médical » : nom « médical » → « MÉDICAL »" in out
    assert "produits: 3 à corriger" in out
    assert "pH-mètre" not in out  # nothing would change there
    assert out.splitlines()[0] == "Simulation (--dry-run) : rien n'est enregistré."


def test_two_locations_that_become_equal_are_reported_and_both_left_unchanged(warehouse):
    # "a 1" and "A1" may both exist (also under MariaDB's case-insensitive collation); both
    # normalise to "A1", which the unique constraint on (warehouse, zone, aisle, shelf) forbids.
    right = Location.objects.create(warehouse=warehouse, zone="A1", aisle="01", shelf="1")
    drifted = Location.objects.create(warehouse=warehouse, zone="Z", aisle="01", shelf="1")
    Location.objects.filter(pk=drifted.pk).update(zone="a 1")
    other = Location.objects.create(warehouse=warehouse, zone="C", aisle="01", shelf="1")
    Location.objects.filter(pk=other.pk).update(aisle="o1")
    before = rows()

    out = run()

    assert (
        f"emplacements: collision — emplacement #{right.pk} « ROI A1-01-1 » et "
        f"emplacement #{drifted.pk} « ROI a 1-01-1 » deviendraient identiques"
    ) in out
    assert "aucune des lignes n'est modifiée" in out
    assert Location.objects.get(pk=right.pk).zone == "A1"
    assert Location.objects.get(pk=drifted.pk).zone == "a 1"
    assert Location.objects.get(pk=other.pk).aisle == "O1"  # the rest of the table is done
    assert "emplacements: 1 corrigé" in out
    changed = rows()
    assert changed["Location"] != before["Location"]
    assert changed["Product"] == before["Product"]


def test_two_root_categories_differing_only_by_case_are_reported_and_left_unchanged():
    # The unique (parent, name_key) constraint keeps "GANTS" and "gants" apart only through
    # save(): a row renamed by update() keeps its old key until it is saved again.
    gloves = ProductCategory.objects.create(name="GANTS")
    renamed = ProductCategory.objects.create(name="MASQUES")
    ProductCategory.objects.filter(pk=renamed.pk).update(name="gants")
    before = rows()

    out = run()

    assert (
        f"catégories: collision — catégorie #{gloves.pk} « GANTS » et "
        f"catégorie #{renamed.pk} « gants » deviendraient identiques (« GANTS »)"
    ) in out
    assert rows() == before
    assert "catégories: 0 corrigée" in out


def test_a_collision_seen_only_by_the_database_is_reported_not_raised(warehouse):
    Location.objects.create(warehouse=warehouse, zone="A", aisle="01", shelf="1")
    clashing = Location.objects.create(warehouse=warehouse, zone="B", aisle="01", shelf="1")
    before = rows()

    # What the pre-check cannot see (a collation folding more than case, a concurrent insert)
    # ends in an IntegrityError; the savepoint keeps the transaction usable.
    assert save_changed(clashing, {"zone": "A", "aisle": "01", "shelf": "1"}) is False

    assert clashing.zone == "B"
    assert rows() == before
    assert Location.objects.filter(zone="A").count() == 1  # the connection still works


@pytest.mark.mysql
def test_on_mariadb_an_accent_only_collision_is_reported_through_the_savepoint(warehouse):
    # utf8mb4_general_ci holds "E1" and "É1" equal: only the database sees this collision.
    Location.objects.create(warehouse=warehouse, zone="É1", aisle="01", shelf="1")
    drifted = Location.objects.create(warehouse=warehouse, zone="Z", aisle="01", shelf="1")
    Location.objects.filter(pk=drifted.pk).update(zone="e 1")
    assert connection.vendor == "mysql"

    out = run()

    assert (
        f"emplacements: collision — emplacement #{drifted.pk} « ROI e 1-01-1 » heurte une ligne "
        "existante"
    ) in out
    assert Location.objects.get(pk=drifted.pk).zone == "e 1"
    assert "emplacements: 0 corrigé" in out
