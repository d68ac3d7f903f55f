"""Shared by the compatibility endpoints (api-v1-compat.md): who acts, who may write, and the
bodies the OpenAPI schema shows for errors and for the `Idempotency-Key` header."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema_field,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from wms.api.auth import KeyPrincipal
from wms.api.idempotency import HEADER, MAX_KEY_LENGTH
from wms.roles import MANAGER_PERMISSION, SCAN_PERMISSION
from wms.services.stock import Actor

# Largest id a database column holds: a larger one is refused before it reaches the database
# (SQLite raises OverflowError on it).
MAX_ID = 2**63 - 1


def actor_for(request: Request) -> Actor:
    """The services' actor: the Django user of a session, nobody for a key (the ledger then
    records no user)."""
    user = request.user
    return Actor(user=None if isinstance(user, KeyPrincipal) else user)


def manager_actor_for(request: Request) -> Actor:
    if isinstance(request.user, KeyPrincipal):
        # Only reached once IsApiPrincipal checked the key's write scope.
        return Actor(user=None, with_manager_rights=True)
    return actor_for(request)


class _UsersNeed(BasePermission):
    """On top of IsApiPrincipal (scopes for keys, `wms.use_api` for users): a user must also
    hold `perm`. Keys are left to their scopes."""

    perm = ""
    message = "Accès à l'API refusé."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if isinstance(user, KeyPrincipal):
            return True
        return bool(user and user.is_authenticated and user.has_perm(self.perm))


class UsersNeedScan(_UsersNeed):
    """Stock writes: workers and managers (scan-equivalent writes)."""

    perm = SCAN_PERMISSION


class UsersNeedManager(_UsersNeed):
    """Order decisions: managers only (keys: the write scope)."""

    perm = MANAGER_PERMISSION
    message = "Réservé aux responsables."


def object_or_none(model: Any, pk: int | None, **lookups: Any) -> Any:
    if pk is None:
        return None
    return model.objects.filter(pk=pk, **lookups).first()


def id_field(what: str, *, required: bool = False) -> serializers.IntegerField:
    return serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=required,
        allow_null=not required,
        help_text=f"Identifiant {what}.",
    )


# --- schema ----------------------------------------------------------------------------------

ERROR_BODY = inline_serializer(
    "ApiError",
    fields={
        "detail": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
        "code": serializers.CharField(required=False),
    },
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Clé libre (1 à {MAX_KEY_LENGTH} caractères). Le même appelant renvoyant la même clé "
        "avec le même corps obtient la première réponse (en-tête Idempotent-Replayed: true) "
        "sans nouvel effet ; avec un autre corps : 409."
    ),
)


def error_responses(*, not_found: bool = False) -> dict[int, OpenApiResponse]:
    responses = {
        400: OpenApiResponse(
            ERROR_BODY,
            description="Données invalides, objet introuvable ou refus métier (en français).",
        ),
        409: OpenApiResponse(
            ERROR_BODY, description="Clé d'idempotence déjà utilisée pour un autre corps."
        ),
    }
    if not_found:
        responses[404] = OpenApiResponse(ERROR_BODY, description="Introuvable.")
    return responses


_ENUM_FIELDS: dict[str, type[serializers.ChoiceField]] = {}


def enum_field(name: str, choices: list[tuple[str, str]], **kwargs: Any) -> serializers.ChoiceField:
    """A choice field shown in the schema as the enum component `name`.

    drf-spectacular names enums after the field ("status"); several choice sets under one field
    name collide, and the collision warning fails the schema check. Naming the component here
    keeps each set apart without a global ENUM_NAME_OVERRIDES entry. The annotation sits on a
    class (DRF copies field instances per serializer, dropping instance attributes)."""
    field_class = _ENUM_FIELDS.get(name)
    if field_class is None:
        schema = {"type": "string", "enum": [value for value, _label in choices]}
        field_class = extend_schema_field(schema, component_name=name)(
            type(f"{name}Field", (serializers.ChoiceField,), {})
        )
        _ENUM_FIELDS[name] = field_class
    return field_class(choices=choices, **kwargs)
