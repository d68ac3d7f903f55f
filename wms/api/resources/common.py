"""What the new API v1 endpoints share: the read-only base view set (paginated, strict filters,
JSON 404), the documented error body, who may write, and the caller as a service Actor."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from wms.api.auth import KeyPrincipal
from wms.api.compat.common import ERROR_BODY, IDEMPOTENCY_PARAMETER
from wms.api.filters import BIGINT_MAX
from wms.api.permissions import IsApiPrincipal
from wms.api.resources.filters import STRICT_FILTERS_NOTE, StrictFilterBackend
from wms.api.resources.pagination import DefaultPagination
from wms.roles import SCAN_PERMISSION
from wms.services.stock import Actor

_M = TypeVar("_M", bound=Model)
_Row = TypeVar("_Row")


# One error component in the schema for the whole API (shared with the compatibility endpoints).
ERROR = ERROR_BODY
IDEMPOTENCY = IDEMPOTENCY_PARAMETER
BAD_FILTER = OpenApiResponse(ERROR, description="Un filtre a une valeur mal formée.")
NO_PAGE = OpenApiResponse(ERROR, description="Page au-delà de la dernière.")


def not_found(what: str) -> OpenApiResponse:
    return OpenApiResponse(ERROR, description=f"{what} introuvable.")


def read_only_schema(*, plural: str, list_description: str, singular: str, serializer: Any) -> Any:
    """Summaries, descriptions and error responses of a list + detail pair."""
    return extend_schema_view(
        list=extend_schema(
            summary=f"Liste : {plural}",
            description=(
                f"{list_description}\n\nPaginée : `{{count, next, previous, results}}`, 50 par "
                f"page par défaut, `page_size` jusqu'à 500. {STRICT_FILTERS_NOTE}"
            ),
            responses={200: serializer, 400: BAD_FILTER, 404: NO_PAGE},
        ),
        retrieve=extend_schema(
            summary=f"Détail : {singular}",
            responses={200: serializer, 404: not_found(singular.capitalize())},
        ),
    )


class ResourceViewSet(viewsets.ReadOnlyModelViewSet[_M]):
    """GET list (paginated, strict filters) and GET detail (filters not applied)."""

    pagination_class = DefaultPagination
    filter_backends = [StrictFilterBackend]
    not_found_message = "Introuvable."

    def filter_queryset(self, queryset: QuerySet[_M, _Row]) -> QuerySet[_M, _Row]:
        if self.action == "retrieve":
            return queryset
        return super().filter_queryset(queryset)

    def get_object(self) -> _M:
        pk = self.kwargs.get("pk")
        # The URL's <int:pk> takes any length: a number no row can have is simply not there
        # (and must not reach SQLite, which overflows on it).
        if pk is not None and int(pk) > BIGINT_MAX:
            raise NotFound(self.not_found_message)
        try:
            return super().get_object()
        except Http404:
            raise NotFound(self.not_found_message) from None


class ScanWritesForUsers(BasePermission):
    """Writes by a session need the scan capability (workers and managers, S-ROLES: the API
    with a session allows the scan-equivalent writes); keys are governed by their scopes."""

    message = "Cette opération est réservée aux magasiniers et aux responsables."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if request.method in SAFE_METHODS or isinstance(user, KeyPrincipal):
            return True
        return bool(user and user.is_authenticated and user.has_perm(SCAN_PERMISSION))


WRITE_PERMISSIONS = [IsApiPrincipal, ScanWritesForUsers]


def actor_of(request: Request) -> Actor:
    """The service actor: the Django user of a session, nobody for a key."""
    user = request.user
    if isinstance(user, KeyPrincipal) or not getattr(user, "is_authenticated", False):
        return Actor(user=None, operation_id=None)
    return Actor(user=user, operation_id=None)


class ExistingIdField(serializers.IntegerField):
    """An identifier in a request body, turned into its row; an unknown one is a 400 naming
    the field (a number too large for the database included)."""

    def __init__(self, *, queryset: QuerySet[Any], missing: str, **kwargs: Any) -> None:
        self.queryset = queryset
        self.missing = missing
        super().__init__(**kwargs)

    def to_internal_value(self, data: Any) -> Any:
        pk = super().to_internal_value(data)
        row = self.queryset.filter(pk=pk).first() if 0 < pk <= BIGINT_MAX else None
        if row is None:
            raise serializers.ValidationError(self.missing)
        return row

    def to_representation(self, value: Any) -> Any:
        return getattr(value, "pk", value)
