"""Filters of the integration lists (api-v1-compat.md), documented in the OpenAPI schema.

As everywhere in the compatibility lists (wms.api.filters.LenientFilterBackend), an unknown
parameter or a malformed value (`?status=bogus`, `?since=yesterday`) is ignored: the list comes
back as if it were absent, never as a 400.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_date, parse_datetime
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from wms.models import (
    Destination,
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
    Shipment,
    ShipmentStatus,
)

# The earlier system read naive datetimes in the warehouse's time zone, whatever the server's.
PARIS = zoneinfo.ZoneInfo("Europe/Paris")
IGNORED = " Une valeur inconnue ou mal formée est ignorée."


def parse_since(value: str) -> dt.datetime | None:
    """An ISO datetime (or date: its midnight); naive means Europe/Paris. None when malformed
    or outside what the database can hold."""
    text = value.strip()
    try:
        moment = parse_datetime(text)
        if moment is None:
            day = parse_date(text)
            if day is None:
                return None
            moment = dt.datetime.combine(day, dt.time())
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=PARIS)
        # Converted here: year 1 at +14:00 has no UTC value, and the database would fail on it.
        return moment.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None


@extend_schema_field(OpenApiTypes.DATETIME)
class SinceFilter(filters.CharFilter):  # type: ignore[misc]  # django-filter is untyped
    """Rows created at or after an ISO datetime."""

    def filter(self, queryset: QuerySet[Shipment], value: str) -> QuerySet[Shipment]:
        if not value:
            return queryset
        moment = parse_since(value)
        if moment is None:
            return queryset
        return queryset.filter(**{f"{self.field_name}__gte": moment})


def _choice(field_name: str, choices: list[tuple[str, str]], what: str) -> filters.ChoiceFilter:
    values = ", ".join(value for value, _label in choices)
    return filters.ChoiceFilter(
        field_name=field_name,
        choices=choices,
        help_text=f"{what} : une de ces valeurs : {values}.{IGNORED}",
    )


class ShipmentFilterSet(filters.FilterSet):  # type: ignore[misc]
    status = _choice("status", ShipmentStatus.choices, "Statut")
    destination = filters.CharFilter(
        method="filter_destination",
        help_text=(
            "Code IATA de la destination (exact, sans distinction de casse), ou ville de la "
            "destination contenant ce texte."
        ),
    )
    since = SinceFilter(
        field_name="created_at",
        help_text=(
            "Expéditions créées à partir de cette date-heure ISO 8601 (ex. "
            "2026-03-01T08:00:00+01:00) ; sans fuseau : heure de Paris ; une date seule : "
            f"minuit.{IGNORED}"
        ),
    )

    class Meta:
        model = Shipment
        fields: list[str] = []

    def filter_destination(
        self, queryset: QuerySet[Shipment], name: str, value: str
    ) -> QuerySet[Shipment]:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(destination__iata_code__iexact=value) | Q(destination__city__icontains=value)
        )


class DestinationFilterSet(filters.FilterSet):  # type: ignore[misc]
    active = filters.CharFilter(
        method="filter_active",
        help_text=(
            "Toute valeur non vide (même false ou 0, comme dans le système précédent) : les "
            "destinations actives seulement. Absent ou vide : toutes."
        ),
    )

    class Meta:
        model = Destination
        fields: list[str] = []

    def filter_active(
        self, queryset: QuerySet[Destination], name: str, value: str
    ) -> QuerySet[Destination]:
        return queryset.filter(is_active=True) if value else queryset


class EventFilterSet(filters.FilterSet):  # type: ignore[misc]
    direction = _choice(
        "direction",
        IntegrationDirection.choices,
        "Sens (seuls les événements entrants sont visibles : outbound donne une liste vide)",
    )
    status = _choice("status", IntegrationStatus.choices, "Statut")
    source = filters.CharFilter(field_name="source", help_text="Source (exacte).")
    event_type = filters.CharFilter(field_name="event_type", help_text="Type d'événement (exact).")

    class Meta:
        model = IntegrationEvent
        fields: list[str] = []
