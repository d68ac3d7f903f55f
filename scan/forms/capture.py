"""Forms of the capture screens (S-SCAN, S-STOCK operations): quick entry, remove, adjust, count,
move, and the quick creation of a product or a donor.

The forms only read and resolve what was typed or scanned (a product code, a `LOC:` payload, a
lot id); every rule about stock stays in wms.services, so the service refuses what the form
cannot know (a perishable product without expiry, not enough stock, a stale count).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils.translation import gettext_lazy as _

from scan import codes
from scan.operations import parse_op_id
from wms.gtin import InvalidGtin, normalize_gtin
from wms.models import Contact, Location, Product, ProductCategory, ProductLot
from wms.services.errors import StockError
from wms.services.stock import ADJUST_REASONS, REMOVAL_REASONS
from wms.text import fold_key

LOCATION_PREFIX = "LOC:"
# Phones must not suggest earlier entries (a lot code or quantity typed for another product).
TEXT = {"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
NAME = {"autocomplete": "off"}
NUMBER = {"autocomplete": "off", "inputmode": "numeric"}


# --- lookups ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProductReading:
    """A scanned or typed product code read by scan.codes: the product when exactly one
    matches, else why not; a GS1 code also brings its lot, expiry and GTIN."""

    product: Product | None
    error: str = ""
    unknown: bool = False  # nothing matched: the screen offers to create the product
    gtin: str = ""
    lot: str = ""
    expires_on: dt.date | None = None


def read_product(code: str) -> ProductReading:
    code = code.strip()
    result = codes.resolve_code(code)
    gtin, lot, expires_on = result.gtin or gtin_or_blank(code), result.lot or "", result.expires_on
    if result.product is not None and not result.error:
        return ProductReading(result.product, gtin=gtin, lot=lot, expires_on=expires_on)
    if result.kind == codes.AMBIGUOUS:
        choices = ", ".join(str(candidate["label"]) for candidate in result.candidates)
        message = _("Several products match “%(code)s”: %(choices)s.")
        return ProductReading(None, str(message % {"code": code, "choices": choices}))
    if result.kind == codes.GS1 and result.error:
        # A readable GS1 code: its own reason (unknown GTIN, bad check digit, bad date).
        return ProductReading(None, result.error, unknown=result.product is None, gtin=gtin)
    message = _("No product matches the code “%(code)s”.")
    return ProductReading(None, str(message % {"code": code}), unknown=True, gtin=gtin)


def find_product(code: str) -> Product | None:
    return read_product(code).product if code.strip() else None


def find_location(payload: str) -> Location | None:
    """A location label's QR payload `LOC:<warehouse code>:<zone>-<aisle>-<shelf>`."""
    text = payload.strip()
    if not text.upper().startswith(LOCATION_PREFIX):
        return None
    warehouse_code, _sep, code = text[len(LOCATION_PREFIX) :].partition(":")
    parts = code.strip().upper().split("-")
    if len(parts) != 3 or not warehouse_code.strip():
        return None
    zone, aisle, shelf = parts
    return (
        Location.objects.select_related("warehouse")
        .filter(warehouse__code=warehouse_code.strip().upper(), zone=zone, aisle=aisle, shelf=shelf)
        .first()
    )


def find_donor(name: str) -> Contact | None:
    key = fold_key(name)
    if not key:
        return None
    return (
        Contact.objects.filter(is_donor=True, name_key=key).first()
        or Contact.objects.filter(is_donor=True, asf_id__iexact=name.strip()).first()
    )


def gtin_or_blank(code: str) -> str:
    """The code when it is a GTIN (to prefill a quick creation), else nothing."""
    try:
        normalize_gtin(code)
    except InvalidGtin:
        return ""
    return "".join(code.split())


def lot_label(lot: ProductLot) -> str:
    """One line per lot in a select: lot, expiry, place, status and quantity available."""
    code = lot.lot_code or _("no lot")
    expiry = lot.expires_on.strftime("%d/%m/%Y") if lot.expires_on else _("no expiry")
    return str(
        _("%(lot)s · exp. %(expiry)s · %(location)s · %(status)s · %(available)s available")
        % {
            "lot": code,
            "expiry": expiry,
            "location": lot.location.code,
            "status": lot.get_status_display(),
            "available": lot.quantity_available,
        }
    )


def product_lots(product: Product) -> list[ProductLot]:
    """The product's lots that hold stock, first expired first (any status: a manager may
    destroy a quarantined one; the service decides)."""
    from wms.services.fefo import fefo_order

    lots = fefo_order(
        ProductLot.objects.filter(product=product, quantity_on_hand__gt=0).select_related(
            "location__warehouse"
        )
    )
    return list(lots)


# --- fields -------------------------------------------------------------------------------------


