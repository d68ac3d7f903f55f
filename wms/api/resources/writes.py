"""`POST stock/adjust/` and `POST stock/transfer/`: the scan screens' adjust and move, through
the same services (wms.services.stock), idempotent with `Idempotency-Key`."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wms.api.idempotency import write_once
from wms.api.resources.common import (
    ERROR,
    IDEMPOTENCY,
    WRITE_PERMISSIONS,
    ExistingIdField,
    actor_of,
)
from wms.models import Location, ProductLot
from wms.services import stock

IDEMPOTENCY_NOTE = (
    "Accepte l'en-tête `Idempotency-Key` : la même clé avec le même corps rejoue la première "
    "réponse (en-tête `Idempotent-Replayed: true`), avec un autre corps répond 409. Clé avec "
    "le scope write, ou session d'un magasinier ou d'un responsable."
)
WRITE_ERRORS = {
    400: OpenApiResponse(
        ERROR,
        description=(
            "Données invalides (`errors` nomme le champ, dont un objet introuvable) ou "
            "opération refusée par les règles du stock (`detail` en donne la raison)."
        ),
    ),
    409: OpenApiResponse(ERROR, description="Clé d'idempotence déjà servie pour un autre corps."),
}


def lot_field() -> ExistingIdField:
    return ExistingIdField(
        queryset=ProductLot.objects.all(),
        missing="Lot introuvable.",
        help_text="Identifiant du lot.",
    )


class AdjustInputSerializer(serializers.Serializer[Any]):
    lot_id = lot_field()
    delta = serializers.IntegerField(
        help_text="Variation signée, non nulle (+ retrouvé, − manquant)."
    )
    reason_code = serializers.ChoiceField(
        choices=list(stock.ADJUST_REASONS.items()), help_text="Motif de l'ajustement."
    )
    notes = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")


class TransferInputSerializer(serializers.Serializer[Any]):
    lot_id = lot_field()
    quantity = serializers.IntegerField(help_text="Quantité à déplacer (au moins 1).")
    to_location_id = ExistingIdField(
        # The scan screen offers active locations only: the API takes the same.
        queryset=Location.objects.filter(is_active=True),
        missing="Emplacement introuvable ou inactif.",
        help_text="Identifiant de l'emplacement de destination (actif).",
    )
    notes = serializers.CharField(max_length=400, required=False, allow_blank=True, default="")


def as_fields(validated: dict[str, Any]) -> dict[str, Any]:
    """The request as the idempotency fingerprint sees it: rows by their ids."""
    return {name: getattr(value, "pk", value) for name, value in validated.items()}


class StockAdjustView(APIView):
    permission_classes = WRITE_PERMISSIONS

    @extend_schema(
        summary="Ajuster un lot",
        description=(
            "Ajoute ou retire une quantité d'un lot, avec un motif (mouvement `adjust`). "
            "Refusé si le stock deviendrait négatif ou inférieur à la quantité réservée. "
            f"{IDEMPOTENCY_NOTE}"
        ),
        parameters=[IDEMPOTENCY],
        request=AdjustInputSerializer,
        responses={
            201: inline_serializer(
                "StockAdjustResult",
                fields={
                    "movement_id": serializers.IntegerField(),
                    "lot_id": serializers.IntegerField(),
                    "delta": serializers.IntegerField(),
                    "quantity_on_hand": serializers.IntegerField(),
                    "quantity_available": serializers.IntegerField(),
                },
            ),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = AdjustInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        actor = actor_of(request)

        def apply() -> tuple[int, dict[str, Any]]:
            movement = stock.adjust(
                lot=values["lot_id"],
                delta=values["delta"],
                reason_code=values["reason_code"],
                notes=values["notes"],
                actor=actor,
            )
            lot = movement.lot  # the locked lot, with its new quantities
            return 201, {
                "movement_id": movement.pk,
                "lot_id": lot.pk,
                "delta": movement.delta,
                "quantity_on_hand": lot.quantity_on_hand,
                "quantity_available": lot.quantity_available,
            }

        return write_once(request, kind="stock_adjust", fields=as_fields(values), apply=apply)


class StockTransferView(APIView):
    permission_classes = WRITE_PERMISSIONS

    @extend_schema(
        summary="Déplacer tout ou partie d'un lot",
        description=(
            "Retire la quantité du lot et l'ajoute au lot de même produit, n° de lot, "
            "péremption et statut à l'emplacement de destination (créé s'il n'existe pas). "
            "Refusé vers le même emplacement ou au-delà de la quantité non réservée. "
            f"{IDEMPOTENCY_NOTE}"
        ),
        parameters=[IDEMPOTENCY],
        request=TransferInputSerializer,
        responses={
            201: inline_serializer(
                "StockTransferResult",
                fields={
                    "lot_id": serializers.IntegerField(help_text="Le lot de destination."),
                    "source_lot_id": serializers.IntegerField(),
                    "location_id": serializers.IntegerField(),
                    "quantity": serializers.IntegerField(),
                    "quantity_on_hand": serializers.IntegerField(
                        help_text="Quantité en stock du lot de destination."
                    ),
                },
            ),
            **WRITE_ERRORS,
        },
    )
    def post(self, request: Request) -> Response:
        data = TransferInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        actor = actor_of(request)

        def apply() -> tuple[int, dict[str, Any]]:
            destination = stock.transfer(
                lot=values["lot_id"],
                quantity=values["quantity"],
                to_location=values["to_location_id"],
                notes=values["notes"],
                actor=actor,
            )
            return 201, {
                "lot_id": destination.pk,
                "source_lot_id": values["lot_id"].pk,
                "location_id": destination.location_id,
                "quantity": values["quantity"],
                "quantity_on_hand": destination.quantity_on_hand,
            }

        return write_once(request, kind="stock_transfer", fields=as_fields(values), apply=apply)
