"""Table imports (S-IMPORT, issue 10): every table, every format, through `import_file`.

The fixtures of tests/data/imports hold, for each table, the same good rows as CSV (`;` and `,`,
UTF-8 with and without BOM, UTF-16, cp1252), XLSX and XLS, with French headers (English in the
comma file) and French values; and bad rows of every kind, a blank line among them. Each table
must give the same records from its six files, a dry run must count what the import does and
write nothing, and a file with bad rows must report each one at its spreadsheet line and apply
nothing (or only the good rows with skip_errors)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tests import factories
from wms.imports.errors import ImportFileError
from wms.imports.tables import IMPORT_TABLES
from wms.models import Contact, Location, Product, RackColor, Warehouse

from .table_import_support import (
    BAD_FORMATS,
    DATA,
    FORMATS,
    TABLE_NAMES,
    errors,
    fixture_name,
    full_state,
    import_fixture,
    import_text,
    normalised,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def destinations() -> None:
    """The IATA codes the contact fixtures name (without correspondents: no extra contacts)."""
    factories.DestinationFactory(iata_code="TNR", city="Antananarivo", correspondent=None)
    factories.DestinationFactory(iata_code="DZA", city="Dzaoudzi", correspondent=None)


def staff(
    username: str, email: str, first: str, last: str, group: str = "Worker", active: bool = True
) -> tuple[Any, ...]:
    """A user as `normalised()` shows it: imported, so no usable password; Manager ⇒ staff."""
    return (username, email, first, last, active, group == "Manager", False, (group,), False)


# What each table's good files create, as `normalised()` shows it (the other keys stay empty).
EXPECTED: dict[str, dict[str, list[Any]]] = {
    "warehouses": {
        "warehouses": [
            ("ANX", "ANX"),  # no name: its code
            ("PHA", "Pharmacie Générale"),
            ("REC", "Réception"),
            ("STK", "Stock Général"),  # "stk" upper-cased
        ]
    },
    "locations": {
        "locations": [
            ("LOC:PHA:D-02-1", "Réserve", False),  # "pha d-02-1" as printed
            ("LOC:PHA:P-1-A", "Pharmacie Générale", True),
            ("LOC:REC:A-01-1", "Près du quai", True),
            ("LOC:REC:A-01-2", "", False),
            ("LOC:REC:B-02-3", "Étagère haute", True),
            ("LOC:REC:C-01-2", "", True),  # its QR payload
        ],
        "rack_colors": [("REC", "A", "#1E90FF"), ("REC", "B", "#FF8800")],
        # Named by the rows, created with their code as their name.
        "warehouses": [("PHA", "PHA"), ("REC", "REC")],
    },
    "categories": {
        "categories": [
            ("HYGIÈNE > Gants", 2),
            ("HYGIÈNE", 1),
            ("LOGISTIQUE > Cartons > Petits", 3),
            ("LOGISTIQUE > Cartons", 2),
            ("LOGISTIQUE", 1),
            ("MÉDICAL > Antalgiques > Comprimés > Enfants", 4),
            ("MÉDICAL > Antalgiques > Comprimés", 3),
            ("MÉDICAL > Antalgiques", 2),
            ("MÉDICAL > Pansements", 2),
            ("MÉDICAL", 1),
            ("PHARMACIE GÉNÉRALE", 1),
            ("ÉTAGÈRE", 1),
        ]
    },
    "contacts": {
        "contacts": [
            # kind, name, first, last, e-mail, phone, organisation, roles, destinations,
            # default address, asf_id, notes, active, needs_review
            (
                "organisation",
                "Air Cargo Océan",
                "",
                "",
                "",
                "",
                None,
                ("donor", "carrier"),
                (),
                None,
                "TRA-0042",  # kept as written
                "",
                True,
                False,
            ),
            (
                "organisation",
                "ONG Santé Sud",
                "",
                "",
                "ong@sante-sud.example",
                "",
                None,
                ("recipient",),
                (),
                ("12 avenue de l'Étagère", "13001", "Marseille", "France"),
                "DEST-0001",
                "",
                True,
                False,  # described by its own row after the members that created it
            ),
            (
                "organisation",
                "Pharmacie Générale",
                "",
                "",
                "contact@pharmacie.example",
                "01 23 45 67 89",
                None,
                ("donor",),
                (),
                ("1 rue de la Paix", "75002", "Paris", "France"),
                "DON-0001",
                "Dons réguliers",
                True,
                False,
            ),
            (
                "organisation",
                "Transports Générale",
                "",
                "",
                "",
                "",
                None,
                (),
                (),
                None,
                None,
                "",
                False,
                False,
            ),
            (
                "person",
                "Jean Dupont",
                "Jean",
                "Dupont",
                "jean.dupont@example.org",
                "",
                "ONG Santé Sud",
                ("shipper", "recipient"),
                ("DZA", "TNR"),
                None,
                "EXP-0001",
                "",
                True,
                False,
            ),
            (
                "person",
                "Élodie Martin",
                "Élodie",
                "Martin",
                "",
                "",
                "ONG Santé Sud",
                ("correspondent",),
                ("TNR",),
                None,
                "CORR-0001",
                "",
                True,
                False,
            ),
        ]
    },
    "users": {
        "users": [
            # username, e-mail, first, last, active, staff, superuser, groups, usable password
            staff("cmartin", "claire.martin@example.org", "Claire", "Martin", "Worker"),
            staff("emilie.leroy@example.org", "emilie.leroy@example.org", "Émilie", "Leroy"),
            staff("jdurand", "jean.durand@example.org", "Jean", "Durand", "Manager"),
            staff("pinactif", "pierre.inactif@example.org", "Pierre", "Lefèvre", active=False),
        ],
        # One set-password e-mail per new active user.
        "emails": [
            ("claire.martin@example.org",),
            ("emilie.leroy@example.org",),
            ("jean.durand@example.org",),
        ],
    },
    "products": {
        "products": [
            (
                "<généré>",  # no SKU in the file
                "Compresses Stériles 10x10",
                "",
                "MÉDICAL > Pansements",
                (),
                "96385074",
                "00000096385074",
                Decimal("0.95"),
                Decimal("0.0550"),
                13,  # 12,5 g rounded half-up
                False,
                False,
                None,
                "Étagère du bas",
            ),
            (
                "IMP-001",
                "Paracétamol 500mg",
                "BIOGARAN",
                "MÉDICAL > Antalgiques",
                ("pharmacie", "urgence"),
                "4006381333931",
                "04006381333931",
                Decimal("12.50"),
                Decimal("0.0550"),
                250,
                True,
                True,
                "LOC:REC:A-01-1",
                "Boîte de 16",
            ),
            (
                "IMP-002",
                "Gants Nitrile Taille M",
                "HARTMANN",
                "HYGIÈNE > Gants",
                ("EPI",),
                "036000291452",
                "00036000291452",
                Decimal("3.20"),
                Decimal("0.2000"),
                None,
                False,
                True,
                "LOC:REC:B-02-3",
                "",
            ),
        ],
        "lots": [("Paracétamol 500mg", 40, dt.date(2027, 12, 31), "L2301")],
        "categories": [
            ("HYGIÈNE > Gants", 2),
            ("HYGIÈNE", 1),
            ("MÉDICAL > Antalgiques", 2),
            ("MÉDICAL > Pansements", 2),
            ("MÉDICAL", 1),
        ],
        "tags": ["EPI", "pharmacie", "urgence"],
        "locations": [("LOC:REC:A-01-1", "", True), ("LOC:REC:B-02-3", "", True)],
        "rack_colors": [("REC", "A", "#1E90FF")],
        "warehouses": [("REC", "REC")],
    },
}
ROW_COUNTS = {"warehouses": 4, "locations": 6, "categories": 6, "contacts": 6, "users": 4}
ROW_COUNTS["products"] = 3


def expected_state(table: str) -> dict[str, list[Any]]:
    return {key: EXPECTED[table].get(key, []) for key in normalised()}


# --- good files ---------------------------------------------------------------------------------


def test_every_table_has_its_fixtures() -> None:
    assert set(TABLE_NAMES) == set(IMPORT_TABLES)
    for table in TABLE_NAMES:
        for file_format in FORMATS:
            assert (DATA / fixture_name(table, file_format)).is_file()
        for file_format in BAD_FORMATS:
            assert (DATA / f"{table}_bad.{file_format}").is_file()


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("table", TABLE_NAMES)
def test_every_format_of_a_table_imports_to_the_same_records(table: str, file_format: str) -> None:
    result = import_fixture(fixture_name(table, file_format))

    assert errors(result) == []
    assert (result.created, result.updated, result.skipped) == (ROW_COUNTS[table], 0, 0)
    assert result.committed and result.ignored_columns == []
    assert normalised() == expected_state(table)


def test_the_fixture_encodings_are_the_ones_their_names_say() -> None:
    semicolon = (DATA / "locations_semicolon_utf8.csv").read_bytes()
    assert not semicolon.startswith(b"\xef\xbb\xbf") and "Étagère".encode() in semicolon
    assert (DATA / "locations_comma_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert (DATA / "locations_utf16.csv").read_bytes().startswith(b"\xff\xfe")
    cp1252 = (DATA / "locations_cp1252.csv").read_bytes()
    assert "Étagère".encode("cp1252") in cp1252
    with pytest.raises(UnicodeDecodeError):
        cp1252.decode("utf-8")


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_dry_run_counts_what_the_import_does_and_writes_nothing(
    table: str, file_format: str
) -> None:
    before = full_state()

    dry = import_fixture(fixture_name(table, file_format), dry_run=True)

    assert full_state() == before  # the outbox (IntegrationEvent) included: no e-mail queued
    assert dry.dry_run and not dry.committed and errors(dry) == []
    real = import_fixture(fixture_name(table, file_format))
    assert (dry.created, dry.updated, dry.skipped) == (real.created, real.updated, real.skipped)
    assert real.committed and full_state() != before


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_importing_the_same_file_again_skips_every_row_and_reports_it_as_a_match(
    table: str,
) -> None:
    filename = fixture_name(table, "semicolon_utf8.csv")
    import_fixture(filename)
    before = full_state()

    again = import_fixture(filename)

    assert (again.created, again.updated, again.skipped) == (0, 0, ROW_COUNTS[table])
    assert [match.line for match in again.matches] == list(range(2, ROW_COUNTS[table] + 2))
    assert full_state() == before


def test_matches_say_which_record_each_row_names() -> None:
    import_fixture("products_semicolon_utf8.csv")
    again = import_fixture("products.xlsx", dry_run=True)
    assert str(again.matches[0]) == "ligne 2 : « Paracétamol 500mg » (SKU IMP-001)"
    import_fixture("warehouses.xls")
    again = import_fixture("warehouses.xls", dry_run=True)
    assert str(again.matches[1]) == "ligne 3 : entrepôt STK « Stock Général »"


# --- bad files ----------------------------------------------------------------------------------

# (line, part of the message): every bad row, at its line as a spreadsheet numbers it (header 1,
# the blank line 5 counted).
BAD_ROWS: dict[str, list[tuple[int, str]]] = {
    "warehouses": [
        (3, "REC figure déjà ligne 2"),
        (5, "Code : texte trop long (12 caractères, 10 au plus)"),
        (6, "le code est obligatoire pour créer un entrepôt"),
        (8, "le nom « stock général » est déjà celui de l'entrepôt STK, pas de XYZ"),
        (9, "Nom : texte trop long (121 caractères"),
    ],
    "locations": [
        (3, "emplacement incomplet"),
        (4, "Couleur du rack : « bleu » n'est pas une couleur"),
        (6, "Actif : « peut-être » : oui ou non attendu"),
        (7, "l'emplacement REC A-01-1 figure déjà ligne 2"),
        (8, "Notes : texte trop long (201 caractères, 200 au plus)"),
        (9, "Emplacement : « REC A-01 » n'est pas un emplacement"),
        (10, "emplacement donné deux fois"),
        (11, "trop long (20 caractères au plus)"),
    ],
    "categories": [
        (3, "5 niveaux, 4 au plus"),
        (4, "« Enfants » serait au niveau 5, 4 au plus"),
        (6, "un niveau est vide"),
        (7, "niveau de catégorie manquant"),
        (8, "le nom « Gants » n'est pas le dernier niveau de « Médical > Pansements »"),
        (9, "la catégorie « MÉDICAL > Pansements » figure déjà ligne 2"),
        (10, "Nom : texte trop long (121 caractères, 120 au plus)"),
        (11, "la catégorie est vide"),
    ],
    "contacts": [
        (3, "E-mail : « jean.dupont@ » n'est pas une adresse e-mail"),
        (4, "rôle « Pilote » inconnu"),
        (6, "destination(s) inconnue(s) : XXX"),
        (7, "Actif : « peut-être » : oui ou non attendu"),
        (8, "le nom est obligatoire pour créer un contact"),
        (9, "le contact « Pharmacie Générale » figure déjà ligne 2"),
        (10, "Téléphone : texte trop long (41 caractères, 40 au plus)"),
        (11, "adresse incomplète"),
        (12, "Type : « Entreprise » : Organisation ou Personne attendu"),
        (13, "rôle « Donateur » à la fois oui et non"),
    ],
    "users": [
        (3, "rôle « Chef » inconnu : Préparateur ou Responsable attendu"),
        (4, "E-mail : « pas-un-mail » n'est pas une adresse e-mail"),
        (6, "l'e-mail est obligatoire"),
        (7, "Identifiant : « jean durand » : lettres, chiffres"),
        (8, "l'utilisateur cmartin figure déjà ligne 2"),
        (9, "Actif : « peut-être » : oui ou non attendu"),
        (10, "Prénom : texte trop long (151 caractères, 150 au plus)"),
        (11, "l'e-mail claire.martin@example.org est déjà celui de l'utilisateur cmartin"),
    ],
    "products": [
        (3, "Date de péremption : « 31/02/2027 » n'est pas une date"),
        (4, "Poids (g) : « lourd » n'est pas un nombre"),
        (6, "Périssable : « peut-être » : oui ou non attendu"),
        (7, "EAN : « 4006381333932 » : chiffre de contrôle invalide"),
        (8, "le nom est obligatoire pour créer un produit"),
        (9, "le SKU IMP-001 figure déjà ligne 2"),
        (10, "Emplacement par défaut : « REC A-01 » n'est pas un emplacement"),
        (11, "Quantité : « -3 » : la valeur ne peut pas être négative"),
        (12, "un lot ou une date de péremption sans quantité"),
        (13, "Couleur du rack : « rouge » n'est pas une couleur"),
        (14, "Nom : texte trop long (201 caractères, 200 au plus)"),
    ],
}
# The good rows of each bad file (its first and last rows): what skip_errors applies.
GOOD_ROWS_OF_BAD_FILES: dict[str, list[str]] = {
    "warehouses": ["REC", "STK"],
    "locations": ["LOC:PHA:P-1-A", "LOC:REC:A-01-1"],
    "categories": ["HYGIÈNE > Gants", "MÉDICAL > Pansements"],
    "contacts": ["Jean Dupont", "Pharmacie Générale"],
    "users": ["cmartin", "jdurand"],
    "products": ["IMP-001", "IMP-002"],
}


def applied_rows(table: str) -> list[str]:
    """What names each record a good row of a bad file creates (parents left out)."""
    if table == "warehouses":
        return sorted(Warehouse.objects.values_list("code", flat=True))
    if table == "locations":
        return sorted(loc.qr_payload for loc in Location.objects.select_related("warehouse"))
    if table == "categories":
        return sorted(path for path, level in normalised()["categories"] if level > 1)
    if table == "contacts":
        return sorted(Contact.objects.values_list("name", flat=True))
    if table == "users":
        return sorted(user[0] for user in normalised()["users"])
    return sorted(Product.objects.values_list("sku", flat=True))


def assert_reports_every_bad_row(table: str, reported: list[tuple[int, str]]) -> None:
    expected = BAD_ROWS[table]
    assert [line for line, _message in reported] == [line for line, _part in expected], reported
    for (line, message), (_line, part) in zip(reported, expected, strict=True):
        assert part in message, (line, message)


@pytest.mark.parametrize("file_format", BAD_FORMATS)
@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_dry_run_reports_every_bad_row_at_its_line(table: str, file_format: str) -> None:
    before = full_state()

    result = import_fixture(f"{table}_bad.{file_format}", dry_run=True)

    assert_reports_every_bad_row(table, errors(result))
    assert result.created == 2 and not result.committed
    assert full_state() == before


@pytest.mark.parametrize("file_format", BAD_FORMATS)
@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_file_with_bad_rows_imports_nothing(table: str, file_format: str) -> None:
    before = full_state()

    result = import_fixture(f"{table}_bad.{file_format}")

    assert_reports_every_bad_row(table, errors(result))
    assert result.failed and not result.committed
    assert full_state() == before


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_skip_errors_applies_the_good_rows_and_reports_the_bad_ones(table: str) -> None:
    result = import_fixture(f"{table}_bad.xlsx", skip_errors=True)

    assert_reports_every_bad_row(table, errors(result))
    assert result.committed and not result.failed and result.created == 2
    assert applied_rows(table) == GOOD_ROWS_OF_BAD_FILES[table]


def test_a_bad_file_that_skip_errors_applied_queues_only_the_good_rows_emails() -> None:
    import_fixture("users_bad.csv", skip_errors=True)
    assert normalised()["emails"] == [("claire.martin@example.org",), ("jean.durand@example.org",)]


# --- whole-file refusals ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "header", "message"),
    [
        ("warehouses", "Adresse;Ville", "« Code » ou « Nom »"),
        ("locations", "Entrepôt;Notes", "« Emplacement » ou « Zone »"),
        ("categories", "Niveau", "« Catégorie » ou « Nom » ou « Catégorie niveau 1 »"),
        ("contacts", "Téléphone;Ville", "« Nom » ou « Nom de famille » ou « E-mail »"),
        ("users", "Prénom;Rôle", "« Identifiant » ou « E-mail »"),
        ("products", "Marque;Poids", "« Nom », « SKU » ou « EAN »"),
    ],
)
def test_a_file_whose_columns_name_no_record_is_refused_as_a_whole(
    table: str, header: str, message: str
) -> None:
    before = full_state()
    with pytest.raises(ImportFileError, match=message):
        import_text(table, f"{header}\nx;y\n")
    assert full_state() == before


@pytest.mark.parametrize("table", TABLE_NAMES)
def test_a_file_without_data_rows_is_refused(table: str) -> None:
    with pytest.raises(ImportFileError, match="aucune ligne de données"):
        import_text(table, "Nom;Code\n\n;\n")


# --- update -------------------------------------------------------------------------------------


def test_update_renames_a_warehouse_and_a_blank_name_keeps_it() -> None:
    import_fixture("warehouses.xlsx")
    result = import_text("warehouses", "Code;Nom\nREC;Réception Principale\nSTK;\n", update=True)
    assert (result.created, result.updated, errors(result)) == (0, 2, [])
    assert dict(Warehouse.objects.values_list("code", "name")) == {
        "ANX": "ANX",
        "PHA": "Pharmacie Générale",
        "REC": "Réception Principale",
        "STK": "Stock Général",
    }


def test_update_changes_a_location_and_blank_cells_keep_its_values() -> None:
    import_fixture("locations.xls")
    result = import_text(
        "locations",
        "Entrepôt;Zone;Étagère;Bac;Couleur du rack;Notes;Actif\n"
        "REC;A;01;1;;Quai Nord;non\n"
        "REC;B;02;3;#00aa00;;\n",
        update=True,
    )
    assert (result.created, result.updated, errors(result)) == (0, 2, [])
    first = Location.objects.get(warehouse__code="REC", zone="A", aisle="01", shelf="1")
    assert (first.notes, first.is_active) == ("Quai Nord", False)
    third = Location.objects.get(warehouse__code="REC", zone="B", aisle="02", shelf="3")
    assert (third.notes, third.is_active) == ("Étagère haute", True)
    assert dict(RackColor.objects.values_list("zone", "color")) == {"A": "#1E90FF", "B": "#00AA00"}


def test_update_of_categories_has_nothing_to_change() -> None:
    assert IMPORT_TABLES["categories"].updates is False
    import_fixture("categories_cp1252.csv")
    before = full_state()
    result = import_fixture("categories_utf16.csv", update=True)
    assert (result.created, result.updated, result.skipped) == (0, 0, 6)
    assert full_state() == before


def test_update_changes_a_contact_found_by_its_asf_id_and_blank_cells_keep_the_rest() -> None:
    import_fixture("contacts.xlsx")
    result = import_text(
        "contacts",
        "Identifiant ASF;Nom;Téléphone;Rôles;Notes\n"
        "tra-0042;Air Cargo Océan Express;;;Nouveau partenaire\n",
        update=True,
    )
    assert (result.created, result.updated, errors(result)) == (0, 1, [])
    contact = Contact.objects.get(asf_id="TRA-0042")
    assert (contact.name, contact.notes, contact.roles) == (
        "Air Cargo Océan Express",
        "Nouveau partenaire",
        ["donor", "carrier"],
    )
    assert [str(match) for match in result.matches] == [
        "ligne 2 : contact « Air Cargo Océan » (TRA-0042)"
    ]


def test_update_changes_a_user_and_blank_cells_keep_the_rest() -> None:
    import_fixture("users.xls")
    emails = normalised()["emails"]
    result = import_text(
        "users",
        "Identifiant;Prénom;Nom;Rôle;Actif\ncmartin;Claire-Marie;;Responsable;\n",
        update=True,
    )
    assert (result.created, result.updated, errors(result)) == (0, 1, [])
    [claire] = [user for user in normalised()["users"] if user[0] == "cmartin"]
    # Manager now, hence staff (the signal of S-ROLES); the blank last name kept.
    assert claire == staff(
        "cmartin", "claire.martin@example.org", "Claire-Marie", "Martin", "Manager"
    )
    assert normalised()["emails"] == emails  # an update sends nothing


def test_update_changes_a_product_and_blank_cells_keep_the_rest() -> None:
    import_fixture("products_comma_bom.csv")
    result = import_text(
        "products", "SKU;Nom;Prix HT;Notes;Périssable\nimp-001;;13,75;;non\n", update=True
    )
    assert (result.created, result.updated, errors(result)) == (0, 1, [])
    product = Product.objects.get(sku="IMP-001")
    assert (product.name, product.pu_ht, product.notes, product.perishable) == (
        "Paracétamol 500mg",
        Decimal("13.75"),
        "Boîte de 16",
        False,
    )
    assert product.lots.count() == 1  # no quantity column: nothing received again
