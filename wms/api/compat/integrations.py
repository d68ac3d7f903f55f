"""`/api/v1/integrations/shipments/` and `/api/v1/integrations/destinations/` (+ `{id}/`) —
api-v1-compat.md, read by the flight scheduler (key with read, or staff)."""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Count, IntegerField, Model, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound

from wms.api.compat.common import enum_field
from wms.api.compat.filters import DestinationFilterSet, ShipmentFilterSet
from wms.api.filters import LenientFilterBackend
from wms.api.pagination import PlainListUnlessAskedPagination
from wms.models import Carton, Contact, Destination, Shipment, ShipmentStatus

_Row = TypeVar("_Row")
_M = TypeVar("_M", bound=Model)
LIST_NOTE = (
    " Sans `page` ni `page_size` : la liste complète en tableau JSON simple ; avec l'un "
    "d'eux : l'enveloppe paginée `{count, next, previous, results}`. Une valeur de filtre "
    "inconnue ou mal formée est ignorée."
)


def contact_details(contact: Contact | None) -> str:
    """The earlier system's free-text `*_contact`: here the linked contact's e-mail and phone."""
    if contact is None:
        return ""
    return ", ".join(value for value in (contact.email, contact.phone) if value)


class _ContactDetailsField(serializers.Field):  # type: ignore[type-arg]
    def to_representation(self, value: Contact | None) -> str:
        return contact_details(value)


@extend_schema_field(serializers.CharField())
class ContactDetailsField(_ContactDetailsField):
    def __init__(self, source: str) -> None:
        super().__init__(
            source=source,
            read_only=True,
            help_text="E-mail et téléphone du contact lié, séparés par une virgule ; vide sinon.",
        )


class IntegrationShipmentSerializer(serializers.ModelSerializer[Shipment]):
    """Une expédition, vue par un intégrateur."""

    status = enum_field("ShipmentStatus", ShipmentStatus.choices, read_only=True)
    shipper_contact = ContactDetailsField(source="shipper")
    recipient_contact = ContactDetailsField(source="recipient")
    destination_id = serializers.IntegerField(read_only=True)
    destination_iata = serializers.CharField(source="destination.iata_code", read_only=True)
    destination_city = serializers.CharField(source="destination.city", read_only=True)
    destination_country = serializers.SerializerMethodField()
    carton_count = serializers.IntegerField(read_only=True, help_text="Nombre de cartons.")

    class Meta:
        model = Shipment
        fields = [
            "id",
            "reference",
            "status",
            "shipper_name",
            "shipper_contact",
            "recipient_name",
            "recipient_contact",
            "correspondent_name",
            "destination_id",
            "destination_iata",
            "destination_city",
            "destination_country",
            "destination_address",
            "requested_delivery_date",
            "created_at",
            "ready_at",
            "notes",
            "carton_count",
        ]
        read_only_fields = fields

    def get_destination_country(self, shipment: Shipment) -> str:
        # The shipment's own copy when set, else its destination's country.
        return shipment.destination_country or shipment.destination.country


def shipment_queryset() -> QuerySet[Shipment]:
    """Newest first; destination and parties joined, cartons counted by a subquery: one query
    whatever the number of shipments."""
    cartons = (
        Carton.objects.filter(shipment=OuterRef("pk"))
        .order_by()
        .values("shipment")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return (
        Shipment.objects.select_related("destination", "shipper", "recipient")
        .annotate(
            carton_count=Coalesce(
                Subquery(cartons, output_field=IntegerField()),
                Value(0),
                output_field=IntegerField(),
            )
        )
        .order_by("-created_at", "-pk")
    )


class _CompatReadOnlyViewSet(viewsets.ReadOnlyModelViewSet[_M]):
    """The list filters are not meant for the detail (an id always reads its row); an unknown
    id is a JSON 404 naming what was not found."""

    not_found = "Introuvable."

    def filter_queryset(self, queryset: QuerySet[_M, _Row]) -> QuerySet[_M, _Row]:
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> _M:
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.not_found) from None


@extend_schema_view(
    list=extend_schema(
        summary="Expéditions (intégrations)",
        description="Expéditions, les plus récentes d'abord." + LIST_NOTE,
    ),
    retrieve=extend_schema(summary="Une expédition (intégrations)"),
)
class IntegrationShipmentViewSet(_CompatReadOnlyViewSet[Shipment]):
    """`GET /api/v1/integrations/shipments/` (+ `{id}/`): key with read, or staff."""

    serializer_class = IntegrationShipmentSerializer
    filter_backends = [LenientFilterBackend]
    filterset_class = ShipmentFilterSet
    pagination_class = PlainListUnlessAskedPagination
    not_found = "Expédition introuvable."

    def get_queryset(self) -> QuerySet[Shipment]:
        return shipment_queryset()


class IntegrationDestinationSerializer(serializers.ModelSerializer[Destination]):
    """Une destination (aéroport desservi)."""

    correspondent_name = serializers.SerializerMethodField()

    class Meta:
        model = Destination
        fields = ["id", "city", "iata_code", "country", "correspondent_name", "is_active"]
        read_only_fields = fields

    def get_correspondent_name(self, destination: Destination) -> str:
        """Nom du correspondant ; vide sans correspondant."""
        return destination.correspondent.name if destination.correspondent else ""


@extend_schema_view(
    list=extend_schema(
        summary="Destinations (intégrations)",
        description="Destinations par ordre de ville." + LIST_NOTE,
    ),
    retrieve=extend_schema(summary="Une destination (intégrations)"),
)
class IntegrationDestinationViewSet(_CompatReadOnlyViewSet[Destination]):
    """`GET /api/v1/integrations/destinations/` (+ `{id}/`): key with read, or staff."""

    serializer_class = IntegrationDestinationSerializer
    filter_backends = [LenientFilterBackend]
    filterset_class = DestinationFilterSet
    pagination_class = PlainListUnlessAskedPagination
    not_found = "Destination introuvable."

    def get_queryset(self) -> QuerySet[Destination]:
        return Destination.objects.select_related("correspondent").order_by("city", "pk")
