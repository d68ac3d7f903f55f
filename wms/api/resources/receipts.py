"""`GET receipts/` (+ `{id}/`) with their lines: S-RECEIPTS."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from rest_framework import serializers

from wms.api.resources.common import ResourceViewSet, read_only_schema
from wms.api.resources.filters import ReceiptFilterSet
from wms.models import Receipt, ReceiptLine, ReceiptOutOfFormatLine


class ReceiptLineSerializer(serializers.ModelSerializer[ReceiptLine]):
    """Une ligne de réception ; reçue, elle a créé son lot (received_lot_id)."""

    product_id = serializers.IntegerField(read_only=True)
    product_sku = serializers.CharField(source="product.sku", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    location_id = serializers.IntegerField(read_only=True, allow_null=True)
    # Plain text in the schema: as an enum it would give LotStatus a second name (and collide
    # with the lots' `status`), which drf-spectacular warns about.
    lot_status = serializers.CharField(
        read_only=True,
        help_text="Statut voulu pour le lot : quarantined, available, hold, expired, ou vide "
        "(statut par défaut du produit).",
    )
    received_lot_id = serializers.IntegerField(
        read_only=True, allow_null=True, help_text="Le lot créé par la réception, ou null."
    )

    class Meta:
        model = ReceiptLine
        fields = [
            "id",
            "product_id",
            "product_sku",
            "product_name",
            "quantity",
            "lot_code",
            "expires_on",
            "lot_status",
            "location_id",
            "storage_conditions",
            "received_lot_id",
        ]
        read_only_fields = fields


class OutOfFormatLineSerializer(serializers.ModelSerializer[ReceiptOutOfFormatLine]):
    """Une ligne « hors format » (texte libre numéroté)."""

    class Meta:
        model = ReceiptOutOfFormatLine
        fields = ["number", "description"]
        read_only_fields = fields


class ReceiptSerializer(serializers.ModelSerializer[Receipt]):
    """Une réception, avec ses lignes."""

    source_contact_id = serializers.IntegerField(read_only=True, allow_null=True)
    source_name = serializers.CharField(
        source="source_contact.name", read_only=True, allow_null=True
    )
    carrier_contact_id = serializers.IntegerField(read_only=True, allow_null=True)
    carrier_name = serializers.CharField(
        source="carrier_contact.name", read_only=True, allow_null=True
    )
    warehouse_id = serializers.IntegerField(read_only=True, allow_null=True)
    lines = ReceiptLineSerializer(many=True, read_only=True)
    out_of_format_lines = OutOfFormatLineSerializer(many=True, read_only=True)

    class Meta:
        model = Receipt
        fields = [
            "id",
            "reference",
            "receipt_type",
            "status",
            "source_contact_id",
            "source_name",
            "carrier_contact_id",
            "carrier_name",
            "origin_reference",
            "carrier_reference",
            "pallet_count",
            "carton_count",
            "out_of_format_count",
            "transport_request_date",
            "received_on",
            "warehouse_id",
            "notes",
            "created_at",
            "lines",
            "out_of_format_lines",
        ]
        read_only_fields = fields


@read_only_schema(
    plural="réceptions",
    singular="une réception",
    list_description=(
        "Réceptions, de la plus récente (date de réception) à la plus ancienne, avec leurs "
        "lignes et lignes hors format."
    ),
    serializer=ReceiptSerializer,
)
class ReceiptViewSet(ResourceViewSet[Receipt]):
    serializer_class = ReceiptSerializer
    filterset_class = ReceiptFilterSet
    not_found_message = "Réception introuvable."

    def get_queryset(self) -> QuerySet[Receipt]:
        lines = ReceiptLine.objects.select_related("product").order_by("pk")
        return (
            Receipt.objects.select_related("source_contact", "carrier_contact")
            .prefetch_related(Prefetch("lines", queryset=lines), "out_of_format_lines")
            .order_by("-received_on", "-pk")
        )
