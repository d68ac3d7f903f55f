"""Per-client API keys, HTTP Basic and rate limits (S-API): how the API recognises a caller, what
each kind of caller may do, and when it is cut off."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator

import pytest
import time_machine
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from tests.wms.test_orders_workflow import association
from wms.models import ApiKey

pytestmark = pytest.mark.django_db

WHOAMI = "/api/v1/whoami/"
PRODUCTS = "/api/v1/products/"
INTEGRATION_KEY = "integration-key-for-auth-tests-0123456789"
NOON = dt.datetime(2026, 5, 4, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_rate_limits() -> Iterator[None]:
    # Rate-limit counters live in the shared cache: one test's requests must not count in another.
    cache.clear()
    with override_settings(INTEGRATION_API_KEY=INTEGRATION_KEY):
        yield
    cache.clear()


def make_key(name: str = "ERP", *, revoked: bool = False, **scopes: bool) -> tuple[ApiKey, str]:
    key = ApiKey(name=name, **{f"scope_{scope}": on for scope, on in scopes.items()})
    raw = key.issue()
    if revoked:
        key.revoked_at = timezone.now()
    key.save()
    return key, raw


def with_key(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {raw}")
    return client


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def assert_refused(response, status: int, detail: str | None = None) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"detail", "errors"}
    if detail is not None:
        assert body["detail"] == detail


# --- a valid key ---------------------------------------------------------------------------------


def test_a_valid_key_authenticates_with_its_name_and_scopes():
    _key, raw = make_key("Planificateur", read=True, write=True, events=False)
    response = with_key(raw).get(WHOAMI)
    assert response.status_code == 200
    assert response.json() == {"kind": "key", "name": "Planificateur", "scopes": ["read", "write"]}


def test_a_valid_key_reads_the_products():
    _key, raw = make_key(read=True)
    response = with_key(raw).get(PRODUCTS)
    assert response.status_code == 200
    assert response.json() == []


# --- refused keys --------------------------------------------------------------------------------


def test_a_wrong_secret_is_refused():
    _key, raw = make_key(read=True)
    prefix, _sep, secret = raw.rpartition("_")
    response = with_key(f"{prefix}_{secret[::-1]}x").get(WHOAMI)
    assert_refused(response, 401, "Clé d'API invalide.")
    assert response["WWW-Authenticate"] == "X-ASF-Integration-Key"


def test_an_unknown_prefix_is_refused():
    _key, raw = make_key(read=True)
    _asf, _hex, secret = raw.split("_", 2)
    assert_refused(with_key(f"asf_00000000_{secret}").get(WHOAMI), 401, "Clé d'API invalide.")


@pytest.mark.parametrize(
    "header",
    [
        "Api-Key",
        "Api-Key ",
        "Api-Key not-a-key",
        "Api-Key asf_12345678",
        "Api-Key ___",
        "Api-Key asf__",
        "Api-Key " + "x" * 5000,
        "Api-Key asf_1234567812345678901234567890_secret",
    ],
)
def test_a_malformed_header_is_refused(header):
    make_key(read=True)
    response = APIClient().get(WHOAMI, HTTP_AUTHORIZATION=header)
    assert_refused(response, 401, "Clé d'API invalide.")


@pytest.mark.parametrize(
    "header", ["Bearer {raw}", "{raw}", "Token {raw}"]
)  # "api-key": case-insensitive
def test_another_keyword_is_not_a_key_and_gets_401(header):
    _key, raw = make_key(read=True)
    response = APIClient().get(WHOAMI, HTTP_AUTHORIZATION=header.format(raw=raw))
    assert_refused(response, 401)


def test_a_revoked_key_is_refused():
    _key, raw = make_key(read=True, write=True, events=True, revoked=True)
    assert_refused(with_key(raw).get(WHOAMI), 401, "Clé d'API révoquée.")
    assert_refused(with_key(raw).get(PRODUCTS), 401, "Clé d'API révoquée.")


def test_a_wrong_integration_key_is_refused_even_with_a_valid_api_key():
    _key, raw = make_key(read=True)
    response = with_key(raw).get(WHOAMI, HTTP_X_ASF_INTEGRATION_KEY="wrong")
    assert_refused(response, 401, "Clé d'intégration invalide.")


# --- last use ------------------------------------------------------------------------------------


def test_last_use_is_recorded_at_most_once_a_minute():
    key, raw = make_key(read=True)
    client = with_key(raw)
    assert key.last_used_at is None
    with time_machine.travel(NOON, tick=False):
        client.get(WHOAMI)
    key.refresh_from_db()
    assert key.last_used_at == NOON
    with time_machine.travel(NOON + dt.timedelta(seconds=59), tick=False):
        client.get(WHOAMI)
        client.get(PRODUCTS)
    key.refresh_from_db()
    assert key.last_used_at == NOON  # not rewritten within the minute
    later = NOON + dt.timedelta(seconds=61)
    with time_machine.travel(later, tick=False):
        client.get(WHOAMI)
    key.refresh_from_db()
    assert key.last_used_at == later


def test_a_use_within_the_minute_writes_nothing_to_the_key():
    key, raw = make_key(read=True)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        assert with_key(raw).get(WHOAMI).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert not [sql for sql in writes if "wms_apikey" in sql]


def test_a_refused_key_records_no_use():
    key, raw = make_key(read=True, revoked=True)
    with_key(raw).get(WHOAMI)
    key.refresh_from_db()
    assert key.last_used_at is None


# --- scopes --------------------------------------------------------------------------------------


def test_a_read_only_key_gets_403_on_a_write():
    _key, raw = make_key(read=True, write=False)
    assert_refused(with_key(raw).post(WHOAMI, {}, format="json"), 403, "Accès à l'API refusé.")


def test_a_write_key_passes_the_scope_check_on_a_write():
    _key, raw = make_key(read=True, write=True)
    # whoami has no POST: past authentication and scopes, the method itself is refused.
    assert with_key(raw).post(WHOAMI, {}, format="json").status_code == 405


def test_a_key_without_read_gets_403_on_a_read():
    _key, raw = make_key(read=False, write=True, events=True)
    assert_refused(with_key(raw).get(PRODUCTS), 403, "Accès à l'API refusé.")


def test_the_integration_key_has_read_and_events_but_not_write():
    client = APIClient()
    client.credentials(HTTP_X_ASF_INTEGRATION_KEY=INTEGRATION_KEY)
    assert client.get(WHOAMI).json()["scopes"] == ["events", "read"]
    assert client.get(PRODUCTS).status_code == 200
    assert_refused(client.post(WHOAMI, {}, format="json"), 403)


# --- HTTP Basic ----------------------------------------------------------------------------------


def test_http_basic_is_ignored_unless_enabled(worker):
    response = APIClient().get(WHOAMI, HTTP_AUTHORIZATION=basic(worker.username, PASSWORD))
    assert_refused(response, 401)


@override_settings(ENABLE_BASIC_AUTH=True)
def test_http_basic_authenticates_a_worker_when_enabled(worker):
    response = APIClient().get(WHOAMI, HTTP_AUTHORIZATION=basic(worker.username, PASSWORD))
    assert response.status_code == 200
    assert response.json()["name"] == worker.username


@override_settings(ENABLE_BASIC_AUTH=True)
def test_http_basic_with_a_wrong_password_is_refused(worker):
    response = APIClient().get(WHOAMI, HTTP_AUTHORIZATION=basic(worker.username, "wrong"))
    assert_refused(response, 401)


@override_settings(ENABLE_BASIC_AUTH=True)
def test_http_basic_gives_an_association_user_403(db):
    user = association().association_profiles.get().user
    response = APIClient().get(PRODUCTS, HTTP_AUTHORIZATION=basic(user.username, PASSWORD))
    assert_refused(response, 403, "Accès à l'API refusé.")


# --- association users ---------------------------------------------------------------------------


@pytest.fixture
def association_user(db: None) -> User:
    return association().association_profiles.get().user


@pytest.mark.parametrize("path", [WHOAMI, PRODUCTS, "/api/v1/products/1/", "/api/v1/nothing/"])
def test_an_association_user_gets_403_on_reads(association_user, path):
    client = APIClient()
    client.force_login(association_user)
    assert_refused(client.get(path), 403, "Accès à l'API refusé.")


def test_an_association_user_gets_403_on_writes(association_user):
    client = APIClient()
    client.force_login(association_user)
    assert_refused(client.post(WHOAMI, {}, format="json"), 403)


# --- rate limits ---------------------------------------------------------------------------------


@override_settings(API_THROTTLE_RATE_KEY="3/min")
def test_the_fourth_request_of_a_key_in_a_minute_gets_429_while_another_key_passes():
    _first, first_raw = make_key("Premier", read=True)
    _second, second_raw = make_key("Second", read=True)
    first = with_key(first_raw)
    assert [first.get(WHOAMI).status_code for _ in range(3)] == [200, 200, 200]
    limited = first.get(WHOAMI)
    assert limited.status_code == 429
    assert set(limited.json()) == {"detail", "errors"}
    assert int(limited["Retry-After"]) > 0
    assert with_key(second_raw).get(WHOAMI).status_code == 200


@override_settings(API_THROTTLE_RATE_KEY="3/min")
def test_the_integration_key_has_its_own_count():
    _key, raw = make_key(read=True)
    api_key = with_key(raw)
    for _ in range(3):
        api_key.get(WHOAMI)
    assert api_key.get(WHOAMI).status_code == 429
    integration = APIClient()
    integration.credentials(HTTP_X_ASF_INTEGRATION_KEY=INTEGRATION_KEY)
    assert integration.get(WHOAMI).status_code == 200


@override_settings(API_THROTTLE_RATE_KEY="3/min")
def test_a_key_may_call_again_after_the_minute():
    _key, raw = make_key(read=True)
    client = with_key(raw)
    with time_machine.travel(NOON, tick=False):
        for _ in range(3):
            client.get(WHOAMI)
        assert client.get(WHOAMI).status_code == 429
    with time_machine.travel(NOON + dt.timedelta(seconds=61), tick=False):
        assert client.get(WHOAMI).status_code == 200


@override_settings(API_THROTTLE_RATE_USER="2/min")
def test_the_third_request_of_a_session_user_in_a_minute_gets_429(worker, manager):
    client = APIClient()
    client.force_login(worker)
    assert [client.get(WHOAMI).status_code for _ in range(2)] == [200, 200]
    limited = client.get(WHOAMI)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    other = APIClient()
    other.force_login(manager)
    assert other.get(WHOAMI).status_code == 200


@override_settings(API_THROTTLE_RATE_USER="2/min")
def test_the_user_rate_does_not_limit_keys():
    _key, raw = make_key(read=True)
    client = with_key(raw)
    assert [client.get(WHOAMI).status_code for _ in range(5)] == [200] * 5
