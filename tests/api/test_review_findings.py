"""Inputs an independent review sent to the API: a lone surrogate in an event's payload, dates
the database cannot compare, JSON nested too deep, an association user given a staff role,
the Api-Key scheme in another case."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests.wms.test_orders_workflow import association
from wms.models import ApiKey, IntegrationEvent
from wms.roles import WORKER_GROUP

pytestmark = pytest.mark.django_db

EVENTS = "/api/v1/integrations/events/"


@pytest.fixture
def key_client(settings) -> APIClient:
    settings.INTEGRATION_API_KEY = "review-key"
    client = APIClient()
    client.credentials(HTTP_X_ASF_INTEGRATION_KEY="review-key")
    return client


def test_a_payload_that_is_no_utf8_is_refused_and_the_list_still_renders(key_client):
    body = '{"event_type": "x", "source": "s", "payload": {"a": "\\ud800"}}'
    response = key_client.post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400
    assert "payload" in response.json()["errors"]
    assert not IntegrationEvent.objects.filter(event_type="x").exists()
    assert key_client.get(EVENTS).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/movements/", "/api/v1/shipments/"])
@pytest.mark.parametrize(
    "since", ["0001-01-01", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"]
)
def test_a_since_the_database_cannot_compare_is_a_400(client, manager, path, since):
    client.force_login(manager)
    response = client.get(path, {"since": since})
    assert response.status_code == 400
    assert "since" in response.json()["errors"]


def test_json_nested_too_deep_is_a_400(key_client):
    body = '{"event_type": "x", "source": "s", "payload": ' + "[" * 5000 + "]" * 5000 + "}"
    response = key_client.post(EVENTS, body, content_type="application/json")
    assert response.status_code == 400
    assert set(response.json()) == {"detail", "errors"}


def test_an_association_user_with_a_staff_role_still_gets_403():
    contact = association()
    user = contact.association_profiles.get().user
    user.groups.add(Group.objects.get(name=WORKER_GROUP))
    client = APIClient()
    client.force_login(user)
    assert client.get("/api/v1/products/").status_code == 403
    assert client.post("/api/v1/stock/receive/", {}, format="json").status_code == 403


@pytest.mark.parametrize("scheme", ["api-key", "API-KEY", "Api-Key"])
def test_the_api_key_scheme_name_is_case_insensitive(scheme):
    key = ApiKey(name="ERP")
    raw = key.issue()
    key.save()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"{scheme} {raw}")
    answer = client.get("/api/v1/whoami/")
    assert answer.status_code == 200 and json.loads(answer.content)["name"] == "ERP"
