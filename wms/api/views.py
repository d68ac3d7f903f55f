"""API v1 views of the foundation: who am I, and a JSON 404 that never answers anonymous callers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from wms.api.auth import KeyPrincipal


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
