"""The permission matrix of the API (S-API, S-ROLES): every endpoint the URL resolver knows under
the `api` namespace × every kind of caller × every method the endpoint answers ⇒ allowed or
refused, as stated in EXPECTATIONS below.

A new endpoint (or a new method on one) without its line in EXPECTATIONS fails the first test:
whoever adds it decides who may call it. Reads must answer 200 to the allowed callers; writes
are sent an empty body, so an allowed caller may get a 400 (or a domain refusal), but never a 401,
a 403 or a server error. Refused callers get 401 (no valid credentials) or 403 (valid credentials,
not allowed), with the one error body and no data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tests.api.conftest import Principals
from tests.api.endpoints import WRITE_METHODS, Endpoint, api_endpoints

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("api_settings")]

# Who may call, by principal name (tests/api/conftest.py Principals.NAMES).
STAFF = frozenset({"worker", "manager"})
READERS = STAFF | {"integration", "read_key"}  # "key (scope read) or staff"
EVENTS = STAFF | {"integration", "events_key"}  # "key with events, or staff"
STAFF_OR_WRITE = STAFF | {"write_key"}  # "workers, or a key with write"
MANAGER_OR_WRITE = frozenset({"manager", "write_key"})  # "managers, or a key with write"
# Without valid credentials: 401. With valid credentials but not allowed: 403.
UNAUTHENTICATED = frozenset({"anonymous", "revoked_key"})


@dataclass(frozen=True)
class Expect:
    allowed: dict[str, frozenset[str]]  # method -> principals allowed
    ids: dict[str, str] = field(default_factory=dict)  # path parameter -> object kind (world)


def detail(kind: str, **allowed: frozenset[str]) -> Expect:
    return Expect(allowed, {"pk": kind})


# One line per endpoint (URL name in wms/api/*urls.py). Contract: api-v1-compat.md; new
# endpoints: S-API.
EXPECTATIONS: dict[str, Expect] = {
    "whoami": Expect({"GET": READERS}),
    # --- compatibility endpoints (api-v1-compat.md) ---
    "product-list": Expect({"GET": READERS}),
    "product-detail": detail("product", GET=READERS),
    "order-list": Expect({"GET": READERS}),
    "order-detail": detail("order", GET=READERS),
    "order-reserve": detail("order", POST=MANAGER_OR_WRITE),
    "order-prepare": detail("order", POST=MANAGER_OR_WRITE),
    "stock-receive": Expect({"POST": STAFF_OR_WRITE}),
    "pack": Expect({"POST": STAFF_OR_WRITE}),
    "integration-shipment-list": Expect({"GET": READERS}),
    "integration-shipment-detail": detail("shipment", GET=READERS),
    "integration-destination-list": Expect({"GET": READERS}),
    "integration-destination-detail": detail("destination", GET=READERS),
    "integration-event-list": Expect({"GET": EVENTS, "POST": EVENTS}),
    "integration-event-detail": detail("event", GET=EVENTS, PUT=EVENTS, PATCH=EVENTS),
    # --- new endpoints (S-API): reads for "key or staff", writes as on the scan screens ---
    "lot-list": Expect({"GET": READERS}),
    "lot-detail": detail("lot", GET=READERS),
    "location-list": Expect({"GET": READERS}),
    "location-detail": detail("location", GET=READERS),
    "warehouse-list": Expect({"GET": READERS}),
    "warehouse-detail": detail("warehouse", GET=READERS),
    "movement-list": Expect({"GET": READERS}),
    "movement-detail": detail("movement", GET=READERS),
    "receipt-list": Expect({"GET": READERS}),
    "receipt-detail": detail("receipt", GET=READERS),
    "carton-list": Expect({"GET": READERS}),
    "carton-detail": detail("carton", GET=READERS),
    "shipment-list": Expect({"GET": READERS}),
    "shipment-detail": detail("shipment", GET=READERS),
    "shipment-tracking-events": detail("shipment", GET=READERS, POST=STAFF_OR_WRITE),
    "destination-list": Expect({"GET": READERS}),
    "destination-detail": detail("destination", GET=READERS),
    "stock-adjust": Expect({"POST": STAFF_OR_WRITE}),
    "stock-transfer": Expect({"POST": STAFF_OR_WRITE}),
}


ENDPOINTS = api_endpoints()


def expected_status(principal: str, allowed: frozenset[str]) -> str:
    if principal in allowed:
        return "allowed"
    return "401" if principal in UNAUTHENTICATED else "403"


def test_every_endpoint_and_method_has_an_expectation():
    missing = sorted(set(ENDPOINTS) - set(EXPECTATIONS))
    assert missing == [], f"endpoints without a line in EXPECTATIONS: {missing}"
    stale = sorted(set(EXPECTATIONS) - set(ENDPOINTS))
    assert stale == [], f"EXPECTATIONS names endpoints that do not exist: {stale}"
    for name, endpoint in ENDPOINTS.items():
        stated = set(EXPECTATIONS[name].allowed)
        assert set(endpoint.methods) == stated, (
            f"{endpoint.route}: the view answers {sorted(endpoint.methods)}, "
            f"EXPECTATIONS states {sorted(stated)}"
        )


def test_every_path_parameter_is_filled_with_a_real_object():
    for name, endpoint in ENDPOINTS.items():
        if name in EXPECTATIONS:
            ids = EXPECTATIONS[name].ids
            assert set(endpoint.kwargs) == set(ids), f"{endpoint.route}: ids {ids}"


def test_every_principal_is_in_the_matrix():
    assert set(Principals.NAMES) >= UNAUTHENTICATED | EVENTS | READERS | STAFF_OR_WRITE
    assert len(Principals.NAMES) == 9


def call(client, method: str, path: str):
    if method == "GET":
        return client.get(path)
    return getattr(client, method.lower())(path, {}, format="json")


def outcome(endpoint: Endpoint, method: str, response) -> str:
    """What a response means for the matrix: allowed, 401, 403, or a failure to report."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if status in (401, 403):
        body = response.json()
        if set(body) != {"detail", "errors"} or body["errors"]:
            return f"{status} with another body: {body}"
        return str(status)
    if method == "GET" and status != 200:
        return f"GET answered {status}"
    return "allowed"


@pytest.mark.parametrize("name", sorted(set(ENDPOINTS) & set(EXPECTATIONS)))
def test_each_principal_gets_what_the_matrix_says(name, principals, world):
    endpoint = ENDPOINTS[name]
    expect = EXPECTATIONS[name]
    path = endpoint.path({kwarg: world[kind] for kwarg, kind in expect.ids.items()})
    mismatches = []
    for method in endpoint.methods:
        allowed = expect.allowed[method]
        for principal in Principals.NAMES:
            response = call(principals.client(principal), method, path)
            got, wanted = outcome(endpoint, method, response), expected_status(principal, allowed)
            if got != wanted:
                mismatches.append(f"{method} {path} as {principal}: {got}, expected {wanted}")
    assert mismatches == []


def test_writes_are_covered_by_the_matrix():
    """At least the compatibility writes exist once the endpoints are in: a matrix without any
    write would prove little."""
    writes = [
        (name, method)
        for name, endpoint in ENDPOINTS.items()
        for method in endpoint.methods
        if method in WRITE_METHODS
    ]
    if len(ENDPOINTS) > 3:  # beyond whoami and products (issue 9 endpoints present)
        assert writes
