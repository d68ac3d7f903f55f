"""API v1 views: who am I, a JSON 404 that never answers anonymous callers, and the
compatibility endpoints of api-v1-compat.md."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wms.api.auth import KeyPrincipal
from wms.api.filters import LenientFilterBackend, ProductFilterSet
from wms.api.pagination import PlainListUnlessAskedPagination
from wms.api.serializers import TAG_LIST, ProductSerializer
from wms.models import Product, ProductTag
from wms.services.availability import annotate_available_stock

_Row = TypeVar("_Row")


class WhoAmIView(APIView):
    """The caller as the API sees it: lets an integrator test its key or session."""

    @extend_schema(
        responses=inline_serializer(
            "WhoAmI",
            fields={
                "kind": serializers.ChoiceField(choices=["key", "user"]),
                "name": serializers.CharField(),
                "scopes": serializers.ListField(child=serializers.CharField()),
            },
        )
    )
    def get(self, request: Request) -> Response:
        user = request.user
        if isinstance(user, KeyPrincipal):
            return Response({"kind": "key", "name": user.name, "scopes": sorted(user.scopes)})
        scopes = ["read", "write"]
        return Response({"kind": "user", "name": user.get_username(), "scopes": scopes})


@extend_schema(exclude=True)
class UnknownEndpointView(APIView):
    """Anything under /api/v1/ that no endpoint claims: 401/403 first, then a JSON 404.

    Authentication runs before the 404 so that anonymous callers learn nothing about which
    endpoints exist.
    """

    def _not_found(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        raise NotFound("Point d'accès inconnu.")

    get = post = put = patch = delete = _not_found

    # Any valid principal gets the 404, whatever the method.
    required_scope = "read"


def product_queryset() -> QuerySet[Product]:
    """Products with what the serializer reads, in a number of queries that does not grow with
    the number of products: the category joined, the tags in one prefetch, the usable stock
    (kits included) annotated by subqueries."""
    products = (
        Product.objects.select_related("category")
        # to_attr: a plain list per product; a prefetch into the manager would clone a queryset
        # for every product (a quarter of the time of the complete list).
        .prefetch_related(
            Prefetch("tags", queryset=ProductTag.objects.only("id", "name"), to_attr=TAG_LIST)
        )
        .order_by("name", "pk")
    )
    return annotate_available_stock(products)


@extend_schema_view(
    list=extend_schema(
        summary="Liste des produits",
        description=(
            "Produits par ordre de nom. Sans `page` ni `page_size` : la liste complète, en "
            "tableau JSON simple ; avec l'un d'eux : l'enveloppe paginée "
            "`{count, next, previous, results}` (50 par page par défaut, 500 au plus). "
            "Sans filtre `is_active`, seuls les produits actifs sont listés. Un paramètre "
            "inconnu ou une valeur mal formée est ignoré (pas d'erreur 400)."
        ),
    ),
    retrieve=extend_schema(
        summary="Un produit",
        description="Un produit par son identifiant, actif ou archivé.",
    ),
)
class ProductViewSet(viewsets.ReadOnlyModelViewSet[Product]):
    """`GET /api/v1/products/` and `/api/v1/products/{id}/` (key with scope read, or staff)."""

    serializer_class = ProductSerializer
    filter_backends = [LenientFilterBackend]
    filterset_class = ProductFilterSet
    pagination_class = PlainListUnlessAskedPagination

    def get_queryset(self) -> QuerySet[Product]:
        return product_queryset()

    def filter_queryset(self, queryset: QuerySet[Product, _Row]) -> QuerySet[Product, _Row]:
        # The list filters (and the "active only" default) are not meant for the detail: an
        # integrator holding the id of an archived product still reads it.
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> Product:
        try:
            return super().get_object()
        except Http404:
            raise NotFound("Produit introuvable.") from None
