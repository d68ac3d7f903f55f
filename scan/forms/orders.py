"""Forms of the managers' order, account-request and document screens (S-ORDERS, S-SCAN).

Every POST form is a CaptureForm (an operation id, applied once by scan.operations.run_once).
The forms only read what was typed or chosen; the rules (what may be approved, lowered,
cancelled, reserved) stay in wms.services.orders / accounts / document_review, whose French
messages say why something is refused.

A contact is chosen among suggestions by a radio whose value is a contact id or `new` (create
one): the choice is always explicit, so a typed identity is never merged into a contact silently.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from scan.forms.browse import ListFilterForm
from scan.forms.capture import NAME, NUMBER, CaptureForm, as_json
from scan.forms.lines import add_line_fields, line_rows, read_lines
from wms.models import (
    AccountRequestStatus,
    AssociationRecipient,
    Contact,
    Destination,
    Order,
    OrderLine,
    OrderStatus,
    PublicAccountRequest,
    ReviewStatus,
)
from wms.services import shipping

NEW = "new"
ORDER_LINE_ROWS = 6  # product lines of a staff-created order
DATE = forms.DateInput(attrs={"type": "date", "autocomplete": "off"}, format="%Y-%m-%d")
COMMENT_ATTRS = {**NAME, "rows": 2}


def comment_field(label: Any, *, required: bool = False, max_length: int = 2000) -> forms.Field:
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs=COMMENT_ATTRS),
    )


def active_destinations() -> Any:
    return Destination.objects.filter(is_active=True).select_related("correspondent")


class ContactChoiceField(forms.Field):
    """`new` (None: the service creates the contact) or the id of an active contact."""

    # Rendered by the template as radios, one per suggestion (the widget itself is not shown).
    widget = forms.TextInput
    default_error_messages = {
        "required": _("Choose an existing contact or create a new one."),
        "invalid": _("This contact does not exist or is no longer active."),
    }

    def to_python(self, value: Any) -> Contact | str | None:
        if value in self.empty_values:
            return ""
        if isinstance(value, Contact):
            return value
        if str(value) == NEW:
            return None
        try:
            pk = int(value)
        except (TypeError, ValueError):
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        contact = Contact.objects.filter(pk=pk, is_active=True).first()
        if contact is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return contact

    def validate(self, value: Any) -> None:
        if value == "" and self.required:
            raise ValidationError(self.error_messages["required"], code="required")


# --- order actions -------------------------------------------------------------------------------


class OrderActionForm(CaptureForm):
    """An action on one order (prepare): only the operation id is posted."""

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.order = order

    def operation_fields(self) -> dict[str, Any]:
        return {**super().operation_fields(), "order": self.order.pk}


class RejectForm(OrderActionForm):
    comment = comment_field(_("Reason given to the association (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reject-%s")
        super().__init__(*args, **kwargs)


class ChangesForm(OrderActionForm):
    comment = comment_field(_("What the association must change"), required=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "changes-%s")
        super().__init__(*args, **kwargs)


class CancelForm(OrderActionForm):
    reason = comment_field(_("Reason for the cancellation (optional)"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "cancel-%s")
        super().__init__(*args, **kwargs)


class ShipmentChoiceForm(OrderActionForm):
    """Create the order's shipment, with a shipper serving its destination (optional: the
    order's, else the first that serves it)."""

    shipper = forms.ModelChoiceField(
        label=_("Shipper"),
        queryset=Contact.objects.filter(is_active=True),
        required=False,
        empty_label=_("— the order's or the first serving the destination —"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "shipment-%s")
        super().__init__(*args, **kwargs)
        shippers = (
            list(shipping.shippers_for(self.order.destination)) if self.order.destination else []
        )
        field: Any = self.fields["shipper"]
        field.widget.choices = [("", field.empty_label), *((c.pk, c.name) for c in shippers)]
        self.shipper_ids = {contact.pk for contact in shippers}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        shipper = cleaned.get("shipper")
        if shipper is not None and shipper.pk not in self.shipper_ids:
            self.add_error("shipper", _("This shipper does not serve the order's destination."))
        return cleaned


class ApproveForm(OrderActionForm):
    """Destination, quantities (lowered only: the service refuses a raise), the association and
    recipient when they are still to be matched, an optional shipper and a comment."""

    destination = forms.ModelChoiceField(
        label=_("Destination"),
        queryset=Destination.objects.none(),
        empty_label=_("— choose the destination —"),
    )
    shipper = forms.ModelChoiceField(
        label=_("Shipper (optional)"),
        queryset=Contact.objects.filter(is_active=True),
        required=False,
        empty_label=_("— choose later —"),
    )
    comment = comment_field(_("Comment for the association (optional)"))

    def __init__(
        self,
        *args: Any,
        lines: list[OrderLine],
        shippers: list[Contact],
        match_association: bool,
        match_recipient: bool,
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("auto_id", "approve-%s")
        super().__init__(*args, **kwargs)
        self.lines = lines
        destination: Any = self.fields["destination"]
        destination.queryset = active_destinations()
        shipper: Any = self.fields["shipper"]
        shipper.widget.choices = [("", shipper.empty_label), *((c.pk, c.name) for c in shippers)]
        if match_association:
            self.fields["association"] = ContactChoiceField(label=_("Association"))
        if match_recipient:
            self.fields["recipient"] = ContactChoiceField(label=_("Recipient"))
        for line in lines:
            self.fields[f"line_{line.pk}"] = forms.IntegerField(
                label=line.product.name,
                min_value=1,
                max_value=1_000_000,
                initial=line.quantity,
                widget=forms.NumberInput(attrs={**NUMBER, "min": 1, "max": line.quantity}),
            )

    @property
    def line_rows(self) -> list[tuple[OrderLine, forms.BoundField]]:
        return [(line, self[f"line_{line.pk}"]) for line in self.lines]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lowered: dict[str, int] = {}
        for line in self.lines:
            quantity = cleaned.pop(f"line_{line.pk}", None)
            if quantity is not None and quantity != line.quantity:
                lowered[str(line.pk)] = quantity  # a raise reaches the service, which refuses it
        cleaned["lowered"] = lowered
        destination, shipper = cleaned.get("destination"), cleaned.get("shipper")
        if (
            destination is not None
            and shipper is not None
            and not self.serves(destination, shipper)
        ):
            self.add_error(
                "shipper",
                _("“%(shipper)s” does not serve %(destination)s.")
                % {"shipper": shipper.name, "destination": destination},
            )
        return cleaned

    @staticmethod
    def serves(destination: Destination, shipper: Contact) -> bool:
        return shipping.shippers_for(destination).filter(pk=shipper.pk).exists()

    def operation_fields(self) -> dict[str, Any]:
        fields = super().operation_fields()
        fields["lowered"] = dict(sorted(self.cleaned_data["lowered"].items()))
        return fields


# --- staff-created order -------------------------------------------------------------------------


class AssociationSearchForm(ListFilterForm):
    """Step one (a GET form): find the association that orders."""

    q = forms.CharField(
        label=_("Search an association"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={**NAME, "type": "search", "enterkeyhint": "search"}),
    )


class StaffOrderForm(CaptureForm):
    association = forms.ModelChoiceField(
        queryset=Contact.objects.filter(is_active=True), widget=forms.HiddenInput
    )
    recipient = forms.ModelChoiceField(
        label=_("Deliver to"),
        queryset=AssociationRecipient.objects.all(),
        required=False,
        empty_label=_("— the association itself, at the address below —"),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs=COMMENT_ATTRS),
    )
    city = forms.CharField(
        label=_("City"), required=False, max_length=120, widget=forms.TextInput(attrs=NAME)
    )
    country = forms.CharField(
        label=_("Country"), required=False, max_length=80, widget=forms.TextInput(attrs=NAME)
    )
    requested_date = forms.DateField(
        label=_("Requested date (optional)"), required=False, widget=DATE
    )
    notes = comment_field(_("Notes (optional)"))
    approve_now = forms.BooleanField(
        label=_("Approve now (reserve the stock)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "h-6 w-6"}),
    )
    destination = forms.ModelChoiceField(
        label=_("Destination (to approve now)"),
        queryset=Destination.objects.none(),
        required=False,
        empty_label=_("— choose the destination —"),
    )

    def __init__(self, *args: Any, association: Contact | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        destination: Any = self.fields["destination"]
        destination.queryset = active_destinations()
        recipients = (
            list(AssociationRecipient.objects.filter(association=association, is_active=True))
            if association is not None
            else []
        )
        recipient: Any = self.fields["recipient"]
        recipient.widget.choices = [
            ("", recipient.empty_label),
            *((entry.pk, str(entry)) for entry in recipients),
        ]
        add_line_fields(self, ORDER_LINE_ROWS)

    @property
    def line_rows(self) -> list[tuple[forms.BoundField, forms.BoundField]]:
        return line_rows(self, ORDER_LINE_ROWS)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        lines = read_lines(self, cleaned, ORDER_LINE_ROWS)
        cleaned["lines"] = lines
        if not lines and not self.errors:
            self.add_error(None, _("Add at least one product line."))
        if cleaned.get("approve_now") and cleaned.get("destination") is None:
            self.add_error("destination", _("Choose the destination to approve the order now."))
        return cleaned

    def operation_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for name, value in self.cleaned_data.items():
            if name == "op_id":
                continue
            if name == "lines":
                fields[name] = [[product.pk, quantity] for product, quantity in value]
            else:
                fields[name] = as_json(value)
        return fields


# --- account requests ----------------------------------------------------------------------------


class AccountRequestActionForm(CaptureForm):
    def __init__(self, *args: Any, account_request: PublicAccountRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.account_request = account_request

    def operation_fields(self) -> dict[str, Any]:
        return {**super().operation_fields(), "account_request": self.account_request.pk}


class AccountApproveForm(AccountRequestActionForm):
    contact = ContactChoiceField(label=_("Association contact"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "approve-%s")
        super().__init__(*args, **kwargs)


class AccountRejectForm(AccountRequestActionForm):
    comment = comment_field(_("Reason given to the requester (optional)"), max_length=400)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "reject-%s")
        super().__init__(*args, **kwargs)


# --- documents -----------------------------------------------------------------------------------

DECISIONS = [("approve", _("Approve")), ("reject", _("Reject"))]


class DocumentReviewForm(CaptureForm):
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=400,
        widget=forms.TextInput(attrs=NAME),
    )
    next = forms.CharField(required=False, max_length=500, widget=forms.HiddenInput)

    def __init__(self, *args: Any, document_key: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.document_key = document_key

    def operation_fields(self) -> dict[str, Any]:
        fields = super().operation_fields()
        fields.pop("next", None)  # where to go back is not part of the decision
        return {**fields, "document": self.document_key}


# --- list filters --------------------------------------------------------------------------------


class OrderFilterForm(ListFilterForm):
    review_status = forms.ChoiceField(
        label=_("Review"),
        required=False,
        choices=[("", _("All (pending first)")), *ReviewStatus.choices],
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *OrderStatus.choices],
    )


class AccountRequestFilterForm(ListFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All (pending first)")), *AccountRequestStatus.choices],
    )
