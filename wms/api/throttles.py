"""Rate limits (S-API): per key (`API_THROTTLE_RATE_KEY`) and per user
(`API_THROTTLE_RATE_USER`), counted in the shared database cache so every app server and host
sees the same counts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from wms.api.auth import KeyPrincipal


class KeyRateThrottle(SimpleRateThrottle):
    scope = "key"

    def get_rate(self) -> str:
        return str(settings.API_THROTTLE_RATE_KEY)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if not isinstance(request.user, KeyPrincipal):
            return None
        return self.cache_format % {"scope": self.scope, "ident": request.user.principal_id}


class UserRateThrottle(SimpleRateThrottle):
    scope = "user"

    def get_rate(self) -> str:
        return str(settings.API_THROTTLE_RATE_USER)

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        user = request.user
        if isinstance(user, KeyPrincipal) or not getattr(user, "is_authenticated", False):
            return None
        return self.cache_format % {"scope": self.scope, "ident": user.pk}
