"""How our authenticators appear in the OpenAPI schema (drf-spectacular extensions)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from wms.api.auth import API_KEY_KEYWORD, INTEGRATION_KEY_HEADER


class IntegrationKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "wms.api.auth.IntegrationKeyAuthentication"
    name = "integrationKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "header", "name": INTEGRATION_KEY_HEADER}


class OptionalBasicScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "wms.api.auth.OptionalBasicAuthentication"
    name = "basicAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # Accepted only when ENABLE_BASIC_AUTH=true on the server.
        return {"type": "http", "scheme": "basic"}


class ApiKeyScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    target_class = "wms.api.auth.ApiKeyAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        # `Authorization: Api-Key <key>`: a per-client key created in the admin.
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": f"{API_KEY_KEYWORD} <clé> (clé par client, créée dans l'admin).",
        }
