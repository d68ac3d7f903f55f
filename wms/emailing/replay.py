"""Replaying failed emails (S-EMAIL): the admin action "Rejouer les envois en échec"."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import timezone

from wms.emailing.processor import email_events
from wms.models import IntegrationEvent, IntegrationStatus


def replay_failed(queryset: QuerySet[IntegrationEvent]) -> int:
    """Give the failed outbound emails among `queryset` a fresh set of attempts, due now; returns
    how many. Other events (inbound, not an email, not failed) are left alone.

    The error stays until the next attempt replaces it, so one can still see why it failed. The
    status condition sits in the UPDATE itself: an event the queue or another manager has already
    revived in the meantime is not counted twice.
    """
    # `&` keeps both filters in one UPDATE ... WHERE (MariaDB refuses a subquery on the table
    # being updated).
    return (
        (queryset & email_events())
        .filter(status=IntegrationStatus.FAILED)
        .update(
            status=IntegrationStatus.PENDING,
            attempts=0,
            next_attempt_at=timezone.now(),
            claimed_at=None,
            claim_token=None,
        )
    )
