"""`manage.py import_legacy [--source legacy] [--dry-run] [--report PATH]` (S-LEGACY)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from wms.imports.legacy.context import LegacyDataError
from wms.imports.legacy.runner import TargetNotEmpty, take_over
from wms.imports.legacy.source import LegacySchemaError


class Command(BaseCommand):
    help = (
        "Reprend toutes les données de l'ancien ASF WMS (base « legacy » : LEGACY_SQLITE_PATH "
        "ou LEGACY_DB_*) dans une base neuve, en une transaction, et imprime le rapport."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", default="legacy", help="alias de la base source (défaut : legacy)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="tout vérifier, ne rien enregistrer"
        )
        parser.add_argument(
            "--report",
            default="",
            help="fichier où écrire le rapport (défaut : import_legacy-AAAAMMJJ-HHMMSS.txt)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = take_over(alias=options["source"], dry_run=options["dry_run"])
        except (LegacySchemaError, TargetNotEmpty) as exc:
            raise CommandError(str(exc)) from exc
        except LegacyDataError as exc:
            raise CommandError(f"Reprise arrêtée, rien n'a été importé : {exc}") from exc
        text = report.render()
        self.stdout.write(text)
        path = Path(options["report"] or f"import_legacy-{timezone.localtime():%Y%m%d-%H%M%S}.txt")
        path.write_text(text, encoding="utf-8")
        self.stdout.write(f"Rapport écrit dans {path}")
