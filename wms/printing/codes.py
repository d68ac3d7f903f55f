"""QR codes (segno) and Code 128 bar codes (python-barcode) as inline SVG markup.

The markup is ours from end to end, which is why templates may print it with `|safe`: the
encoded data only ever becomes path coordinates or bar widths, and the one piece of text (the
accessible label) is HTML-escaped here.

Both symbols are drawn with presentation attributes (`fill`, `stroke`), never `style="…"`: the
CSP (style-src 'self') blocks style attributes, and python-barcode's own SVG writer paints its bars
and its white background with them — blocked, its background rect would print solid black. So
python-barcode only computes the bar pattern and the SVG is drawn below. Sizes come from CSS
classes (no width/height on the <svg>), so one symbol fits a label or a sheet.
"""

from __future__ import annotations

import segno
from barcode import Code128
from barcode.errors import BarcodeError
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# ISO/IEC 18004 asks for a quiet zone of 4 modules around a QR code, ISO/IEC 15417 for 10 modules
# on each side of a Code 128 symbol: scanners miss codes printed tight against a border.
QR_QUIET_ZONE = 4
CODE128_QUIET_ZONE = 10
# Bar height in modules (the CSS class stretches it: preserveAspectRatio="none").
CODE128_HEIGHT = 50


def qr_code(data: str) -> segno.QRCode:
    """The QR symbol of `data`: a full-size QR (never a Micro QR, which phone readers ignore),
    error correction M at least (segno raises it when the version allows, for free)."""
    return segno.make_qr(data, error="m", boost_error=True)


def _labelled(svg: str, label: str) -> str:
    # segno's inline SVG starts with "<svg "; the label makes the symbol an image for screen
    # readers. Escaped: it may hold a product name.
    attributes = f'role="img" aria-label="{escape(label)}" ' if label else 'aria-hidden="true" '
    return svg.replace("<svg ", f"<svg {attributes}", 1)


def qr_svg(data: str, *, label: str = "", css_class: str = "qr") -> SafeString:
    """Inline SVG of the QR code of `data` (a scalable viewBox, sized by `css_class`)."""
    svg = qr_code(data).svg_inline(
        scale=1, border=QR_QUIET_ZONE, omitsize=True, svgclass=css_class, dark="#000"
    )
    # Generated here from coordinates only; the label is escaped in _labelled().
    return mark_safe(_labelled(svg, label))  # noqa: S308  # nosec B308 B703


def code128_modules(data: str) -> str | None:
    """The Code 128 bar pattern of `data`, one character per module ("1" bar, "0" space), start,
    check and stop symbols included; None when `data` holds a character Code 128 cannot encode."""
    if not data:
        return None
    try:
        return "".join(Code128(data).build())
    except (BarcodeError, ValueError, KeyError):
        return None


def code128_svg(data: str, *, label: str = "", css_class: str = "barcode") -> SafeString | None:
    """Inline SVG of the Code 128 bar code of `data`, without its human-readable text (the
    template prints it under the bars, as text a person can copy); None when not encodable."""
    modules = code128_modules(data)
    if modules is None:
        return None
    bars = []
    start = None
    for index, module in enumerate(modules + "0"):
        if module == "1" and start is None:
            start = index
        elif module == "0" and start is not None:
            x = start + CODE128_QUIET_ZONE
            bars.append(f'<rect x="{x}" y="0" width="{index - start}" height="{CODE128_HEIGHT}"/>')
            start = None
    width = len(modules) + 2 * CODE128_QUIET_ZONE
    svg = (
        f'<svg class="{escape(css_class)}" '
        f'viewBox="0 0 {width} {CODE128_HEIGHT}" preserveAspectRatio="none" '
        f'shape-rendering="crispEdges"><g fill="#000">{"".join(bars)}</g></svg>'
    )
    # Generated here from coordinates only; the label is escaped in _labelled().
    return mark_safe(_labelled(svg, label))  # noqa: S308  # nosec B308 B703
