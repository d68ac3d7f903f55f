"""Forms of the shipment screens (S-SHIPMENTS, S-SCAN): the sequenced creation / edition form,
the ship and status actions, the document upload and the list filter.

The party selects offer what the destination allows (shipping.shippers_for / recipients_for) but
validate against every contact: a stale or forged choice reaches shipping.check_parties, whose
French message says why it is refused, instead of a generic "invalid choice".
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from scan.forms.browse import ListFilterForm
from scan.forms.capture import NAME, NUMBER, TEXT, CaptureForm, as_json
from wms.models import (
    Carton,
    Contact,
    Destination,
    Product,
    Shipment,
    ShipmentDocumentKind,
    ShipmentStatus,
)
from wms.services import shipping

LINE_ROWS = 4  # product lines offered at once; more lines: edit the shipment again
DATE = forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d")


def destinations_for_choice(current: Destination | None = None) -> QuerySet[Destination]:
    """Active destinations, plus the shipment's own (so an edit shows it even if retired)."""
    allowed = Q(is_active=True) | Q(pk=current.pk) if current is not None else Q(is_active=True)
    return Destination.objects.filter(allowed).select_related("correspondent").order_by("city")


class DestinationForm(forms.Form):
    """Step one (a GET form): the destination filters every other choice."""

    destination = forms.ModelChoiceField(
        label=_("Destination"),
        queryset=Destination.objects.none(),
        empty_label=_("— choose the destination —"),
    )

    def __init__(self, *args: Any, current: Destination | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "choose-%s")
        super().__init__(*args, **kwargs)
        field: Any = self.fields["destination"]
        field.queryset = destinations_for_choice(current)


def read_destination(raw: Any, allowed: QuerySet[Destination]) -> Destination | None:
    """The destination named by `?destination=` or the posted form, among those allowed."""
    try:
        pk = int(raw)
    except (TypeError, ValueError):
        return None
    return allowed.filter(pk=pk).first()


class ShipmentForm(CaptureForm):
    """Parties, dates and cartons of a shipment; `shipment` given for an edit."""

    destination = forms.ModelChoiceField(
        queryset=Destination.objects.select_related("correspondent"), widget=forms.HiddenInput
    )
    shipper = forms.ModelChoiceField(
        label=_("Shipper"), queryset=Contact.objects.all(), empty_label=_("— choose —")
    )
    recipient = forms.ModelChoiceField(
        label=_("Recipient"), queryset=Contact.objects.all(), empty_label=_("— choose —")
    )
    requested_delivery_date = forms.DateField(
        label=_("Requested delivery date (optional)"), required=False, widget=DATE
    )
    notes = forms.CharField(
        label=_("Notes (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={**NAME, "rows": 2}),
    )
    # Checked against every carton: packing.attach_carton says why one cannot join.
    cartons = forms.ModelMultipleChoiceField(queryset=Carton.objects.all(), required=False)
    use_default_sizes = forms.BooleanField(
        label=_("Use the default values (5 g, 1 cm³) for products with no weight and no volume"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "h-6 w-6"}),
    )

    def __init__(
        self,
        *args: Any,
        destination: Destination | None = None,
        shipment: Shipment | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.shipment = shipment
        self.chosen_destination = destination
        for index in range(1, LINE_ROWS + 1):
            self.fields[f"line_code_{index}"] = forms.CharField(
                label=_("Product (SKU, GTIN, barcode or name)"),
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs=TEXT),
            )
            self.fields[f"line_quantity_{index}"] = forms.IntegerField(
                label=_("Quantity"),
                min_value=1,
                max_value=1_000_000,
                required=False,
                widget=forms.NumberInput(attrs={**NUMBER, "min": 1}),
            )
        if shipment is not None:
            self.fields["detach"] = forms.ModelMultipleChoiceField(
                queryset=shipment.cartons.all(), required=False
            )
            self.fields["flight_date"] = forms.DateField(
                label=_("Flight date"), required=False, widget=DATE
            )
            self.fields["flight_number"] = forms.CharField(
                label=_("Flight number"),
                max_length=20,
                required=False,
                widget=forms.TextInput(attrs=TEXT),
            )
            self.fields["awb_number"] = forms.CharField(
                label=_("AWB / customs declaration number"),
                max_length=40,
                required=False,
                widget=forms.TextInput(attrs=TEXT),
            )
        self._offer_parties(destination)

    def _offer_parties(self, destination: Destination | None) -> None:
        """The selects list only the contacts this destination allows (no query when none)."""
        shippers = list(shipping.shippers_for(destination)) if destination else []
        recipients = list(shipping.recipients_for(destination)) if destination else []
        empty = ("", _("— choose —"))
        shipper_field: Any = self.fields["shipper"]
        recipient_field: Any = self.fields["recipient"]
        shipper_field.widget.choices = [empty, *((c.pk, c.name) for c in shippers)]
        recipient_field.widget.choices = [empty, *((c.pk, c.name) for c in recipients)]
        self.shipper_count = len(shippers)
        self.recipient_count = len(recipients)

    @property
    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return [
            (self[f"line_code_{index}"], self[f"line_quantity_{index}"])
            for index in range(1, LINE_ROWS + 1)
        ]

    @property
    def flight_fields(self) -> list[forms.BoundField]:
        names = ("flight_date", "flight_number", "awb_number")
        return [self[name] for name in names if name in self.fields]

    def chosen_pks(self, name: str) -> set[int]:
        """The carton ids ticked in this (bound) form, for re-checking the boxes."""
        if not self.is_bound:
            return set()
        chosen = set()
        for raw in self.data.getlist(name) if hasattr(self.data, "getlist") else []:
            try:
                chosen.add(int(raw))
            except (TypeError, ValueError):
                continue
        return chosen

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines: list[tuple[Product, int]] = []
        for index in range(1, LINE_ROWS + 1):
            code_name, quantity_name = f"line_code_{index}", f"line_quantity_{index}"
            code = (cleaned.pop(code_name, "") or "").strip()
            quantity = cleaned.pop(quantity_name, None)
            if not code and quantity is None:
                continue
            if not code:
                self.add_error(code_name, _("Scan or type the product of this line."))
                continue
            if quantity is None and not self.has_error(quantity_name):
                self.add_error(quantity_name, _("Give the quantity of this line."))
            cleaned[code_name] = code
            product = self.product_from_code(code_name)
            cleaned.pop(code_name, None)
            if product is not None and quantity is not None:
                lines.append((product, quantity))
        cleaned["lines"] = lines
        return cleaned

    def operation_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "op_id":
                continue
            if name in ("cartons", "detach"):
                fields[name] = sorted(carton.pk for carton in value)
            elif name == "lines":
                fields[name] = [[product.pk, quantity] for product, quantity in value]
            else:
                fields[name] = as_json(value)
        if self.shipment is not None:
            fields["shipment"] = self.shipment.pk
        return fields


