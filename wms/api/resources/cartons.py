"""`GET cartons/` (+ `{id}/`) with their contents: S-CARTONS."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from wms.api.resources.common import ResourceViewSet, read_only_schema
from wms.api.resources.filters import CartonFilterSet
from wms.models import Carton, CartonItem


class CartonItemSerializer(serializers.ModelSerializer[CartonItem]):
    """Une quantité d'un lot dans le carton."""

    lot_id = serializers.IntegerField(read_only=True)
    lot_code = serializers.CharField(source="lot.lot_code", read_only=True)
    expires_on = serializers.DateField(source="lot.expires_on", read_only=True, allow_null=True)
    product_id = serializers.IntegerField(source="lot.product_id", read_only=True)
    product_sku = serializers.CharField(source="lot.product.sku", read_only=True)
    product_name = serializers.CharField(source="lot.product.name", read_only=True)

    class Meta:
        model = CartonItem
        fields = [
            "lot_id",
            "lot_code",
            "expires_on",
            "product_id",
            "product_sku",
            "product_name",
            "quantity",
        ]
        read_only_fields = fields


class CartonSerializer(serializers.ModelSerializer[Carton]):
    """Un carton (colis) et son contenu."""

    status_label = serializers.CharField(
        read_only=True, help_text="Statut affiché ; « Affecté » : prêt et dans une expédition."
    )
    shipment_id = serializers.IntegerField(read_only=True, allow_null=True)
    shipment_reference = serializers.CharField(
        source="shipment.reference", read_only=True, allow_null=True
    )
    location_id = serializers.IntegerField(read_only=True, allow_null=True)
    location_code = serializers.CharField(source="location.code", read_only=True, allow_null=True)
    carton_format_id = serializers.IntegerField(read_only=True, allow_null=True)
    items = CartonItemSerializer(many=True, read_only=True)

    class Meta:
        model = Carton
        fields = [
            "id",
            "code",
            "status",
            "status_label",
            "shipment_id",
            "shipment_reference",
            "location_id",
            "location_code",
            "carton_format_id",
            "length_cm",
            "width_cm",
            "height_cm",
            "max_weight_g",
            "created_at",
            "packed_at",
            "notes",
            "items",
        ]
        read_only_fields = fields


@read_only_schema(
    plural="cartons",
    singular="un carton",
    list_description="Cartons, du plus récent au plus ancien, avec leur contenu (lot, produit, "
    "quantité).",
    serializer=CartonSerializer,
)
class CartonViewSet(ResourceViewSet[Carton]):
    serializer_class = CartonSerializer
    filterset_class = CartonFilterSet
    not_found_message = "Carton introuvable."

    def get_queryset(self) -> QuerySet[Carton]:
        items = CartonItem.objects.select_related("lot__product").order_by("pk")
        return (
            Carton.objects.select_related("shipment", "location")
            .prefetch_related(Prefetch("items", queryset=items))
            .order_by("-created_at", "-pk")
        )
