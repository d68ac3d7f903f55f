"""Product import (S-IMPORT): `manage.py import_products` and wms.imports.products, on the
fixture files of tests/data (French and English headers, four encodings, CSV and XLSX)."""

from __future__ import annotations

import codecs
import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from tests.factories import LocationFactory, ProductFactory, WarehouseFactory
from wms.imports.errors import ImportFileError
from wms.imports.pipeline import ImportResult
from wms.imports.products import import_products
from wms.imports.readers import read_table
from wms.models import (
    Location,
    Product,
    ProductCategory,
    ProductLot,
    ProductTag,
    RackColor,
    StockMovement,
    Warehouse,
)

DATA = Path(__file__).resolve().parent.parent / "data"


def run(name: str | Path, *options: str) -> str:
    out = StringIO()
    path = name if isinstance(name, Path) else DATA / name
    call_command("import_products", str(path), *options, stdout=out)
    return out.getvalue()


def run_failing(name: str | Path, *options: str) -> tuple[str, str]:
    out = StringIO()
    path = name if isinstance(name, Path) else DATA / name
    with pytest.raises(CommandError) as excinfo:
        call_command("import_products", str(path), *options, stdout=out)
    return out.getvalue(), str(excinfo.value)


def import_text(text: str, **options: bool) -> ImportResult:
    return import_products(read_table(text.encode("utf-8"), "produits.csv"), **options)


def counts() -> dict[str, int]:
    return {
        "products": Product.objects.count(),
        "categories": ProductCategory.objects.count(),
        "tags": ProductTag.objects.count(),
        "warehouses": Warehouse.objects.count(),
        "locations": Location.objects.count(),
        "lots": ProductLot.objects.count(),
        "movements": StockMovement.objects.count(),
    }


NOTHING = dict.fromkeys(
    ["products", "categories", "tags", "warehouses", "locations", "lots", "movements"], 0
)


# --- the good files -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_french_csv_creates_every_row_with_its_values() -> None:
    assert (DATA / "products_ok.csv").read_bytes().startswith(codecs.BOM_UTF8)

    out = run("products_ok.csv")

    assert "créés: 4, mis à jour: 0, ignorés: 0, erreurs: 0" in out
    assert Product.objects.count() == 4
    first = Product.objects.get(sku="IMP-0001")
    assert first.name == "Paracétamol 500mg"
    assert first.brand == "BIOGARAN"
    assert first.pu_ht == Decimal("12.50")
    assert first.tva == Decimal("0.055")
    assert first.pu_ttc == Decimal("13.19")
    assert first.ean == "4006381333931"
    assert first.gtin == "04006381333931"
    assert first.weight_g == 250
    assert first.volume_cm3 == 84  # 10,5 × 4 × 2, computed by Product.save
    assert (first.perishable, first.quarantine_default, first.is_active) == (True, False, True)
    assert first.category is not None
    assert first.category.path == "MÉDICAL > Antalgiques > Comprimés"
    assert {tag.name for tag in first.tags.all()} == {"urgence", "pharmacie"}
    assert first.default_location is not None
    assert str(first.default_location) == "REC A-01-1"
    assert first.storage_conditions == "Au sec, à l'abri de la lumière"
    assert first.notes == "Boîte de 16"


@pytest.mark.django_db
def test_the_french_csv_reads_percentages_upc_codes_and_qr_payload_locations() -> None:
    run("products_ok.csv")

    gloves = Product.objects.get(sku="IMP-0002")
    assert gloves.tva == Decimal("0.2000")
    assert gloves.pu_ttc == Decimal("3.84")
    assert gloves.gtin == "00036000291452"
    assert gloves.quarantine_default is True
    assert {tag.name for tag in gloves.tags.all()} == {"pharmacie", "EPI"}
    assert gloves.default_location is not None
    assert gloves.default_location.qr_payload == "LOC:REC:B-02-3"
    # A tag named on two rows is one tag; a category typed without its accent is the same one.
    assert ProductTag.objects.count() == 3
    soap = Product.objects.get(sku="IMP-0004")
    assert soap.is_active is False
    assert gloves.category is not None and soap.category is not None
    assert soap.category == gloves.category.root()
    assert soap.category.name == "HYGIÈNE"