class LotField(forms.Field):
    """A lot chosen by id; every lot validates (an emptied lot must still match when an offline
    capture is replayed), the select only offers those that hold stock."""

    widget = forms.HiddenInput
    default_error_messages = {"invalid": _("This lot does not exist.")}

    def to_python(self, value: Any) -> ProductLot | None:
        if value in self.empty_values:
            return None
        if isinstance(value, ProductLot):
            return value
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        lot = (
            ProductLot.objects.select_related("product", "location__warehouse")
            .filter(pk=pk)
            .first()
        )
        if lot is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return lot

    def prepare_value(self, value: Any) -> Any:
        return value.pk if isinstance(value, ProductLot) else value


class LocationChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Location) -> str:
        return f"{obj.warehouse.name} {obj.code}"


def location_choices(empty_label: Any = None) -> LocationChoiceField:
    return LocationChoiceField(
        queryset=Location.objects.filter(is_active=True).select_related("warehouse"),
        required=False,
        empty_label=empty_label,
    )


def as_json(value: Any) -> Any:
    if isinstance(value, Model):
        return value.pk
    if isinstance(value, (dt.date, uuid.UUID)):
        return str(value)
    return value


# --- base ---------------------------------------------------------------------------------------


class CaptureForm(forms.Form):
    """A form captured on a phone: it carries the operation id rendered with it (S-OFFLINE)."""

    op_id = forms.CharField(widget=forms.HiddenInput, required=False)
    # How the product code was read, once clean() ran (the page offers a quick creation).
    reading: ProductReading | None = None

    def clean_op_id(self) -> uuid.UUID:
        try:
            return parse_op_id(self.cleaned_data.get("op_id"))
        except StockError as error:
            raise ValidationError(error.message, code="op_id") from None

    def operation_fields(self) -> dict[str, Any]:
        """What identifies this capture for a replay: the cleaned fields, JSON-able, without
        the operation id itself."""
        return {
            name: as_json(value) for name, value in self.cleaned_data.items() if name != "op_id"
        }

    def product_from_code(self, field: str = "product_code") -> Product | None:
        code = (self.cleaned_data.get(field) or "").strip()
        if not code:
            return None
        self.reading = read_product(code)
        if self.reading.product is None:
            self.add_error(field, self.reading.error)
        return self.reading.product

    def location_from(self, choice: str, payload: str) -> Location | None:
        """A location from its select or from a scanned `LOC:` payload (they must agree)."""
        chosen = self.cleaned_data.get(choice)
        scanned_text = (self.cleaned_data.get(payload) or "").strip()
        self.cleaned_data.pop(payload, None)
        if not scanned_text:
            return chosen
        scanned = find_location(scanned_text)
        if scanned is None:
            self.add_error(payload, _("No location matches “%(code)s”.") % {"code": scanned_text})
            return None
        if chosen is not None and chosen.pk != scanned.pk:
            self.add_error(payload, _("The scanned location differs from the chosen one."))
            return None
        return scanned


def product_code_field(required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=_("Product (SKU, GTIN, barcode or name)"),
        max_length=200,
        required=required,
        widget=forms.TextInput(attrs={**TEXT, "autofocus": True, "enterkeyhint": "next"}),
    )


def quantity_field(required: bool = True, help_text: Any = "") -> forms.IntegerField:
    return forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        required=required,
        help_text=help_text,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
    )


def location_scan_field(label: Any) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=120,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "LOC:…"}),
    )


# --- screens ------------------------------------------------------------------------------------


