"""Developer tool, NOT run by the tests: writes the import fixtures of this folder.

Every table of S-IMPORT (products, locations, warehouses, categories, contacts, users) gets the
same good rows in six files, so that a test can check that each format gives the same data:

    <table>_semicolon_utf8.csv  French headers, `;`, UTF-8 without BOM
    <table>_comma_bom.csv       English headers, `,`, UTF-8 with BOM
    <table>_utf16.csv           French headers, `;`, UTF-16 (little-endian, with BOM)
    <table>_cp1252.csv          French headers, `;`, cp1252 (French Excel's "CSV (séparateur: ;)")
    <table>.xlsx                French headers, typed cells (numbers, booleans, dates)
    <table>.xls                 French headers, typed cells (Excel 97-2003)

and a file of bad rows, `<table>_bad.csv` / `.xlsx` / `.xls` (same rows, a blank line included,
so that the line numbers of the errors are the same in the three), plus `users_password.csv`
(a password column, refused as a whole).

Writing XLS needs xlwt, which is not a project dependency. Run from the repository root:

    python3 -m venv /tmp/xlwtvenv && /tmp/xlwtvenv/bin/pip install xlwt openpyxl
    /tmp/xlwtvenv/bin/python tests/data/imports/make_fixtures.py

then commit the generated files with this script. The expected results live in
tests/wms/test_table_imports.py: change both together.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BLANK = None  # a blank line in a bad file

# A cell is text, a number, a boolean, a date or None (empty). CSV files write numbers with a
# decimal comma, booleans as oui/non and dates as JJ/MM/AAAA, as French Excel would.
Row = list[Any]

TABLES: dict[str, dict[str, Any]] = {
    "warehouses": {
        "fr": ["Code", "Nom"],
        "en": ["Warehouse code", "Name"],
        "rows": [
            ["REC", "Réception"],
            ["stk", "Stock Général"],
            ["PHA", "Pharmacie Générale"],
            ["ANX", ""],
        ],
        "bad_header": ["Code", "Nom"],
        "bad": [
            ["REC", "Réception"],  # 2 good
            ["REC", "Réception"],  # 3 twice
            BLANK,  # 4
            ["TROPLONGCODE", "Trop Long"],  # 5 code too long
            ["", "Entrepôt Sans Code"],  # 6 no code for a new warehouse
            ["STK", "Stock Général"],  # 7 good
            ["XYZ", "stock général"],  # 8 name of STK
            ["LNG", "N" * 121],  # 9 name too long
        ],
    },
    "locations": {
        "fr": [
            "Entrepôt",
            "Zone",
            "Étagère",
            "Bac",
            "Emplacement",
            "Couleur du rack",
            "Notes",
            "Actif",
        ],
        "en": ["Warehouse", "Zone", "Aisle", "Bin", "Location", "Rack colour", "Notes", "Active"],
        "rows": [
            ["REC", "A", "01", "1", "", "#1e90ff", "Près du quai", True],
            ["REC", "a", "01", "2", "", "", "", False],
            ["REC", "B", "02", "3", "", "FF8800", "Étagère haute", None],
            ["PHA", "P", 1, "A", "", "", "Pharmacie Générale", True],
            ["", "", "", "", "LOC:REC:C-01-2", "", "", None],
            ["", "", "", "", "pha d-02-1", "", "Réserve", False],
        ],
        "bad_header": [
            "Entrepôt",
            "Zone",
            "Étagère",
            "Bac",
            "Emplacement",
            "Couleur du rack",
            "Notes",
            "Actif",
        ],
        "bad": [
            ["REC", "A", "01", "1", "", "", "", True],  # 2 good
            ["REC", "A", "01", "", "", "", "", None],  # 3 no bin
            ["REC", "B", "01", "1", "", "bleu", "", None],  # 4 bad colour
            BLANK,  # 5
            ["REC", "B", "01", "2", "", "", "", "peut-être"],  # 6 bad boolean
            ["REC", "A", "01", "1", "", "", "", True],  # 7 twice
            ["REC", "C", "01", "1", "", "", "x" * 201, None],  # 8 notes too long
            ["", "", "", "", "REC A-01", "", "", None],  # 9 not a location
            ["REC", "D", "01", "1", "REC D-01-1", "", "", None],  # 10 both forms
            ["REC", "Z" * 21, "01", "1", "", "", "", None],  # 11 zone too long
            ["PHA", "P", "1", "A", "", "", "", None],  # 12 good
        ],
    },
    "categories": {
        "fr": [
            "Catégorie",
            "Nom",
            "Catégorie parente",
            "Catégorie niveau 1",
            "Catégorie niveau 2",
            "Catégorie niveau 3",
        ],
        "en": [
            "Category path",
            "Name",
            "Parent category",
            "Category 1",
            "Category 2",
            "Category 3",
        ],
        "rows": [
            ["médical > pansements", "", "", "", "", ""],
            ["Médical > Antalgiques > Comprimés > Enfants", "Enfants", "", "", "", ""],
            ["", "Gants", "Hygiène", "", "", ""],
            ["", "", "", "logistique", "cartons", "petits"],
            ["Pharmacie Générale", "", "", "", "", ""],
            ["", "Étagère", "", "", "", ""],
        ],
        "bad_header": [
            "Catégorie",
            "Nom",
            "Catégorie parente",
            "Catégorie niveau 1",
            "Catégorie niveau 2",
            "Catégorie niveau 3",
            "Niveau",
        ],
        "bad": [
            ["Médical > Pansements", "", "", "", "", "", ""],  # 2 good
            ["A > B > C > D > E", "", "", "", "", "", ""],  # 3 five levels
            [
                "",
                "Enfants",
                "Médical > Antalgiques > Comprimés > Bébés",
                "",
                "",
                "",
                "",
            ],  # 4 level 5
            BLANK,  # 5
            ["Médical >  > Gants", "", "", "", "", "", ""],  # 6 empty level
            ["", "", "", "Logistique", "", "Petits", ""],  # 7 level 2 missing
            ["Médical > Pansements", "Gants", "", "", "", "", ""],  # 8 name is not the last level
            ["médical > pansements", "", "", "", "", "", ""],  # 9 twice
            ["", "N" * 121, "", "", "", "", ""],  # 10 name too long
            ["", "", "", "", "", "", 2],  # 11 no category at all
            ["", "Gants", "Hygiène", "", "", "", ""],  # 12 good
        ],
    },
    "contacts": {
        "fr": [
            "Type",
            "Nom",
            "Prénom",
            "Nom de famille",
            "E-mail",
            "Téléphone",
            "Organisation",
            "Rôles",
            "Destinations",
            "Adresse",
            "Code postal",
            "Ville",
            "Pays",
            "Identifiant ASF",
            "Notes",
            "Actif",
        ],
        "en": [
            "Kind",
            "Name",
            "First name",
            "Last name",
            "Email",
            "Phone",
            "Organization",
            "Roles",
            "Destinations",
            "Address",
            "Postal code",
            "City",
            "Country",
            "ASF id",
            "Notes",
            "Active",
        ],
        "rows": [
            [
                "Organisation",
                "Pharmacie Générale",
                "",
                "",
                "contact@pharmacie.example",
                "01 23 45 67 89",
                "",
                "Donateur",
                "",
                "1 rue de la Paix",
                "75002",
                "Paris",
                "France",
                "",
                "Dons réguliers",
                True,
            ],
            [
                "Personne",
                "",
                "Jean",
                "Dupont",
                "Jean.Dupont@Example.org",
                "",
                "ONG Santé Sud",
                "Expéditeur | Destinataire",
                "TNR | dza",
                "",
                "",
                "",
                "",
                "",
                "",
                None,
            ],
            [
                "Organisation",
                "Air Cargo Océan",
                "",
                "",
                "",
                "",
                "",
                "Donateur | Transporteur",
                "",
                "",
                "",
                "",
                "",
                "TRA-0042",
                "",
                True,
            ],
            [
                "personne",
                "Élodie Martin",
                "Élodie",
                "Martin",
                "",
                "",
                "ONG Santé Sud",
                "Correspondant",
                "TNR",
                "",
                "",
                "",
                "",
                "",
                "",
                None,
            ],
            # The organisation the two rows above created, described after them (as an export
            # sorted by name may list it): the row completes it.
            [
                "Organisation",
                "ONG Santé Sud",
                "",
                "",
                "ong@sante-sud.example",
                "",
                "",
                "Destinataire",
                "",
                "12 avenue de l'Étagère",
                13001,
                "Marseille",
                "France",
                "",
                "",
                True,
            ],
            [
                "Organisation",
                "Transports Générale",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                "",
                False,
            ],
        ],
        "bad_header": [
            "Type",
            "Nom",
            "E-mail",
            "Téléphone",
            "Donateur",
            "Rôles",
            "Destinations",
            "Adresse",
            "Ville",
            "Actif",
        ],
        "bad": [
            ["Organisation", "Pharmacie Générale", "", "", "", "Donateur", "", "", "", ""],  # 2
            ["Personne", "Jean Dupont", "jean.dupont@", "", "", "", "", "", "", ""],  # 3
            ["Organisation", "Air Cargo", "", "", "", "Donateur | Pilote", "", "", "", ""],  # 4
            BLANK,  # 5
            ["Organisation", "ONG Sud", "", "", "", "", "TNR | XXX", "", "", ""],  # 6
            ["Organisation", "ONG Nord", "", "", "", "", "", "", "", "peut-être"],  # 7
            ["", "", "sans.nom@example.org", "", "", "", "", "", "", ""],  # 8 no name
            ["Organisation", "Pharmacie Générale", "", "", "", "Donateur", "", "", "", ""],  # 9
            ["Organisation", "Longue Ligne", "", "0" * 41, "", "", "", "", "", ""],  # 10
            ["Organisation", "Sans Ville", "", "", "", "", "", "1 rue X", "", ""],  # 11
            ["Entreprise", "Société X", "", "", "", "", "", "", "", ""],  # 12 bad kind
            ["Organisation", "Don Oui Non", "", "", "non", "Donateur", "", "", "", ""],  # 13
            ["Personne", "Jean Dupont", "", "", "", "Destinataire", "TNR", "", "", "oui"],  # 14
        ],
    },
    "users": {
        "fr": ["Identifiant", "E-mail", "Prénom", "Nom", "Rôle", "Actif"],
        "en": ["Username", "Email", "First name", "Last name", "Role", "Active"],
        "rows": [
            ["cmartin", "claire.martin@example.org", "Claire", "Martin", "Préparateur", True],
            ["jdurand", "Jean.Durand@Example.org", "Jean", "Durand", "Responsable", True],
            ["", "emilie.leroy@example.org", "Émilie", "Leroy", "Bénévole", None],
            ["pinactif", "pierre.inactif@example.org", "Pierre", "Lefèvre", "magasinier", False],
        ],
        "bad_header": ["Identifiant", "E-mail", "Prénom", "Nom", "Rôle", "Actif"],
        "bad": [
            ["cmartin", "claire.martin@example.org", "Claire", "Martin", "Préparateur", "oui"],  # 2
            ["chef", "chef@example.org", "", "", "Chef", ""],  # 3 unknown role
            ["nomail", "pas-un-mail", "", "", "", ""],  # 4 bad e-mail
            BLANK,  # 5
            ["sansmail", "", "Sans", "Mail", "Préparateur", ""],  # 6 no e-mail
            ["jean durand", "jd@example.org", "", "", "", ""],  # 7 bad username
            ["cmartin", "claire.martin@example.org", "Claire", "Martin", "Préparateur", "oui"],  # 8
            ["actif", "actif@example.org", "", "", "", "peut-être"],  # 9 bad boolean
            ["long", "long@example.org", "P" * 151, "", "", ""],  # 10 too long
            ["autre", "claire.martin@example.org", "", "", "", ""],  # 11 e-mail of cmartin
            ["jdurand", "jean.durand@example.org", "Jean", "Durand", "Responsable", "oui"],  # 12
        ],
    },
    "products": {
        "fr": [
            "SKU",
            "Nom",
            "Marque",
            "Catégorie",
            "Étiquettes",
            "EAN",
            "Prix HT",
            "TVA",
            "Poids (g)",
            "Périssable",
            "Actif",
            "Emplacement par défaut",
            "Couleur du rack",
            "Quantité",
            "Date de péremption",
            "Lot",
            "Notes",
        ],
        "en": [
            "SKU",
            "Product name",
            "Brand",
            "Category path",
            "Tags",
            "EAN",
            "Unit price",
            "VAT",
            "Weight",
            "Perishable",
            "Active",
            "Location",
            "Rack colour",
            "Quantity",
            "Expiry date",
            "Lot number",
            "Notes",
        ],
        "rows": [
            [
                "IMP-001",
                "paracétamol 500mg",
                "biogaran",
                "médical > antalgiques",
                "urgence | pharmacie",
                "4006381333931",
                12.5,
                5.5,
                250,
                True,
                True,
                "REC A-01-1",
                "#1e90ff",
                40,
                dt.date(2027, 12, 31),
                "L2301",
                "Boîte de 16",
            ],
            [
                "IMP-002",
                "gants nitrile taille M",
                "hartmann",
                "Hygiène > gants",
                "EPI",
                "036000291452",
                3.2,
                "20 %",
                None,
                False,
                None,
                "LOC:REC:B-02-3",
                "",
                None,
                None,
                "",
                "",
            ],
            [
                "",
                "Compresses Stériles 10x10",
                "",
                "Médical > Pansements",
                "",
                "96385074",
                0.95,
                5.5,
                12.5,
                None,
                False,
                "",
                "",
                None,
                None,
                "",
                "Étagère du bas",
            ],
        ],
        "bad_header": [
            "SKU",
            "Nom",
            "EAN",
            "Poids (g)",
            "Périssable",
            "Emplacement par défaut",
            "Couleur du rack",
            "Quantité",
            "Date de péremption",
            "Lot",
        ],
        "bad": [
            ["IMP-001", "Paracétamol", "", "", "", "", "", "", "", ""],  # 2 good
            ["IMP-003", "Gaze", "", "", "", "", "", 5, "31/02/2027", ""],  # 3 bad date
            ["IMP-004", "Coton", "", "lourd", "", "", "", "", "", ""],  # 4 bad number
            BLANK,  # 5
            ["IMP-005", "Sérum", "", "", "peut-être", "", "", "", "", ""],  # 6 bad boolean
            ["IMP-006", "Masque", "4006381333932", "", "", "", "", "", "", ""],  # 7 check digit
            ["IMP-404", "", "", "", "", "", "", "", "", ""],  # 8 no name
            ["IMP-001", "Paracétamol", "", "", "", "", "", "", "", ""],  # 9 twice
            ["IMP-007", "Attelle", "", "", "", "REC A-01", "", "", "", ""],  # 10 location
            ["IMP-008", "Bandes", "", "", "", "REC A-01-1", "", -3, "", ""],  # 11 negative
            ["IMP-009", "Gel", "", "", "", "", "", "", "", "L1"],  # 12 lot without quantity
            ["IMP-010", "Sparadrap", "", "", "", "REC A-01-1", "rouge", "", "", ""],  # 13
            ["IMP-011", "N" * 201, "", "", "", "", "", "", "", ""],  # 14 name too long
            ["IMP-002", "Gants", "", "", "", "", "", "", "", ""],  # 15 good
        ],
    },
}


def csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return str(value).replace(".", ",")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def write_csv(header: list[str], rows: list[Row | None], delimiter: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([] if row is None else [csv_text(value) for value in row])
    return buffer.getvalue()


def write_xlsx(path: Path, header: list[str], rows: list[Row | None]) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Import"
    sheet.append(header)
    for row in rows:
        # A blank row: append() of nothing still moves down one line, as a user leaving one empty.
        sheet.append([] if row is None else [None if value == "" else value for value in row])
    workbook.save(path)


def write_xls(path: Path, header: list[str], rows: list[Row | None]) -> None:
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    sheet = workbook.add_sheet("Import")
    dates = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for column, name in enumerate(header):
        sheet.write(0, column, name)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row or []):
            if value is None or value == "":
                continue
            if isinstance(value, dt.date):
                sheet.write(index, column, value, dates)
            else:
                sheet.write(index, column, value)
    workbook.save(str(path))


def main() -> None:
    for name, table in TABLES.items():
        rows, fr, en = table["rows"], table["fr"], table["en"]
        files = {
            f"{name}_semicolon_utf8.csv": write_csv(fr, rows, ";").encode("utf-8"),
            f"{name}_comma_bom.csv": write_csv(en, rows, ",").encode("utf-8-sig"),
            f"{name}_utf16.csv": write_csv(fr, rows, ";").encode("utf-16"),
            f"{name}_cp1252.csv": write_csv(fr, rows, ";").encode("cp1252"),
            f"{name}_bad.csv": write_csv(table["bad_header"], table["bad"], ";").encode("utf-8"),
        }
        for filename, data in files.items():
            (HERE / filename).write_bytes(data)
        write_xlsx(HERE / f"{name}.xlsx", fr, rows)
        write_xls(HERE / f"{name}.xls", fr, rows)
        write_xlsx(HERE / f"{name}_bad.xlsx", table["bad_header"], table["bad"])
        write_xls(HERE / f"{name}_bad.xls", table["bad_header"], table["bad"])
    users = TABLES["users"]
    password_header = [*users["fr"], "Mot de passe"]
    password_rows = [[*row, "secret123"] for row in users["rows"][:1]]
    (HERE / "users_password.csv").write_bytes(
        write_csv(password_header, password_rows, ";").encode("utf-8")
    )


if __name__ == "__main__":
    main()
