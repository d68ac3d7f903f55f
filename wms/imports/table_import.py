"""What the imports of locations, warehouses, categories, contacts and users share: binding the
file's headers to the importer's columns, refusing a file that names no record, refusing a
record given twice in one file, and reporting the rows that matched an existing record (the
screen shows them before the user confirms, S-IMPORT "matching with confirmation")."""

from __future__ import annotations

from typing import ClassVar

from .columns import ColumnSet, RowView
from .errors import ImportFileError
from .pipeline import ImportResult, Outcome, RowMatch, run_import
from .readers import Table


class TableImporter:
    columns: ClassVar[ColumnSet]
    # At least one of these columns must be in the file, else no row can name its record.
    identifying: ClassVar[tuple[str, ...]]

    def __init__(self, *, update: bool = False) -> None:
        self.update = update
        self.matches: list[RowMatch] = []
        self._seen: dict[str, int] = {}
        # Records this run created: a later row naming one is not "an existing record" to confirm.
        self.created: set[tuple[str, int]] = set()

    def process(self, row: RowView) -> Outcome:  # pragma: no cover - every importer defines it
        raise NotImplementedError

    def forget(self) -> None:
        """A row was rolled back: drop whatever the importer cached from it."""

    def once(self, row: RowView, key: str, shown: str) -> None:
        """Refuse a second row for the same record: it would overwrite the first or be skipped."""
        first = self._seen.setdefault(key, row.line)
        if first != row.line:
            raise row.error(f"{shown} figure déjà ligne {first}.")

    def existing(self, row: RowView, description: str, record: object = None) -> Outcome:
        """A row that names an existing record: skipped, unless the import updates."""
        if (type(record).__name__, getattr(record, "pk", None)) not in self.created:
            self.matches.append(RowMatch(row.line, description))
        return Outcome.UPDATED if self.update else Outcome.SKIPPED

    def remember_created(self, record: object) -> None:
        self.created.add((type(record).__name__, getattr(record, "pk", 0)))

    def missing_columns_message(self) -> str:
        labels = " » ou « ".join(self.columns.columns[key].label for key in self.identifying)
        return f"Aucune colonne ne désigne les lignes : il faut « {labels} » dans l'en-tête."

    def run(
        self, table: Table, *, dry_run: bool = False, skip_errors: bool = False
    ) -> ImportResult:
        mapping = self.columns.bind(table)
        if not any(key in mapping.present for key in self.identifying):
            raise ImportFileError(self.missing_columns_message())
        result = run_import(
            [mapping.row(source) for source in table.rows],
            self.process,
            line_of=lambda row: row.line,
            dry_run=dry_run,
            skip_errors=skip_errors,
            after_row_error=self.forget,
        )
        result.ignored_columns = mapping.ignored
        failed_lines = {error.line for error in result.errors}
        result.matches = [match for match in self.matches if match.line not in failed_lines]
        return result
