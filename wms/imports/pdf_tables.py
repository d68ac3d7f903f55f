"""Reading the table of a text PDF (a supplier's pallet listing) into the rows the import reads.

Only PDFs that carry text can be read: a scan is a picture of text, and guessing it back (OCR) would
put wrong quantities into stock without anyone noticing, so it is refused with a clear message.
Tables are found by their ruling lines first (what a spreadsheet's "export as PDF" draws), else by
the alignment of the words (a listing printed without borders). A header repeated at the top of
every page is read once. Lines are numbered across pages in reading order: the header is line 1.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable
from typing import Any, TypeVar

from .errors import ImportFileError
from .readers import Cell, Table, _build_table, normalize_header

# pdfplumber's settings for a table drawn without lines: columns from the words' alignment.
TEXT_STRATEGY = {"vertical_strategy": "text", "horizontal_strategy": "text"}
# The same with two aligned words making a column instead of pdfplumber's three: only tried when
# nothing else was found (a one-product listing: its header and a single row), because on a
# longer table it splits a name such as "Paracétamol 500mg" whose words line up with others.
LOOSE_TEXT_STRATEGY = {**TEXT_STRATEGY, "min_words_vertical": 2}
MAX_PAGES = 200
T = TypeVar("T")  # a listing is a few pages; a bigger range is a mistake, not a listing


def page_count(data: bytes) -> int:
    return _with_pdf(data, lambda pdf: len(pdf.pages))


UNREADABLE = "PDF illisible : exportez-le de nouveau depuis son logiciel."


def _with_pdf(data: bytes, work: Callable[[Any], T]) -> T:
    """Run `work` on the opened PDF. A PDF is untrusted input parsed by a third-party library
    that raises whatever its parser met (TypeError on a page without a size, its own exceptions on
    a broken dictionary, even while closing), so every failure while reading becomes the same
    clear refusal instead of a server error."""
    import pdfplumber

    if not data.startswith(b"%PDF"):
        raise ImportFileError("Ce fichier n'est pas un PDF.")
    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:  # see the docstring
        raise ImportFileError(UNREADABLE) from exc
    try:
        return work(pdf)
    except ImportFileError:
        raise
    except Exception as exc:  # see the docstring
        raise ImportFileError(UNREADABLE) from exc
    finally:
        with contextlib.suppress(Exception):  # closing a broken file: nothing left to do
            pdf.close()


def _clean(cell: object) -> Cell:
    if cell is None:
        return None
    text = " ".join(str(cell).split())  # a cell wrapped on two lines reads as one line
    return text or None


def _page_records(page: Any) -> list[list[Cell]]:
    tables = (
        page.extract_tables()
        or page.extract_tables(TEXT_STRATEGY)
        or page.extract_tables(LOOSE_TEXT_STRATEGY)
    )
    records: list[list[Cell]] = []
    for table in tables:
        records.extend([_clean(cell) for cell in row] for row in table)
    return [record for record in records if any(cell is not None for cell in record)]


def read_pdf(data: bytes, *, first_page: int = 1, last_page: int | None = None) -> Table:
    """The table spread over pages `first_page`..`last_page` (from 1, both included)."""
    records = _with_pdf(data, lambda pdf: _records(pdf, first_page, last_page))
    if not records:
        raise ImportFileError("Aucun tableau trouvé dans ces pages du PDF.")
    return _build_table(records)


def _records(pdf: Any, first_page: int, last_page: int | None) -> list[list[Cell]]:
    total = len(pdf.pages)
    if total == 0:
        raise ImportFileError(UNREADABLE)
    last = total if last_page is None else last_page
    if not 1 <= first_page <= last <= total:
        raise ImportFileError(
            f"Pages {first_page} à {last} impossibles : le PDF a {total} page(s)."
        )
    if last - first_page + 1 > MAX_PAGES:
        raise ImportFileError(f"{MAX_PAGES} pages au plus par import.")
    pages = pdf.pages[first_page - 1 : last]
    if not any(page.chars for page in pages):
        raise ImportFileError(
            "Ce PDF ne contient pas de texte (document scanné ?) : demandez au fournisseur "
            "le fichier d'origine (tableur ou PDF exporté), ou saisissez la liste."
        )
    records: list[list[Cell]] = []
    header_key: list[str] | None = None
    for page in pages:
        for record in _page_records(page):
            key = [normalize_header(str(cell or "")) for cell in record]
            if header_key is None:
                header_key = key
            elif key == header_key:
                continue  # the header printed again on a following page
            records.append(record)
    return records
