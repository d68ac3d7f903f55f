from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from wms.models import (
    EMAIL_EVENT_TYPE,
    EMAIL_SOURCE,
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
)


def clean_recipients(recipients: str | Iterable[str]) -> list[str]:
    if isinstance(recipients, str):
        recipients = [recipients]
    seen: dict[str, None] = {}
    for address in recipients:
        address = (address or "").strip()
        if address and address.lower() not in {known.lower() for known in seen}:
            seen[address] = None
    return list(seen)


def queue_email(
    subject: str,
    message: str,
    recipients: str | Iterable[str],
    html_message: str | None = None,
    tags: Iterable[str] | None = None,
    *,
    from_email: str | None = None,
    reply_to: Iterable[str] | None = None,
) -> bool:
    """Queue one email to `recipients`; False (and nothing queued) when there is no recipient."""
    to = clean_recipients(recipients)
    if not to:
        return False
    payload = {
        "subject": subject,
        "message": message,
        "html_message": html_message,
        "recipients": to,
        "tags": list(tags or []),
        "from_email": from_email,
        "reply_to": list(reply_to or []),
    }
    # atomic(): the event is part of the caller's transaction, never committed on its own.
    with transaction.atomic():
        IntegrationEvent.objects.create(
            direction=IntegrationDirection.OUTBOUND,
            source=EMAIL_SOURCE,
            event_type=EMAIL_EVENT_TYPE,
            target=",".join(to)[:100],
            payload=payload,
            status=IntegrationStatus.PENDING,
            next_attempt_at=timezone.now(),
        )
    return True
