"""How the email queue is doing (S-EMAIL): one function for the admin panel and /healthz, so the
two can never disagree on what "pending" or "oldest" means."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict

from django.db.models import Count, Min
from django.utils import timezone

from wms.emailing.processor import email_events
from wms.models import IntegrationStatus

RECENT_FAILURES = 20


class Failure(TypedDict):
    id: int
    created_at: datetime
    error_message: str


class QueueHealth(TypedDict):
    pending: int
    processing: int
    processed: int
    failed: int
    oldest_pending_age_s: int | None
    recent_failures: list[Failure]


def queue_health(*, failures: int = RECENT_FAILURES) -> QueueHealth:
    """Counts per status of the outbound email events, the age in whole seconds of the oldest
    pending one (None when none is pending) and the `failures` most recent failed ones.

    /healthz is public and asks for no failures: error texts may carry addresses.
    """
    events = email_events()
    # GROUP BY status reads the queue index only; the processed rows grow without end.
    counts = {
        row["status"]: row["n"]
        for row in events.order_by().values("status").annotate(n=Count("pk"))
    }
    oldest = events.filter(status=IntegrationStatus.PENDING).aggregate(oldest=Min("created_at"))[
        "oldest"
    ]
    age = None if oldest is None else max(0, int((timezone.now() - oldest).total_seconds()))
    recent: list[Failure] = []
    if failures > 0:
        recent = [
            Failure(id=pk, created_at=created_at, error_message=error)
            for pk, created_at, error in events.filter(status=IntegrationStatus.FAILED)
            .order_by("-created_at", "-pk")
            .values_list("pk", "created_at", "error_message")[:failures]
        ]
    return QueueHealth(
        pending=counts.get(IntegrationStatus.PENDING, 0),
        processing=counts.get(IntegrationStatus.PROCESSING, 0),
        processed=counts.get(IntegrationStatus.PROCESSED, 0),
        failed=counts.get(IntegrationStatus.FAILED, 0),
        oldest_pending_age_s=age,
        recent_failures=recent,
    )


def format_age(seconds: int | None) -> str:
    """A waiting time as people read it: "45 s", "3 min", "2 h 05", "3 j 4 h"; "—" for none."""
    if seconds is None:
        return "—"
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes:02d}"
    days, hours = divmod(hours, 24)
    return f"{days} j {hours} h"