class FlightForm(CaptureForm):
    """Flight details of a shipped shipment (known late: up to its delivery)."""

    flight_date = forms.DateField(label=_("Flight date"), required=False, widget=DATE)
    flight_number = forms.CharField(
        label=_("Flight number"), max_length=20, required=False, widget=forms.TextInput(TEXT)
    )
    awb_number = forms.CharField(
        label=_("AWB / customs declaration number"),
        max_length=40,
        required=False,
        widget=forms.TextInput(TEXT),
    )
    flight_only = forms.CharField(widget=forms.HiddenInput, required=False, initial="1")

    def __init__(self, *args: Any, shipment: Shipment, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "flight-%s")
        super().__init__(*args, **kwargs)
        self.shipment = shipment

    def operation_fields(self) -> dict[str, Any]:
        return {**super().operation_fields(), "shipment": self.shipment.pk}


class ShipmentActionForm(CaptureForm):
    """A one-button action on a shipment (ship): only the operation id is posted."""

    def __init__(self, *args: Any, shipment: Shipment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.shipment = shipment

    def operation_fields(self) -> dict[str, Any]:
        return {**super().operation_fields(), "shipment": self.shipment.pk}


STATUS_ACTIONS = [("deliver", _("Mark as delivered")), ("override", _("Force a status"))]


class ShipmentStatusForm(ShipmentActionForm):
    """Manager only: deliver, or force a status with a reason (checked by the service)."""

    action = forms.ChoiceField(label=_("Action"), choices=STATUS_ACTIONS)
    status = forms.ChoiceField(
        label=_("New status"),
        required=False,
        choices=[("", _("— choose —")), *ShipmentStatus.choices],
    )
    reason = forms.CharField(
        label=_("Reason (required to force a status)"),
        required=False,
        max_length=400,
        widget=forms.TextInput(attrs=NAME),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "status-%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "override" and not cleaned.get("status"):
            self.add_error("status", _("Choose the status to force."))
        return cleaned


class DocumentUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document type"),
        choices=ShipmentDocumentKind.choices,
        initial=ShipmentDocumentKind.OTHER,
    )
    # Checked by wms.services.documents (type by extension and content, size).
    file = forms.FileField(
        label=_("File (PDF, JPG or PNG)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "document-%s")
        super().__init__(*args, **kwargs)


NOT_DELIVERED = [
    ShipmentStatus.DRAFT,
    ShipmentStatus.PICKING,
    ShipmentStatus.PACKED,
    ShipmentStatus.SHIPPED,
]


class ShipmentFilterForm(ListFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Not delivered yet")), *ShipmentStatus.choices],
    )
