"""Reading an uploaded table (CSV or XLSX) into rows of {normalised header: cell}.

CSV files come from every spreadsheet and every locale: French Excel writes `;` and cp1252,
LibreOffice UTF-8, some exports UTF-16 with a BOM. The encoding and the delimiter are therefore
detected, never asked. XLSX: the first sheet, header on row 1, cell values as typed (numbers stay
numbers, dates stay dates) so that the value parsers see what the user saw.
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
from typing import TypeAlias

from wms.text import fold_key

from .errors import ImportFileError

Cell: TypeAlias = str | int | float | Decimal | bool | dt.datetime | dt.date | dt.time | None

CSV_EXTENSIONS = frozenset({".csv", ".txt"})
XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm"})
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


def _build_table(records: list[list[Cell]]) -> Table:
    if not records:
        raise ImportFileError("Le fichier est vide.")
    header_cells, *data = records
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
        raise ImportFileError("La première ligne doit contenir les noms des colonnes.")
    rows = []
    for line, record in enumerate(data, start=2):
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
    """Our exports write "=x" as "'=x" so that Excel never runs it: read it back as "=x"."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def read_csv(data: bytes) -> Table:
    text = decode_text(data)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))
        records: list[list[Cell]] = [[unguard(cell) for cell in record] for record in reader]
    except csv.Error as exc:
        raise ImportFileError(f"Fichier CSV illisible : {exc}.") from exc
    return _build_table(records)


# --- XLSX ---------------------------------------------------------------------------------------


def _xlsx_cell(value: object) -> Cell:
    if value is None or isinstance(
        value, str | int | float | Decimal | bool | dt.datetime | dt.date | dt.time
    ):
        return value
    return str(value)  # durations and other exotic cell types: shown as text in messages


def read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError) as exc:
        raise ImportFileError(
            "Fichier XLSX illisible : enregistrez-le de nouveau depuis le tableur."
        ) from exc
    try:
        sheet = workbook.worksheets[0]  # a workbook without a sheet does not load at all
        records = [
            [_xlsx_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)
        ]
    finally:
        workbook.close()
    return _build_table(records)


# --- entry points -------------------------------------------------------------------------------


def _extension(filename: str) -> str:
    extension = Path(filename).suffix.lower()
    if extension not in CSV_EXTENSIONS | XLSX_EXTENSIONS:
        shown = f"« {extension} »" if extension else "sans extension"
        raise ImportFileError(
            f"Format de fichier non pris en charge ({shown}) : CSV ou XLSX attendu."
        )
    return extension


def read_table(data: bytes, filename: str) -> Table:
    """The file's rows; the format comes from the name's extension (an upload keeps its name)."""
    if _extension(filename) in XLSX_EXTENSIONS:
        return read_xlsx(data)
    return read_csv(data)


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
