"""/healthz: 200 with the database up, 503 when it is unreachable, never redirected to HTTPS; the
email backlog (pending count, oldest pending age) for monitors."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import override_settings

from wms.emailing import queue_email
from wms.models import IntegrationDirection, IntegrationEvent, IntegrationStatus

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


def test_it_reports_a_reachable_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "pending": 0,
        "oldest_pending_age_s": None,
    }
    assert "no-cache" in response["Cache-Control"]


def test_it_reports_the_email_backlog_and_its_oldest_age_in_seconds(client):
    for seconds_ago in (120, 30):
        with time_machine.travel(NOW - dt.timedelta(seconds=seconds_ago), tick=False):
            queue_email("Sujet", "Texte", ["a@example.org"])
    # Neither counted: an email already sent, and an inbound event still pending.
    with time_machine.travel(NOW - dt.timedelta(hours=2), tick=False):
        queue_email("Ancien", "Texte", ["b@example.org"])
        IntegrationEvent.objects.filter(payload__subject="Ancien").update(
            status=IntegrationStatus.PROCESSED
        )
        IntegrationEvent.objects.create(
            direction=IntegrationDirection.INBOUND, source="erp", event_type="order.created"
        )
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "pending": 2,
        "oldest_pending_age_s": 120,
    }


def test_a_large_backlog_is_information_not_a_failure(client):
    with time_machine.travel(NOW - dt.timedelta(days=3), tick=False):
        for n in range(30):
            queue_email("Sujet", "Texte", [f"{n}@example.org"])
    with time_machine.travel(NOW, tick=False):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["pending"] == 30
    assert response.json()["oldest_pending_age_s"] == 3 * 24 * 3600


def test_it_never_shows_failure_texts(client):
    queue_email("Sujet", "Texte", ["secret-person@example.org"])
    IntegrationEvent.objects.update(
        status=IntegrationStatus.FAILED, error_message="550 secret-person@example.org refusé"
    )
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "secret-person" not in response.content.decode()


@pytest.fixture
def unreachable_database():
    """Point the default connection at a database that cannot be opened, then restore it."""
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = "/nonexistent-dir/asf.sqlite3"
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = "1"
    yield
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(saved)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_it_answers_503_when_the_database_is_unreachable(client, unreachable_database):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


@override_settings(SECURE_SSL_REDIRECT=True)
def test_it_is_exempt_from_the_https_redirect(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301
