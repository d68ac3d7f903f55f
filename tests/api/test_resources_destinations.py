"""`GET /api/v1/destinations/` (+ `{id}/`): S-API, S-SHIPMENTS."""

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
from tests.factories import DestinationFactory
from wms.models import Destination

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

DESTINATIONS = f"{API}destinations/"
FIELDS = {
    "id",
    "city",
    "iata_code",
    "country",
    "display_name",
    "correspondent_id",
    "correspondent_name",
    "is_active",
}


@pytest.fixture
def destinations() -> dict[str, Destination]:
    return {
        "tana": DestinationFactory(
            city="Antananarivo", iata_code="tnr", country="Madagascar", correspondent__name="Rivo"
        ),
        "bamako": DestinationFactory(
            city="Bamako", iata_code="BKO", country="Mali", correspondent=None
        ),
        "closed": DestinationFactory(
            city="Abidjan", iata_code="ABJ", country="Côte d'Ivoire", is_active=False
        ),
    }


def test_a_destination_has_exactly_the_documented_fields(destinations):
    tana = destinations["tana"]
    body = key_client().get(f"{DESTINATIONS}{tana.pk}/").json()
    assert set(body) == FIELDS
    assert body == {
        "id": tana.pk,
        "city": "Antananarivo",
        "iata_code": "TNR",
        "country": "Madagascar",
        "display_name": "Antananarivo (TNR) - Madagascar",
        "correspondent_id": tana.correspondent_id,
        "correspondent_name": "Rivo",
        "is_active": True,
    }
    bamako = key_client().get(f"{DESTINATIONS}{destinations['bamako'].pk}/").json()
    assert (bamako["correspondent_id"], bamako["correspondent_name"]) == (None, None)


def test_destinations_are_listed_by_city(destinations):
    assert [row["city"] for row in rows(key_client().get(DESTINATIONS))] == [
        "Abidjan",
        "Antananarivo",
        "Bamako",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"active": "true"}, ["tana", "bamako"]),
        ({"active": "0"}, ["closed"]),
        ({"iata_code": "bko"}, ["bamako"]),
        ({"country": "madagascar"}, ["tana"]),
        ({"country": "mada"}, []),
    ],
)
def test_destination_filters(destinations, params, expected):
    found = ids(key_client().get(DESTINATIONS, params))
    assert found == [destinations[name].pk for name in expected]


@pytest.mark.parametrize("value", ["oui", "yes", "2"])
def test_a_malformed_active_filter_is_a_400(destinations, value):
    bad_filter(key_client().get(DESTINATIONS, {"active": value}), "active")


def test_an_unknown_destination_is_a_json_404():
    not_found(key_client().get(f"{DESTINATIONS}999999/"), "Destination introuvable.")


def test_the_query_count_does_not_grow_with_destinations(worker):
    client = key_client()
    DestinationFactory.create_batch(2)
    small = queries(client, DESTINATIONS)
    DestinationFactory.create_batch(10)
    large = queries(client, DESTINATIONS)
    assert small == large
    assert large <= 2 + RATE_LIMIT_QUERIES
    assert len(rows(session(worker).get(DESTINATIONS))) == 12
