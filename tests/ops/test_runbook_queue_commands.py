"""The runbook's email-queue commands (its section 5), run verbatim as an operator would: the two
`manage.py shell -c` one-liners must print the right numbers and rows, and the two
`process_email_queue` lines must run, in a copy of the project with a known queue."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import shlex
import sys
from pathlib import Path

import pytest

from tests.ops.project_copy import DEV_ENV, ROOT, clean_env, copy_project, manage

pytestmark = pytest.mark.slow

RUNBOOK_CANDIDATES = [
    ROOT.parent / "shared" / "seed" / "operations-runbook.md",
    ROOT.parent / "shared" / "operations-runbook.md",
]
# The two one-liners as the runbook writes them, for clones without ../shared beside them. When
# the runbook is there, its text is what runs (and this copy must still match it).
COMMITTED_ONE_LINERS = (
    "python manage.py shell -c \"from wms.models import IntegrationEvent, IntegrationDirection; qs=IntegrationEvent.objects.filter(direction=IntegrationDirection.OUTBOUND, source='wms.email', event_type='send_email'); print({s: qs.filter(status=s).count() for s in ['pending','processing','processed','failed']})\"",  # noqa: E501
    "python manage.py shell -c \"from wms.models import IntegrationEvent, IntegrationDirection, IntegrationStatus; qs=IntegrationEvent.objects.filter(direction=IntegrationDirection.OUTBOUND, source='wms.email', event_type='send_email', status=IntegrationStatus.FAILED).order_by('-created_at')[:20]; print(list(qs.values('id','created_at','processed_at','error_message')))\"",  # noqa: E501
)
CRON_LINE = "* * * * * cd /path/to/asf-wms && /path/to/asf-wms/.venv/bin/python manage.py process_email_queue --limit=100 >> /var/log/asf-wms-email-queue.log 2>&1"  # noqa: E501
BASE = dt.datetime(2026, 5, 4, 8, 0, tzinfo=dt.UTC)
# (status, minutes after BASE, error): the failed ones are created out of id order, so "newest
# first" is told apart from "highest id first".
EMAILS = [
    ("pending", 0, ""),
    ("pending", 1, ""),
    ("pending", 2, ""),
    ("processing", 3, ""),
    ("processed", 4, ""),
    ("processed", 5, ""),
    ("failed", 30, "Tentative 5 : Brevo : réponse 503 du fournisseur"),
    ("failed", 20, "Tentative 1 : adresse invalide « jean@@example.org »"),
]
# Seeds the copy: the emails above through queue_email, plus two events that are not emails and
# must never be counted (an inbound one, an outbound webhook that failed). Prints the email ids.
SEED_CODE = """
import datetime as dt, json
from django.utils import timezone
from wms.emailing import queue_email
from wms.models import IntegrationEvent, IntegrationDirection
base = dt.datetime.fromisoformat(BASE)
ids = []
for n, (status, minutes, error) in enumerate(EMAILS):
    queue_email(f"Message {n}", "Texte", [f"destinataire{n}@example.org"])
    event = IntegrationEvent.objects.latest("pk")
    IntegrationEvent.objects.filter(pk=event.pk).update(
        status=status, error_message=error, created_at=base + dt.timedelta(minutes=minutes),
        attempts=0 if status == "pending" else 1,
        claimed_at=timezone.now() if status == "processing" else None,
        processed_at=base + dt.timedelta(minutes=minutes + 1) if status == "processed" else None,
    )
    ids.append(event.pk)
IntegrationEvent.objects.create(direction=IntegrationDirection.INBOUND, source="erp",
    event_type="order.created", status="pending")
IntegrationEvent.objects.create(direction=IntegrationDirection.OUTBOUND, source="wms.webhook",
    event_type="send_email", status="failed", error_message="webhook refusé")
# Newer than every email: listed first if the filters ever let them in.
IntegrationEvent.objects.filter(source__in=["erp", "wms.webhook"]).update(
    created_at=base + dt.timedelta(hours=1))