@pytest.mark.django_db
def test_a_blank_sku_is_generated_and_an_ean8_is_kept_as_entered() -> None:
    run("products_ok.csv")

    compresses = Product.objects.get(name="Compresses Stériles 10x10")
    assert compresses.sku.startswith(f"{settings.SKU_PREFIX}-")
    assert (compresses.ean, compresses.gtin) == ("96385074", "00000096385074")
    assert Warehouse.objects.get().code == "REC"
    assert Location.objects.count() == 2  # REC A-01-1 named twice, REC B-02-3


@pytest.mark.django_db
def test_a_cp1252_comma_separated_file_keeps_its_accents() -> None:
    raw = (DATA / "products_ok_cp1252.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")

    out = run("products_ok_cp1252.csv")

    assert "créés: 3, mis à jour: 0, ignorés: 0, erreurs: 0" in out
    cream = Product.objects.get(name="Crème Hydratante")
    assert cream.brand == "NIVÉA"
    assert cream.pu_ht == Decimal("2.75")
    assert cream.notes == "Offert par l'association Sœur Émilie"
    assert cream.category is not None
    assert cream.category.path == "HYGIÈNE > Soins Du Corps"
    milk = Product.objects.get(name="Lait Infantile 1er Âge")
    assert (milk.tva, milk.perishable) == (Decimal("0.055"), True)
    assert milk.notes == "Valeur estimée 20 €"


@pytest.mark.django_db
def test_a_utf16_file_with_english_headers_imports() -> None:
    assert (DATA / "products_utf16.csv").read_bytes().startswith(codecs.BOM_UTF16_LE)

    out = run("products_utf16.csv")

    assert "créés: 3, mis à jour: 0, ignorés: 0, erreurs: 0" in out
    serum = Product.objects.get(sku="UTF-0001")
    assert serum.name == "Sérum Physiologique 5ml"
    assert serum.pu_ht == Decimal("2.35")
    tablets = Product.objects.get(sku="UTF-0002")
    assert {tag.name for tag in tablets.tags.all()} == {"urgence", "eau"}
    assert tablets.tva == Decimal("0.2000")
    assert Product.objects.get(sku="UTF-0003").perishable is True


@pytest.mark.django_db
def test_an_xlsx_file_imports_typed_cells_and_receives_its_quantity() -> None:
    out = run("products_ok.xlsx")

    assert "créés: 3, mis à jour: 0, ignorés: 0, erreurs: 0" in out
    serum = Product.objects.get(sku="XLS-001")
    assert serum.gtin == "03400930000007"
    assert serum.pu_ttc == Decimal("2.48")  # 2,35 × 1,055 = 2,47925
    milk = Product.objects.get(sku="XLS-002")
    # The spreadsheet stored UPC 036000291452 as the number 36000291452.
    assert (milk.ean, milk.gtin) == ("036000291452", "00036000291452")
    assert milk.perishable is True
    assert milk.tva == Decimal("0.055")
    lot = ProductLot.objects.get(product=milk)
    assert (lot.quantity_on_hand, lot.expires_on) == (12, dt.date(2027, 3, 31))
    assert StockMovement.objects.filter(lot=lot).count() == 1
    blanket = Product.objects.get(sku="XLS-003")
    assert blanket.weight_g == 61  # 60,6 g rounded half-up
    assert blanket.default_location is None
    # Only the first sheet is read.
    assert not Product.objects.filter(name__icontains="second sheet").exists()


# --- the bad file, all or nothing ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_bad_file_imports_nothing_and_reports_every_bad_line() -> None:
    ProductFactory(sku="OLD-1")
    before = counts()

    out, error = run_failing("products_bad.csv")

    assert counts() == before
    lines = out.splitlines()
    assert [line.split(" : ")[0] for line in lines if line.startswith("ligne")] == [
        "ligne 3",
        "ligne 4",
        "ligne 6",
        "ligne 7",
    ]
    assert "ligne 3 : EAN : « 4006381333932 » : chiffre de contrôle invalide." in out
    assert "ligne 4 : Prix HT : « -3,00 » : la valeur ne peut pas être négative." in out
    assert "ligne 6 : le nom est obligatoire pour créer un produit." in out
    assert "ligne 7 : Catégorie : « A > B > C > D > E » : 5 niveaux, 4 au plus." in out
    assert "erreurs: 4" in out
    assert "rien n'a été importé" in error
    assert "--skip-errors" in error


