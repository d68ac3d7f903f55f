"""Tests of the API v1 compatibility endpoints (api-v1-compat.md, S-API).

Helpers shared by this package's modules: clients for each kind of caller, and query counting.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from wms.models import ApiKey

# Set with override_settings by each module (an autouse fixture).
INTEGRATION_KEY = "integration-key-for-compat-tests-0123456789"

# Reading and writing the caller's request counter in the database cache (S-API rate limits),
# as in tests/wms/test_api_products.py.
# Two more: one check per caller at a time (a lock and its release, wms/api/throttles.py).
RATE_LIMIT_QUERIES = 8


def anonymous() -> APIClient:
    return APIClient()


def integration_client() -> APIClient:
    """The shared integration key: scopes read and events, never write."""
    client = APIClient()
    client.credentials(HTTP_X_ASF_INTEGRATION_KEY=INTEGRATION_KEY)
    return client


def api_key_client(
    name: str = "Planificateur", *, read: bool = True, write: bool = False, events: bool = False
) -> APIClient:
    """A per-client API key from the admin with these scopes."""
    key = ApiKey(name=name, scope_read=read, scope_write=write, scope_events=events)
    raw = key.issue()
    key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def session_client(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def rows(response: Any) -> list[dict[str, Any]]:
    """The rows of a list answer, asserting it is the default plain array."""
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body, list), body
    return body


def queries_for(client: APIClient, path: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(queries)
