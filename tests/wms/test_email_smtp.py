"""The email queue through Django's SMTP backend to a real SMTP server (aiosmtpd on 127.0.0.1),
S-EMAIL: what arrives, and how the server's refusals are recorded on the event."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from io import StringIO
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command

from wms.emailing import queue_email
from wms.models import IntegrationEvent

pytestmark = pytest.mark.django_db


class Mailbox:
    """aiosmtpd handler: keeps accepted messages; answers `rcpt_reply` / `data_reply` instead of
    accepting when they are set (a refusing or greylisting server)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.messages: list[tuple[str, list[str], EmailMessage]] = []
        self.rcpt_reply: str | None = None
        self.data_reply: str | None = None
        self.per_connection: int | None = None  # messages a connection may carry (Exim's limit)
        self._carried: dict[int, int] = {}

    async def handle_MAIL(
        self, server: Any, session: Any, envelope: Any, address: str, mail_options: list[str]
    ) -> str:
        carried = self._carried.get(id(session), 0)
        if self.per_connection is not None and carried >= self.per_connection:
            return "421 4.7.0 Too many messages for this connection"
        self._carried[id(session)] = carried + 1
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.data_reply:
            return self.data_reply
        # Read as a mail client would: LF line ends, decoded headers.
        content = envelope.content.replace(b"\r\n", b"\n")
        message = message_from_bytes(content, policy=policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    # aiosmtpd's Controller connects to its own port to check it is up, so it needs a real port
    # number, not 0.
    handler = Mailbox(free_port())
    controller = Controller(handler, hostname="127.0.0.1", port=handler.port)
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def smtp(mailbox: Mailbox, settings) -> Mailbox:
    settings.EMAIL_TRANSPORT_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mailbox.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "wms@asf.example.org"
    settings.BREVO_SENDER_EMAIL = ""
    settings.BREVO_SENDER_NAME = "ASF Entrepôt"
    settings.BREVO_REPLY_TO_EMAIL = "contact@asf.example.org"
    return mailbox


def run(*args: str) -> str:
    out = StringIO()
    call_command("process_email_queue", *args, stdout=out)
    return out.getvalue().strip()


def queue_one() -> IntegrationEvent:
    assert queue_email(
        "Expédition EXP-0007 partie",
        "Bonjour,\nvotre expédition est partie.",
        ["asso@example.org", "benevole@example.org"],
        html_message="<p>Votre expédition est <strong>partie</strong>.</p>",
        tags=["shipment_shipped"],
    )
    return IntegrationEvent.objects.get()


def test_the_message_arrives_with_subject_sender_recipients_text_and_html(smtp):
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=1 retried=0 failed=0 deferred=0"
    [(mail_from, rcpt_tos, message)] = smtp.messages
    assert mail_from == "wms@asf.example.org"
    assert rcpt_tos == ["asso@example.org", "benevole@example.org"]
    assert message["Subject"] == "Expédition EXP-0007 partie"
    assert message["From"] == "ASF Entrepôt <wms@asf.example.org>"
    assert message["To"] == "asso@example.org, benevole@example.org"
    assert message["Reply-To"] == "contact@asf.example.org"
    assert message["X-ASF-Event-Id"] == str(event.pk)
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content() == "Bonjour,\nvotre expédition est partie."
    assert html.get_content() == "<p>Votre expédition est <strong>partie</strong>.</p>"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.error_message) == ("processed", 1, "")
    assert event.processed_at is not None


def test_an_unknown_recipient_fails_at_once_with_the_servers_answer(smtp):
    smtp.rcpt_reply = "550 5.1.1 no such user"
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=0 retried=0 failed=1 deferred=0"
    event.refresh_from_db()
    assert (event.status, event.attempts, event.processed_at) == ("failed", 1, None)
    assert "550" in event.error_message and "no such user" in event.error_message
    assert smtp.messages == []
    assert run().startswith("process_email_queue: selected=0")  # never retried


def test_a_temporary_refusal_of_the_message_is_retried(smtp):
    smtp.data_reply = "451 4.3.0 Temporary local problem, try again later"
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=0 retried=1 failed=0 deferred=1"
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 1)
    assert "451" in event.error_message and "try again later" in event.error_message


def test_greylisting_at_rcpt_is_retried(smtp):
    smtp.rcpt_reply = "451 4.7.1 Greylisted, please try again later"
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=0 retried=1 failed=0 deferred=1"
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 1)
    assert "451" in event.error_message and "Greylisted" in event.error_message


def test_a_stopped_smtp_server_is_retried(smtp, settings):
    settings.EMAIL_PORT = free_port()  # nothing listens there: connection refused
    event = queue_one()
    assert run() == "process_email_queue: selected=1 processed=0 retried=1 failed=0 deferred=1"
    event.refresh_from_db()
    assert (event.status, event.attempts) == ("pending", 1)
    assert "Connection refused" in event.error_message


def test_a_relay_that_limits_messages_per_connection_gets_every_email_once(smtp, settings):
    # Each sending thread keeps its connection; a relay that closes it after N messages (421)
    # must cost neither a retry nor a duplicate: the send goes again at once on a new connection.
    settings.EMAIL_QUEUE_WORKERS = 1
    smtp.per_connection = 2
    for index in range(6):
        queue_email(f"Message {index}", "Texte", [f"dest{index}@example.org"])

    assert run() == "process_email_queue: selected=6 processed=6 retried=0 failed=0 deferred=0"

    received = sorted(recipients[0] for _sender, recipients, _message in smtp.messages)
    assert received == sorted(f"dest{index}@example.org" for index in range(6))
