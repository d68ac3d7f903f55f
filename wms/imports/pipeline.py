"""The import loop every table import shares: one transaction for the whole file, one savepoint
per row, and the all-or-nothing rule (S-IMPORT).

A row that fails rolls back to its savepoint, so whatever it had created (a category, a tag) goes
with it; the loop carries on so that one run reports every bad line. At the end the whole
transaction is rolled back when this was a dry run, or when a row failed and `skip_errors` was not
asked for. The counts of a dry run are therefore real: the rows were written, then undone.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from django.db import DatabaseError, transaction

from wms.services.errors import StockError

from .errors import RowError

R = TypeVar("R")


class Outcome(enum.Enum):
    CREATED = "created"
    UPDATED = "updated"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class RowMatch:
    line: int
    description: str  # "« Gants nitrile » (SKU RV-001)"

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.description}"


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    skipped: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False
    skip_errors: bool = False
    committed: bool = False  # False: the database is as it was before the import
    ignored_columns: list[str] = field(default_factory=list)
    # Rows that matched an existing record, with what they matched: shown before a confirmation.
    matches: list[RowMatch] = field(default_factory=list)

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome.value, getattr(self, outcome.value) + 1)

    @property
    def failed(self) -> bool:
        """Errors made the import apply nothing (the case where a command exits non-zero)."""
        return bool(self.errors) and not self.skip_errors

    def summary(self) -> str:
        return (
            f"créés: {self.created}, mis à jour: {self.updated}, ignorés: {self.skipped}, "
            f"erreurs: {len(self.errors)}"
        )


def run_import(
    rows: Iterable[R],
    process: Callable[[R], Outcome],
    *,
    line_of: Callable[[R], int],
    dry_run: bool = False,
    skip_errors: bool = False,
    after_row_error: Callable[[], None] | None = None,
) -> ImportResult:
    """Apply `process` to every row. `process` raises RowError (or StockError from a service)
    to refuse a row; `after_row_error` lets the importer forget what it cached from the row."""
    result = ImportResult(dry_run=dry_run, skip_errors=skip_errors)
    with transaction.atomic():
        for row in rows:
            try:
                with transaction.atomic():
                    outcome = process(row)
            except RowError as exc:
                result.errors.append(exc)
            except StockError as exc:
                result.errors.append(RowError(line_of(row), exc.message))
            except DatabaseError as exc:
                # A constraint we did not foresee, or a concurrent writer: the row is refused,
                # not the whole run crashed, and the message stays readable.
                result.errors.append(
                    RowError(line_of(row), f"refusé par la base de données ({exc}).")
                )
            else:
                result.count(outcome)
                continue
            if after_row_error is not None:
                after_row_error()
        result.committed = not dry_run and (skip_errors or not result.errors)
        if not result.committed:
            transaction.set_rollback(True)
    return result
