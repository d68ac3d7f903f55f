"""API authentication: the shared integration key, and HTTP Basic when explicitly enabled."""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from rest_framework import authentication, exceptions
from rest_framework.request import Request

INTEGRATION_KEY_HEADER = "X-ASF-Integration-Key"


@dataclass(frozen=True)
class KeyPrincipal:
    """Who calls with an API key: not a Django user, but answers the questions DRF asks a user."""

    name: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def principal_id(self) -> str:
        return f"key:{self.name}"

    def has_perm(self, perm: str) -> bool:
        # Keys are governed by scopes, never by Django permissions.
        return False


INTEGRATION_PRINCIPAL = KeyPrincipal(name="integration", scopes=frozenset({"read", "events"}))


class IntegrationKeyAuthentication(authentication.BaseAuthentication):
    """`X-ASF-Integration-Key` equal to INTEGRATION_API_KEY (scopes read, events); empty: off."""

    def authenticate(self, request: Request) -> tuple[KeyPrincipal, str] | None:
        supplied = request.headers.get(INTEGRATION_KEY_HEADER)
        if supplied is None:
            return None
        expected = settings.INTEGRATION_API_KEY
        # Constant-time comparison: the time taken must not reveal how much of the key matched.
        if not expected or not hmac.compare_digest(supplied.encode(), expected.encode()):
            raise exceptions.AuthenticationFailed("Clé d'intégration invalide.")
        return INTEGRATION_PRINCIPAL, "integration-key"

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) to anonymous callers, naming how to authenticate.
        return INTEGRATION_KEY_HEADER


class OptionalBasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic with user credentials, only when ENABLE_BASIC_AUTH=true (ignored otherwise).

    Costly: every request hashes the password (hundreds of milliseconds by design).
    """

    www_authenticate_realm = "ASF WMS API"

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        if not settings.ENABLE_BASIC_AUTH:
            return None
        return super().authenticate(request)