@pytest.mark.django_db
def test_skip_errors_imports_the_good_rows_only() -> None:
    out = run("products_bad.csv", "--skip-errors")

    assert "créés: 3, mis à jour: 0, ignorés: 0, erreurs: 4" in out
    assert set(Product.objects.values_list("sku", flat=True)) == {"BAD-001", "BAD-004", "BAD-007"}
    # What the refused rows had created (the categories "Masques" and "A > B > …") went too.
    assert sorted(category.path for category in ProductCategory.objects.all()) == [
        "HYGIÈNE",
        "HYGIÈNE > Gants",
    ]


@pytest.mark.django_db
def test_a_dry_run_counts_every_row_but_leaves_nothing() -> None:
    out = run("products_ok.xlsx", "--dry-run")

    assert "créés: 3, mis à jour: 0, ignorés: 0, erreurs: 0" in out
    assert "(simulation : rien n'a été enregistré)" in out
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_dry_run_of_a_bad_file_reports_its_errors_and_fails() -> None:
    out, _error = run_failing("products_bad.csv", "--dry-run")

    assert "créés: 3, mis à jour: 0, ignorés: 0, erreurs: 4" in out
    assert "(simulation : rien n'a été enregistré)" in out
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_dry_run_with_skip_errors_succeeds_and_leaves_nothing() -> None:
    out = run("products_bad.csv", "--dry-run", "--skip-errors")

    assert "erreurs: 4" in out
    assert counts() == NOTHING


# --- existing products ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_existing_product_is_skipped_without_update() -> None:
    existing = ProductFactory(sku="IMP-0001", name="Ancien nom", pu_ht=Decimal("1.00"))

    out = run("products_ok.csv")

    assert "créés: 3, mis à jour: 0, ignorés: 1, erreurs: 0" in out
    existing.refresh_from_db()
    assert (existing.name, existing.pu_ht) == ("Ancien nom", Decimal("1.00"))
    assert not existing.tags.exists()


@pytest.mark.django_db
def test_update_changes_the_columns_of_the_file_and_keeps_the_others() -> None:
    existing = ProductFactory(
        sku="IMP-0001", name="Ancien nom", pu_ht=Decimal("1.00"), color="Rouge", barcode="X-1"
    )

    out = run("products_ok.csv", "--update")

    assert "créés: 3, mis à jour: 1, ignorés: 0, erreurs: 0" in out
    existing.refresh_from_db()
    assert existing.name == "Paracétamol 500mg"
    assert (existing.pu_ht, existing.pu_ttc) == (Decimal("12.50"), Decimal("13.19"))
    assert existing.category is not None
    assert existing.category.path == "MÉDICAL > Antalgiques > Comprimés"
    assert {tag.name for tag in existing.tags.all()} == {"urgence", "pharmacie"}
    assert (existing.color, existing.barcode) == ("Rouge", "X-1")  # not columns of the file
    assert Product.objects.count() == 4


@pytest.mark.django_db
def test_update_leaves_a_field_alone_when_its_cell_is_blank() -> None:
    existing = ProductFactory(sku="P-1", name="Gants", pu_ht=Decimal("5.00"), brand="ACME")

    result = import_text("SKU;Nom;Prix HT;Marque\nP-1;;;\n", update=True)

    assert (result.updated, result.errors) == (1, [])
    existing.refresh_from_db()
    assert (existing.name, existing.pu_ht, existing.brand) == ("Gants", Decimal("5.00"), "ACME")


@pytest.mark.django_db
def test_a_row_without_sku_matches_by_gtin_then_by_name() -> None:
    by_gtin = ProductFactory(name="Autre nom", ean="4006381333931")
    by_name = ProductFactory(name="Paracétamol 1g")

    result = import_text(
        "Nom;EAN;Prix HT\nStylo;04006381333931;1,00\nPARACETAMOL  1G;;2,00\n", update=True
    )

    assert (result.created, result.updated, result.errors) == (0, 2, [])
    by_gtin.refresh_from_db()
    by_name.refresh_from_db()
    assert (by_gtin.name, by_gtin.pu_ht) == ("Stylo", Decimal("1.00"))
    assert (by_name.name, by_name.pu_ht) == ("PARACETAMOL 1G", Decimal("2.00"))


@pytest.mark.django_db
def test_a_name_match_is_narrowed_by_brand() -> None:
    ProductFactory(name="Gants", brand="ACME")

    result = import_text("Nom;Marque\nGants;autre\nGants;acme\n")

    assert (result.created, result.skipped) == (1, 1)


