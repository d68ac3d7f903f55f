"""What every new API v1 endpoint shares (S-API): paginated by default (50, `page_size` up to
500), one error body, who may read, no outbound email event and no update token anywhere, and
filters documented in the schema. Helpers at the top are used by the other
test_resources_* modules."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from tests.api.conftest import INTEGRATION_KEY, Principals, issue_key
from tests.factories import WarehouseFactory
from wms.models import (
    EMAIL_SOURCE,
    IntegrationDirection,
    IntegrationEvent,
    Location,
    Shipment,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

API = "/api/v1/"
# Reading and writing the caller's request counter in the shared database cache (S-API rate
# limits), as in tests/wms/test_api_products.py.
# Two more: one check per caller at a time (a lock and its release, wms/api/throttles.py).
RATE_LIMIT_QUERIES = 8


# --- helpers shared by the test_resources_* modules ---------------------------------------------


def key_client() -> APIClient:
    """The integration key: scopes read and events."""
    client = APIClient()
    client.credentials(HTTP_X_ASF_INTEGRATION_KEY=INTEGRATION_KEY)
    return client


def write_key_client(name: str = "écriture") -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {issue_key(name, {'read', 'write'})}")
    return client


def session(user: Any) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def page(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"count", "next", "previous", "results"}
    return body


def rows(response: Any) -> list[dict[str, Any]]:
    return list(page(response)["results"])


def ids(response: Any) -> list[int]:
    return [row["id"] for row in rows(response)]


def bad_filter(response: Any, param: str) -> None:
    """A malformed filter value: 400 with the one error body naming the parameter."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["detail"] == "Données invalides."
    assert list(body["errors"]) == [param]
    assert all(isinstance(message, str) and message for message in body["errors"][param])


def not_found(response: Any, message: str) -> None:
    assert response.status_code == 404, response.content
    assert response.json() == {"detail": message, "errors": {}}


def queries(client: APIClient, path: str, params: dict[str, Any] | None = None) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(captured)


# --- pagination ------------------------------------------------------------------------------


def many_locations(count: int) -> None:
    warehouse = WarehouseFactory(code="BULK", name="Entrepôt en nombre")
    Location.objects.bulk_create(
        Location(warehouse=warehouse, zone="Z", aisle=f"{index:04d}", shelf="1")
        for index in range(count)
    )


def test_lists_are_paginated_by_fifty_by_default():
    many_locations(60)
    client = key_client()
    first = page(client.get(f"{API}locations/"))
    assert first["count"] == 60
    assert len(first["results"]) == 50
    assert first["next"] == "http://testserver/api/v1/locations/?page=2"
    assert first["previous"] is None
    second = page(client.get(f"{API}locations/", {"page": 2}))
    assert len(second["results"]) == 10
    assert second["next"] is None
    assert second["previous"] == "http://testserver/api/v1/locations/"


@pytest.mark.parametrize(("asked", "given"), [(500, 500), (501, 500), (10_000, 500), (7, 7)])
def test_page_size_is_capped_at_500(asked, given):
    many_locations(520)
    body = page(key_client().get(f"{API}locations/", {"page_size": asked}))
    assert body["count"] == 520
    assert len(body["results"]) == given


@pytest.mark.parametrize("value", ["abc", "0", "-3", "2.5"])
def test_an_invalid_page_size_gives_the_default_page(value):
    many_locations(60)
    assert len(rows(key_client().get(f"{API}locations/", {"page_size": value}))) == 50


@pytest.mark.parametrize("value", ["9", "abc", "0"])
def test_a_page_that_does_not_exist_is_a_json_404(value):
    many_locations(3)
    response = key_client().get(f"{API}locations/", {"page": value})
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "errors"}


# --- who may read ------------------------------------------------------------------------------

# (path, kind of object in tests/api/conftest.py build_world, or None for a list)
READ_PATHS = [
    ("lots/", None),
    ("lots/{}/", "lot"),
    ("locations/", None),
    ("locations/{}/", "location"),
    ("warehouses/", None),
    ("warehouses/{}/", "warehouse"),
    ("movements/", None),
    ("movements/{}/", "movement"),
    ("receipts/", None),
    ("receipts/{}/", "receipt"),
    ("cartons/", None),
    ("cartons/{}/", "carton"),
    ("shipments/", None),
    ("shipments/{}/", "shipment"),
    ("shipments/{}/tracking-events/", "shipment"),
    ("destinations/", None),
    ("destinations/{}/", "destination"),
]
READ_EXPECTED = {
    "anonymous": 401,
    "revoked_key": 401,
    "association": 403,
    "events_key": 403,
    "write_key": 403,  # scope write without read
    "integration": 200,
    "read_key": 200,
    "worker": 200,
    "manager": 200,
}


