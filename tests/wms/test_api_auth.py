"""API skeleton: integration key (constant-time, empty disables), sessions, optional Basic."""

import base64

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD
from wms.api import auth as api_auth

pytestmark = pytest.mark.django_db
KEY = "integration-key-for-tests-0123456789"


@pytest.fixture
def api():
    return APIClient()


def test_anonymous_callers_get_401_json_and_learn_nothing(api):
    for path in ["/api/v1/whoami/", "/api/v1/products/", "/api/v1/no-such-thing/"]:
        response = api.get(path)
        assert response.status_code == 401
        assert response["Content-Type"] == "application/json"
        assert response.json() == {
            "detail": "Informations d'authentification non fournies.",
            "errors": {},
        }
        assert response["WWW-Authenticate"] == "X-ASF-Integration-Key"


def test_anonymous_head_gets_401_too(api):
    assert api.head("/api/v1/products/").status_code == 401


@override_settings(INTEGRATION_API_KEY=KEY)
def test_the_integration_key_reads_with_scopes_read_and_events(api):
    response = api.get("/api/v1/whoami/", HTTP_X_ASF_INTEGRATION_KEY=KEY)
    assert response.status_code == 200
    assert response.json() == {"kind": "key", "name": "integration", "scopes": ["events", "read"]}


@override_settings(INTEGRATION_API_KEY=KEY)
def test_a_wrong_integration_key_is_refused(api):
    response = api.get("/api/v1/whoami/", HTTP_X_ASF_INTEGRATION_KEY=KEY + "x")
    assert response.status_code == 401
    assert response.json()["detail"] == "Clé d'intégration invalide."


@override_settings(INTEGRATION_API_KEY="")
def test_an_empty_setting_disables_the_integration_key(api):
    response = api.get("/api/v1/whoami/", HTTP_X_ASF_INTEGRATION_KEY="")
    assert response.status_code == 401


@override_settings(INTEGRATION_API_KEY=KEY)
def test_the_integration_key_cannot_write(api):
    response = api.post("/api/v1/whoami/", {}, format="json", HTTP_X_ASF_INTEGRATION_KEY=KEY)
    assert response.status_code == 403


@override_settings(INTEGRATION_API_KEY=KEY)
def test_the_key_is_compared_in_constant_time(monkeypatch, api):
    compared = []
    real = api_auth.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_auth.hmac, "compare_digest", spy)
    api.get("/api/v1/whoami/", HTTP_X_ASF_INTEGRATION_KEY="guess")
    assert compared == [(b"guess", KEY.encode())]


@override_settings(INTEGRATION_API_KEY=KEY)
def test_unknown_endpoints_answer_a_json_404_to_a_valid_caller(api):
    response = api.get("/api/v1/no-such-thing/", HTTP_X_ASF_INTEGRATION_KEY=KEY)
    assert response.status_code == 404
    assert response.json() == {"detail": "Point d'accès inconnu.", "errors": {}}


def test_a_worker_session_uses_the_api(api, worker):
    api.force_login(worker)
    response = api.get("/api/v1/whoami/")
    assert response.status_code == 200
    assert response.json()["kind"] == "user"
    assert response.json()["name"] == "magasinier-test"


def test_a_user_without_staff_role_gets_403(api, outsider):
    api.force_login(outsider)
    response = api.get("/api/v1/whoami/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Accès à l'API refusé.", "errors": {}}


def test_session_writes_need_the_csrf_token(worker):
    api = APIClient(enforce_csrf_checks=True)
    api.force_login(worker)
    response = api.post("/api/v1/no-such-thing/", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def basic(username, password):
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


def test_http_basic_is_ignored_by_default(api, worker):
    response = api.get("/api/v1/whoami/", HTTP_AUTHORIZATION=basic("magasinier-test", PASSWORD))
    assert response.status_code == 401


def test_http_basic_works_when_enabled(api, worker):
    with override_settings(ENABLE_BASIC_AUTH=True):
        ok = api.get("/api/v1/whoami/", HTTP_AUTHORIZATION=basic("magasinier-test", PASSWORD))
        bad = api.get("/api/v1/whoami/", HTTP_AUTHORIZATION=basic("magasinier-test", "wrong"))
    assert ok.status_code == 200
    assert bad.status_code == 401


def test_the_schema_generates(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/whoami/" in response.json()["paths"]
