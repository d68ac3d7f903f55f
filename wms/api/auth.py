"""API authentication: the shared integration key, per-client API keys, and HTTP Basic when
explicitly enabled (sessions are DRF's own)."""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from wms.models import ApiKey
from wms.models.api_keys import hash_secret

INTEGRATION_KEY_HEADER = "X-ASF-Integration-Key"


@dataclass(frozen=True)
class KeyPrincipal:
    """Who calls with an API key: not a Django user, but answers the questions DRF asks a user."""

    name: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    # What tells two keys apart (idempotency keys and rate limits are per principal).
    ident: str = ""
    is_authenticated: bool = True
    is_active: bool = True
    is_staff: bool = False
    is_superuser: bool = False

    @property
    def principal_id(self) -> str:
        return f"key:{self.ident or self.name}"

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


API_KEY_KEYWORD = "Api-Key"
# Recording every use would write a row per request: once a minute is enough to see activity.
LAST_USED_EVERY = dt.timedelta(seconds=60)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key <key>`: a per-client key from the admin (hashed, revocable)."""

    def authenticate(self, request: Request) -> tuple[KeyPrincipal, str] | None:
        header = request.headers.get("Authorization", "")
        keyword, _space, supplied = header.strip().partition(" ")
        if keyword.lower() != API_KEY_KEYWORD.lower():  # HTTP schemes are case-insensitive
            return None
        supplied = supplied.strip()
        # "asf_<8 hex>_<secret>": the secret may itself hold "_", the prefix never does.
        parts = supplied.split("_", 2)
        prefix = "_".join(parts[:2]) if len(parts) == 3 else ""
        key = ApiKey.objects.filter(prefix=prefix).first() if prefix else None
        valid = key is not None and hmac.compare_digest(
            key.secret_hash.encode(), hash_secret(supplied).encode()
        )
        if key is None or not valid:
            raise exceptions.AuthenticationFailed("Clé d'API invalide.")
        if key.is_revoked:
            raise exceptions.AuthenticationFailed("Clé d'API révoquée.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        return KeyPrincipal(name=key.name, scopes=key.scopes, ident=f"api:{key.pk}"), "api-key"

    def authenticate_header(self, request: Request) -> str:
        return API_KEY_KEYWORD


class OptionalBasicAuthentication(authentication.BasicAuthentication):
    """HTTP Basic with user credentials, only when ENABLE_BASIC_AUTH=true (ignored otherwise).

    Costly: every request hashes the password (hundreds of milliseconds by design).
    """

    www_authenticate_realm = "ASF WMS API"

    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        if not settings.ENABLE_BASIC_AUTH:
            return None
        return super().authenticate(request)
