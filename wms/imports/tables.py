"""The tables a manager can import (S-IMPORT), one entry point for the scan screen, the admin and
the tests: `import_file(name, data, filename, …)`. Each table also offers a template to download
(CSV or XLSX): the headers the import reads, in French, and one example row."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User

from wms.exports.csv_export import ExportValue, safe_cell, write_csv

from .categories import CategoryImporter
from .contacts import ContactImporter
from .errors import ImportFileError
from .locations import LocationImporter
from .pipeline import ImportResult
from .products import import_products
from .readers import Table, read_table
from .table_import import TableImporter
from .users import import_users
from .warehouses import WarehouseImporter


@dataclass(frozen=True)
class ImportOptions:
    update: bool = False
    dry_run: bool = False
    skip_errors: bool = False
    actor: User | None = None


Runner = Callable[[Table, ImportOptions], ImportResult]


@dataclass(frozen=True)
class ImportTable:
    name: str
    label: str  # French, plural: "Emplacements"
    run: Runner
    template_header: tuple[str, ...]
    template_example: tuple[ExportValue, ...]
    # False where a row has nothing to update (categories): the screen hides "update" then.
    updates: bool = True

    def template_csv(self) -> bytes:
        return write_csv(self.template_header, [self.template_example])

    def template_xlsx(self) -> bytes:
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.title = self.label[:31]
        sheet.append(list(self.template_header))
        sheet.append([safe_cell(value) for value in self.template_example])
        buffer = io.BytesIO()
        workbook.save(buffer)
        return buffer.getvalue()


def _with(importer: type[TableImporter]) -> Runner:
    def run(table: Table, options: ImportOptions) -> ImportResult:
        return importer(update=options.update).run(
            table, dry_run=options.dry_run, skip_errors=options.skip_errors
        )

    return run


def _products(table: Table, options: ImportOptions) -> ImportResult:
    return import_products(
        table, update=options.update, dry_run=options.dry_run, skip_errors=options.skip_errors
    )


def _users(table: Table, options: ImportOptions) -> ImportResult:
    return import_users(
        table,
        update=options.update,
        dry_run=options.dry_run,
        skip_errors=options.skip_errors,
        actor=options.actor,
    )


IMPORT_TABLES: dict[str, ImportTable] = {
    table.name: table
    for table in (
        ImportTable(
            "products",
            "Produits",
            _products,
            (
                "SKU",
                "Nom",
                "Marque",
                "Catégorie",
                "Étiquettes",
                "EAN",
                "Poids (g)",
                "Volume (cm³)",
                "Périssable",
                "Emplacement par défaut",
                "Quantité",
                "Date de péremption",
                "Lot",
                "Notes",
            ),
            (
                "PAN-001",
                "Compresses stériles 10x10",
                "Euromedis",
                "MÉDICAL > Pansements",
                "urgence | soins",
                "3401234567890",
                120,
                350,
                "non",
                "REC A-01-1",
                40,
                "31/12/2027",
                "L2301",
                "",
            ),
        ),
        ImportTable(
            "locations",
            "Emplacements",
            _with(LocationImporter),
            ("Entrepôt", "Zone", "Étagère", "Bac", "Couleur du rack", "Notes", "Actif"),
            ("REC", "A", "01", "1", "#1E90FF", "près du quai", "oui"),
        ),
        ImportTable(
            "warehouses",
            "Entrepôts",
            _with(WarehouseImporter),
            ("Code", "Nom"),
            ("REC", "Réception"),
        ),
        ImportTable(
            "categories",
            "Catégories",
            _with(CategoryImporter),
            ("Catégorie",),
            ("MÉDICAL > Pansements",),
            updates=False,
        ),
        ImportTable(
            "contacts",
            "Contacts",
            _with(ContactImporter),
            (
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
                "Notes",
            ),
            (
                "Organisation",
                "Pharmacie du Centre",
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
            ),
        ),
        ImportTable(
            "users",
            "Utilisateurs",
            _users,
            ("Identifiant", "E-mail", "Prénom", "Nom", "Rôle", "Actif"),
            ("cmartin", "claire.martin@example.org", "Claire", "Martin", "Préparateur", "oui"),
        ),
    )
}


class UnknownImportTable(LookupError):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.message = f"Table inconnue « {name} » : {', '.join(IMPORT_TABLES)} attendu."


def get_import_table(name: str) -> ImportTable:
    try:
        return IMPORT_TABLES[name]
    except KeyError:
        raise UnknownImportTable(name) from None


def import_file(
    name: str,
    data: bytes,
    filename: str,
    *,
    update: bool = False,
    dry_run: bool = False,
    skip_errors: bool = False,
    actor: User | None = None,
) -> ImportResult:
    """Read and import one uploaded file; ImportFileError when the file as a whole is refused."""
    table_import = get_import_table(name)
    table = read_table(data, filename)
    if not table.rows:
        raise ImportFileError("Le fichier ne contient aucune ligne de données sous l'en-tête.")
    return table_import.run(table, ImportOptions(update, dry_run, skip_errors, actor))
