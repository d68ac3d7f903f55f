"""Forms of the anonymous pages (S-ORDERS): an order through a public link and an account
request.

Nothing here offers a contact, recipient or association to choose from: the visitor types who
it is, and a manager matches that identity later (wms.services.accounts.matching_contacts).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from wms.models import AssociationDocumentKind, Product, ProductKitItem
from wms.portal.catalog import carton_capacity, has_duplicate_quantities, per_carton
from wms.services import orders
from wms.services.accounts import Upload
from wms.services.availability import annotate_available_stock

# --- identity and delivery -----------------------------------------------------------------------


def date_widget() -> forms.DateInput:
    # ISO in the value attribute: what <input type="date"> reads and sends back.
    return forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})


def text(autocomplete: str, **attrs: str) -> forms.TextInput:
    # The browser's own autofill of the visitor's data: never a list coming from us.
    return forms.TextInput(attrs={"autocomplete": autocomplete, **attrs})


class PublicOrderForm(forms.Form):
    """Who orders and where the goods go; the product lines are read by `OrderLines`."""

    association_name = forms.CharField(
        label=_("Association name"), max_length=200, widget=text("organization")
    )
    contact_name = forms.CharField(
        label=_("Contact person"), max_length=200, required=False, widget=text("name")
    )
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=text("tel", type="tel")
    )
    address = forms.CharField(
        label=_("Delivery address"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
    )
    city = forms.CharField(label=_("City"), max_length=120, widget=text("address-level2"))
    country = forms.CharField(label=_("Country"), max_length=80, widget=text("country-name"))
    requested_date = forms.DateField(
        label=_("Requested date"), required=False, widget=date_widget()
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_requested_date(self) -> dt.date | None:
        value: dt.date | None = self.cleaned_data.get("requested_date")
        if value is not None and value < timezone.localdate():
            raise forms.ValidationError(_("The requested date cannot be in the past."))
        return value


class AccountRequestForm(forms.Form):
    association_name = forms.CharField(
        label=_("Association name"), max_length=200, widget=text("organization")
    )
    email = forms.EmailField(
        label=_("Email"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label=_("Phone"), max_length=40, required=False, widget=text("tel", type="tel")
    )
    line1 = forms.CharField(
        label=_("Address"), max_length=200, required=False, widget=text("address-line1")
    )
    line2 = forms.CharField(
        label=_("Address (continued)"),
        max_length=200,
        required=False,
        widget=text("address-line2"),
    )
    postal_code = forms.CharField(
        label=_("Postal code"), max_length=20, required=False, widget=text("postal-code")
    )
    city = forms.CharField(
        label=_("City"), max_length=120, required=False, widget=text("address-level2")
    )
    country = forms.CharField(
        label=_("Country"), max_length=80, required=False, widget=text("country-name")
    )
    notes = forms.CharField(
        label=_("Notes"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# --- documents of an account request -------------------------------------------------------------

DOCUMENT_FIELD_PREFIX = "documents-"


@dataclass(frozen=True)
class DocumentSlot:
    """One file input (several files allowed) per kind of association document."""

    kind: str
    label: str

    @property
    def field_name(self) -> str:
        return f"{DOCUMENT_FIELD_PREFIX}{self.kind}"


def document_slots() -> list[DocumentSlot]:
    return [DocumentSlot(kind, str(label)) for kind, label in AssociationDocumentKind.choices]


class UploadRefused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def collect_uploads(files: Any) -> list[Upload]:
    """The uploaded files with their kind, read from the per-kind inputs; a file sent under
    any other name is refused rather than silently dropped (the sender meant to send it)."""
    slots = {slot.field_name: slot.kind for slot in document_slots()}
    unknown = [name for name in files if name not in slots]
    if unknown:
        raise UploadRefused(gettext("Unknown document type."))
    return [
        Upload(kind=kind, file=upload)
        for name, kind in slots.items()
        for upload in files.getlist(name)
    ]


# --- product lines -------------------------------------------------------------------------------

QUANTITY_PREFIX = "qty-"
QUANTITY_KEY = re.compile(r"^qty-([0-9]{1,12})$")
QUANTITY_VALUE = re.compile(r"^[0-9]{1,9}$")  # ASCII: "٣".isdigit() too


@dataclass(frozen=True)
class OfferRow:
    """One product of the order table, with what the visitor typed for it."""

    product: Product
    available: int
    per_carton: int | None
    typed: str = ""

    @property
    def field_name(self) -> str:
        return f"{QUANTITY_PREFIX}{self.product.pk}"


def orderable_products() -> QuerySet[Product]:
    """Products a public or portal order may name: active, kits only when the portal offers
    them (S-CATALOG kits are assembled by the warehouse, not ordered by default)."""
    products = Product.objects.filter(is_active=True)
    if not orders.portal_allows_kits():
        products = products.filter(~Exists(ProductKitItem.objects.filter(kit_id=OuterRef("pk"))))
    return products


def offer_rows(typed: Mapping[int, str] | None = None) -> list[OfferRow]:
    """The order table: products with usable stock (plus any the visitor already typed a
    quantity for, so that a refused form keeps its input). Two queries whatever the size."""
    typed = typed or {}
    products = (
        annotate_available_stock(orderable_products())
        .filter(Q(available_stock__gt=0) | Q(pk__in=list(typed)))
        .only("pk", "name", "brand", "sku", "weight_g", "volume_cm3")
        .order_by("name", "pk")
    )
    capacity = carton_capacity()
    return [
        OfferRow(
            product=product,
            available=max(0, int(getattr(product, "available_stock", 0) or 0)),
            per_carton=per_carton(product, capacity),
            typed=typed.get(product.pk, ""),
        )
        for product in products
    ]


@dataclass
class OrderLines:
    """The quantities of a posted order table: 0 or empty means "not ordered"."""

    typed: dict[int, str]
    lines: list[orders.LineInput]
    errors: list[str]

    @classmethod
    def from_post(cls, data: Mapping[str, Any]) -> OrderLines:
        typed: dict[int, str] = {}
        errors: list[str] = []
        if has_duplicate_quantities(data):
            errors.append(gettext("A product's quantity was sent twice: check the form."))
        for key in data:
            if not key.startswith(QUANTITY_PREFIX):
                continue
            match = QUANTITY_KEY.match(key)
            if match is None:
                errors.append(gettext("Unknown product."))
                continue
            value = str(data.get(key) or "").strip()
            if value:
                typed[int(match.group(1))] = value[:20]
        wanted = {pk: text for pk, text in typed.items() if text != "0"}
        products = {
            product.pk: product for product in orderable_products().filter(pk__in=list(wanted))
        }
        lines: list[orders.LineInput] = []
        for pk, text in sorted(wanted.items()):
            product = products.get(pk)
            if product is None:
                errors.append(gettext("Unknown product."))
                continue
            if not QUANTITY_VALUE.match(text):
                errors.append(
                    gettext("The quantity of “%(product)s” must be a whole number, 0 or more.")
                    % {"product": product.name}
                )
                continue
            quantity = int(text)
            if quantity:
                lines.append(orders.LineInput(product=product, quantity=quantity))
        if not lines and not errors:
            errors.append(gettext("Type a quantity for at least one product."))
        # Unknown product ids are not kept: the table shows only real products.
        known = {pk: text for pk, text in typed.items() if pk in products or text == "0"}
        return cls(typed=known, lines=lines, errors=unique(errors))


def unique(messages: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(messages))