def read_path(template: str, kind: str | None, world: dict[str, int]) -> str:
    return API + (template.format(world[kind]) if kind else template)


@pytest.mark.parametrize(("template", "kind"), READ_PATHS, ids=[p for p, _ in READ_PATHS])
def test_readers_read_and_everyone_else_is_refused_without_data(
    template, kind, principals: Principals, world
):
    path = read_path(template, kind, world)
    got = {name: principals.client(name).get(path) for name in Principals.NAMES}
    assert {name: response.status_code for name, response in got.items()} == READ_EXPECTED
    for name, response in got.items():
        if response.status_code != 200:
            body = response.json()
            assert set(body) == {"detail", "errors"}, name
            assert body["errors"] == {}, name


# --- never shown ---------------------------------------------------------------------------------


def test_outbound_email_events_and_update_tokens_never_appear(world, manager):
    # The world's tracking step queued emails to the managers: outbound events with links.
    outbound = IntegrationEvent.objects.filter(direction=IntegrationDirection.OUTBOUND)
    assert outbound.filter(source=EMAIL_SOURCE).exists()
    shipment = Shipment.objects.get(pk=world["shipment"])
    forbidden = [str(shipment.update_token), EMAIL_SOURCE, "send_email"]
    client = session(manager)
    for template, kind in READ_PATHS:
        text = client.get(read_path(template, kind, world)).content.decode()
        for value in forbidden:
            assert value not in text, (template, value)
    # The tracking token only as the public tracking URL.
    detail = client.get(f"{API}shipments/{shipment.pk}/").json()
    assert detail["tracking_url"].endswith(f"/scan/shipment/track/{shipment.tracking_token}/")
    assert "update_token" not in detail and "tracking_token" not in detail


# --- schema -------------------------------------------------------------------------------------

DOCUMENTED_FILTERS = {
    "/api/v1/lots/": {
        "product",
        "status",
        "location",
        "warehouse",
        "expires_before",
        "expires_after",
        "lot_code",
        "in_stock",
    },
    "/api/v1/locations/": {"warehouse", "code", "zone", "aisle", "shelf", "active"},
    "/api/v1/warehouses/": {"code"},
    "/api/v1/movements/": {"product", "lot", "type", "since"},
    "/api/v1/receipts/": {
        "status",
        "type",
        "reference",
        "warehouse",
        "received_after",
        "received_before",
    },
    "/api/v1/cartons/": {"status", "shipment", "code"},
    "/api/v1/shipments/": {"status", "destination", "reference", "since"},
    "/api/v1/destinations/": {"active", "iata_code", "country"},
}


def test_the_schema_documents_every_filter_and_the_error_responses(principals):
    schema = principals.client("worker").get(
        "/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path, filters in DOCUMENTED_FILTERS.items():
        operation = paths[path]["get"]
        documented = {p["name"]: p for p in operation["parameters"]}
        assert set(documented) == filters | {"page", "page_size"}, path
        assert all(p.get("description") for p in documented.values()), path
        assert {"200", "400", "404"} <= set(operation["responses"]), path
        assert "400" in operation["description"], path
        assert "404" in paths[path + "{id}/"]["get"]["responses"], path
    since = {p["name"]: p for p in paths["/api/v1/movements/"]["get"]["parameters"]}["since"]
    assert since["schema"] == {"type": "string", "format": "date-time"}
    assert "Europe/Paris" in since["description"]
    for path in ("/api/v1/stock/adjust/", "/api/v1/stock/transfer/"):
        assert {"201", "400", "409"} <= set(paths[path]["post"]["responses"])
    assert "update_token" not in schema.content.decode()


def test_lists_answer_head_and_refuse_other_methods(manager):
    many_locations(2)
    assert key_client().head(f"{API}locations/").status_code == 200
    assert APIClient().head(f"{API}locations/").status_code == 401
    for method in ("post", "put", "delete"):
        response = getattr(session(manager), method)(f"{API}lots/", {}, format="json")
        assert response.status_code == 405
        assert set(response.json()) == {"detail", "errors"}
