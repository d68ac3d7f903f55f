"""Which file column means which field: each import declares its columns with their French and
English spellings; headers are compared once normalised (case, accents and punctuation ignored),
so "Poids (g)", "poids_g" and "POIDS G" are the same column."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from .errors import CellError, ImportFileError, RowError
from .readers import Cell, SourceRow, Table, is_blank, normalize_header

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    key: str  # the importer's name for it
    label: str  # how messages name it when the file's own header is not known
    aliases: tuple[str, ...] = ()

    def spellings(self) -> set[str]:
        return {normalize_header(name) for name in (self.key, self.label, *self.aliases)}


class ColumnSet:
    """The columns an import understands; an alias may belong to one column only."""

    def __init__(self, columns: Iterable[Column]) -> None:
        self.columns = {column.key: column for column in columns}
        self._by_spelling: dict[str, str] = {}
        for column in self.columns.values():
            for spelling in column.spellings():
                owner = self._by_spelling.setdefault(spelling, column.key)
                if owner != column.key:
                    raise ValueError(f"{spelling!r} names both {owner!r} and {column.key!r}")

    def bind(self, table: Table) -> ColumnMapping:
        """Map the file's headers to columns; two headers for one column is a file error (which
        one would win is a guess)."""
        present: dict[str, str] = {}
        labels: dict[str, str] = {}
        ignored: list[str] = []
        for header, written in table.headers.items():
            key = self._by_spelling.get(header)
            if key is None:
                ignored.append(written)
                continue
            if key in present:
                raise ImportFileError(
                    f"Les colonnes « {labels[key]} » et « {written} » désignent la même donnée "
                    f"({self.columns[key].label}) : gardez-en une."
                )
            present[key] = header
            labels[key] = written
        return ColumnMapping(present=present, labels=labels, ignored=ignored)


@dataclass(frozen=True)
class ColumnMapping:
    present: dict[str, str]  # column key → normalised header in the file
    labels: dict[str, str]  # column key → header as written in the file
    ignored: list[str]  # headers no column claims, as written

    def row(self, source: SourceRow) -> RowView:
        return RowView(source, self)


class RowView:
    """One data row seen through the mapping. Parsing a cell collects its error instead of raising
    at once, so one line reports all its bad cells; `check()` raises them together."""

    def __init__(self, source: SourceRow, mapping: ColumnMapping) -> None:
        self.line = source.line
        self._source = source
        self._mapping = mapping
        self.problems: list[str] = []

    def has(self, key: str) -> bool:
        """The file has this column (blank cells included)."""
        return key in self._mapping.present

    def cell(self, key: str) -> Cell:
        header = self._mapping.present.get(key)
        return None if header is None else self._source.cells.get(header)

    def filled(self, key: str) -> bool:
        return not is_blank(self.cell(key))

    def label(self, key: str) -> str:
        return self._mapping.labels.get(key, key)

    def value(self, key: str, parser: Callable[[Cell], T], default: T) -> T:
        try:
            return parser(self.cell(key))
        except CellError as exc:
            self.problems.append(f"{self.label(key)} : {exc.message}")
            return default

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def check(self) -> None:
        if self.problems:
            raise RowError(self.line, " ; ".join(self.problems))

    def error(self, message: str) -> RowError:
        return RowError(self.line, message)
