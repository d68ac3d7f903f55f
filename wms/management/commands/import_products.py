"""`manage.py import_products PATH [--update] [--dry-run] [--skip-errors]` (S-IMPORT)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wms.imports.errors import ImportFileError
from wms.imports.products import import_products_file


class Command(BaseCommand):
    help = (
        "Importe des produits depuis un fichier CSV, XLSX ou XLS (en-têtes français ou anglais). "
        "Tout ou rien : une ligne en erreur annule l'import, sauf avec --skip-errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="fichier .csv, .xlsx ou .xls")
        parser.add_argument(
            "--update",
            action="store_true",
            help="met à jour les produits existants (sinon ils sont ignorés)",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="vérifie et compte sans rien enregistrer",
        )
        parser.add_argument(
            "--skip-errors",
            action="store_true",
            help="importe les lignes valides et ignore les lignes en erreur",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = import_products_file(
                options["path"],
                update=options["update"],
                dry_run=options["dry_run"],
                skip_errors=options["skip_errors"],
            )
        except ImportFileError as exc:
            raise CommandError(exc.message) from exc
        if result.ignored_columns:
            self.stdout.write(f"colonnes ignorées : {', '.join(result.ignored_columns)}")
        for error in result.errors:
            self.stdout.write(self.style.ERROR(str(error)))
        self.stdout.write(result.summary())
        if result.dry_run:
            self.stdout.write("(simulation : rien n'a été enregistré)")
        if result.failed:
            raise CommandError(
                f"{len(result.errors)} ligne(s) en erreur : rien n'a été importé. Corrigez le "
                "fichier, ou relancez avec --skip-errors pour importer les lignes valides."
            )
