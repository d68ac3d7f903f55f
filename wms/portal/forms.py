"""Forms of the association portal. Every choice that names an object is scoped to the
association (its recipients), so another association's id is simply "not a valid choice"."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wms.models import (
    AssociationDocumentKind,
    AssociationRecipient,
    Contact,
    OrderDocumentKind,
)
from wms.portal.decorators import profile_of
from wms.services import orders

MAX_NOTIFICATION_EMAILS = 10
FILE_ACCEPT = ".pdf,.jpg,.jpeg,.png"


# --- sign-in and passwords -----------------------------------------------------------------------


def login_username(email: str) -> str:
    """The username to authenticate for a typed email, in any case.

    An association user's username is its email in lower case; a staff account is found by its
    email so that it gets the clear "not a portal account" answer. An unknown email still gives
    a stable username, so django-axes counts the failures against (email, address) too.
    """
    typed = email.strip()
    users = User.objects.filter(email__iexact=typed).order_by("pk")
    user = users.filter(association_profile__isnull=False).first() or users.first()
    return user.get_username() if user is not None else typed.lower()


class PortalLoginForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        self.request = request
        self.user: User | None = None
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        email, password = cleaned.get("email"), cleaned.get("password")
        if not email or not password:
            return cleaned
        # authenticate() goes through django-axes: a failure counts, a locked pair is refused.
        user = authenticate(self.request, username=login_username(email), password=password)
        if user is None:
            raise ValidationError(_("Wrong email or password."), code="invalid_login")
        if profile_of(user) is None:
            raise ValidationError(
                _(
                    "This account is not a partner association account: warehouse staff sign in "
                    "to the scanning app."
                ),
                code="not_association",
            )
        self.user = user
        return cleaned


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )


# --- orders --------------------------------------------------------------------------------------


class RecipientChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.city}, {obj.country}"


class DeliveryForm(forms.Form):
    """Who receives the order and when; the product lines are read apart (one input per
    product of the table)."""

    recipient = RecipientChoiceField(
        label=_("Recipient"),
        queryset=AssociationRecipient.objects.none(),
        required=False,
        empty_label=_("The association itself"),
    )
    address = forms.CharField(
        label=_("Delivery address"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    city = forms.CharField(label=_("City"), required=False, max_length=120)
    country = forms.CharField(label=_("Country"), required=False, max_length=80)
    requested_date = forms.DateField(
        label=_("Requested date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes = forms.CharField(
        label=_("Notes"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, association: Contact, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["recipient"]
        if isinstance(field, RecipientChoiceField):
            # Only this association's active entries: another id is "not a valid choice".
            field.queryset = AssociationRecipient.objects.filter(
                association=association, is_active=True
            ).order_by("name", "pk")

    def clean_requested_date(self) -> Any:
        value = self.cleaned_data.get("requested_date")
        if value is not None and value < timezone.localdate():
            raise ValidationError(_("The requested date cannot be in the past."))
        return value

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("recipient") is None and "recipient" not in self.errors:
            # Delivered to the association itself: the address typed here is the one used.
            for name in ("city", "country"):
                if not (cleaned.get(name) or "").strip() and name not in self.errors:
                    self.add_error(name, gettext("Required for a delivery to the association."))
        return cleaned

    def delivery(self) -> orders.Delivery:
        data = self.cleaned_data
        return orders.Delivery(
            recipient=data.get("recipient"),
            address=data.get("address") or "",
            city=data.get("city") or "",
            country=data.get("country") or "",
            requested_date=data.get("requested_date"),
            notes=data.get("notes") or "",
        )


class OrderDocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document type"),
        choices=OrderDocumentKind.choices,
        initial=OrderDocumentKind.OTHER,
    )
    # Checked by wms.services.documents (type by extension and content, size).
    file = forms.FileField(
        label=_("File (PDF, JPG or PNG)"),
        required=False,
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
    )

    def __init__(self, *args: Any, required: bool = False, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "document")
        super().__init__(*args, **kwargs)
        self.fields["file"].required = required


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# --- recipients ----------------------------------------------------------------------------------


class RecipientForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AssociationRecipient
        fields = [
            "name",
            "line1",
            "line2",
            "postal_code",
            "city",
            "country",
            "phone",
            "email",
            "notes",
        ]
        labels = {
            "name": _("Name"),
            "line1": _("Address"),
            "line2": _("Address (continued)"),
            "postal_code": _("Postal code"),
            "city": _("City"),
            "country": _("Country"),
            "phone": _("Phone"),
            "email": _("Email"),
            "notes": _("Notes"),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "recipient")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str):
                cleaned[name] = value.strip()
        return cleaned


# --- account -------------------------------------------------------------------------------------


class NotificationEmailsForm(forms.Form):
    notification_emails = forms.CharField(
        label=_("Notification emails"),
        help_text=_("Other addresses that receive the emails about your orders, one per line."),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean_notification_emails(self) -> str:
        raw = self.cleaned_data.get("notification_emails") or ""
        emails: dict[str, str] = {}
        for line in raw.splitlines():
            email = line.strip()
            if not email:
                continue
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(
                    gettext("“%(email)s” is not a valid email address.") % {"email": email}
                ) from None
            emails.setdefault(email.lower(), email)
        if len(emails) > MAX_NOTIFICATION_EMAILS:
            raise ValidationError(
                gettext("At most %(count)s addresses.") % {"count": MAX_NOTIFICATION_EMAILS}
            )
        return "\n".join(emails.values())


class AssociationDocumentForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Document type"),
        choices=AssociationDocumentKind.choices,
        initial=AssociationDocumentKind.STATUTES,
    )
    file = forms.FileField(
        label=_("File (PDF, JPG or PNG)"),
        widget=forms.FileInput(attrs={"accept": FILE_ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "document")
        super().__init__(*args, **kwargs)
