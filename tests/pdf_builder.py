"""Small PDFs written byte by byte for the tests: text placed at given points (Helvetica, which
every PDF reader knows without an embedded font) and deliberately broken page trees, so that the
PDF reader's refusals and its reading of an unruled table are tested without a PDF library."""

from __future__ import annotations


def pdf_from_objects(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF whose numbered objects are `objects` (1-based), with a correct cross-reference."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root {root} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)


def text_pdf(words: list[tuple[float, float, str]]) -> bytes:
    """One A4 page with each (x, y, text) written at that point (origin at the bottom left)."""
    lines = [b"BT /F1 11 Tf"]
    for x, y, text in words:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        lines.append(f"1 0 0 1 {x} {y} Tm ({escaped}) Tj".encode("latin-1"))
    lines.append(b"ET")
    stream = b"\n".join(lines)
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
            f"<< /Length {len(stream)} >>\nstream\n".encode() + stream + b"\nendstream",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        ]
    )


# A page without a size anywhere in its tree: pdfplumber fails with a TypeError.
NO_MEDIABOX = pdf_from_objects(
    [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R >>",
    ]
)
# A dictionary with a key and no value: pdfminer's own exception, raised again while closing.
BAD_PAGES_DICT = pdf_from_objects(
    [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 /Junk >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
    ]
)
