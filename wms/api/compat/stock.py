"""`POST /api/v1/stock/receive/` and `POST /api/v1/pack/` — api-v1-compat.md "Stock receive"
and "Pack" (workers and managers, or a key with write).

The body is checked here (types, ids that exist); the rules are wms.services.stock.receive and
wms.services.packing.pack, which refuse with a French message (400) and change nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wms.api.compat.common import (
    IDEMPOTENCY_PARAMETER,
    UsersNeedScan,
    actor_for,
    enum_field,
    error_responses,
    id_field,
    object_or_none,
)
from wms.api.idempotency import write_once
from wms.api.permissions import IsApiPrincipal
from wms.models import Carton, CartonStatus, Location, LotStatus, Product, Receipt, Shipment
from wms.services import packing, stock

# --- receive -----------------------------------------------------------------------------------


class ReceiveSerializer(serializers.Serializer[Any]):
    product_id = id_field("du produit", required=True)
    quantity = serializers.IntegerField(min_value=1, help_text="Nombre d'unités reçues (≥ 1).")
    location_id = id_field("de l'emplacement (défaut : l'emplacement par défaut du produit)")
    lot_code = serializers.CharField(max_length=60, required=False, allow_blank=True, default="")
    received_on = serializers.DateField(
        required=False, allow_null=True, default=None, help_text="Défaut : aujourd'hui."
    )
    expires_on = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Obligatoire pour un produit périssable.",
    )
    status = enum_field(
        "LotStatusOrBlank",
        [("", "—"), *LotStatus.choices],
        required=False,
        allow_blank=True,
        default="",
        help_text=(
            "Statut du lot ; vide : en quarantaine si le produit l'exige à la réception, "
            "sinon disponible."
        ),
    )
    storage_conditions = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )
    source_receipt_id = id_field("de la réception d'origine")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # A missing object answers 400 (api-v1-compat.md), named on its field.
        errors: dict[str, str] = {}
        attrs["product"] = object_or_none(Product, attrs["product_id"])
        if attrs["product"] is None:
            errors["product_id"] = "Produit introuvable."
        attrs["location"] = object_or_none(Location, attrs.get("location_id"))
        if attrs.get("location_id") is not None and attrs["location"] is None:
            errors["location_id"] = "Emplacement introuvable."
        attrs["receipt"] = object_or_none(Receipt, attrs.get("source_receipt_id"))
        if attrs.get("source_receipt_id") is not None and attrs["receipt"] is None:
            errors["source_receipt_id"] = "Réception introuvable."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class ReceivedSerializer(serializers.Serializer[Any]):
    lot_id = serializers.IntegerField()
    product_id = serializers.IntegerField()
    quantity = serializers.IntegerField()
    location_id = serializers.IntegerField()


RECEIVE_FIELDS = [
    "product_id",
    "quantity",
    "location_id",
    "lot_code",
    "received_on",
    "expires_on",
    "status",
    "storage_conditions",
    "source_receipt_id",
]


def fingerprint_fields(data: dict[str, Any], names: list[str]) -> dict[str, Any]:
    """What makes two requests "the same" for Idempotency-Key, as JSON-able values."""
    fields: dict[str, Any] = {}
    for name in names:
        value = data.get(name)
        fields[name] = value.isoformat() if isinstance(value, dt.date) else value
    return fields


class StockReceiveView(APIView):
    """`POST /api/v1/stock/receive/`: a new lot (movement `in`)."""

    permission_classes = [IsApiPrincipal, UsersNeedScan]

    @extend_schema(
        summary="Réception de stock",
        description=(
            "Crée un lot de `quantity` unités (mouvement d'entrée). Un objet introuvable ou un "
            "refus métier (périssable sans date de péremption, aucun emplacement…) répond 400. "
            "Magasiniers et responsables, ou clé avec le droit write."
        ),
        request=ReceiveSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OpenApiResponse(ReceivedSerializer, description="Le lot créé."),
            **error_responses(),
        },
    )
    def post(self, request: Request) -> Response:
        body = ReceiveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        actor = actor_for(request)

        def apply() -> tuple[int, dict[str, Any]]:
            related = {"receipt": data["receipt"]} if data["receipt"] is not None else {}
            lot = stock.receive(
                product=data["product"],
                quantity=data["quantity"],
                actor=actor,
                location=data["location"],
                lot_code=data["lot_code"],
                expires_on=data["expires_on"],
                received_on=data["received_on"],
                status=data["status"] or None,
                storage_conditions=data["storage_conditions"],
                **related,
            )
            return status.HTTP_201_CREATED, {
                "lot_id": lot.pk,
                "product_id": lot.product_id,
                "quantity": lot.quantity_on_hand,
                "location_id": lot.location_id,
            }

        return write_once(
            request,
            kind="stock.receive",
            fields=fingerprint_fields(data, RECEIVE_FIELDS),
            apply=apply,
        )


# --- pack --------------------------------------------------------------------------------------


class PackSerializer(serializers.Serializer[Any]):
    product_id = id_field("du produit (ou du kit)", required=True)
    quantity = serializers.IntegerField(min_value=1, help_text="Nombre d'unités (≥ 1).")
    carton_id = id_field("du carton à compléter (ou carton_code ; aucun : nouveau carton)")
    carton_code = serializers.CharField(
        max_length=30,
        required=False,
        allow_blank=True,
        default="",
        help_text="Code du carton à compléter (ou carton_id, pas les deux).",
    )
    shipment_id = id_field("de l'expédition")
    current_location_id = id_field("de l'emplacement où se trouve le carton")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["carton_code"] = attrs["carton_code"].strip()
        if attrs.get("carton_id") is not None and attrs["carton_code"]:
            raise serializers.ValidationError(
                {"carton_code": "Donnez carton_id ou carton_code, pas les deux."}
            )
        errors: dict[str, str] = {}
        attrs["product"] = object_or_none(Product, attrs["product_id"])
        if attrs["product"] is None:
            errors["product_id"] = "Produit introuvable."
        attrs["carton"] = None
        if attrs.get("carton_id") is not None:
            attrs["carton"] = object_or_none(Carton, attrs["carton_id"])
            if attrs["carton"] is None:
                errors["carton_id"] = "Carton introuvable."
        elif attrs["carton_code"]:
            # Codes are printed upper-case; a scanner or a person may type them otherwise.
            attrs["carton"] = Carton.objects.filter(Q(code__iexact=attrs["carton_code"])).first()
            if attrs["carton"] is None:
                errors["carton_code"] = "Carton introuvable."
        attrs["shipment"] = object_or_none(Shipment, attrs.get("shipment_id"))
        if attrs.get("shipment_id") is not None and attrs["shipment"] is None:
            errors["shipment_id"] = "Expédition introuvable."
        attrs["location"] = object_or_none(Location, attrs.get("current_location_id"))
        if attrs.get("current_location_id") is not None and attrs["location"] is None:
            errors["current_location_id"] = "Emplacement introuvable."
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


class PackedSerializer(serializers.Serializer[Any]):
    carton_id = serializers.IntegerField()
    carton_code = serializers.CharField()
    status = enum_field("CartonStatus", CartonStatus.choices)


PACK_FIELDS = [
    "product_id",
    "quantity",
    "carton_id",
    "carton_code",
    "shipment_id",
    "current_location_id",
]


class PackView(APIView):
    """`POST /api/v1/pack/`: units of a product (or kit) into a carton, first expired first out."""

    permission_classes = [IsApiPrincipal, UsersNeedScan]

    @extend_schema(
        summary="Mise en carton",
        description=(
            "Met `quantity` unités d'un produit (d'un kit : ses composants) dans un carton, en "
            "prenant les lots au premier périmé premier sorti. Sans carton_id ni carton_code : "
            "un nouveau carton (format par défaut). `current_location_id` range le carton à "
            "cet emplacement. Un objet introuvable ou un refus métier (stock insuffisant, "
            "carton fermé, expédition partie…) répond 400. Magasiniers et responsables, ou clé "
            "avec le droit write."
        ),
        request=PackSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: OpenApiResponse(PackedSerializer, description="Le carton."),
            **error_responses(),
        },
    )
    def post(self, request: Request) -> Response:
        body = PackSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        actor = actor_for(request)

        def apply() -> tuple[int, dict[str, Any]]:
            result = packing.pack(
                product=data["product"],
                quantity=data["quantity"],
                actor=actor,
                carton=data["carton"],
                shipment=data["shipment"],
            )
            carton = result.carton
            if data["location"] is not None:
                # packing.pack takes no location: the carton is placed right after, in the
                # same transaction (write_once runs apply atomically), so a refusal of the
                # pack leaves the carton where it was.
                Carton.objects.filter(pk=carton.pk).update(location=data["location"])
            return status.HTTP_201_CREATED, {
                "carton_id": carton.pk,
                "carton_code": carton.code,
                "status": carton.status,
            }

        return write_once(
            request, kind="pack", fields=fingerprint_fields(data, PACK_FIELDS), apply=apply
        )
