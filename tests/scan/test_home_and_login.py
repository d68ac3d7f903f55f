"""Scan login, home and logout: allowed, wrong role, anonymous; HEAD accepted."""

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def test_home_redirects_anonymous_to_the_scan_login(client):
    response = client.get("/scan/")
    assert response.status_code == 302
    assert response["Location"] == "/scan/login/?next=/scan/"


def test_home_answers_head_for_smoke_tests(client, worker):
    client.force_login(worker)
    assert client.head("/scan/").status_code == 200


def test_home_greets_a_worker(client, worker):
    client.force_login(worker)
    response = client.get("/scan/")
    assert response.status_code == 200
    assert "magasinier-test" in response.content.decode()


def test_home_forbids_a_user_without_staff_role(client, outsider):
    client.force_login(outsider)
    assert client.get("/scan/").status_code == 403


def test_home_refuses_post(client, worker):
    client.force_login(worker)
    assert client.post("/scan/").status_code == 405


def test_login_with_username_and_password_opens_the_home(client, worker):
    response = client.post(
        reverse("scan:login"), {"username": "magasinier-test", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == "/scan/"
    assert client.get("/scan/").status_code == 200


def test_a_wrong_password_shows_a_french_error_and_no_session(client, worker):
    response = client.post(
        reverse("scan:login"), {"username": "magasinier-test", "password": "nope"}
    )
    assert response.status_code == 200
    assert "Saisissez un nom d’utilisateur et un mot de passe valides" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_needs_a_post_and_ends_the_session(client, worker):
    client.force_login(worker)
    page = client.get(reverse("scan:logout"))
    assert page.status_code == 200
    assert client.get("/scan/").status_code == 200
    response = client.post(reverse("scan:logout"))
    assert response.status_code == 302
    assert response["Location"] == "/scan/login/"
    assert client.get("/scan/").status_code == 302


def test_logout_page_sends_anonymous_users_to_the_login(client):
    response = client.get(reverse("scan:logout"))
    assert response.status_code == 302
    assert response["Location"] == "/scan/login/"


def test_landing_links_to_scan_and_admin(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'href="/scan/"' in body
    assert 'href="/admin/"' in body


def test_landing_and_admin_login_answer_head(client):
    assert client.head("/").status_code == 200
    assert client.head("/admin/login/").status_code == 200


def policy_of(response):
    directives = (part.strip().split() for part in response["Content-Security-Policy"].split(";"))
    return {words[0]: words[1:] for words in directives if words}


def test_pages_carry_the_strict_content_security_policy(client):
    policy = policy_of(client.get("/"))
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]


def test_admin_pages_allow_inline_styles_only(client):
    policy = policy_of(client.get("/admin/login/"))
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'", "'wasm-unsafe-eval'"]
