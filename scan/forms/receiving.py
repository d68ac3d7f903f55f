"""Forms of the pallet receipt and of its packing list import (S-RECEIPTS, S-IMPORT).

They read what was typed and chosen; the rules (what a listing row means, what a receipt needs)
live in wms.imports.listing and wms.services.pallet_receipts.
"""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from scan.operations import parse_op_id
from wms.imports.errors import ImportFileError
from wms.imports.listing import FIELD_KEYS, Decision, PlannedLine, ReadOptions, extension_of
from wms.models import Contact, Warehouse
from wms.services.errors import StockError
from wms.services.pallet_receipts import Logistics

TEXT = {"autocomplete": "off"}
NUMBER = {"autocomplete": "off", "inputmode": "numeric"}
DATE = {"type": "date", "autocomplete": "off"}
MAX_HEADER_ROW = 10_000
MAX_PAGE = 10_000

FIELD_LABELS = {
    "gtin": _("Product code (GTIN / EAN)"),
    "sku": _("Product reference (SKU)"),
    "name": _("Product name"),
    "brand": _("Brand"),
    "quantity": _("Quantity"),
    "lot_code": _("Lot code"),
    "expires_on": _("Expiry date"),
    "location": _("Location (optional)"),
    "storage_conditions": _("Storage conditions (optional)"),
}


class ContactChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Contact) -> str:
        return obj.name


def date_field(label: Any, required: bool) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
    )


class PalletReceiptForm(forms.Form):
    """The logistics record of a pallet (S-RECEIPTS "pallet receipt")."""

    op_id = forms.CharField(widget=forms.HiddenInput, required=False)
    received_on = date_field(_("Received on"), required=True)
    pallet_count = forms.IntegerField(
        label=_("Number of pallets"),
        min_value=0,
        max_value=10_000,
        initial=1,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 0}),
    )
    donor = ContactChoiceField(
        label=_("Donor"), queryset=Contact.objects.none(), required=False, empty_label=_("— none —")
    )
    carrier = ContactChoiceField(
        label=_("Carrier (optional)"),
        queryset=Contact.objects.none(),
        required=False,
        empty_label=_("— none —"),
    )
    transport_request_date = date_field(_("Transport request date (optional)"), required=False)
    origin_reference = forms.CharField(
        label=_("Origin reference (optional)"),
        max_length=80,
        required=False,
        widget=forms.TextInput(TEXT),
    )
    carrier_reference = forms.CharField(
        label=_("Carrier reference (optional)"),
        max_length=80,
        required=False,
        widget=forms.TextInput(TEXT),
    )
    warehouse = forms.ModelChoiceField(
        label=_("Warehouse"), queryset=Warehouse.objects.all(), required=False, empty_label=None
    )
    notes = forms.CharField(
        label=_("Notes (optional)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    # What the listing import carries from this form to its upload step.
    LOGISTICS = (
        "received_on",
        "pallet_count",
        "donor",
        "carrier",
        "transport_request_date",
        "origin_reference",
        "carrier_reference",
        "warehouse",
        "notes",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contacts = Contact.objects.filter(is_active=True).order_by("name")
        self.fields["donor"].queryset = contacts.filter(is_donor=True)  # type: ignore[attr-defined]
        self.fields["carrier"].queryset = contacts.filter(is_carrier=True)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())
            receiving = Warehouse.receiving()
            self.initial.setdefault("warehouse", receiving.pk if receiving else None)

    def clean_op_id(self) -> uuid.UUID | None:
        raw = self.cleaned_data.get("op_id")
        if not raw:
            return None  # the listing path carries no operation id: nothing is written yet
        try:
            return parse_op_id(raw)
        except StockError as error:
            raise ValidationError(error.message, code="op_id") from None

    def logistics(self) -> Logistics:
        data = self.cleaned_data
        return Logistics(
            received_on=data["received_on"],
            pallet_count=data.get("pallet_count") or 0,
            source=data.get("donor"),
            carrier=data.get("carrier"),
            transport_request_date=data.get("transport_request_date"),
            origin_reference=data.get("origin_reference", ""),
            carrier_reference=data.get("carrier_reference", ""),
            warehouse=data.get("warehouse") or Warehouse.receiving(),
            notes=data.get("notes", ""),
        )

    def operation_fields(self) -> dict[str, Any]:
        """What identifies this record for a double submit: the logistics, JSON-able."""
        return self.logistics().as_json()

    def logistics_query(self) -> QueryDict:
        """The logistics as typed, for the upload step's hidden fields."""
        query = QueryDict(mutable=True)
        for name in self.LOGISTICS:
            value = self.data.get(name)
            if value not in (None, ""):
                query[name] = str(value)
        return query


class ListingUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Packing list (CSV, XLSX, XLS or PDF)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".csv,.txt,.xlsx,.xlsm,.xls,.pdf"},
        ),
    )
    header_row = forms.IntegerField(
        label=_("Header row (spreadsheets)"),
        min_value=1,
        max_value=MAX_HEADER_ROW,
        initial=1,
        help_text=_("The row that holds the column names, below any title block."),
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )
    first_page = forms.IntegerField(
        label=_("First page (PDF)"),
        min_value=1,
        max_value=MAX_PAGE,
        initial=1,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )
    last_page = forms.IntegerField(
        label=_("Last page (PDF, optional)"),
        min_value=1,
        max_value=MAX_PAGE,
        required=False,
        help_text=_("Leave empty to read up to the last page."),
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )

    def clean_file(self) -> Any:
        uploaded = self.cleaned_data["file"]
        try:
            extension_of(uploaded.name or "")
        except ImportFileError as exc:
            raise ValidationError(exc.message, code="format") from None
        limit = settings.LISTING_MAX_FILE_SIZE_MB
        # Refused before the file is read into memory.
        if uploaded.size > limit * 1024 * 1024:
            raise ValidationError(
                _("This file is too big: %(limit)s MB at most.") % {"limit": limit}, code="size"
            )
        if uploaded.size == 0:
            raise ValidationError(_("This file is empty."), code="empty")
        return uploaded

    def read_options(self) -> ReadOptions:
        data = self.cleaned_data
        return ReadOptions(
            header_row=data.get("header_row") or 1,
            first_page=data.get("first_page") or 1,
            last_page=data.get("last_page"),
        )


