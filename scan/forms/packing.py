"""Forms of the packing screens (S-CARTONS, S-SCAN): pack into a carton, plan several cartons
(bin packing), close or reopen a carton, and the carton list's filters.

The forms only resolve what was typed or scanned (a product code, a carton code, a shipment
reference, a carton size); whether the carton is still open, the shipment unlocked or the stock
sufficient is decided by wms.services.packing, so a replayed offline capture is judged against
the current state.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from scan.forms.browse import ListFilterForm
from scan.forms.capture import (
    NUMBER,
    TEXT,
    CaptureForm,
    product_code_field,
    quantity_field,
    read_product,
)
from wms.models import Carton, CartonFormat, CartonStatus, Product, Shipment
from wms.models.cartons import DEFAULT_MAX_WEIGHT_G
from wms.services.errors import StockError
from wms.services.packing import Dimensions

DECIMAL = {"autocomplete": "off", "inputmode": "decimal"}
# Lines of the bin-packing form: enough for a typical mixed carton, few enough for a phone.
PLAN_ROWS = 6
# A plan is computed in memory and shown whole: a typo such as 1000000 must not build it.
PLAN_MAX_QUANTITY = 10_000
SIZE_FIELDS = ("length", "width", "height", "max_weight")


# --- lookups ------------------------------------------------------------------------------------


def find_carton(code: str) -> Carton | None:
    """A carton by its code. The type letters of an open carton follow its contents, so a code
    read a moment ago (or its `YYYYMMDD-N` part alone) still finds it."""
    text = code.strip().upper()
    if not text:
        return None
    cartons = Carton.objects.select_related("shipment")
    carton = cartons.filter(code=text).first()
    if carton is not None:
        return carton
    _letters, _sep, suffix = text.partition("-")
    return cartons.filter(code_suffix__in=[text, suffix]).first()


def find_shipment(reference: str) -> Shipment | None:
    text = reference.strip()
    return Shipment.objects.filter(reference__iexact=text).first() if text else None


def active_formats() -> QuerySet[CartonFormat]:
    return CartonFormat.objects.filter(is_active=True).order_by("-is_default", "name")


class CartonFormatField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: CartonFormat) -> str:
        return f"{obj} · {obj.max_weight_g} g max"


def carton_format_field() -> CartonFormatField:
    return CartonFormatField(
        label=_("Carton format"),
        queryset=active_formats(),
        required=False,
        empty_label=_("— default format —"),
    )


def size_field(label: Any, attrs: dict[str, str] = DECIMAL) -> forms.CharField:
    # Text, not DecimalField: "40,5" typed on a French keyboard is read by Dimensions.parse.
    return forms.CharField(
        label=label, max_length=12, required=False, widget=forms.TextInput(attrs=attrs)
    )


class CartonSizeMixin(forms.Form):
    """A carton format, or custom inner dimensions (they win when any is typed)."""

    carton_format = carton_format_field()
    length = size_field(_("Length (cm)"))
    width = size_field(_("Width (cm)"))
    height = size_field(_("Height (cm)"))
    max_weight = size_field(_("Maximum weight (g)"), NUMBER)

    def preselect_default_format(self) -> None:
        if not self.is_bound and "carton_format" not in self.initial:
            default = CartonFormat.default()
            self.initial["carton_format"] = default.pk if default else None

    def custom_dimensions(self) -> Dimensions | None:
        cleaned = self.cleaned_data
        typed = [str(cleaned.get(name) or "").strip() for name in SIZE_FIELDS]
        if not any(typed):
            return None
        length, width, height, weight = typed
        try:
            return Dimensions.parse(length, width, height, weight or DEFAULT_MAX_WEIGHT_G)
        except StockError as error:
            self.add_error(None, error.message)
            return None

    @property
    def has_custom_size(self) -> bool:
        return any(str(self[name].value() or "").strip() for name in SIZE_FIELDS)


def without_derived(cleaned: dict[str, Any], *derived: str) -> dict[str, Any]:
    return {name: value for name, value in cleaned.items() if name not in derived}


# --- pack into a carton -------------------------------------------------------------------------


class PackForm(CaptureForm, CartonSizeMixin):
    """Mode A: a quantity of one product into a carton (a new one when none is named)."""

    product_code = product_code_field()
    quantity = quantity_field()
    carton = forms.CharField(
        label=_("Carton (empty: a new carton)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "list": "open-cartons"}),
    )
    shipment = forms.CharField(
        label=_("Shipment (optional)"),
        max_length=12,
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "list": "open-shipments"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.preselect_default_format()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["product"] = self.product_from_code()
        cleaned.pop("product_code", None)
        code = (cleaned.get("carton") or "").strip()
        cleaned["carton"] = find_carton(code) if code else None
        if code and cleaned["carton"] is None:
            self.add_error("carton", _("No carton has the code “%(code)s”.") % {"code": code})
        reference = (cleaned.get("shipment") or "").strip()
        cleaned["shipment"] = find_shipment(reference) if reference else None
        if reference and cleaned["shipment"] is None:
            self.add_error(
                "shipment", _("No shipment has the reference “%(ref)s”.") % {"ref": reference}
            )
        cleaned["dimensions"] = self.custom_dimensions()
        return cleaned

    def operation_fields(self) -> dict[str, Any]:
        # The dimensions come from the typed sizes, which are part of the body already.
        fields = super().operation_fields()
        return without_derived(fields, "dimensions")


# --- plan several cartons (bin packing) ---------------------------------------------------------


class PlanForm(CaptureForm, CartonSizeMixin):
    """Mode B: several (product, quantity) lines spread over cartons of one size. The op_id is
    only used by "Create these cartons"; computing the plan changes nothing."""

    use_defaults = forms.BooleanField(
        label=_("Use default values (5 g, 1 cm³) for products without weight or volume"),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "plan-%s")
        super().__init__(*args, **kwargs)
        for number in range(1, PLAN_ROWS + 1):
            self.fields[f"code_{number}"] = forms.CharField(
                label=_("Product %(number)s") % {"number": number},
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={**TEXT, "enterkeyhint": "next"}),
            )
            self.fields[f"quantity_{number}"] = forms.IntegerField(
                label=_("Quantity %(number)s") % {"number": number},
                min_value=1,
                max_value=PLAN_MAX_QUANTITY,
                required=False,
                widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
            )
        self.preselect_default_format()

    @property
    def rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"code_{number}"], self[f"quantity_{number}"])
            for number in range(1, PLAN_ROWS + 1)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines: dict[int, tuple[Product, int]] = {}
        for number in range(1, PLAN_ROWS + 1):
            code = (cleaned.get(f"code_{number}") or "").strip()
            quantity = cleaned.get(f"quantity_{number}")
            if not code and quantity is None:
                continue
            if not code:
                self.add_error(f"code_{number}", _("Scan or type the product of this line."))
                continue
            reading = read_product(code)
            if reading.product is None:
                self.add_error(f"code_{number}", reading.error)
                continue
            if quantity is None:
                if f"quantity_{number}" not in self.errors:
                    self.add_error(f"quantity_{number}", _("Enter the quantity of this line."))
                continue
            # The same product on two lines is one line: it is packed as one quantity.
            product = reading.product
            previous = lines.get(product.pk, (product, 0))[1]
            lines[product.pk] = (product, previous + quantity)
        if not lines and not self.errors:
            self.add_error(None, _("Enter at least one product and its quantity."))
        cleaned["lines"] = list(lines.values())
        cleaned["dimensions"] = self.custom_dimensions()
        return cleaned

    def operation_fields(self) -> dict[str, Any]:
        fields = super().operation_fields()
        return without_derived(fields, "lines", "dimensions")


# --- close and reopen ---------------------------------------------------------------------------

BACK_TO = [("cartons", "cartons"), ("pack", "pack")]


class CartonActionForm(CaptureForm):
    """Close or reopen the carton named by the URL; `back` says which screen asked."""

    back = forms.ChoiceField(choices=BACK_TO, required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, carton_pk: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.carton_pk = carton_pk

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["carton"] = Carton.objects.filter(pk=self.carton_pk).first()
        if cleaned["carton"] is None:
            self.add_error(None, _("This carton does not exist."))
        cleaned["back"] = cleaned.get("back") or "cartons"
        return cleaned


# --- the carton list's filters ------------------------------------------------------------------

ASSIGNED = "assigned"
UNASSIGNED = "unassigned"


def status_filter_choices() -> list[tuple[str, Any]]:
    # The statuses as the list shows them: a ready carton in a shipment reads "Affecté".
    return [
        ("", _("All statuses")),
        (CartonStatus.DRAFT, CartonStatus.DRAFT.label),
        (CartonStatus.PICKING, CartonStatus.PICKING.label),
        (CartonStatus.PACKED, CartonStatus.PACKED.label),
        (ASSIGNED, _("Assigned")),
        (CartonStatus.SHIPPED, CartonStatus.SHIPPED.label),
        (UNASSIGNED, _("Not in a shipment")),
    ]


class CartonFilterForm(ListFilterForm):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=40,
        help_text=_("Carton code or shipment reference"),
        widget=forms.TextInput(attrs={**TEXT, "type": "search", "enterkeyhint": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=status_filter_choices)
    created_on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d"),
    )
