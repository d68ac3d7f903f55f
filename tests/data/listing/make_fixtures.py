"""Developer tool: writes the pallet listing fixtures of this folder. Not run by the tests.

The binary fixtures (XLS, XLSX, PDF) are committed; run this only to change them. It needs
writers the project does not depend on (xlwt writes XLS, fpdf2 writes PDF), installed in a
scratch virtualenv, never in requirements:

    python3 -m venv /tmp/xlwtvenv
    /tmp/xlwtvenv/bin/pip install xlwt fpdf2 openpyxl pillow
    /tmp/xlwtvenv/bin/python tests/data/listing/make_fixtures.py

The rows name four products (tests/wms/test_listing_import.py creates the first three):
a GTIN known to the catalogue, a SKU, a name with its brand, and a product that is new.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

HERE = Path(__file__).resolve().parent
TITLE = ["Liste de colisage — palette 12", "Fournisseur : Pharma Export"]
HEADERS = ["Code EAN", "Code article", "Désignation", "Marque", "Qté", "N° lot", "DLU"]
ROWS = [
    ["3401234567890", "", "Compresses stériles", "", 40, "L-CMP-1", dt.date(2027, 12, 31)],
    ["", "ASF-GANTS", "Gants nitrile M", "", 200, "L-G-2", dt.date(2027, 6, 30)],
    ["", "", "Paracétamol 500mg", "UPSA", 12, "P-77", dt.date(2026, 12, 31)],
    ["3760000000017", "", "Sérum physiologique 5ml", "GIFRER", 30, "S-5", dt.date(2027, 3, 31)],
]


def fr(value: object) -> str:
    return value.strftime("%d/%m/%Y") if isinstance(value, dt.date) else str(value)


def write_xlsx() -> None:
    from openpyxl import Workbook

    book = Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["Voir la feuille Colisage."])
    sheet = book.create_sheet("Colisage")
    for line in TITLE:
        sheet.append([line])
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    book.save(HERE / "listing.xlsx")

    # One sheet, header on row 1: the phone flow of the browser test.
    simple = Workbook()
    sheet = simple.active
    sheet.title = "Colisage"
    sheet.append(HEADERS)
    for row in ROWS:
        sheet.append(row)
    simple.save(HERE / "listing_simple.xlsx")

    # Line 4 (the third data row) has a quantity that is not a number.
    bad = Workbook()
    sheet = bad.active
    sheet.append(HEADERS)
    for index, row in enumerate(ROWS):
        sheet.append([*row[:4], "abc" if index == 2 else row[4], *row[5:]])
    bad.save(HERE / "listing_bad.xlsx")


def write_xls() -> None:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    sheet = book.add_sheet("Colisage")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for index, line in enumerate(TITLE):
        sheet.write(index, 0, line)
    for column, header in enumerate(HEADERS):
        sheet.write(2, column, header)
    for index, row in enumerate(ROWS, start=3):
        for column, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(index, column, value, date_style)
            else:
                sheet.write(index, column, value)
    book.add_sheet("Notes").write(0, 0, "Voir la feuille Colisage.")
    book.save(str(HERE / "listing.xls"))


def write_csv() -> None:
    # What French Excel writes: cp1252 and semicolons, dates as text.
    lines = [";".join(["EAN", "Référence", "Désignation", "Marque", "Quantité", "Lot", "DLU"])]
    lines += [";".join(fr(value) for value in row) for row in ROWS]
    (HERE / "listing_cp1252.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))


def pdf_rows() -> list[list[str]]:
    """36 rows: enough to run over a second page."""
    rows = []
    for index in range(36):
        source = ROWS[index % len(ROWS)]
        rows.append([*(fr(value) for value in source[:4]), str(index + 1), f"PDF-{index + 1:02d}"])
        rows[-1].append(fr(source[6]))
    return rows


def new_pdf():  # type: ignore[no-untyped-def]
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(False)
    # DejaVu is on Debian: the core fonts cannot write "é" in every viewer.
    font = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if font.exists():
        pdf.add_font("DejaVu", fname=str(font))
        pdf.set_font("DejaVu", size=9)
    else:
        pdf.set_font("Helvetica", size=9)
    return pdf


WIDTHS = [32, 28, 62, 24, 14, 24, 26]


def write_ruled_pdf() -> None:
    pdf = new_pdf()
    rows = pdf_rows()
    per_page = 20
    for start in range(0, len(rows), per_page):
        pdf.add_page()
        pdf.cell(0, 8, TITLE[0], new_x="LMARGIN", new_y="NEXT")
        for width, header in zip(WIDTHS, HEADERS, strict=True):
            pdf.cell(width, 8, header, border=1)
        pdf.ln()
        for row in rows[start : start + per_page]:
            for width, value in zip(WIDTHS, row, strict=True):
                pdf.cell(width, 8, value, border=1)
            pdf.ln()
    pdf.output(str(HERE / "listing_ruled.pdf"))


def write_unruled_pdf() -> None:
    """No ruling lines: the columns come from the words' alignment. Columns set well apart (two
    headers a few points apart read as one column), and no SKU column (row 2 is found by name)."""
    pdf = new_pdf()
    pdf.add_page()
    keep = [0, 2, 3, 4, 5, 6]
    widths = [40, 70, 30, 20, 30, 30]
    for width, index in zip(widths, keep, strict=True):
        pdf.cell(width, 8, HEADERS[index])
    pdf.ln()
    for row in ROWS:
        for width, index in zip(widths, keep, strict=True):
            pdf.cell(width, 8, fr(row[index]))
        pdf.ln()
    pdf.output(str(HERE / "listing_unruled.pdf"))


def write_scanned_pdf() -> None:
    """A picture of a listing, as a scanner makes it: no text layer."""
    from PIL import Image, ImageDraw

    image = Image.new("L", (900, 300), 255)
    draw = ImageDraw.Draw(image)
    for index, row in enumerate([HEADERS, *ROWS]):
        draw.text((20, 20 + index * 30), "   ".join(fr(value) for value in row), fill=0)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    pdf = new_pdf()
    pdf.add_page()
    pdf.image(buffer, x=10, y=10, w=270)
    pdf.output(str(HERE / "scanned.pdf"))


if __name__ == "__main__":
    write_xlsx()
    write_xls()
    write_csv()
    write_ruled_pdf()
    write_unruled_pdf()
    write_scanned_pdf()
    print("written:", ", ".join(sorted(path.name for path in HERE.iterdir() if path.is_file())))
