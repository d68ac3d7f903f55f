"""django-axes as S-OPS says: (username, address) pairs, 5 failures, 15 minutes, French message."""

from datetime import timedelta

import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/scan/login/"


def attempt(client, username, password, ip="10.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def fail_five_times(client, username, **kwargs):
    for _ in range(5):
        attempt(client, username, "wrong-password", **kwargs)


@pytest.fixture
def alice(db):
    return UserFactory(username="alice", groups=["Worker"])


@pytest.fixture
def bob(db):
    return UserFactory(username="bob", groups=["Worker"])


def test_five_failures_lock_the_pair_with_a_french_message(client, alice):
    fail_five_times(client, "alice")
    response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Trop de tentatives échouées" in body
    assert "Réessayez après" in body
    assert "_auth_user_id" not in client.session


def test_four_failures_do_not_lock(client, alice):
    for _ in range(4):
        attempt(client, "alice", "wrong-password")
    assert attempt(client, "alice", PASSWORD).status_code == 302


def test_a_locked_user_does_not_block_another_user_on_the_same_address(client, alice, bob):
    fail_five_times(client, "alice")
    assert attempt(client, "alice", PASSWORD).status_code == 429
    response = attempt(client, "bob", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("scan:home")


def test_the_same_user_from_another_address_is_not_blocked(client, alice):
    fail_five_times(client, "alice", ip="10.0.0.1")
    assert attempt(client, "alice", PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_lock_lifts_after_the_fifteen_minute_cool_off(client, alice):
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        fail_five_times(client, "alice")
        traveller.shift(timedelta(minutes=14))
        assert attempt(client, "alice", PASSWORD).status_code == 429
        traveller.shift(timedelta(minutes=16))
        response = attempt(client, "alice", PASSWORD)
    assert response.status_code == 302


def test_forwarded_for_is_ignored_without_trusted_proxies(client, alice):
    # Behind no proxy, a client could forge X-Forwarded-For to dodge the lock: it must not count.
    for n in range(5):
        attempt(client, "alice", "wrong-password", forwarded=f"192.0.2.{n}")
    assert attempt(client, "alice", PASSWORD, forwarded="192.0.2.99").status_code == 429


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_forwarded_for_identifies_clients_behind_one_trusted_proxy(client, alice):
    # All requests come from the proxy's address; the client is the last forwarded entry.
    fail_five_times(client, "alice", ip="10.0.0.254", forwarded="203.0.113.7")
    assert (
        attempt(client, "alice", PASSWORD, ip="10.0.0.254", forwarded="203.0.113.7").status_code
        == 429
    )
    other_client = attempt(client, "alice", PASSWORD, ip="10.0.0.254", forwarded="203.0.113.8")
    assert other_client.status_code == 302


def test_failed_logins_are_logged_as_structured_events(client, alice, caplog):
    with caplog.at_level("WARNING", logger="wms.auth"):
        attempt(client, "alice", "wrong-password", ip="10.0.0.9")
    events = [r for r in caplog.records if getattr(r, "event", None) == "auth_failure"]
    assert len(events) == 1
    assert events[0].username == "alice"
    assert events[0].ip == "10.0.0.9"
    assert "wrong-password" not in caplog.text


def test_the_admin_login_locks_too_and_links_back_to_itself(client, alice):
    for _ in range(5):
        client.post("/admin/login/", {"username": "alice", "password": "wrong-password"})
    response = client.post("/admin/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    body = response.content.decode()
    assert "Connexion bloquée" in body
    assert 'href="/admin/login/"' in body
