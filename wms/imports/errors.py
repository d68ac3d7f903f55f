"""What can go wrong in an import: the whole file (unreadable, unsupported, no usable column) or
one row (a bad value, a conflict). Messages are French: they are shown to the user as they are."""

from __future__ import annotations


class ImportFileError(Exception):
    """The file as a whole cannot be imported; nothing was read into the database."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class CellError(ValueError):
    """A value parser refused a cell; the row turns it into a RowError naming the column."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class RowError(Exception):
    """One row cannot be imported. `line` counts like a spreadsheet: the header is line 1."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"
