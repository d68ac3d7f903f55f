"""`GET lots/` in FEFO order and `GET movements/` newest first (+ `{id}/`): S-STOCK."""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from wms.api.resources.common import ResourceViewSet, read_only_schema
from wms.api.resources.filters import LotFilterSet, MovementFilterSet
from wms.models import ProductLot, StockMovement
from wms.services.fefo import fefo_order


class LotSerializer(serializers.ModelSerializer[ProductLot]):
    """Le stock d'un lot d'un produit à un emplacement."""

    product_id = serializers.IntegerField(read_only=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity_available = serializers.IntegerField(
        read_only=True, help_text="Quantité en stock moins la quantité réservée."
    )
    location_id = serializers.IntegerField(read_only=True)
    location_code = serializers.CharField(
        source="location.code", read_only=True, help_text="ZONE-ÉTAGÈRE-BAC."
    )
    warehouse_id = serializers.IntegerField(source="location.warehouse_id", read_only=True)
    warehouse_code = serializers.CharField(source="location.warehouse.code", read_only=True)
    source_receipt_id = serializers.IntegerField(read_only=True, allow_null=True)

    class Meta:
        model = ProductLot
        fields = [
            "id",
            "product_id",
            "product_sku",
            "product_name",
            "lot_code",
            "expires_on",
            "received_on",
            "status",
            "quantity_on_hand",
            "quantity_reserved",
            "quantity_available",
            "location_id",
            "location_code",
            "warehouse_id",
            "warehouse_code",
            "storage_conditions",
            "source_receipt_id",
        ]
        read_only_fields = fields


class MovementSerializer(serializers.ModelSerializer[StockMovement]):
    """Une ligne du registre des mouvements de stock (jamais modifiée ni supprimée)."""

    product_id = serializers.IntegerField(read_only=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    lot_id = serializers.IntegerField(read_only=True)
    lot_code = serializers.CharField(source="lot.lot_code", read_only=True)
    from_location_id = serializers.IntegerField(read_only=True, allow_null=True)
    to_location_id = serializers.IntegerField(read_only=True, allow_null=True)
    carton_id = serializers.IntegerField(read_only=True, allow_null=True)
    shipment_id = serializers.IntegerField(read_only=True, allow_null=True)
    receipt_id = serializers.IntegerField(read_only=True, allow_null=True)
    user = serializers.CharField(
        source="user.username",
        read_only=True,
        allow_null=True,
        help_text="Identifiant de l'utilisateur, ou null (clé d'API, système).",
    )

    class Meta:
        model = StockMovement
        fields = [
            "id",
            "product_id",
            "product_sku",
            "lot_id",
            "lot_code",
            "delta",
            "movement_type",
            "reason_code",
            "notes",
            "from_location_id",
            "to_location_id",
            "carton_id",
            "shipment_id",
            "receipt_id",
            "user",
            "operation_id",
            "created_at",
        ]
        read_only_fields = fields


@read_only_schema(
    plural="lots",
    singular="un lot",
    list_description=(
        "Lots dans l'ordre FEFO (premier périmé, premier sorti) : lots avec une date de "
        "péremption d'abord, par date de péremption, puis date de réception et identifiant. "
        "Tous statuts et quantités, sauf filtre."
    ),
    serializer=LotSerializer,
)
class LotViewSet(ResourceViewSet[ProductLot]):
    serializer_class = LotSerializer
    filterset_class = LotFilterSet
    not_found_message = "Lot introuvable."

    def get_queryset(self) -> QuerySet[ProductLot]:
        # Products and locations come by prefetch, not joins: alone in its query, the lot table
        # is read in FEFO order from its index `lot_fefo_order` up to the page's end. With the
        # joins, MariaDB started from the warehouses and sorted all 100,000 lots (1.1 s a page).
        lots = ProductLot.objects.prefetch_related("product", "location__warehouse")
        return fefo_order(lots)


@read_only_schema(
    plural="mouvements de stock",
    singular="un mouvement de stock",
    list_description="Mouvements du registre, du plus récent au plus ancien.",
    serializer=MovementSerializer,
)
class MovementViewSet(ResourceViewSet[StockMovement]):
    serializer_class = MovementSerializer
    filterset_class = MovementFilterSet
    not_found_message = "Mouvement introuvable."

    def get_queryset(self) -> QuerySet[StockMovement]:
        return StockMovement.objects.select_related("product", "lot", "user").order_by(
            "-created_at", "-pk"
        )
