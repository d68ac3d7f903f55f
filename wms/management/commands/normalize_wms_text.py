"""`manage.py normalize_wms_text [--dry-run]` (S-IMPORT, runbook section 8): re-applies the name
rules of S-CATALOG (wms.services.naming) to rows written before the rules, or around them
(`QuerySet.update`, raw SQL, an old import).

Only rows that change are saved, through `.save()` so that derived keys (`name_key`, …) are
recomputed. Two rows that would become equal under a unique constraint (a case-only collision,
"a" and "A" in the same place) are reported and both left as they are: checked before saving, and
each save runs in a savepoint so that a collision the check cannot see (a database collation that
also folds accents) is reported the same way instead of aborting the run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import IntegrityError, models, transaction

from wms.models import Location, Product, ProductCategory, RackColor, Warehouse
from wms.services.naming import (
    normalize_brand,
    normalize_category_name,
    normalize_code_part,
    normalize_name,
)
from wms.text import fold_key

Values = dict[str, str]


@dataclass(frozen=True)
class Table:
    """One table to normalise: which text fields, how, and what must stay unique."""

    label: str  # plural, as printed: "produits: 3 corrigés"
    feminine: bool
    rows: Callable[[], Iterable[Any]]
    normalize: Callable[[Any], Values]
    describe: Callable[[Any], str]
    # The unique key a row will have once saved with these values; None: nothing unique changes.
    key_after: Callable[[Any, Values], Hashable] | None = None
    # The key the row holds in the database now (it differs when a derived key is stale).
    key_now: Callable[[Any], Hashable] | None = None

    def corrected(self, count: int) -> str:
        word = "corrigée" if self.feminine else "corrigé"
        return f"{count} {word}{'s' if count > 1 else ''}"


def _code_parts(*names: str) -> Callable[[Any], Values]:
    return lambda row: {name: normalize_code_part(getattr(row, name)) for name in names}


def _location_key(row: Location, values: Values) -> Hashable:
    return (row.warehouse_id, values["zone"], values["aisle"], values["shelf"])


def _describe_location(row: Location) -> str:
    return f"emplacement #{row.pk} « {row.warehouse.code} {row.zone}-{row.aisle}-{row.shelf} »"


TABLES = (
    Table(
        label="entrepôts",
        feminine=False,
        rows=lambda: Warehouse.objects.order_by("pk"),
        normalize=_code_parts("code"),
        describe=lambda row: f"entrepôt #{row.pk} « {row.name} » (code « {row.code} »)",
        key_after=lambda row, values: values["code"],
        key_now=lambda row: row.code,
    ),
    Table(
        label="emplacements",
        feminine=False,
        rows=lambda: Location.objects.select_related("warehouse").order_by("pk"),
        normalize=_code_parts("zone", "aisle", "shelf"),
        describe=_describe_location,
        key_after=_location_key,
        key_now=lambda row: _location_key(
            row, {"zone": row.zone, "aisle": row.aisle, "shelf": row.shelf}
        ),
    ),
    Table(
        label="couleurs de rack",
        feminine=True,
        rows=lambda: RackColor.objects.select_related("warehouse").order_by("pk"),
        normalize=_code_parts("zone"),
        describe=lambda row: f"couleur de rack #{row.pk} « {row.warehouse.code} {row.zone} »",
        key_after=lambda row, values: (row.warehouse_id, values["zone"]),
        key_now=lambda row: (row.warehouse_id, row.zone),
    ),
    Table(
        label="catégories",
        feminine=True,
        rows=lambda: ProductCategory.objects.order_by("pk"),
        normalize=lambda row: {
            "name": normalize_category_name(row.name, is_root=row.parent_id is None)
        },
        describe=lambda row: f"catégorie #{row.pk} « {row.name} »",
        key_after=lambda row, values: (row.parent_id or 0, fold_key(values["name"])),
        key_now=lambda row: (row.parent_marker, row.name_key),
    ),
    Table(
        label="produits",
        feminine=False,
        # Streamed: nothing unique changes, so no row needs to be compared with another.
        rows=lambda: Product.objects.order_by("pk").iterator(chunk_size=500),
        normalize=lambda row: {
            "name": normalize_name(row.name),
            "brand": normalize_brand(row.brand),
        },
        describe=lambda row: f"produit #{row.pk} {row.sku} « {row.name} »",
    ),
)


def plan(table: Table) -> tuple[dict[int, tuple[Any, Values]], list[Any]]:
    """The rows whose values change (pk → (row, new values)), and every row when the table has a
    unique key to check (the unchanged ones can be collided with)."""
    planned: dict[int, tuple[Any, Values]] = {}
    kept: list[Any] = []
    for row in table.rows():
        values = table.normalize(row)
        if any(getattr(row, name) != value for name, value in values.items()):
            planned[row.pk] = (row, values)
        if table.key_after is not None:
            kept.append(row)
    return planned, kept


def remove_collisions(
    table: Table, rows: list[Any], planned: dict[int, tuple[Any, Values]]
) -> list[str]:
    """Take out of `planned` every row that would share a unique key with another, and say so.

    Repeated until stable: a row left unchanged keeps its current key, which another planned row
    may be about to take.
    """
    if table.key_after is None or table.key_now is None:
        return []
    reports: list[str] = []
    while True:
        groups: dict[Hashable, list[Any]] = defaultdict(list)
        for row in rows:
            if row.pk in planned:
                groups[table.key_after(row, planned[row.pk][1])].append(row)
            else:
                groups[table.key_now(row)].append(row)
        clashes = [
            group
            for group in groups.values()
            if len(group) > 1 and any(row.pk in planned for row in group)
        ]
        if not clashes:
            return reports
        for group in clashes:
            reports.append(collision_line(table, group, planned))
            for row in group:
                planned.pop(row.pk, None)


def collision_line(table: Table, group: list[Any], planned: dict[int, tuple[Any, Values]]) -> str:
    names = " et ".join(table.describe(row) for row in group)
    targets = {", ".join(planned[row.pk][1].values()) for row in group if row.pk in planned}
    return (
        f"{table.label}: collision — {names} deviendraient identiques "
        f"(« {' / '.join(sorted(targets))} ») ; aucune des lignes n'est modifiée."
    )


def change_line(table: Table, row: Any, values: Values) -> str:
    parts = [
        f"{row._meta.get_field(name).verbose_name} « {getattr(row, name)} » → « {value} »"
        for name, value in values.items()
        if getattr(row, name) != value
    ]
    return f"{table.describe(row)} : {' ; '.join(parts)}"


def save_changed(row: models.Model, values: Values) -> bool:
    """Save in a savepoint; on a unique violation, False with the row untouched in the database
    and in memory (so that the report shows it as it still is)."""
    before = {name: getattr(row, name) for name in values}
    try:
        with transaction.atomic():
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    except IntegrityError:
        for name, value in before.items():
            setattr(row, name, value)
        return False
    return True


class Command(BaseCommand):
    help = (
        "Réapplique les règles de nommage (produits, marques, catégories, emplacements, "
        "entrepôts, couleurs de rack) et affiche le nombre de lignes corrigées par table."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Affiche ce qui changerait, sans rien enregistrer.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run: bool = options["dry_run"]
        verbose = dry_run or options["verbosity"] >= 2
        if dry_run:
            self.stdout.write("Simulation (--dry-run) : rien n'est enregistré.")
        summary = []
        for table in TABLES:
            # One transaction per table: a crash leaves each table either done or untouched.
            with transaction.atomic():
                planned, rows = plan(table)
                for report in remove_collisions(table, rows, planned):
                    self.stdout.write(report)
                changed = 0
                for row, values in planned.values():
                    if verbose:
                        self.stdout.write(change_line(table, row, values))
                    if dry_run or save_changed(row, values):
                        changed += 1
                    else:
                        self.stdout.write(
                            f"{table.label}: collision — {table.describe(row)} heurte une ligne "
                            "existante (contrainte d'unicité) ; ligne non modifiée."
                        )
            count = f"{changed} à corriger" if dry_run else table.corrected(changed)
            summary.append(f"{table.label}: {count}")
        for line in summary:
            self.stdout.write(line)
