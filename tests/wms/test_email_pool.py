"""How `process_email_queue` shares the work of a run (S-EMAIL): the main thread claims in small
chunks and records; a bounded pool of threads only sends, each over a transport it keeps open."""

from __future__ import annotations

import math
import threading
import time
from io import StringIO

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from wms.emailing import queue_email
from wms.emailing.processor import QueueSettings, _finish, claim
from wms.models import IntegrationEvent

pytestmark = pytest.mark.django_db


class CountingBackend(LocmemBackend):
    """The locmem transport, counting opens and closes, noting what each send saw, and failing
    the next `fail_next` sends."""

    lock = threading.Lock()
    opened = 0
    closed = 0
    fail_next = 0
    delay = 0.0
    slow: dict[str, float] = {}  # recipient: seconds its send takes
    crash_for = ""  # a recipient whose send raises Crash
    seen: list[dict[str, object]] = []

    def open(self) -> bool:
        with self.lock:
            type(self).opened += 1
        return True

    def close(self) -> None:
        with self.lock:
            type(self).closed += 1

    def send_messages(self, messages):
        with self.lock:
            type(self).seen.append(
                {
                    "thread": threading.current_thread().name,
                    "transport": id(self),
                    "database_connection": connections["default"].connection,
                }
            )
            failing = type(self).fail_next > 0
            type(self).fail_next -= int(failing)
        time.sleep(max(type(self).slow.get(m.to[0], type(self).delay) for m in messages))
        if messages[0].to[0] == type(self).crash_for:
            raise Crash("the transport crashed")
        if failing:
            raise OSError("connexion coupée")
        return super().send_messages(messages)


@pytest.fixture
def transport(settings):
    settings.EMAIL_TRANSPORT_BACKEND = f"{__name__}.CountingBackend"
    CountingBackend.opened = CountingBackend.closed = CountingBackend.fail_next = 0
    CountingBackend.delay = 0.0
    CountingBackend.slow = {}
    CountingBackend.crash_for = ""
    CountingBackend.seen = []
    return CountingBackend


def run() -> str:
    out = StringIO()
    call_command("process_email_queue", "--limit=500", stdout=out)
    return out.getvalue().strip()


def queue(count: int) -> None:
    for index in range(count):
        queue_email(f"Message {index}", "Texte", [f"dest{index}@example.org"])


def test_each_sending_thread_opens_its_transport_once_and_closes_it_at_the_end(transport, settings):
    settings.EMAIL_QUEUE_WORKERS = 3
    transport.delay = 0.005
    queue(12)

    assert run().startswith("process_email_queue: selected=12 processed=12 ")

    assert len(mail.outbox) == 12
    assert {message.to[0] for message in mail.outbox} == {f"dest{i}@example.org" for i in range(12)}
    threads = {seen["thread"] for seen in transport.seen}
    transports = {seen["transport"] for seen in transport.seen}
    assert len(transports) == len(threads) <= 3  # one transport per thread, reused
    assert transport.opened == transport.closed == len(transports)


def test_a_transport_that_failed_is_closed_and_the_next_send_opens_a_new_one(transport, settings):
    settings.EMAIL_QUEUE_WORKERS = 1
    transport.fail_next = 1
    queue(3)

    assert run().startswith("process_email_queue: selected=3 processed=2 retried=1 ")

    first, *others = transport.seen
    assert {seen["transport"] for seen in others} != {first["transport"]}
    assert len({seen["transport"] for seen in others}) == 1
    assert transport.opened == transport.closed == 2
    retried = IntegrationEvent.objects.get(status="pending")
    assert retried.error_message == "Tentative 1 : connexion coupée"


def test_sending_threads_open_no_database_connection(transport, settings):
    settings.EMAIL_QUEUE_WORKERS = 4
    queue(8)

    run()

    assert len(transport.seen) == 8
    assert all(seen["thread"].startswith("email-send") for seen in transport.seen)
    assert all(seen["database_connection"] is None for seen in transport.seen)


