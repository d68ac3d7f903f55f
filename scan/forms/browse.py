"""Filter forms of the read-only scan lists (stock, receipts): GET forms, never saved.

A value the form refuses (an unknown category, a sort that does not exist) is reported next to
its field and left out of the query, so the list still shows with the filters that were valid.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from wms.models import ProductCategory, ReceiptStatus, ReceiptType, Warehouse
from wms.text import fold_key

SORT_CHOICES = [
    ("name", _("Name")),
    ("sku", _("SKU")),
    ("quantity", _("Usable quantity")),
    ("category", _("Category")),
]
DEFAULT_SORT = "name"


def _optional_id(label: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, empty_value=None, required=False)


def warehouse_choices() -> list[tuple[Any, Any]]:
    return [
        ("", _("All warehouses")),
        *Warehouse.objects.order_by("name").values_list("pk", "name"),
    ]


class ListFilterForm(forms.Form):
    def value_of(self, name: str) -> Any:
        """The cleaned value of a field, or None when it is empty or was refused."""
        if not self.is_bound:
            return None
        self.is_valid()
        return self.cleaned_data.get(name) or None


class StockFilterForm(ListFilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=200,
        help_text=_("Name, SKU, GTIN, barcode or lot number"),
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "autocomplete": "off",
                "autocapitalize": "none",
                "spellcheck": "false",
                "enterkeyhint": "search",
            }
        ),
    )
    category = _optional_id(_("Category"))
    warehouse = _optional_id(_("Warehouse"))
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORT_CHOICES)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Up to four levels: the three parents joined give every path without a query per row.
        categories = sorted(
            ProductCategory.objects.select_related("parent__parent__parent"),
            key=lambda category: fold_key(category.path),
        )
        category_field: Any = self.fields["category"]
        category_field.choices = [
            ("", _("All categories")),
            *((category.pk, category.path) for category in categories),
        ]
        warehouse_field: Any = self.fields["warehouse"]
        warehouse_field.choices = warehouse_choices()


class ExpiredFilterForm(ListFilterForm):
    warehouse = _optional_id(_("Warehouse"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        warehouse_field: Any = self.fields["warehouse"]
        warehouse_field.choices = warehouse_choices()


class ReceiptFilterForm(ListFilterForm):
    receipt_type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("All types")), *ReceiptType.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *ReceiptStatus.choices],
    )
