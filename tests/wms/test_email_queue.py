"""The email queue (S-EMAIL): queued in the caller's transaction, delivered by
process_email_queue with claims, retries and backoff (time-controlled)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.forms import PasswordResetForm
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from tests.factories import UserFactory
from wms.emailing import queue_email
from wms.emailing.messages import manager_emails, queue_templated_email, render_email
from wms.emailing.processor import QueueSettings, classify
from wms.models import IntegrationEvent

pytestmark = pytest.mark.django_db
START = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)


def run(*args: str) -> str:
    out = StringIO()
    call_command("process_email_queue", *args, stdout=out)
    return out.getvalue().strip()


class FailingBackend(BaseEmailBackend):
    """Transport that fails as told by the class attribute `error`, counting attempts."""

    error: Exception | BaseException | None = None
    calls = 0

    def send_messages(self, messages):
        type(self).calls += 1
        if type(self).error is not None:
            raise type(self).error
        return len(messages)


@pytest.fixture
def failing_transport(settings):
    FailingBackend.error, FailingBackend.calls = OSError("connexion refusée"), 0
    settings.EMAIL_TRANSPORT_BACKEND = f"{__name__}.FailingBackend"
    return FailingBackend


def test_queue_email_writes_a_pending_event_and_sends_nothing():
    assert queue_email("Sujet", "Texte", ["a@example.org", " A@example.org ", ""], tags=["t"])
    event = IntegrationEvent.objects.get()
    assert (event.direction, event.source, event.event_type, event.status) == (
        "outbound",
        "wms.email",
        "send_email",
        "pending",
    )
    assert event.payload["recipients"] == ["a@example.org"]
    assert mail.outbox == []


def test_no_recipient_queues_nothing():
    assert queue_email("Sujet", "Texte", []) is False
    assert queue_email("Sujet", "Texte", ["", "  "]) is False
    assert IntegrationEvent.objects.count() == 0


def test_a_rolled_back_change_queues_nothing():
    with pytest.raises(RuntimeError), transaction.atomic():
        queue_email("Sujet", "Texte", ["a@example.org"])
        raise RuntimeError("the change fails")
    assert IntegrationEvent.objects.count() == 0


def test_django_password_reset_is_queued_not_sent():
    UserFactory(username="jeanne", email="jeanne@example.org")
    form = PasswordResetForm({"email": "jeanne@example.org"})
    assert form.is_valid()
    form.save(domain_override="wms.example.org", use_https=True)
    event = IntegrationEvent.objects.get()
    assert event.status == "pending"
    assert event.payload["recipients"] == ["jeanne@example.org"]
    assert (
        "wms.example.org/reset/" in event.payload["message"]
        or "https://" in event.payload["message"]
    )
    assert mail.outbox == []
    assert run() == "process_email_queue: selected=1 processed=1 retried=0 failed=0 deferred=0"
    assert mail.outbox[0].to == ["jeanne@example.org"]


def test_delivery_copies_subject_text_html_and_tags_and_marks_processed():
    queue_email("Bonjour", "Texte brut", ["a@example.org"], html_message="<p>HTML</p>", tags=["x"])
    assert run().endswith("selected=1 processed=1 retried=0 failed=0 deferred=0")
    sent = mail.outbox[0]
    assert (sent.subject, sent.body, sent.to) == ("Bonjour", "Texte brut", ["a@example.org"])
    assert sent.alternatives[0].content == "<p>HTML</p>"
    assert sent.extra_headers["X-ASF-Event-Id"] == str(IntegrationEvent.objects.get().pk)
    event = IntegrationEvent.objects.get()
    assert (event.status, event.attempts, event.processed_at is not None) == ("processed", 1, True)
    assert run().startswith("process_email_queue: selected=0")


def test_backoff_is_60_120_240_480_then_failed_after_five_attempts(failing_transport):
    with time_machine.travel(START, tick=False) as traveller:
        queue_email("S", "T", ["a@example.org"])
        delays = []
        for attempt in range(1, 6):
            summary = run()
            event = IntegrationEvent.objects.get()
            assert event.attempts == attempt
            assert f"Tentative {attempt} : connexion refusée" in event.error_message
            if attempt < 5:
                assert "retried=1" in summary and event.status == "pending"
                delay = (event.next_attempt_at - timezone.now()).total_seconds()
                delays.append(delay)
                traveller.shift(dt.timedelta(seconds=delay - 1))
                assert (
                    run()
                    == "process_email_queue: selected=0 processed=0 retried=0 failed=0 deferred=1"
                )
                traveller.shift(dt.timedelta(seconds=1))
            else:
                assert "failed=1" in summary and event.status == "failed"
    assert delays == [60, 120, 240, 480]
    assert failing_transport.calls == 5


def test_overrides_change_the_attempts_and_backoff(failing_transport):
    with time_machine.travel(START, tick=False):
        queue_email("S", "T", ["a@example.org"])
        run("--max-attempts=2", "--retry-base-seconds=10", "--retry-max-seconds=15")
        event = IntegrationEvent.objects.get()
        assert (event.next_attempt_at - timezone.now()).total_seconds() == 10
    with time_machine.travel(START + dt.timedelta(seconds=10), tick=False):
        run("--max-attempts=2")
        assert IntegrationEvent.objects.get().status == "failed"


def test_the_retry_delay_is_capped():
    config = QueueSettings.from_settings(retry_base_seconds=60, retry_max_seconds=200)
    assert [config.retry_delay(n) for n in range(1, 6)] == [60, 120, 200, 200, 200]


def test_include_failed_gives_a_fresh_set_of_attempts(failing_transport):
    queue_email("S", "T", ["a@example.org"])
    run("--max-attempts=1")
    assert IntegrationEvent.objects.get().status == "failed"
    assert run().startswith("process_email_queue: selected=0")
    failing_transport.error = None
    assert run("--include-failed") == (
        "process_email_queue: selected=1 processed=1 retried=0 failed=0 deferred=0"
    )
    event = IntegrationEvent.objects.get()
    assert (event.status, event.attempts, event.error_message) == ("processed", 1, "")


class Crash(BaseException):
    """Stands for a process killed while sending (not an Exception: nothing catches it)."""


def test_a_message_that_always_crashes_ends_failed_through_stale_reclaims(failing_transport):
    failing_transport.error = Crash()
    with time_machine.travel(START, tick=False) as traveller:
        queue_email("S", "T", ["a@example.org"])
        for attempt in range(1, 6):
            with pytest.raises(Crash):
                run()
            event = IntegrationEvent.objects.get()
            assert (event.status, event.attempts) == ("processing", attempt)
            traveller.shift(dt.timedelta(seconds=899))
            assert run().startswith("process_email_queue: selected=0")  # not stale yet
            traveller.shift(dt.timedelta(seconds=2))
        assert run() == "process_email_queue: selected=1 processed=0 retried=0 failed=1 deferred=0"
    event = IntegrationEvent.objects.get()
    assert event.status == "failed"
    assert "Abandonné après 5 tentatives interrompues" in event.error_message
    assert failing_transport.calls == 5


def test_limit_is_respected_oldest_due_first():
    for n in range(5):
        queue_email(f"S{n}", "T", [f"{n}@example.org"])
    assert (
        run("--limit=2")
        == "process_email_queue: selected=2 processed=2 retried=0 failed=0 deferred=0"
    )
    assert [m.subject for m in mail.outbox] == ["S0", "S1"]
    assert IntegrationEvent.objects.filter(status="pending").count() == 3


def test_bad_limits_and_overrides_are_command_errors():
    with pytest.raises(CommandError, match="--limit"):
        run("--limit=0")
    with pytest.raises(CommandError, match="max_attempts"):
        run("--max-attempts=0")


def test_permanent_and_temporary_failures_are_told_apart():
    import smtplib

    import requests
    from anymail.exceptions import AnymailAPIError, AnymailRecipientsRefused

    def api_error(status):
        if status is None:
            return AnymailAPIError("Brevo : délai dépassé")
        response = requests.Response()
        response.status_code, response.reason = status, "x"
        response._content = b'{"message": "texte du fournisseur"}'
        return AnymailAPIError(
            "Brevo : réponse du fournisseur", status_code=status, response=response
        )

    assert classify(api_error(400)).permanent and classify(api_error(401)).permanent
    assert not classify(api_error(429)).permanent and not classify(api_error(503)).permanent
    assert not classify(api_error(None)).permanent  # network error, timeout
    assert classify(AnymailRecipientsRefused("refusé")).permanent
    assert classify(smtplib.SMTPRecipientsRefused({"x@y": (550, b"no")})).permanent
    assert not classify(smtplib.SMTPResponseException(451, b"try later")).permanent
    assert classify(smtplib.SMTPResponseException(554, b"rejected")).permanent
    assert not classify(TimeoutError("timed out")).permanent


def test_manager_addresses_and_templated_messages():
    from tests.factories import manager

    manager(username="chef1", email="chef1@example.org")
    manager(username="chef2", email="")
    UserFactory(username="ouvrier", email="ouvrier@example.org")
    assert manager_emails() == ["chef1@example.org"]
    with override_settings(SITE_BASE_URL="https://wms.example.org"):
        subject, text, html = render_email("test_message", {"name": "Jeanne"})
    assert subject == "Message de test pour Jeanne"
    assert "https://wms.example.org" in text
    assert html is not None and "<strong>Jeanne</strong>" in html
    assert queue_templated_email("test_message", {"name": "Jeanne"}, manager_emails())
    assert IntegrationEvent.objects.get().payload["tags"] == ["test_message"]


def test_the_forgotten_password_page_queues_the_email(client):
    UserFactory(username="jeanne", email="jeanne@example.org")
    response = client.post("/admin/password_reset/", {"email": "jeanne@example.org"})
    assert response.status_code == 302
    assert IntegrationEvent.objects.filter(status="pending").count() == 1
    assert mail.outbox == []


def test_send_test_email_queues_the_test_message_and_refuses_bad_addresses():
    out = StringIO()
    call_command("send_test_email", "ops@example.org", "--name=Équipe", stdout=out)
    assert "mis en file pour ops@example.org" in out.getvalue()
    event = IntegrationEvent.objects.get()
    assert event.payload["subject"] == "Message de test pour Équipe"
    with pytest.raises(CommandError, match="pas une adresse"):
        call_command("send_test_email", "not-an-address")
    assert IntegrationEvent.objects.count() == 1


@pytest.mark.parametrize(
    "option",
    ["--limit=99999999999999999999", "--processing-timeout-seconds=0",
     "--retry-base-seconds=999999999999", "--max-attempts=1000"],
)  # fmt: skip
def test_out_of_range_options_are_refused_before_touching_the_queue(option):
    queue_email("S", "T", ["a@example.org"])
    with pytest.raises(CommandError, match=r"entre|--limit"):
        run(option)
    assert IntegrationEvent.objects.get().status == "pending"


@pytest.mark.parametrize("payload", [["not", "a", "dict"], {"recipients": "a@example.org"},
                                     {"recipients": [1, 2]}])  # fmt: skip
def test_malformed_rows_fail_at_once(payload):
    queue_email("S", "T", ["a@example.org"])
    IntegrationEvent.objects.update(payload=payload)
    assert run().endswith("failed=1 deferred=0")
    event = IntegrationEvent.objects.get()
    assert (event.status, event.attempts) == ("failed", 1)
    assert "illisible" in event.error_message
