"""The email queue against a real HTTP server that answers like Brevo's transactional API
(S-EMAIL): what anymail sends, and how each kind of answer is recorded on the event."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
import requests
from django.core.management import call_command
from django.utils import timezone

from tests.fakes.brevo import FakeBrevo, Reply
from wms.emailing import queue_email
from wms.models import IntegrationEvent

pytestmark = pytest.mark.django_db
CLIENT_TIMEOUT = 1  # seconds, connect and read: a hang of 5 s is well past it


@pytest.fixture
def fake() -> Iterator[FakeBrevo]:
    with FakeBrevo(api_key="test-key") as server:
        yield server


@pytest.fixture
def brevo(fake: FakeBrevo, settings) -> FakeBrevo:
    settings.EMAIL_TRANSPORT_BACKEND = "anymail.backends.brevo.EmailBackend"
    # anymail reads ANYMAIL each time the processor opens a connection, so overriding works.
    settings.ANYMAIL = {
        "BREVO_API_KEY": "test-key",
        "BREVO_API_URL": fake.base_url,
        "REQUESTS_TIMEOUT": (CLIENT_TIMEOUT, CLIENT_TIMEOUT),
    }
    settings.BREVO_SENDER_EMAIL = "entrepot@asf.example.org"
    settings.BREVO_SENDER_NAME = "ASF Entrepôt"
    settings.BREVO_REPLY_TO_EMAIL = "contact@asf.example.org"
    return fake


def run(*args: str) -> str:
    out = StringIO()
    call_command("process_email_queue", *args, stdout=out)
    return out.getvalue().strip()


def queue_one() -> IntegrationEvent:
    assert queue_email(
        "Commande CMD-0042 validée",
        "Bonjour,\nvotre commande est validée.",
        ["asso@example.org", "Benevole@Example.org"],
        html_message="<p>Votre commande est <strong>validée</strong>.</p>",
        tags=["order_approved", "asso-12"],
    )
    return IntegrationEvent.objects.get()


def test_brevo_receives_the_key_sender_recipients_bodies_tags_reply_to_and_event_id(brevo):
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=1 retried=0 failed=0 deferred=0"
    [request] = brevo.requests
    assert (request.method, request.path, request.status) == ("POST", "/v3/smtp/email", 201)
    assert request.headers["api-key"] == "test-key"
    assert request.headers["content-type"] == "application/json"
    body = request.json
    assert body["sender"] == {"email": "entrepot@asf.example.org", "name": "ASF Entrepôt"}
    assert body["to"] == [{"email": "asso@example.org"}, {"email": "Benevole@Example.org"}]
    assert body["subject"] == "Commande CMD-0042 validée"
    assert body["textContent"] == "Bonjour,\nvotre commande est validée."
    assert body["htmlContent"] == "<p>Votre commande est <strong>validée</strong>.</p>"
    assert body["tags"] == ["order_approved", "asso-12"]
    assert body["replyTo"] == {"email": "contact@asf.example.org"}
    assert body["headers"] == {"X-ASF-Event-Id": str(event.pk)}
    assert brevo.deliveries() == {str(event.pk): 1}
    event.refresh_from_db()
    assert (event.status, event.attempts, event.error_message) == ("processed", 1, "")
    assert event.processed_at is not None
    assert run().startswith("process_email_queue: selected=0")
    assert len(brevo.requests) == 1


def test_a_text_only_email_without_tags_sends_neither_html_nor_tags(brevo):
    queue_email("Sujet", "Texte seul", ["a@example.org"])
    assert "processed=1" in run()
    body = brevo.requests[0].json
    assert body["textContent"] == "Texte seul"
    assert "htmlContent" not in body and "tags" not in body


@pytest.mark.parametrize(
    ("status", "answer"),
    [
        # Brevo answers in English; anymail stores non-ASCII text \u-escaped.
        (500, {"code": "internal_error", "message": "Internal server error"}),
        (502, {"code": "bad_gateway", "message": "Bad gateway"}),
        (503, {"code": "service_unavailable", "message": "Service under maintenance"}),
        (429, {"code": "too_many_requests", "message": "Rate limit exceeded"}),
    ],
)
def test_server_errors_and_rate_limits_are_retried_later_with_the_error_kept(brevo, status, answer):
    brevo.script(Reply(status, answer))
    event = queue_one()
    before = timezone.now()
    assert run() == "process_email_queue: selected=1 processed=0 retried=1 failed=0 deferred=1"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.processed_at) == ("pending", 1, None)
    assert event.next_attempt_at is not None
    assert event.next_attempt_at >= before + dt.timedelta(seconds=60)
    assert event.error_message.startswith("Tentative 1 : ")
    assert f"Brevo API response {status}" in event.error_message
    assert answer["message"] in event.error_message
    assert brevo.deliveries() == {}
    assert [request.status for request in brevo.requests] == [status]


def test_a_retried_email_is_delivered_once_when_brevo_is_back(brevo):
    brevo.script(Reply(503, {"code": "service_unavailable", "message": "Maintenance"}))
    event = queue_one()
    assert "retried=1" in run("--retry-base-seconds=0")  # due again at once
    assert run() == "process_email_queue: selected=1 processed=1 retried=0 failed=0 deferred=0"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.error_message) == ("processed", 2, "")
    assert [request.status for request in brevo.requests] == [503, 201]
    assert brevo.deliveries() == {str(event.pk): 1}


def test_a_hung_brevo_is_cut_by_the_client_timeout_and_retried(brevo):
    brevo.script(Reply.hang(seconds=5 * CLIENT_TIMEOUT))
    event = queue_one()
    started = time.monotonic()
    assert run() == "process_email_queue: selected=1 processed=0 retried=1 failed=0 deferred=1"
    assert time.monotonic() - started < 4 * CLIENT_TIMEOUT  # the timeout, not the hang, ended it
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 1)
    assert "timed out" in event.error_message.lower()
    assert brevo.deliveries() == {}


def test_an_unreachable_brevo_is_retried(brevo):
    brevo.stop()  # the port is closed: connection refused
    event = queue_one()
    assert "retried=1" in run("--retry-base-seconds=0")
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 1)
    assert "Connection refused" in event.error_message
    assert "retried=1" in run("--retry-base-seconds=0")  # still down: retried again
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 2)
    assert event.error_message.startswith("Tentative 2 : ")


def test_a_bad_request_fails_at_once_with_brevos_answer(brevo):
    brevo.script(Reply(400, {"code": "invalid_parameter", "message": "email is not valid in to"}))
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=0 retried=0 failed=1 deferred=0"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.processed_at) == ("failed", 1, None)
    assert "Brevo API response 400" in event.error_message
    assert '"code": "invalid_parameter"' in event.error_message
    assert "email is not valid in to" in event.error_message
    assert run().startswith("process_email_queue: selected=0")  # not retried
    assert len(brevo.requests) == 1


def test_a_wrong_api_key_fails_at_once_with_brevos_answer(brevo, settings):
    settings.ANYMAIL = {**settings.ANYMAIL, "BREVO_API_KEY": "revoked-key"}
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=0 retried=0 failed=1 deferred=0"
    assert brevo.requests[0].headers["api-key"] == "revoked-key"
    assert brevo.requests[0].status == 401
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("failed", 1)
    assert "Brevo API response 401" in event.error_message
    # anymail re-indents the JSON body; its content is kept word for word.
    assert '"code": "unauthorized"' in event.error_message
    assert '"message": "Key not found"' in event.error_message
    assert brevo.deliveries() == {}


def test_the_fake_runs_in_the_foreground_for_benchmarks():
    """`python -m tests.fakes.brevo` prints the URL to set as BREVO_API_URL and counts sends."""
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.fakes.brevo", "--latency-ms", "5", "--api-key", "k"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip().removeprefix("BREVO_API_URL=")
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/v3/", url)
        body = {
            "sender": {"email": "a@example.org"},
            "to": [{"email": "b@example.org"}],
            "subject": "S",
            "textContent": "T",
            "headers": {"X-ASF-Event-Id": "7"},
        }
        sent = requests.post(f"{url}smtp/email", json=body, headers={"api-key": "k"}, timeout=5)
        assert sent.status_code == 201 and sent.json()["messageId"]
        stats = requests.get(url.replace("/v3/", "/__fake__/stats"), timeout=5).json()
        assert stats == {"requests": 1, "accepted": 1, "events": 1, "duplicates": {}}
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert process.returncode == 0
