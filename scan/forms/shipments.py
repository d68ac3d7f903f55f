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
from scan.forms.capture import NAME, TEXT, CaptureForm, as_json
from scan.forms.ids import IdsField, parse_id
from scan.forms.lines import add_line_fields, line_rows, read_lines
from wms.models import (
    Carton,
    Contact,
    Destination,
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
    pk = parse_id(raw)
    return allowed.filter(pk=pk).first() if pk is not None else None


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
    cartons = IdsField(queryset=Carton.objects.all(), required=False)
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
        add_line_fields(self, LINE_ROWS)
        if shipment is not None:
            self.fields["detach"] = IdsField(queryset=shipment.cartons.all(), required=False)
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
        return line_rows(self, LINE_ROWS)

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
            pk = parse_id(raw)
            if pk is not None:
                chosen.add(pk)
        return chosen

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = read_lines(self, cleaned, LINE_ROWS)
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
