"""`manage.py seed_bench --scale small|medium|full [--seed N] [--password P]
[--credentials FILE]`: fill an EMPTY database with benchmark data, fast (bench/seeding.py).

Refuses a database that already holds products (benchmark rows are never mixed with real
data): point DB_NAME (MariaDB) or a fresh SQLite file at it. Prints one line per table (rows,
seconds), the total, the benchmark logins and an API key (read + write) shown once; with
`--credentials FILE` also writes them as JSON for the benchmark harness (mode 0600).
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from bench.seeding import SCALES, DatabaseNotEmpty, seed


class Command(BaseCommand):
    help = (
        "Remplit une base VIDE avec les données du banc d'essai (bulk, en quelques minutes à "
        "l'échelle full) ; refuse une base qui contient déjà des produits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=sorted(SCALES), default="small")
        parser.add_argument("--seed", type=int, default=1, help="random seed (same data again)")
        parser.add_argument(
            "--password",
            default="",
            help="password of the bench users (default: a random one, printed)",
        )
        parser.add_argument(
            "--credentials",
            default="",
            help="write the logins, the API key and sample ids as JSON to this file",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale = SCALES[options["scale"]]
        password = options["password"] or secrets.token_urlsafe(12)
        self.stdout.write(
            f"seed_bench: scale {options['scale']} ({scale.products:,} products, "
            f"{scale.lots:,} lots, {scale.movements:,} movements, {scale.shipments:,} shipments) "
            f"on {connection.vendor}, seed {options['seed']}"
        )
        try:
            report = seed(scale, seed=options["seed"], password=password, log=self.stdout.write)
        except DatabaseNotEmpty as refusal:
            raise CommandError(str(refusal)) from None
        for table, rows in report.rows.items():
            self.stdout.write(f"  {table:<28} {rows:>10,} rows {report.seconds[table]:>8.1f} s")
        total_rows = sum(report.rows.values())
        self.stdout.write(f"seed_bench: {total_rows:,} rows in {report.total_seconds:.1f} s")
        self.stdout.write(f"worker: {report.worker_username}")
        self.stdout.write(f"manager: {report.manager_username}")
        self.stdout.write(f"password: {password}")
        self.stdout.write(f"api key (shown once): {report.api_key}")
        if options["credentials"]:
            path = Path(options["credentials"])
            data = {
                "scale": options["scale"],
                "counts": scale.as_dict(),
                "worker": report.worker_username,
                "manager": report.manager_username,
                "password": password,
                "api_key": report.api_key,
                "samples": report.samples,
                "rows": report.rows,
                "seconds": round(report.total_seconds, 1),
            }
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                json.dump(data, handle, indent=2)
            self.stdout.write(f"credentials written to {path}")
