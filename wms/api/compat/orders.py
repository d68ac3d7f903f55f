"""`/api/v1/orders/` (+ `{id}/`, `{id}/reserve/`, `{id}/prepare/`) — api-v1-compat.md "Orders".

Reading: keys with read, or staff. Reserving and preparing: managers, or a key with write; the
rules (approved order, FEFO, all lines or none) are wms.services.orders'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wms.api.compat.common import (
    IDEMPOTENCY_PARAMETER,
    UsersNeedManager,
    enum_field,
    error_responses,
    manager_actor_for,
)
from wms.api.idempotency import write_once
from wms.api.pagination import PlainListUnlessAskedPagination
from wms.api.permissions import IsApiPrincipal
from wms.models import Order, OrderLine, OrderStatus, ReviewStatus
from wms.services import orders
from wms.services.stock import Actor


class OrderLineSerializer(serializers.ModelSerializer[OrderLine]):
    product_id = serializers.IntegerField(read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    quantity = serializers.IntegerField(read_only=True, help_text="Quantité accordée.")
    reserved_quantity = serializers.IntegerField(
        source="quantity_reserved", read_only=True, help_text="Unités réservées sur des lots."
    )
    prepared_quantity = serializers.IntegerField(
        source="quantity_prepared", read_only=True, help_text="Unités déjà mises en carton."
    )

    class Meta:
        model = OrderLine
        fields = [
            "id",
            "product_id",
            "product_name",
            "quantity",
            "reserved_quantity",
            "prepared_quantity",
        ]
        read_only_fields = fields


class OrderSerializer(serializers.ModelSerializer[Order]):
    """Une commande et ses lignes (noms des parties tels qu'imprimés)."""

    status = enum_field("OrderStatus", OrderStatus.choices, read_only=True)
    review_status = enum_field(
        "OrderReviewStatus",
        ReviewStatus.choices,
        read_only=True,
        help_text="Validation par un responsable (ajouté par ce système).",
    )
    destination_address = serializers.CharField(source="address", read_only=True)
    destination_city = serializers.CharField(source="city", read_only=True)
    destination_country = serializers.CharField(source="country", read_only=True)
    requested_delivery_date = serializers.DateField(
        source="requested_date", read_only=True, allow_null=True
    )
    shipment_id = serializers.IntegerField(read_only=True, allow_null=True)
    lines = OrderLineSerializer(many=True, read_only=True)

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "status",
            "shipper_name",
            "recipient_name",
            "correspondent_name",
            "destination_address",
            "destination_city",
            "destination_country",
            "requested_delivery_date",
            "shipment_id",
            "created_at",
            "lines",
            # Added by this system (api-v1-compat.md).
            "review_status",
        ]
        read_only_fields = fields


class OrderActionSerializer(serializers.Serializer[Any]):
    order_id = serializers.IntegerField()
    status = enum_field("OrderStatus", OrderStatus.choices)


def order_queryset() -> QuerySet[Order]:
    """Orders, newest first, with their lines and product names in one more query (whatever the
    number of orders)."""
    lines = OrderLine.objects.select_related("product").only(
        "id",
        "order_id",
        "product_id",
        "product__name",
        "quantity",
        "quantity_reserved",
        "quantity_prepared",
    )
    return Order.objects.prefetch_related(
        Prefetch("lines", queryset=lines.order_by("pk"))
    ).order_by("-created_at", "-pk")


@extend_schema_view(
    list=extend_schema(
        summary="Liste des commandes",
        description=(
            "Commandes, les plus récentes d'abord, avec leurs lignes. Sans `page` ni "
            "`page_size` : la liste complète en tableau JSON simple ; avec l'un d'eux : "
            "l'enveloppe paginée `{count, next, previous, results}`."
        ),
    ),
    retrieve=extend_schema(summary="Une commande"),
)
class OrderViewSet(viewsets.ReadOnlyModelViewSet[Order]):
    """`GET /api/v1/orders/` and `/api/v1/orders/{id}/` (key with read, or staff)."""

    serializer_class = OrderSerializer
    pagination_class = PlainListUnlessAskedPagination
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Order]:
        return order_queryset()

    def get_object(self) -> Order:
        try:
            return super().get_object()
        except Http404:
            raise NotFound("Commande introuvable.") from None


Service = Callable[..., Order]


class _OrderActionView(APIView):
    """POST without a body: runs one order service once (per Idempotency-Key)."""

    permission_classes = [IsApiPrincipal, UsersNeedManager]
    kind = ""

    def service(self) -> Service:
        raise NotImplementedError

    def post(self, request: Request, pk: int) -> Response:
        order = Order.objects.filter(pk=pk).first()
        if order is None:
            raise NotFound("Commande introuvable.")
        actor: Actor = manager_actor_for(request)
        service = self.service()

        def apply() -> tuple[int, dict[str, Any]]:
            done = service(order=order, actor=actor)
            return status.HTTP_200_OK, {"order_id": done.pk, "status": done.status}

        return write_once(request, kind=self.kind, fields={"order_id": order.pk}, apply=apply)


_F = TypeVar("_F", bound=Callable[..., Any])


def _action_schema(summary: str, description: str) -> Callable[[_F], _F]:
    return extend_schema(
        summary=summary,
        description=description,
        request=None,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            200: OpenApiResponse(OrderActionSerializer, description="Le nouveau statut."),
            **error_responses(not_found=True),
        },
    )


class OrderReserveView(_OrderActionView):
    """`POST /api/v1/orders/{id}/reserve/` (managers, or a key with write)."""

    kind = "orders.reserve"

    def service(self) -> Service:
        return orders.reserve

    @_action_schema(
        "Réserver une commande",
        "Réserve, au premier périmé premier sorti, ce qui manque encore à une commande "
        "validée : toutes les lignes ou aucune. Une commande non validée est refusée (400, "
        "« Commande non validée … »). Responsables, ou clé avec le droit write.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)


class OrderPrepareView(_OrderActionView):
    """`POST /api/v1/orders/{id}/prepare/` (managers, or a key with write)."""

    kind = "orders.prepare"

    def service(self) -> Service:
        return orders.prepare

    @_action_schema(
        "Préparer une commande",
        "Met en cartons les unités réservées d'une commande validée (réutilise les cartons "
        "prêts qui conviennent) dans son expédition ; la commande passe en préparation ou "
        "prête. Responsables, ou clé avec le droit write.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return super().post(request, pk)
