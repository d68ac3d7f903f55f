"""QR and Code 128 symbols of the printed labels (wms/printing/codes.py).

No bar code reader library is installed (neither zxing-cpp nor pyzbar), so the symbols are read
back from the SVG geometry itself: the Code 128 bars are decoded with the symbology's own table
(start, data, checksum, stop), and the QR path is turned back into its module matrix, which must
be the one segno builds for the expected text.
"""

from __future__ import annotations

import re

import pytest
import segno
from barcode.charsets import code128 as charset

from wms.printing.codes import (
    CODE128_QUIET_ZONE,
    QR_QUIET_ZONE,
    code128_modules,
    code128_svg,
    qr_code,
    qr_svg,
)

# --- reading the SVG back -------------------------------------------------------------------------


def svg_width(svg: str) -> int:
    match = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    assert match, svg[:200]
    return int(match.group(1))


def bars_of(svg: str) -> str:
    """The module string ("1" bar, "0" space) drawn by the SVG, quiet zones removed."""
    width = svg_width(svg)
    modules = ["0"] * width
    for x, bar in re.findall(r'<rect x="(\d+)" y="0" width="(\d+)"', svg):
        for index in range(int(x), int(x) + int(bar)):
            modules[index] = "1"
    drawn = "".join(modules)
    quiet = "0" * CODE128_QUIET_ZONE
    assert drawn.startswith(quiet) and drawn.endswith(quiet), "no quiet zone"
    return drawn[CODE128_QUIET_ZONE:-CODE128_QUIET_ZONE]


def decode_code128(modules: str) -> str:
    """Decode a Code 128 module string: 11-module symbols, checksum, stop pattern."""
    stop = charset.STOP + "11"
    assert modules.endswith(stop), "no stop pattern"
    body = modules[: -len(stop)]
    assert len(body) % 11 == 0
    values = [charset.CODES.index(body[i : i + 11]) for i in range(0, len(body), 11)]
    start, *data, check = values
    assert check == (start + sum(weight * value for weight, value in enumerate(data, 1))) % 103
    codeset = {103: "A", 104: "B", 105: "C"}[start]
    text = ""
    for value in data:
        if codeset == "C":
            if value < 100:
                text += f"{value:02d}"
                continue
        elif value < 96:
            text += chr(value + 32) if codeset == "B" or value < 64 else chr(value - 64)
            continue
        switches = {99: "C", 100: "B", 101: "A"}
        assert value in switches, f"unexpected function symbol {value}"
        codeset = switches[value]
    return text


def qr_matrix_of(svg: str) -> list[list[int]]:
    """The dark modules drawn by segno's path (horizontal runs), quiet zone removed."""
    size = svg_width(svg)
    matrix = [[0] * size for _ in range(size)]
    path = re.search(r' d="([^"]+)"', svg)
    assert path
    x = y = 0.0
    for command, first, second in re.findall(
        r"([Mmh])(-?\d+(?:\.\d+)?)(?: (-?\d+(?:\.\d+)?))?", path.group(1)
    ):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:
            row = int(y - 0.5)
            for column in range(int(x), int(x + float(first))):
                matrix[row][column] = 1
            x += float(first)
    inner = slice(QR_QUIET_ZONE, size - QR_QUIET_ZONE)
    for row in matrix[:QR_QUIET_ZONE] + matrix[size - QR_QUIET_ZONE :]:
        assert not any(row), "dark module in the quiet zone"
    return [row[inner] for row in matrix[inner]]


def expected_matrix(text: str) -> list[list[int]]:
    return [list(row) for row in segno.make_qr(text, error="m", boost_error=True).matrix]


# --- Code 128 -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code", ["MM-20250101-1", "PH-20261231-123", "XX-20250102-7", "260001", "abc-Z 9"]
)
def test_the_code128_svg_decodes_back_to_the_carton_code(code):
    svg = code128_svg(code, label=code)
    assert svg is not None
    assert decode_code128(bars_of(svg)) == code
    assert bars_of(svg) == code128_modules(code)


def test_the_code128_svg_uses_no_style_attribute_nor_external_resource():
    svg = code128_svg("MM-20250101-1")
    assert svg is not None
    # The CSP (style-src 'self') blocks style attributes: a blocked background rect would
    # print black. Bars are painted by a fill attribute.
    assert "style" not in svg and "href" not in svg and "<script" not in svg
    assert '<g fill="#000">' in svg
    assert 'aria-hidden="true"' in svg  # no label: decorative for screen readers


def test_the_code128_label_is_escaped():
    svg = code128_svg("MM-20250101-1", label='<script>"x"</script>')
    assert svg is not None
    assert "<script>" not in svg
    assert 'aria-label="&lt;script&gt;&quot;x&quot;&lt;/script&gt;"' in svg


@pytest.mark.parametrize("code", ["", "é", "Ω-1"])
def test_code128_gives_nothing_for_what_it_cannot_encode(code):
    assert code128_modules(code) is None
    assert code128_svg(code) is None


# --- QR -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "https://wms.example.org/scan/shipment/track/8b7c5a2e-3f4d-4e5f-9a1b-2c3d4e5f6a7b/",
        "TEST-00042",
        "LOC:REC:A-01-3",
        "MM-20250101-1",
    ],
)
def test_the_qr_svg_draws_the_qr_code_of_the_text(text):
    svg = qr_svg(text, label=text)
    assert qr_matrix_of(svg) == expected_matrix(text)


def test_the_qr_code_is_a_full_qr_with_at_least_medium_error_correction():
    symbol = qr_code("LOC:REC:A-01-3")
    assert not symbol.is_micro
    version, error = symbol.designator.split("-")
    assert int(version) >= 1 and error in ("M", "Q", "H")
    # The most compact mode that holds the text: upper-case codes need no byte mode.
    assert symbol.mode == "alphanumeric"
    assert qr_code("https://wms.example.org/scan/").mode == "byte"


def test_the_qr_svg_is_scalable_and_has_no_style_attribute():
    svg = qr_svg("TEST-00042", label="TEST-00042", css_class="qr")
    assert svg.startswith('<svg role="img" aria-label="TEST-00042" ')
    assert 'class="qr"' in svg
    # Sized by its CSS class: no width or height of its own.
    assert " width=" not in svg.split(">")[0] and " height=" not in svg.split(">")[0]
    assert "style" not in svg and "href" not in svg and "<script" not in svg


def test_the_qr_label_is_escaped():
    svg = qr_svg("x", label='Savon "doux" <b>')
    assert 'aria-label="Savon &quot;doux&quot; &lt;b&gt;"' in svg
    assert "<b>" not in svg
