"""A generic CSV writer for exports: header + rows → bytes a French Excel opens as is.

Format: UTF-8 with a BOM (otherwise Excel reads the file as cp1252 and garbles accents), `;` as
the delimiter (French Excel's list separator, the comma being its decimal mark), decimal commas.
The import pipeline (wms/imports/readers.py) detects all of this, so an export re-imports.

Formula injection (OWASP "CSV Injection"): a spreadsheet runs a cell that starts with `=`, `+`,
`-` or `@` (and, on some, after a leading tab or carriage return) as a formula. Every *text* value
goes through `safe_cell`, which prefixes such a value with `'`. Numbers are typed values
(int / Decimal / float) and are written as plain numbers, never prefixed: a number cannot carry a
formula, and the import reads numeric columns back as numbers ("-1,5" stays a number). Text that
merely looks numeric ("-5" typed in a notes field) is text and is neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TypeAlias

ExportValue: TypeAlias = str | int | float | Decimal | bool | dt.date | None

DELIMITER = ";"
BOM = "\ufeff"
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
TRUE_WORD = "oui"
FALSE_WORD = "non"


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        # Fixed-point (never "1E+1"), without the trailing zeros of the column's scale.
        text = format(value, "f")
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    else:
        text = str(value)
    return text.replace(".", ",")


def safe_cell(value: ExportValue) -> str:
    """The one place an exported value becomes cell text; text starting like a formula is
    neutralised with a leading `'`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return TRUE_WORD if value else FALSE_WORD
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    # A text starting with the guard itself is guarded too, or the import would strip its
    # apostrophe ("'=x" must come back as "'=x", not "=x").
    if text.startswith((*FORMULA_TRIGGERS, "'")):
        return "'" + text
    return text


def write_csv(header: Sequence[str], rows: Iterable[Sequence[ExportValue]]) -> bytes:
    buffer = io.StringIO()
    buffer.write(BOM)
    writer = csv.writer(buffer, delimiter=DELIMITER, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in header])
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
    return buffer.getvalue().encode("utf-8")