def test_claims_are_made_in_chunks_of_at_least_half_the_pool(transport, settings):
    settings.EMAIL_QUEUE_WORKERS = 8
    transport.delay = 0.02
    queue(16)

    with CaptureQueriesContext(connection) as queries:
        summary = run()

    assert summary.startswith("process_email_queue: selected=16 processed=16 ")
    claims = [q["sql"] for q in queries if q["sql"].startswith("UPDATE") and "attempts" in q["sql"]]
    # Every chunk but the last holds at least workers // 2 events (one claim each, not 16).
    assert 2 <= len(claims) <= math.ceil(16 / 4)


def test_an_outcome_is_recorded_only_for_the_events_still_claimed_by_this_run():
    queue(3)
    ids = list(IntegrationEvent.objects.order_by("pk").values_list("pk", flat=True))
    config = QueueSettings.from_settings()
    first_chunk = claim(ids[:2], config)
    second_chunk = claim(ids[2:], config)
    # Another process reclaimed the first event meanwhile (its claim went stale).
    IntegrationEvent.objects.filter(pk=ids[0]).update(claim_token=None)

    _finish([*first_chunk, *second_chunk], status="processed")

    statuses = dict(IntegrationEvent.objects.values_list("pk", "status"))
    assert statuses == {ids[0]: "processing", ids[1]: "processed", ids[2]: "processed"}
    assert claim(ids, config) == []  # nothing is due any more: all three are claimed or done


def test_a_sent_email_is_recorded_within_a_second_even_while_others_are_still_sending(
    transport, settings
):
    # Outcomes are recorded in groups of half the pool; a slow send must not hold back the
    # record of one already accepted (a crash meanwhile would send that one twice).
    settings.EMAIL_QUEUE_WORKERS = 4
    transport.slow = {"dest1@example.org": 2.5}
    queue(2)

    assert run().startswith("process_email_queue: selected=2 processed=2 ")

    fast, slow = IntegrationEvent.objects.order_by("pk")
    assert (slow.processed_at - fast.processed_at).total_seconds() >= 1.2


def test_the_record_deadline_counts_from_the_send_not_from_the_last_wake(transport, settings):
    # A send ending inside the window must not push the record of an earlier one back.
    settings.EMAIL_QUEUE_WORKERS = 8
    transport.slow = {"dest1@example.org": 0.95, "dest2@example.org": 2.0}
    queue(3)

    run()

    fast, _middle, slow = IntegrationEvent.objects.order_by("pk")
    assert (slow.processed_at - fast.processed_at).total_seconds() >= 0.7


class Crash(BaseException):
    """Not an Exception: what a KeyboardInterrupt or a crash in the transport looks like."""


def test_a_crashed_send_leaves_the_emails_already_accepted_recorded(transport, settings):
    settings.EMAIL_QUEUE_WORKERS = 4
    transport.delay = 0.05
    transport.crash_for = "dest2@example.org"
    queue(6)

    with pytest.raises(Crash):
        call_command("process_email_queue", "--limit=500", stdout=StringIO())

    statuses = dict(IntegrationEvent.objects.values_list("payload__recipients__0", "status"))
    accepted = {message.to[0] for message in mail.outbox}
    assert accepted and "dest2@example.org" not in accepted
    assert {statuses[address] for address in accepted} == {"processed"}
    assert statuses["dest2@example.org"] == "processing"  # reclaimed once stale


def test_a_database_error_while_recording_still_records_the_accepted_emails(
    transport, settings, monkeypatch
):
    from django.db import OperationalError

    from wms.emailing import processor

    settings.EMAIL_QUEUE_WORKERS = 4
    real_finish = processor._finish
    calls = []

    def finish_failing_once(claims, **fields):
        calls.append(len(claims))
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return real_finish(claims, **fields)

    monkeypatch.setattr(processor, "_finish", finish_failing_once)
    queue(4)

    with pytest.raises(OperationalError):
        call_command("process_email_queue", "--limit=500", stdout=StringIO())

    assert len(mail.outbox) == 4
    assert set(IntegrationEvent.objects.values_list("status", flat=True)) == {"processed"}