print(json.dumps(ids))
"""
SUMMARY = re.compile(
    r"^process_email_queue: selected=\d+ processed=\d+ retried=\d+ failed=\d+ deferred=\d+$"
)


def runbook_one_liners() -> tuple[str, str]:
    """The health snapshot and the failed-events listing, from the runbook's section 5 when the
    runbook is beside the clone, else from the committed copy."""
    runbook = next((path for path in RUNBOOK_CANDIDATES if path.is_file()), None)
    if runbook is None:
        return COMMITTED_ONE_LINERS
    section = re.search(r"^## 5\)[^\n]*\n(.*?)^## ", runbook.read_text(), re.M | re.S)
    assert section, f"section 5 not found in {runbook}"
    blocks = re.findall(r"^```bash\n(.*?)^```", section.group(1), re.M | re.S)
    lines = tuple(
        line
        for block in blocks
        for line in block.splitlines()
        if line.startswith("python manage.py shell -c")
    )
    assert len(lines) == 2, lines
    assert lines == COMMITTED_ONE_LINERS, "the runbook changed: update COMMITTED_ONE_LINERS"
    return (lines[0], lines[1])


def run_line(project: Path, line: str) -> str:
    """Run a runbook line exactly as written, with our interpreter for `python`; returns the last
    line it printed (Django's shell announces its automatic imports first)."""
    # shlex reads the double quotes as a POSIX shell does; nothing in them that a shell would
    # expand ($, backquote, backslash), so the code reaching Python is the runbook's text.
    assert not set("$`\\") & set(line), line
    program, *args = shlex.split(line)
    assert program == "python" and args[:3] == ["manage.py", "shell", "-c"], line
    result = manage(project, *args[1:], env=clean_env(**DEV_ENV))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


@pytest.fixture
def queue_project(tmp_path: Path) -> tuple[Path, list[int]]:
    """A project copy on its own SQLite file, migrated, with the known queue."""
    project = copy_project(tmp_path / "asf-wms")
    env = clean_env(**DEV_ENV)
    migrated = manage(project, "migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    code = f"BASE = {BASE.isoformat()!r}\nEMAILS = {EMAILS!r}\n{SEED_CODE}"
    seeded = manage(project, "shell", "-c", code, env=env)
    assert seeded.returncode == 0, seeded.stderr
    return project, json.loads(seeded.stdout.strip().splitlines()[-1])


def expected_failures(ids: list[int]) -> list[dict[str, object]]:
    failed = [
        (pk, minutes, error)
        for pk, (status, minutes, error) in zip(ids, EMAILS, strict=True)
        if status == "failed"
    ]
    return [
        {
            "id": pk,
            "created_at": BASE + dt.timedelta(minutes=minutes),
            "processed_at": None,
            "error_message": error,
        }
        for pk, minutes, error in sorted(failed, key=lambda row: row[1], reverse=True)
    ]


def test_the_one_liners_are_read_from_the_runbook_with_the_committed_copy_as_fallback(
    monkeypatch, tmp_path
):
    # With ../shared beside the clone this reads the runbook (and fails if it drifted from the
    # committed copy); without it, the copy stands in.
    assert runbook_one_liners() == COMMITTED_ONE_LINERS
    monkeypatch.setattr(sys.modules[__name__], "RUNBOOK_CANDIDATES", [tmp_path / "absent.md"])
    assert runbook_one_liners() == COMMITTED_ONE_LINERS


def test_our_operations_guide_quotes_the_runbook_commands_verbatim():
    guide = (ROOT / "docs" / "operations.md").read_text()
    for line in (*runbook_one_liners(), CRON_LINE):
        assert f"\n{line}\n" in guide, line


def test_the_health_snapshot_prints_the_counts_of_outbound_emails_only(queue_project):
    project, _ids = queue_project
    snapshot, _failures = runbook_one_liners()
    printed = run_line(project, snapshot)
    assert printed == "{'pending': 3, 'processing': 1, 'processed': 2, 'failed': 2}"
    assert ast.literal_eval(printed) == {"pending": 3, "processing": 1, "processed": 2, "failed": 2}


def test_the_failed_listing_prints_the_failed_emails_newest_first(queue_project):
    project, ids = queue_project
    _snapshot, failures = runbook_one_liners()
    printed = run_line(project, failures)
    expected = expected_failures(ids)
    # The exact repr an operator sees, datetimes in UTC included.
    assert printed == repr(expected)
    assert [row["id"] for row in expected] == [ids[6], ids[7]]
    assert "webhook refusé" not in printed


def test_the_queue_commands_of_the_runbook_deliver_and_replay(queue_project):
    project, _ids = queue_project
    env = clean_env(**DEV_ENV, drop=("EMAIL_BACKEND", "BREVO_API_KEY"))  # console transport
    first = manage(project, "process_email_queue", "--limit=100", env=env)
    assert first.returncode == 0, first.stderr
    summary = first.stdout.strip().splitlines()[-1]
    assert SUMMARY.match(summary)
    assert summary == "process_email_queue: selected=3 processed=3 retried=0 failed=0 deferred=0"
    assert "destinataire0@example.org" in first.stdout  # the console transport printed it
    run_log = next(json.loads(line) for line in first.stderr.splitlines() if "queue_run" in line)
    assert (run_log["selected"], run_log["processed"], run_log["skipped"]) == (3, 3, 0)
    assert 0 < run_log["seconds"] < 60

    replayed = manage(project, "process_email_queue", "--include-failed", "--limit=100", env=env)
    assert replayed.returncode == 0, replayed.stderr
    summary = replayed.stdout.strip().splitlines()[-1]
    assert summary == "process_email_queue: selected=2 processed=2 retried=0 failed=0 deferred=0"

    snapshot, failures = runbook_one_liners()
    assert run_line(project, snapshot) == (
        "{'pending': 0, 'processing': 1, 'processed': 7, 'failed': 0}"
    )
    assert run_line(project, failures) == "[]"
