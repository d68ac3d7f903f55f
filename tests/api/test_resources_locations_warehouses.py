"""`GET /api/v1/warehouses/` and `/api/v1/locations/` (+ `{id}/`): S-API, S-LOCATIONS."""

from __future__ import annotations

import pytest

from tests.api.test_resources_common import (
    API,
    RATE_LIMIT_QUERIES,
    bad_filter,
    ids,
    key_client,
    not_found,
    queries,
    rows,
    session,
)
from tests.factories import LocationFactory, WarehouseFactory
from wms.models import Location, Warehouse

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

WAREHOUSES = f"{API}warehouses/"
LOCATIONS = f"{API}locations/"
LOCATION_FIELDS = {
    "id",
    "warehouse_id",
    "warehouse_code",
    "warehouse_name",
    "zone",
    "aisle",
    "shelf",
    "code",
    "display_name",
    "qr_payload",
    "notes",
    "is_active",
}


@pytest.fixture
def site() -> dict[str, object]:
    roissy = WarehouseFactory(name="Roissy", code="cdg")
    annex = WarehouseFactory(name="Annexe", code="ANX")
    target = LocationFactory(warehouse=roissy, zone="a", aisle="01", shelf="1", notes="Froid")
    second = LocationFactory(warehouse=roissy, zone="A", aisle="01", shelf="2")
    inactive = LocationFactory(warehouse=annex, zone="B", aisle="07", shelf="3", is_active=False)
    return {
        "roissy": roissy,
        "annex": annex,
        "target": target,
        "second": second,
        "inactive": inactive,
    }


def test_warehouses_are_listed_by_name_with_their_location_count(site):
    body = rows(key_client().get(WAREHOUSES))
    assert body == [
        {"id": site["annex"].pk, "name": "Annexe", "code": "ANX", "location_count": 1},
        {"id": site["roissy"].pk, "name": "Roissy", "code": "CDG", "location_count": 2},
    ]
    detail = key_client().get(f"{WAREHOUSES}{site['roissy'].pk}/").json()
    assert detail == body[1]


def test_warehouses_filter_by_code_and_an_unknown_one_is_a_json_404(site):
    assert ids(key_client().get(WAREHOUSES, {"code": "cdg"})) == [site["roissy"].pk]
    assert ids(key_client().get(WAREHOUSES, {"code": "CD"})) == []
    not_found(key_client().get(f"{WAREHOUSES}999999/"), "Entrepôt introuvable.")


def test_a_location_has_exactly_the_documented_fields(site):
    row = key_client().get(f"{LOCATIONS}{site['target'].pk}/").json()
    assert set(row) == LOCATION_FIELDS
    assert row == {
        "id": site["target"].pk,
        "warehouse_id": site["roissy"].pk,
        "warehouse_code": "CDG",
        "warehouse_name": "Roissy",
        "zone": "A",
        "aisle": "01",
        "shelf": "1",
        "code": "A-01-1",
        "display_name": "Roissy A-01-1",
        "qr_payload": "LOC:CDG:A-01-1",
        "notes": "Froid",
        "is_active": True,
    }


def test_locations_are_listed_by_warehouse_name_then_position(site):
    assert ids(key_client().get(LOCATIONS)) == [
        site["inactive"].pk,
        site["target"].pk,
        site["second"].pk,
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"warehouse": "roissy"}, ["target", "second"]),
        ({"code": "a-01-1"}, ["target"]),
        ({"code": " B-07-3 "}, ["inactive"]),
        ({"code": "A-01"}, []),
        ({"zone": "a"}, ["target", "second"]),
        ({"aisle": "07"}, ["inactive"]),
        ({"shelf": "2"}, ["second"]),
        ({"active": "true"}, ["target", "second"]),
        ({"active": "False"}, ["inactive"]),
        ({"active": "1", "shelf": "1"}, ["target"]),
    ],
)
def test_location_filters(site, params, expected):
    params = {
        name: site[value].pk if name == "warehouse" else value for name, value in params.items()
    }
    assert ids(key_client().get(LOCATIONS, params)) == [site[name].pk for name in expected]


@pytest.mark.parametrize(
    ("param", "value"),
    [("warehouse", "Roissy"), ("warehouse", "-99999999999999999999"), ("active", "oui")],
)
def test_a_malformed_location_filter_is_a_400_naming_it(site, param, value):
    bad_filter(key_client().get(LOCATIONS, {param: value}), param)


def test_an_unknown_location_is_a_json_404(site):
    not_found(key_client().get(f"{LOCATIONS}999999/"), "Emplacement introuvable.")


def make_locations(count: int) -> None:
    for _ in range(count):
        LocationFactory(warehouse=WarehouseFactory(code=f"N{Warehouse.objects.count()}"))


def test_the_query_counts_do_not_grow_with_the_data():
    client = key_client()
    make_locations(3)
    small = (queries(client, LOCATIONS), queries(client, WAREHOUSES))
    make_locations(15)
    large = (queries(client, LOCATIONS), queries(client, WAREHOUSES))
    assert small == large
    assert max(large) <= 2 + RATE_LIMIT_QUERIES
    assert Location.objects.count() == 18


def test_a_worker_session_reads_locations_with_as_many_queries(worker):
    client = session(worker)
    make_locations(2)
    small = queries(client, LOCATIONS, {"active": "true"})
    make_locations(9)
    assert queries(client, LOCATIONS, {"active": "true"}) == small
