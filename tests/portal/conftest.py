"""Fixtures of the portal tests: two associations with a portal user each (the second one is the
"other tenant" whose ids must answer 404), stocked products and a default carton format."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from tests.factories import CartonFormatFactory, ContactFactory, ProductFactory, UserFactory
from wms.models import (
    AssociationProfile,
    AssociationRecipient,
    Contact,
    ContactAddress,
    IntegrationEvent,
    Order,
    Product,
    ProductCategory,
)
from wms.services import orders, stock
from wms.services.stock import Actor

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def make_association(name: str, email: str) -> tuple[Contact, User]:
    """An association contact with its default address and a portal user whose username is
    the lowercased email, as an approved account request makes it."""
    contact = ContactFactory(name=name, email=email)
    ContactAddress.objects.create(
        contact=contact,
        line1="12 rue des Lilas",
        postal_code="75011",
        city="Paris",
        country="France",
    )
    user = UserFactory(username=email.lower(), email=email)
    AssociationProfile.objects.create(user=user, contact=contact)
    return contact, user


@pytest.fixture
def association(db: None) -> Contact:
    contact, _user = make_association("Les Amis de Tana", "Contact@Amis-Tana.example")
    return contact


@pytest.fixture
def association_user(association: Contact) -> User:
    return association.association_profiles.get().user


@pytest.fixture
def other_association(db: None) -> Contact:
    contact, _user = make_association("Santé Sud", "bureau@sante-sud.example")
    return contact


@pytest.fixture
def portal(client: Client, association_user: User) -> Client:
    client.force_login(association_user)
    return client


@pytest.fixture
def carton_format(db: None) -> Any:
    # 40 × 30 × 30 cm = 36 000 cm³, 8 kg.
    return CartonFormatFactory(name="Standard")


def stocked(quantity: int = 50, *, name: str | None = None, **fields: Any) -> Product:
    """A product with a size (500 cm³, 100 g: 72 per standard carton) and one usable lot."""
    root, _ = ProductCategory.objects.get_or_create(name="Médical", parent=None)
    values: dict[str, Any] = {"category": root, "weight_g": 100, "volume_cm3": 500, **fields}
    if name:
        values["name"] = name
    product = ProductFactory(**values)
    if quantity:
        stock.receive(
            product=product,
            quantity=quantity,
            expires_on=timezone.localdate() + dt.timedelta(days=400),
            lot_code="L1",
        )
    return product


def recipient_of(contact: Contact, **fields: Any) -> AssociationRecipient:
    values = {
        "name": "Centre de santé d'Ambohimanarina",
        "line1": "Lot IVG 12",
        "postal_code": "101",
        "city": "Antananarivo",
        "country": "Madagascar",
        **fields,
    }
    return AssociationRecipient.objects.create(association=contact, **values)


def place(contact: Contact, lines: list[tuple[Product, int]], **delivery: Any) -> Order:
    """An order submitted from the portal by the association's user."""
    user = contact.association_profiles.select_related("user").get().user
    values = {"city": "Antananarivo", "country": "Madagascar", "address": "Rue Andriamifidy"}
    return orders.submit_order(
        lines=[orders.LineInput(product, quantity) for product, quantity in lines],
        delivery=orders.Delivery(**{**values, **delivery}),
        actor=Actor(user=user),
        association=contact,
    )


def queued(name: str) -> list[IntegrationEvent]:
    """The queued emails made from the template `name`."""
    return [
        event
        for event in IntegrationEvent.objects.order_by("pk")
        if name in (event.payload or {}).get("tags", [])
    ]


def order_post(lines: dict[Any, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """The order form's fields: a delivery to the association, and a `qty-<key>` input per
    entry of `lines` (a product, its id or any raw key)."""
    data: dict[str, Any] = {
        "recipient": "",
        "address": "12 rue des Lilas",
        "city": "Paris",
        "country": "France",
        "requested_date": "",
        "notes": "",
        "document-kind": "other",
    }
    for key, value in (lines or {}).items():
        data[f"qty-{getattr(key, 'pk', key)}"] = value
    data.update(fields)
    return data