@pytest.mark.django_db
def test_a_gtin_already_held_by_another_sku_is_refused() -> None:
    ProductFactory(sku="A-1", name="Masque", ean="4006381333931")
    ProductFactory(sku="B-1", name="Blouse")
    before = counts()

    result = import_text(
        "SKU;Nom;EAN\nC-1;Masque bis;4006381333931\nB-1;Blouse;4006381333931\n", update=True
    )

    messages = [str(error) for error in result.errors]
    assert messages == [
        "ligne 2 : le GTIN 4006381333931 désigne déjà « Masque » (SKU A-1), pas le SKU C-1 : "
        "corrigez le SKU ou videz sa cellule.",
        "ligne 3 : le GTIN 4006381333931 est déjà celui de « Masque » (SKU A-1).",
    ]
    assert counts() == before


@pytest.mark.django_db
def test_an_ambiguous_name_is_refused() -> None:
    ProductFactory(name="Gants", brand="ACME")
    ProductFactory(name="Gants", brand="OTHER")

    result = import_text("Nom\nGants\n")

    assert [error.message for error in result.errors] == [
        "plusieurs produits s'appellent « Gants » : précisez le SKU."
    ]


@pytest.mark.django_db
def test_two_rows_with_the_same_sku_are_an_error_not_a_silent_skip() -> None:
    result = import_text("SKU;Nom\nD-1;Gants\nD-1;Gants\n")

    assert [error.line for error in result.errors] == [3]


# --- other columns ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_category_levels_warehouse_columns_and_rack_colour() -> None:
    WarehouseFactory(code="MAIN", name="Entrepôt principal")

    result = import_text(
        "Nom;categorie_l1;categorie_l2;Entrepôt;Zone;Étagère;Bac;Couleur du rack\n"
        "Gants;hygiène;gants;entrepôt principal;b;02;3;1e90ff\n"
    )

    assert result.errors == []
    product = Product.objects.get()
    assert product.category is not None
    assert product.category.path == "HYGIÈNE > Gants"
    assert str(product.default_location) == "Entrepôt principal B-02-3"
    assert RackColor.objects.get().color == "#1E90FF"


@pytest.mark.django_db
def test_a_location_without_warehouse_lands_in_the_receiving_warehouse() -> None:
    WarehouseFactory(code="REC", name="Réception")

    import_text("Nom;Zone;Étagère;Bac\nGants;A;1;1\n")

    location = Product.objects.get().default_location
    assert location is not None and location.warehouse.code == "REC"


@pytest.mark.django_db
def test_row_level_mistakes_are_reported_together() -> None:
    result = import_text(
        "Nom;Catégorie;categorie_l1;Zone;Étagère;Bac;Emplacement;Couleur du rack;TVA;Poids\n"
        "Gants;A;B;A;1;;;rouge;150;beaucoup\n"
    )

    (error,) = result.errors
    assert str(error) == (
        "ligne 2 : TVA : « 150 » : taux invalide (de 0 à 99,99 %). ; "
        "Poids : « beaucoup » n'est pas un nombre. ; "
        "catégorie donnée deux fois (chemin et niveaux) : gardez l'une des formes. ; "
        "emplacement incomplet : zone, étagère et bac sont nécessaires. ; "
        "Couleur du rack : « rouge » n'est pas une couleur (#RRGGBB attendu)."
    )
    assert counts() == NOTHING


@pytest.mark.django_db
def test_each_kind_of_row_mistake_has_its_message() -> None:
    ProductFactory(name="Double A", ean="4006381333931", default_location=None)
    ProductFactory(name="Double B", ean="04006381333931", default_location=None)

    result = import_text(
        "Nom;EAN;categorie_l1;categorie_l3;Emplacement;Zone;Étagère;Bac;Couleur du rack\n"
        "Gants;;A;C;;;;;\n"
        "Gants;;;;REC A-1-1;B;1;1;\n"
        "Gants;4006381333931;;;;;;;\n"
        "Gants;;;;;;;;#FF0000\n"
        "Gants;;;;REC ABCDEFGHIJKLMNOPQRSTUVWXYZ-1-1;;;;\n"
        "Gants;;;;;A;1;1;\n",
        skip_errors=True,
    )

    assert [str(error) for error in result.errors] == [
        "ligne 2 : niveau de catégorie manquant avant un niveau renseigné.",
        "ligne 3 : emplacement donné deux fois : « Emplacement » et entrepôt / zone / étagère / "
        "bac. Gardez l'une des formes.",
        "ligne 4 : plusieurs produits ont le GTIN 4006381333931 : précisez le SKU.",
        "ligne 5 : couleur de rack sans emplacement.",
        "ligne 6 : Zone « ABCDEFGHIJKLMNOPQRSTUVWXYZ » trop long (20 caractères au plus).",
        "ligne 7 : aucun entrepôt n'existe encore : indiquez son code.",
    ]
    assert Product.objects.count() == 2
    assert not Warehouse.objects.exists()