class QuickEntryForm(CaptureForm):
    """ "MAJ stock": one product received now, as an automatic donation receipt."""

    product_code = product_code_field()
    quantity = quantity_field()
    expires_on = forms.DateField(
        label=_("Expiry date"),
        required=False,
        help_text=_("Required for perishable products."),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
    )
    lot_code = forms.CharField(
        label=_("Lot code"), max_length=60, required=False, widget=forms.TextInput(attrs=TEXT)
    )
    donor = forms.CharField(
        label=_("Donor (optional)"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={**NAME, "list": "donor-names"}),
    )
    location = location_choices(_("— the product's default location —"))
    location_code = location_scan_field(_("Or scan a location"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["location"].label = _("Location (default: the product's)")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["product"] = self.product_from_code()
        cleaned.pop("product_code", None)
        cleaned["location"] = self.location_from("location", "location_code")
        donor_name = (cleaned.pop("donor", "") or "").strip()
        cleaned["donor"] = find_donor(donor_name) if donor_name else None
        if donor_name and cleaned["donor"] is None:
            self.add_error(
                "donor", _("No donor is called “%(name)s”: create it below.") % {"name": donor_name}
            )
        # A GS1 scan carries the lot and the expiry: they fill what the worker left empty.
        reading = self.reading
        cleaned["lot_code"] = (cleaned.get("lot_code") or "").strip() or (
            reading.lot if reading else ""
        )
        if cleaned.get("expires_on") is None and reading is not None:
            cleaned["expires_on"] = reading.expires_on
        return cleaned

    @property
    def unknown_donor(self) -> str:
        if self.is_bound and "donor" in self.errors:
            return str(self.data.get("donor", "")).strip()
        return ""


class RemoveForm(CaptureForm):
    product_code = product_code_field()
    quantity = quantity_field()
    reason = forms.ChoiceField(
        label=_("Reason"), choices=list(REMOVAL_REASONS.items()), initial="scan_out"
    )
    lot = LotField(label=_("Lot"), required=False)
    notes = forms.CharField(
        label=_("Note (optional)"), max_length=200, required=False, widget=forms.TextInput(NAME)
    )

    def __init__(self, *args: Any, lots: list[ProductLot] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if lots is not None:
            self.fields["lot"].widget = forms.Select(
                choices=[("", _("First expired, first out (automatic)"))]
                + [(lot.pk, lot_label(lot)) for lot in lots]
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["product"] = self.product_from_code()
        cleaned.pop("product_code", None)
        return cleaned


class AdjustForm(CaptureForm):
    lot = LotField(label=_("Lot"))
    delta = forms.IntegerField(
        label=_("Change (+ found, − missing)"),
        widget=forms.NumberInput(attrs={"autocomplete": "off"}),
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=list(ADJUST_REASONS.items()))
    notes = forms.CharField(
        label=_("Note (optional)"), max_length=200, required=False, widget=forms.TextInput(NAME)
    )


class CountForm(CaptureForm):
    lot = LotField(label=_("Lot"))
    counted = forms.IntegerField(
        label=_("Quantity counted"),
        min_value=0,
        widget=forms.NumberInput(attrs={**NUMBER, "min": 0, "autofocus": True}),
    )
    # What the screen showed when it was rendered: the service refuses the count if it changed.
    seen_on_hand = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


class MoveForm(CaptureForm):
    product_code = product_code_field(required=False)
    lot = LotField(label=_("Lot"), required=False)
    quantity = quantity_field(
        required=False, help_text=_("Leave empty to move everything available.")
    )
    to_location = location_choices(_("— choose —"))
    to_location_code = location_scan_field(_("Or scan the destination"))

    def __init__(self, *args: Any, lots: list[ProductLot] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["to_location"].label = _("Destination")
        if lots is not None:
            self.fields["lot"].widget = forms.Select(
                choices=[("", _("First expired, first out (automatic)"))]
                + [(lot.pk, lot_label(lot)) for lot in lots]
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        product = self.product_from_code()
        cleaned.pop("product_code", None)
        lot = cleaned.get("lot")
        if lot is None and product is None and not self.has_error("product_code"):
            self.add_error("product_code", _("Scan a product or choose a lot."))
        if lot is not None and product is not None and lot.product_id != product.pk:
            self.add_error("lot", _("This lot is not one of this product's."))
        cleaned["product"] = product if lot is None else None
        destination = self.location_from("to_location", "to_location_code")
        if destination is None and not self.has_error("to_location_code"):
            self.add_error("to_location", _("Choose or scan the destination."))
        cleaned["to_location"] = destination
        return cleaned


class QuickProductForm(CaptureForm):
    name = forms.CharField(label=_("Product name"), max_length=200, widget=forms.TextInput(NAME))
    category = forms.ModelChoiceField(
        label=_("Category (optional)"),
        queryset=ProductCategory.objects.select_related("parent__parent__parent"),
        required=False,
        empty_label=_("— none —"),
    )
    gtin = forms.CharField(
        label=_("GTIN (optional)"),
        max_length=14,
        required=False,
        widget=forms.TextInput(attrs={**NUMBER}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Shown on the quick-entry page beside other forms: ids of its own.
        kwargs.setdefault("auto_id", "new-product-%s")
        super().__init__(*args, **kwargs)

    def clean_gtin(self) -> str:
        return "".join((self.cleaned_data.get("gtin") or "").split())


class QuickDonorForm(CaptureForm):
    name = forms.CharField(label=_("Donor name"), max_length=200, widget=forms.TextInput(NAME))
    # The product code typed before, so the quick-entry screen comes back filled in.
    code = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "new-donor-%s")
        super().__init__(*args, **kwargs)


class LookupForm(forms.Form):
    """The GET form that lists a product's lots, to choose the one to adjust or count."""

    code = forms.CharField(
        label=_("Product (SKU, GTIN, barcode or name)"),
        max_length=200,
        widget=forms.TextInput(attrs={**TEXT, "autofocus": True}),
    )
