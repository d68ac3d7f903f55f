"""`GET warehouses/`, `GET locations/` (+ `{id}/`): S-LOCATIONS."""

from __future__ import annotations

from django.db.models import Count, QuerySet
from rest_framework import serializers

from wms.api.resources.common import ResourceViewSet, read_only_schema
from wms.api.resources.filters import LocationFilterSet, WarehouseFilterSet
from wms.models import Location, Warehouse


class WarehouseSerializer(serializers.ModelSerializer[Warehouse]):
    """Un entrepôt."""

    location_count = serializers.IntegerField(
        read_only=True, help_text="Nombre d'emplacements (actifs ou non)."
    )

    class Meta:
        model = Warehouse
        fields = ["id", "name", "code", "location_count"]
        read_only_fields = fields


class LocationSerializer(serializers.ModelSerializer[Location]):
    """Un emplacement : entrepôt + zone (rack) + étagère + bac."""

    warehouse_id = serializers.IntegerField(read_only=True)
    warehouse_code = serializers.CharField(source="warehouse.code", read_only=True)
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)
    code = serializers.CharField(read_only=True, help_text="ZONE-ÉTAGÈRE-BAC, ex. A-01-1.")
    display_name = serializers.CharField(
        source="__str__", read_only=True, help_text="Affichage « ENTREPÔT ZONE-ÉTAGÈRE-BAC »."
    )
    qr_payload = serializers.CharField(
        read_only=True, help_text="Contenu du QR code de l'étiquette (LOC:…)."
    )

    class Meta:
        model = Location
        fields = [
            "id",
            "warehouse_id",
            "warehouse_code",
            "warehouse_name",
            "zone",
            "aisle",
            "shelf",
            "code",
            "display_name",
            "qr_payload",
            "notes",
            "is_active",
        ]
        read_only_fields = fields


@read_only_schema(
    plural="entrepôts",
    singular="un entrepôt",
    list_description="Entrepôts par ordre de nom.",
    serializer=WarehouseSerializer,
)
class WarehouseViewSet(ResourceViewSet[Warehouse]):
    serializer_class = WarehouseSerializer
    filterset_class = WarehouseFilterSet
    not_found_message = "Entrepôt introuvable."

    def get_queryset(self) -> QuerySet[Warehouse]:
        return Warehouse.objects.annotate(location_count=Count("locations")).order_by("name", "pk")


@read_only_schema(
    plural="emplacements",
    singular="un emplacement",
    list_description="Emplacements par entrepôt (nom), zone, étagère et bac.",
    serializer=LocationSerializer,
)
class LocationViewSet(ResourceViewSet[Location]):
    serializer_class = LocationSerializer
    filterset_class = LocationFilterSet
    not_found_message = "Emplacement introuvable."

    def get_queryset(self) -> QuerySet[Location]:
        return Location.objects.select_related("warehouse").order_by(
            "warehouse__name", "zone", "aisle", "shelf", "pk"
        )
