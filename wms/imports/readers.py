"""Reading an uploaded table (CSV, XLSX or legacy XLS) into rows of {normalised header: cell}.

CSV files come from every spreadsheet and every locale: French Excel writes `;` and cp1252,
LibreOffice UTF-8, some exports UTF-16 with a BOM. The encoding and the delimiter are therefore
detected, never asked. Workbooks: the first sheet unless one is chosen, header on row 1 unless
another row is chosen (a supplier's listing often has a title block above its table), cell values
as typed (numbers stay numbers, dates stay dates) so that the value parsers see what the user saw.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from struct import error as struct_error
from typing import Any, TypeAlias

from wms.text import fold_key

from .errors import ImportFileError

Cell: TypeAlias = str | int | float | Decimal | bool | dt.datetime | dt.date | dt.time | None

CSV_EXTENSIONS = frozenset({".csv", ".txt"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
XLS_EXTENSIONS = frozenset({".xls"})
WORKBOOK_EXTENSIONS = XLSX_EXTENSIONS | XLS_EXTENSIONS
TABLE_EXTENSIONS = CSV_EXTENSIONS | WORKBOOK_EXTENSIONS
DELIMITERS = (";", ",", "\t")


def normalize_header(text: str) -> str:
    """'Poids (g)' → 'poids_g', 'Catégorie' → 'categorie', 'Volume (cm³)' → 'volume_cm3'."""
    return re.sub(r"[^a-z0-9]+", "_", fold_key(text)).strip("_")


@dataclass(frozen=True)
class SourceRow:
    line: int  # as a spreadsheet numbers it: the header is line 1, the first data row line 2
    cells: dict[str, Cell]


@dataclass(frozen=True)
class Table:
    headers: dict[str, str]  # normalised header → the header as written in the file
    rows: list[SourceRow] = field(default_factory=list)


def is_blank(cell: Cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _build_table(records: list[list[Cell]], header_row: int = 1) -> Table:
    """`header_row` counts from 1 like a spreadsheet; the rows above it are not read."""
    if not records:
        raise ImportFileError("Le fichier est vide.")
    if header_row < 1 or header_row > len(records):
        raise ImportFileError(
            f"Ligne d'en-tête {header_row} introuvable : le tableau a {len(records)} ligne(s)."
        )
    header_cells, *data = records[header_row - 1 :]
    columns: list[str | None] = []
    headers: dict[str, str] = {}
    for cell in header_cells:
        written = "" if cell is None else str(cell).strip()
        key = normalize_header(written)
        if not key:
            columns.append(None)  # a column without a header is not imported
            continue
        if key in headers:
            raise ImportFileError(
                f"La colonne « {written} » apparaît deux fois dans la ligne d'en-tête."
            )
        headers[key] = written
        columns.append(key)
    if not headers:
        where = "La première ligne" if header_row == 1 else f"La ligne {header_row}"
        raise ImportFileError(f"{where} doit contenir les noms des colonnes.")
    rows = []
    for line, record in enumerate(data, start=header_row + 1):
        cells = {key: cell for key, cell in zip(columns, record, strict=False) if key is not None}
        if all(is_blank(cell) for cell in cells.values()):
            continue
        rows.append(SourceRow(line=line, cells=cells))
    return Table(headers=headers, rows=rows)


# --- CSV ----------------------------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (BOM, or NUL bytes betraying it), else cp1252, else
    latin-1 (which decodes anything: the last resort for the five bytes cp1252 leaves undefined)."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8) :].decode("utf-8")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16")
        sample = data[:4096]
        if sample and sample.count(0) * 4 >= len(sample):
            # ASCII text in UTF-16 has a NUL in every other byte: its position gives the order.
            return data.decode("utf-16-le" if data[1:2] == b"\x00" else "utf-16-be")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"Encodage du fichier illisible : {exc.reason}.") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def sniff_delimiter(text: str) -> str:
    """The separator used most in the header line (quoted parts excluded); `;` wins ties because
    French Excel writes it and decimal commas make `,` the riskier guess."""
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    unquoted = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


# What our CSV exports put before a cell a spreadsheet would read as a formula (wms.exports).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unguard(cell: str) -> str:
    """Our exports write "=x" as "'=x" so that Excel never runs it, and "'x" as "''x" so that a
    text really starting with an apostrophe survives: read both back as they were."""
    if len(cell) > 1 and cell[0] == "'" and (cell[1] in FORMULA_STARTS or cell[1] == "'"):
        return cell[1:]
    return cell


def read_csv(data: bytes, header_row: int = 1) -> Table:
    text = decode_text(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
        records: list[list[Cell]] = [[unguard(cell) for cell in record] for record in reader]
    except csv.Error as exc:
        raise ImportFileError(f"Fichier CSV illisible : {exc}.") from exc
    return _build_table(records, header_row)


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(
        value, str | int | float | Decimal | bool | dt.datetime | dt.date | dt.time
    ):
        return value
    return str(value)  # durations and other exotic cell types: shown as text in messages


def _open_xlsx(data: bytes, *, formulas: bool = False) -> Any:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=not formulas)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            "Fichier XLSX illisible : enregistrez-le de nouveau depuis le tableur."
        ) from exc


def _chosen(names: list[str], sheet: str | None) -> int:
    """The index of the sheet named `sheet` (the first one when None)."""
    if not names:
        raise ImportFileError("Le classeur ne contient aucune feuille.")
    if sheet is None or sheet == "":
        return 0
    if sheet not in names:
        raise ImportFileError(
            f"Feuille « {sheet} » introuvable : {', '.join(f'« {name} »' for name in names)}."
        )
    return names.index(sheet)


def read_xlsx(data: bytes, *, sheet: str | None = None, header_row: int = 1) -> Table:
    workbook = _open_xlsx(data)
    try:
        index = _chosen(workbook.sheetnames, sheet)
        records = [
            [_xlsx_cell(value) for value in row]
            for row in workbook.worksheets[index].iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
    _refuse_uncomputed_formulas(data, index, records)
    return _build_table(records, header_row)


def _refuse_uncomputed_formulas(data: bytes, index: int, records: list[list[Cell]]) -> None:
    """A formula cell is read as the value the spreadsheet saved with it. A file written by a
    script (never opened in a spreadsheet) has formulas without saved values: they would read as
    blank cells and the import would silently drop a quantity, so the file is refused instead."""
    from openpyxl.utils import get_column_letter

    if not any(cell is None for record in records for cell in record):
        return
    workbook = _open_xlsx(data, formulas=True)
    try:
        rows = workbook.worksheets[index].iter_rows(values_only=True)
        for number, (written, record) in enumerate(zip(rows, records, strict=False), start=1):
            for column, (formula, value) in enumerate(zip(written, record, strict=False), 1):
                if value is None and isinstance(formula, str) and formula.startswith("="):
                    raise ImportFileError(
                        f"La cellule {get_column_letter(column)}{number} contient une formule "
                        "sans valeur calculée : ouvrez le fichier dans le tableur et "
                        "enregistrez-le de nouveau."
                    )
    finally:
        workbook.close()


# --- XLS (Excel 97-2003) ------------------------------------------------------------------------


def _open_xls(data: bytes) -> Any:
    import xlrd

    try:
        return xlrd.open_workbook(file_contents=data, on_demand=True)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, ValueError, IndexError, struct_error) as exc:
        raise ImportFileError(
            "Fichier XLS illisible : enregistrez-le de nouveau depuis le tableur."
        ) from exc


def _xls_cell(cell: Any, datemode: int) -> Cell:
    import xlrd

    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return None
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return bool(cell.value)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            moment: dt.datetime = xlrd.xldate_as_datetime(cell.value, datemode)
        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
            return float(cell.value)  # a number the parsers will refuse with the value shown
        return moment.date() if moment.time() == dt.time() else moment
    if cell.ctype == xlrd.XL_CELL_NUMBER:
        # XLS stores every number as a float: 12 typed in a cell is 12.0 here, as in XLSX it is 12.
        value = float(cell.value)
        return int(value) if value.is_integer() else value
    return str(cell.value)


def read_xls(data: bytes, *, sheet: str | None = None, header_row: int = 1) -> Table:
    workbook = _open_xls(data)
    try:
        worksheet = workbook.sheet_by_index(_chosen(workbook.sheet_names(), sheet))
        records = [
            [_xls_cell(cell, workbook.datemode) for cell in worksheet.row(index)]
            for index in range(worksheet.nrows)
        ]
    finally:
        workbook.release_resources()
    return _build_table(records, header_row)


# --- entry points -------------------------------------------------------------------------------


def _extension(filename: str) -> str:
    extension = Path(filename).suffix.lower()
    if extension not in TABLE_EXTENSIONS:
        shown = f"« {extension} »" if extension else "sans extension"
        raise ImportFileError(
            f"Format de fichier non pris en charge ({shown}) : CSV, XLSX ou XLS attendu."
        )
    return extension


def sheet_names(data: bytes, filename: str) -> list[str]:
    """The sheets a workbook offers (empty for a CSV file, which has one table)."""
    extension = _extension(filename)
    if extension in XLSX_EXTENSIONS:
        workbook = _open_xlsx(data)
        try:
            return list(workbook.sheetnames)
        finally:
            workbook.close()
    if extension in XLS_EXTENSIONS:
        book = _open_xls(data)
        try:
            return list(book.sheet_names())
        finally:
            book.release_resources()
    return []


def read_table(
    data: bytes, filename: str, *, sheet: str | None = None, header_row: int = 1
) -> Table:
    """The file's rows; the format comes from the name's extension (an upload keeps its name)."""
    extension = _extension(filename)
    if extension in XLSX_EXTENSIONS:
        return read_xlsx(data, sheet=sheet, header_row=header_row)
    if extension in XLS_EXTENSIONS:
        return read_xls(data, sheet=sheet, header_row=header_row)
    return read_csv(data, header_row)


OS_REASONS: dict[type[OSError], str] = {
    FileNotFoundError: "fichier introuvable",
    IsADirectoryError: "c'est un dossier",
    PermissionError: "accès refusé",
}


def read_path(path: str | Path) -> Table:
    _extension(str(path))
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        reason = OS_REASONS.get(type(exc), exc.strerror or str(exc))
        raise ImportFileError(f"Impossible de lire « {path} » : {reason}.") from exc
    return read_table(data, str(path))