class ReadOptionsForm(forms.Form):
    """How to read the kept file again: a workbook's sheet and header row, a PDF's pages."""

    sheet = forms.ChoiceField(label=_("Sheet"), required=False)
    header_row = forms.IntegerField(
        label=_("Header row"),
        min_value=1,
        max_value=MAX_HEADER_ROW,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )
    first_page = forms.IntegerField(
        label=_("First page"),
        min_value=1,
        max_value=MAX_PAGE,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )
    last_page = forms.IntegerField(
        label=_("Last page (optional)"),
        min_value=1,
        max_value=MAX_PAGE,
        required=False,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )

    def __init__(
        self,
        *args: Any,
        sheets: list[str],
        pdf: bool,
        current: ReadOptions,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", current.as_json())
        super().__init__(*args, **kwargs)
        self.pdf = pdf
        sheet = self.fields["sheet"]
        if isinstance(sheet, forms.ChoiceField):
            sheet.choices = [(name, name) for name in sheets]
        if not sheets:
            del self.fields["sheet"]
        if pdf:
            del self.fields["header_row"]
        else:
            del self.fields["first_page"], self.fields["last_page"]
        if sheets and not current.sheet:
            self.initial["sheet"] = sheets[0]

    def read_options(self) -> ReadOptions:
        data = self.cleaned_data
        return ReadOptions(
            sheet=data.get("sheet") or None,
            header_row=data.get("header_row") or 1,
            first_page=data.get("first_page") or 1,
            last_page=data.get("last_page"),
        )


class MappingForm(forms.Form):
    """One select per field, listing the file's columns as written."""

    def __init__(self, *args: Any, headers: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —")), *headers.items()]
        for key in FIELD_KEYS:
            self.fields[key] = forms.ChoiceField(
                label=FIELD_LABELS[key], choices=choices, required=False
            )

    def mapping(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(key) or "" for key in FIELD_KEYS}


def row_field(line: int, name: str) -> str:
    return f"row-{line}-{name}"


def posted_decisions(data: QueryDict, plan: list[PlannedLine]) -> dict[int, Decision]:
    """The review screen's inputs for every row of the plan: an unchecked box is "skip"; a value
    left as shown is kept as typed (the row's own value is then read again the same way)."""
    decisions = {}
    for planned in plan:
        line = planned.line
        quantity = data.get(row_field(line, "quantity"))
        location = data.get(row_field(line, "location"))
        decisions[line] = Decision(
            apply=bool(data.get(row_field(line, "apply"))),
            quantity=None if quantity is None else quantity.strip()[:40],
            location=None if location is None else location.strip()[:120],
        )
    return decisions
