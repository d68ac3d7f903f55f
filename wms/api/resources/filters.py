"""Filters of the new API v1 endpoints, documented in the OpenAPI schema.

Unlike the compatibility lists (wms.api.filters, where a malformed value is ignored as the
earlier system did), the new endpoints are strict: a malformed value (`?product=abc`,
`?since=hier`, `?status=perdu`) answers 400 with the error body naming the parameter, so an
integrator's typo never silently widens a list. Unknown parameters are ignored.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import CharField, QuerySet, Value
from django.db.models.functions import Concat
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from django_filters.rest_framework import DjangoFilterBackend

from wms.api.filters import IntegerFilter
from wms.models import (
    Carton,
    CartonStatus,
    Destination,
    Location,
    LotStatus,
    MovementType,
    ProductLot,
    Receipt,
    ReceiptStatus,
    ReceiptType,
    Shipment,
    ShipmentStatus,
    StockMovement,
    Warehouse,
)

STRICT = " Une valeur mal formée répond 400."
STRICT_FILTERS_NOTE = (
    "Filtres stricts : une valeur mal formée répond 400 avec le corps d'erreur "
    '`{"detail": …, "errors": {paramètre: [messages]}}` ; un paramètre inconnu est ignoré.'
)


class StrictFilterBackend(DjangoFilterBackend):  # type: ignore[misc]  # django-filter is untyped
    """Answers 400 (through wms.api.errors) when a filter value is malformed."""

    raise_exception = True


class IdFilter(IntegerFilter):
    """An identifier: an integer (within the database's range), else 400."""


def _by_id(queryset: QuerySet[Any], name: str, value: int) -> QuerySet[Any]:
    # A method filter: its `int` hint is what drf-spectacular documents (the model field of a
    # foreign key would give "number").
    return queryset.filter(**{name: value})


class StrictBooleanField(forms.Field):
    TRUE = frozenset({"true", "1"})
    FALSE = frozenset({"false", "0"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("Valeur attendue : true ou false (1 ou 0).", code="invalid")


class StrictBooleanFilter(filters.BooleanFilter):  # type: ignore[misc]
    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The rest_framework flavour's widget turns any unknown word into "no filter" before
        # the field can refuse it.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


def _id(field_name: str, what: str) -> IdFilter:
    return IdFilter(
        field_name=field_name, method=_by_id, help_text=f"Identifiant {what} (exact).{STRICT}"
    )


def _choice(field_name: str, choices: Any, what: str) -> filters.ChoiceFilter:
    values = ", ".join(value for value, _label in choices)
    return filters.ChoiceFilter(
        field_name=field_name,
        choices=choices,
        help_text=f"{what} : une des valeurs {values}.{STRICT}",
    )


def _iexact(field_name: str, what: str) -> filters.CharFilter:
    return filters.CharFilter(
        field_name=field_name,
        lookup_expr="iexact",
        help_text=f"{what} : égal à ce texte (sans distinction de casse).",
    )


def _date(field_name: str, lookup: str, what: str) -> filters.DateFilter:
    return filters.DateFilter(
        field_name=field_name,
        lookup_expr=lookup,
        help_text=f"{what} (date AAAA-MM-JJ, incluse).{STRICT}",
        # ISO only: the form's localized formats would read 03/04/2025 by the caller's language.
        input_formats=["%Y-%m-%d"],
    )


class BoundedIsoDateTimeField(IsoDateTimeField):  # type: ignore[misc]
    """An ISO date-time the database can compare: years 1900 to 9998 (year 1 at +14:00 has no
    UTC value and SQLite raises OverflowError instead of finding nothing)."""

    def clean(self, value: Any) -> Any:
        moment = super().clean(value)
        if moment is None:
            return None
        try:
            year = moment.astimezone(dt.UTC).year
        except (OverflowError, ValueError):
            year = 0
        if not 1900 <= year <= 9998:
            raise forms.ValidationError("Date-heure hors limites (1900–9998).")
        return moment


class BoundedIsoDateTimeFilter(filters.IsoDateTimeFilter):  # type: ignore[misc]
    field_class = BoundedIsoDateTimeField


def _since(field_name: str, what: str) -> filters.IsoDateTimeFilter:
    # django-filter makes a naive value aware in the current time zone (TIME_ZONE).
    return BoundedIsoDateTimeFilter(
        field_name=field_name,
        lookup_expr="gte",
        help_text=(
            f"{what} à partir de cette date et heure ISO 8601 (incluse) ; sans fuseau, l'heure "
            f"est celle de Paris (Europe/Paris).{STRICT}"
        ),
    )


def _active(field_name: str, what: str) -> StrictBooleanFilter:
    return StrictBooleanFilter(
        field_name=field_name,
        help_text=f"true : {what} actifs seulement ; false : inactifs seulement.{STRICT}",
    )


class LotFilterSet(filters.FilterSet):  # type: ignore[misc]
    product = _id("product", "du produit")
    status = _choice("status", LotStatus.choices, "Statut du lot")
    location = _id("location", "de l'emplacement")
    warehouse = _id("location__warehouse", "de l'entrepôt de l'emplacement")
    expires_before = _date("expires_on", "lte", "Périmés au plus tard le")
    expires_after = _date("expires_on", "gte", "Périmés au plus tôt le")
    lot_code = _iexact("lot_code", "N° de lot")
    in_stock = StrictBooleanFilter(
        method="filter_in_stock",
        help_text=(
            "true : lots avec une quantité en stock ; false : lots vides. Absent : tous les "
            f"lots.{STRICT}"
        ),
    )

    class Meta:
        model = ProductLot
        fields: list[str] = []

    def filter_in_stock(
        self, queryset: QuerySet[ProductLot], name: str, value: bool
    ) -> QuerySet[ProductLot]:
        # Never called without a value: django-filter skips empty values.
        if value:
            return queryset.filter(quantity_on_hand__gt=0)
        return queryset.filter(quantity_on_hand=0)


class WarehouseFilterSet(filters.FilterSet):  # type: ignore[misc]
    code = _iexact("code", "Code de l'entrepôt")

    class Meta:
        model = Warehouse
        fields: list[str] = []


class LocationFilterSet(filters.FilterSet):  # type: ignore[misc]
    warehouse = _id("warehouse", "de l'entrepôt")
    code = filters.CharFilter(
        method="filter_code",
        help_text="Code ZONE-ÉTAGÈRE-BAC (ex. A-01-1), sans distinction de casse.",
    )
    zone = _iexact("zone", "Zone (rack)")
    aisle = _iexact("aisle", "Étagère")
    shelf = _iexact("shelf", "Bac")
    active = _active("is_active", "emplacements")

    class Meta:
        model = Location
        fields: list[str] = []

    def filter_code(
        self, queryset: QuerySet[Location], name: str, value: str
    ) -> QuerySet[Location]:
        full_code = Concat(
            "zone", Value("-"), "aisle", Value("-"), "shelf", output_field=CharField()
        )
        # Zone, aisle and bin are stored upper-cased (Location.save).
        return queryset.alias(full_code=full_code).filter(full_code=value.strip().upper())


class MovementFilterSet(filters.FilterSet):  # type: ignore[misc]
    product = _id("product", "du produit")
    lot = _id("lot", "du lot")
    type = _choice("movement_type", MovementType.choices, "Type de mouvement")
    since = _since("created_at", "Mouvements enregistrés")

    class Meta:
        model = StockMovement
        fields: list[str] = []


class ReceiptFilterSet(filters.FilterSet):  # type: ignore[misc]
    status = _choice("status", ReceiptStatus.choices, "Statut de la réception")
    type = _choice("receipt_type", ReceiptType.choices, "Type de réception")
    reference = _iexact("reference", "Référence")
    warehouse = _id("warehouse", "de l'entrepôt")
    received_after = _date("received_on", "gte", "Reçues au plus tôt le")
    received_before = _date("received_on", "lte", "Reçues au plus tard le")

    class Meta:
        model = Receipt
        fields: list[str] = []


class CartonFilterSet(filters.FilterSet):  # type: ignore[misc]
    status = _choice("status", CartonStatus.choices, "Statut du carton")
    shipment = _id("shipment", "de l'expédition")
    code = _iexact("code", "Code du carton")

    class Meta:
        model = Carton
        fields: list[str] = []


class ShipmentFilterSet(filters.FilterSet):  # type: ignore[misc]
    status = _choice("status", ShipmentStatus.choices, "Statut de l'expédition")
    destination = _id("destination", "de la destination")
    reference = _iexact("reference", "Référence")
    since = _since("created_at", "Expéditions créées")

    class Meta:
        model = Shipment
        fields: list[str] = []


class DestinationFilterSet(filters.FilterSet):  # type: ignore[misc]
    active = _active("is_active", "destinations")
    iata_code = _iexact("iata_code", "Code IATA")
    country = _iexact("country", "Pays")

    class Meta:
        model = Destination
        fields: list[str] = []
