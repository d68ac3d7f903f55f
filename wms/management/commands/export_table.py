"""`manage.py export_table <table> [--output PATH]`: a CSV export (S-IMPORT), on stdout unless
--output names a file. The bytes are those of the download view: UTF-8 with BOM, `;`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wms.exports.tables import TABLES, UnknownTable, export_table


class Command(BaseCommand):
    help = "Exporte une table en CSV (UTF-8 avec BOM, séparateur « ; ») : " + ", ".join(TABLES)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("table", help=f"une de : {', '.join(TABLES)}")
        parser.add_argument("--output", "-o", help="fichier à écrire (sinon la sortie standard)")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            data = export_table(options["table"])
        except UnknownTable as exc:
            raise CommandError(exc.message) from exc
        output = options["output"]
        if not output:
            # Bytes, not text: the BOM and the encoding must reach the file untouched.
            stream = getattr(self.stdout, "_out", sys.stdout)
            buffer = getattr(stream, "buffer", None)
            if buffer is not None:
                buffer.write(data)
                buffer.flush()
            else:
                stream.write(data.decode("utf-8"))
            return
        try:
            Path(output).write_bytes(data)
        except OSError as exc:
            raise CommandError(f"Impossible d'écrire « {output} » : {exc.strerror}.") from exc
        self.stderr.write(f"{options['table']} exporté dans {output}")