@pytest.mark.django_db
def test_a_quantity_without_any_location_is_a_row_error() -> None:
    result = import_text("Nom;Quantité\nGants;5\n")

    assert [str(error) for error in result.errors] == [
        "ligne 2 : Aucun emplacement pour « Gants » : choisissez-en un."
    ]
    assert counts() == NOTHING


@pytest.mark.django_db
def test_a_lot_without_quantity_is_a_row_error() -> None:
    result = import_text("Nom;Lot\nGants;L-12\n")

    assert [error.message for error in result.errors] == [
        "un lot ou une date de péremption sans quantité à recevoir."
    ]


@pytest.mark.django_db
def test_a_quantity_is_received_at_the_products_default_location() -> None:
    location = LocationFactory()
    ProductFactory(sku="Q-1", name="Gants", default_location=location)

    result = import_text("SKU;Quantité;Lot\nQ-1;7;L-1\n", update=True)

    assert result.updated == 1
    lot = ProductLot.objects.get()
    assert (lot.quantity_on_hand, lot.location, lot.lot_code) == (7, location, "L-1")


# --- the command's file errors -------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_extension_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "produits.pdf"
    path.write_bytes(b"%PDF-1.4")

    _out, error = run_failing(path)

    assert error == "Format de fichier non pris en charge (« .pdf ») : CSV, XLSX ou XLS attendu."


@pytest.mark.django_db
def test_a_missing_file_is_a_command_error(tmp_path: Path) -> None:
    _out, error = run_failing(tmp_path / "absent.csv")

    assert error.endswith("absent.csv » : fichier introuvable.")


@pytest.mark.django_db
def test_a_corrupt_xlsx_is_a_command_error(tmp_path: Path) -> None:
    path = tmp_path / "produits.xlsx"
    path.write_bytes(b"not a zip file")

    _out, error = run_failing(path)

    assert error == "Fichier XLSX illisible : enregistrez-le de nouveau depuis le tableur."


@pytest.mark.django_db
def test_a_file_without_product_columns_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "produits.csv"
    path.write_text("Couleur;Poids\nrouge;12\n", encoding="utf-8")

    _out, error = run_failing(path)

    assert "il faut au moins « Nom », « SKU » ou « EAN »" in error


@pytest.mark.django_db
def test_two_headers_for_the_same_field_are_refused() -> None:
    with pytest.raises(ImportFileError) as excinfo:
        import_text("Nom;Désignation\nGants;Gants\n")

    assert excinfo.value.message == (
        "Les colonnes « Nom » et « Désignation » désignent la même donnée (Nom) : gardez-en une."
    )


@pytest.mark.django_db
def test_unknown_columns_are_listed_and_ignored(tmp_path: Path) -> None:
    path = tmp_path / "produits.csv"
    path.write_text("Nom;Fournisseur;Commentaire interne\nGants;X;Y\n", encoding="utf-8")

    out = run(path)

    assert "colonnes ignorées : Fournisseur, Commentaire interne" in out
    assert "créés: 1" in out


@pytest.mark.django_db
def test_a_sku_twice_in_one_file_is_an_error_and_case_does_not_matter(tmp_path):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from wms.models import Product

    path = tmp_path / "dup.csv"
    path.write_text("SKU;Nom\nDS-1;aiguilles 21G\nds-1;seringues 5ml\n", encoding="utf-8")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("import_products", str(path), stdout=out)
    assert "ligne 3 : le SKU ds-1 figure déjà ligne 2." in out.getvalue()
    assert Product.objects.count() == 0
    single = tmp_path / "one.csv"
    single.write_text("SKU;Nom\nRV-001;gants\n", encoding="utf-8")
    call_command("import_products", str(single), stdout=StringIO())
    single.write_text("SKU;Nom\nrv-001;gants nitrile\n", encoding="utf-8")
    out = StringIO()
    call_command("import_products", str(single), "--update", stdout=out)
    assert "mis à jour: 1" in out.getvalue()
    assert list(Product.objects.values_list("sku", "name")) == [("RV-001", "Gants Nitrile")]
