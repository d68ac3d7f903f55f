"""Who may call the API: a key with the right scope, or a staff user (Worker, Manager)."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.request import Request

from wms.api.auth import KeyPrincipal
from wms.roles import API_PERMISSION


def required_scope(request: Request, view: Any) -> str:
    scope = getattr(view, "required_scope", None)
    if scope:
        return str(scope)
    return "read" if request.method in SAFE_METHODS else "write"


class IsApiPrincipal(BasePermission):
    """Keys need the view's scope; users need `wms.use_api` (association users never have it)."""

    message = "Accès à l'API refusé."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if isinstance(user, KeyPrincipal):
            return required_scope(request, view) in user.scopes
        if not (user and user.is_authenticated):
            return False
        # An association user never reaches the API, whatever role it was given besides.
        is_association = hasattr(user, "association_profile")
        return not is_association and bool(user.has_perm(API_PERMISSION))


class PublicDocumentation(BasePermission):
    """The schema and its docs page are open to anybody (integrators read them before they have
    a key), except association users: they get 403 on every API path (S-API)."""

    message = "Accès à l'API refusé."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return not hasattr(user, "association_profile")
