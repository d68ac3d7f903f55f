"""Product lines typed on a staff form (shipment, staff-created order): a few rows of "product
code + quantity", read into (product, quantity) pairs with a message on the row at fault."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from scan.forms.capture import NUMBER, TEXT, CaptureForm
from wms.models import Product

MAX_LINE_QUANTITY = 10_000  # as the pack plan: a typo of a million units is refused at once


def add_line_fields(form: forms.Form, rows: int) -> None:
    for index in range(1, rows + 1):
        form.fields[f"line_code_{index}"] = forms.CharField(
            label=_("Product (SKU, GTIN, barcode or name)"),
            max_length=200,
            required=False,
            widget=forms.TextInput(attrs=TEXT),
        )
        form.fields[f"line_quantity_{index}"] = forms.IntegerField(
            label=_("Quantity"),
            min_value=1,
            max_value=MAX_LINE_QUANTITY,
            required=False,
            widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
        )


def line_rows(form: forms.Form, rows: int) -> list[tuple[forms.BoundField, forms.BoundField]]:
    return [
        (form[f"line_code_{index}"], form[f"line_quantity_{index}"]) for index in range(1, rows + 1)
    ]


def read_lines(form: CaptureForm, cleaned: dict[str, Any], rows: int) -> list[tuple[Product, int]]:
    """The rows filled in, as (product, quantity); errors go on the row's fields. The row fields
    leave `cleaned` (the operation is recorded with its lines, not its raw rows)."""
    lines: list[tuple[Product, int]] = []
    for index in range(1, rows + 1):
        code_name, quantity_name = f"line_code_{index}", f"line_quantity_{index}"
        code = (cleaned.pop(code_name, "") or "").strip()
        quantity = cleaned.pop(quantity_name, None)
        if not code and quantity is None:
            continue
        if not code:
            form.add_error(code_name, _("Scan or type the product of this line."))
            continue
        if quantity is None and not form.has_error(quantity_name):
            form.add_error(quantity_name, _("Give the quantity of this line."))
        cleaned[code_name] = code
        product = form.product_from_code(code_name)
        cleaned.pop(code_name, None)
        if product is not None and quantity is not None:
            lines.append((product, quantity))
    return lines
