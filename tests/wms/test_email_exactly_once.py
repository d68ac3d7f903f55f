"""Four `process_email_queue` processes at once on one MariaDB database and one (fake) Brevo
(S-EMAIL): every event is sent exactly once, and the work is shared.

The processes are real subprocesses (their own interpreters, connections and thread pools),
pointed at this test's database through the environment, so that the claim — SELECT ... FOR
UPDATE SKIP LOCKED — is what keeps them apart, not anything in this process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from tests.fakes.brevo import FakeBrevo
from wms.emailing import queue_email
from wms.models import IntegrationEvent

pytestmark = [
    pytest.mark.mysql,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parents[2]
EVENTS = 400
PROCESSES = 4
TIMEOUT = 120  # seconds for all the processes together
SUMMARY = re.compile(
    r"^process_email_queue: selected=(\d+) processed=(\d+) retried=(\d+) failed=(\d+) "
    r"deferred=(\d+)$",
    re.MULTILINE,
)


def queue_environment(fake: FakeBrevo) -> dict[str, str]:
    """This test's database (already created: a plain command only connects to it) and the fake
    Brevo, for a manage.py subprocess."""
    db = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if not key.startswith("COVERAGE")}
    env.update(
        DJANGO_SETTINGS_MODULE="project.settings_test",
        TEST_DB_ENGINE="mysql",
        DB_NAME=str(db["NAME"]),
        DB_HOST=str(db["HOST"] or "127.0.0.1"),
        DB_PORT=str(db["PORT"] or "3306"),
        DB_USER=str(db["USER"]),
        DB_PASSWORD=str(db["PASSWORD"]),
        BREVO_API_KEY="test-key",
        BREVO_API_URL=fake.base_url,
    )
    return env


def run_processes(env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    commands = [sys.executable, "manage.py", "process_email_queue", f"--limit={EVENTS + 100}"]
    started = [
        subprocess.Popen(
            commands, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(PROCESSES)
    ]
    deadline = time.monotonic() + TIMEOUT
    finished = []
    try:
        for process in started:
            out, err = process.communicate(timeout=max(deadline - time.monotonic(), 1))
            finished.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
                process.wait()
    return finished


def test_four_processes_send_each_of_400_events_exactly_once_and_share_the_work():
    assert connection.vendor == "mysql"
    assert str(connection.settings_dict["NAME"]).startswith("test_")  # never a real database
    with transaction.atomic():
        for n in range(EVENTS):
            queue_email(f"Message {n}", f"Texte {n}", [f"destinataire{n}@example.org"])
    ids = {str(pk) for pk in IntegrationEvent.objects.values_list("pk", flat=True)}
    assert len(ids) == EVENTS

    with FakeBrevo(api_key="test-key", latency=0.005) as fake:
        started = time.monotonic()
        results = run_processes(queue_environment(fake))
        elapsed = time.monotonic() - started
        deliveries = fake.deliveries()
        requests = fake.requests

    for result in results:
        assert result.returncode == 0, result.stderr
    summaries = [SUMMARY.search(result.stdout) for result in results]
    assert all(summaries), [result.stdout for result in results]
    processed = [int(match.group(2)) for match in summaries if match]
    retried_or_failed = [int(match.group(3)) + int(match.group(4)) for match in summaries if match]
    print(f"{PROCESSES} processes, {EVENTS} events: {elapsed:.1f} s, processed {processed}")

    # Exactly once: every event id reached Brevo, none twice, nothing else was sent.
    assert {event: count for event, count in deliveries.items() if count > 1} == {}
    assert set(deliveries) == ids
    assert len(requests) == EVENTS
    assert all(request.status == 201 for request in requests)
    # The database agrees, and so do the summary lines.
    assert IntegrationEvent.objects.exclude(status="processed").count() == 0
    assert set(IntegrationEvent.objects.values_list("attempts", flat=True)) == {1}
    assert sum(processed) == EVENTS
    assert retried_or_failed == [0] * PROCESSES
    # The work was shared: the processes start within a fraction of a second of one another
    # and the sends take ~2 s in all, so at least two of them must have sent some.
    assert sum(1 for count in processed if count > 0) >= 2, processed
