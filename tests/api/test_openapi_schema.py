"""The OpenAPI schema (S-API, acceptance 1): served at /api/v1/schema/, a valid OpenAPI document,
documenting every endpoint and method the URL resolver knows, and generated without a single
drf-spectacular warning (the deploy check runs `spectacular --validate --fail-on-warn`)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openapi_spec_validator import validate
from rest_framework.test import APIClient

from tests.api.conftest import INTEGRATION_KEY
from tests.api.endpoints import Endpoint, api_endpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

SCHEMA = "/api/v1/schema/"
OPENAPI_JSON = "application/vnd.oai.openapi+json"
PATH_PARAMETER = re.compile(r"<(?:[^:>]+:)?([^>]+)>")


def fetch(client: APIClient) -> dict:
    response = client.get(SCHEMA, HTTP_ACCEPT=OPENAPI_JSON)
    assert response.status_code == 200, response.content[:500]
    return response.json()


@pytest.fixture
def schema() -> dict:
    return fetch(APIClient())


def schema_path_pattern(endpoint: Endpoint) -> re.Pattern[str]:
    """`orders/<int:pk>/reserve/` → matches `/api/v1/orders/{id}/reserve/` (drf-spectacular names
    a primary key after the model's field)."""
    literal_parts = PATH_PARAMETER.split(endpoint.route)[::2]
    body = r"\{[^}/]+\}".join(re.escape(part) for part in literal_parts)
    return re.compile(rf"^/api/v1/{body}$")


def test_the_schema_is_served_to_anonymous_callers_and_to_keys(schema):
    keyed = APIClient()
    keyed.credentials(HTTP_X_ASF_INTEGRATION_KEY=INTEGRATION_KEY)
    assert fetch(keyed) == schema
    assert schema["info"]["title"] == "ASF WMS API"


def test_the_schema_is_a_valid_openapi_document(schema):
    assert schema["openapi"].startswith("3.")
    validate(schema)  # raises on the first violation of the OpenAPI specification


def test_every_endpoint_and_method_is_documented(schema):
    endpoints = api_endpoints()
    assert len(endpoints) >= 3
    undocumented = []
    for endpoint in endpoints.values():
        pattern = schema_path_pattern(endpoint)
        matches = [path for path in schema["paths"] if pattern.match(path)]
        if len(matches) != 1:
            undocumented.append(f"{endpoint.route}: {matches or 'missing'}")
            continue
        operations = {method.upper() for method in schema["paths"][matches[0]]}
        absent = set(endpoint.methods) - operations
        if absent:
            undocumented.append(f"{endpoint.route}: {sorted(absent)} not documented")
    assert undocumented == []


def test_every_operation_has_a_unique_id_and_a_success_response(schema):
    ids = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method == "parameters":
                continue
            ids.append(operation["operationId"])
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)
    assert len(ids) == len(set(ids))


def test_the_schema_names_how_to_authenticate(schema):
    schemes = schema["components"]["securitySchemes"]
    assert schemes["integrationKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-ASF-Integration-Key",
    }
    headers = {(s.get("in"), s.get("name")) for s in schemes.values() if s["type"] == "apiKey"}
    # The per-client keys (`Authorization: Api-Key …`) are documented too.
    assert ("header", "Authorization") in headers


def test_the_docs_page_is_served(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200


def test_spectacular_validates_with_no_warning(capsys):
    out = StringIO()
    try:
        call_command("spectacular", validate=True, fail_on_warn=True, stdout=out, stderr=out)
    except CommandError as error:  # warnings (--fail-on-warn) or an invalid schema (--validate)
        captured = capsys.readouterr()
        pytest.fail(f"{error}\n{captured.err}{captured.out}{out.getvalue()}"[:6000])
    captured = capsys.readouterr()
    assert "Warning" not in captured.err + captured.out
    assert "openapi: 3." in out.getvalue()
