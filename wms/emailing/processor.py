"""Delivering the queued emails (`manage.py process_email_queue`, S-EMAIL).

Each event is claimed just before it is sent — SELECT ... FOR UPDATE SKIP LOCKED where the
database has it, a conditional UPDATE elsewhere — so two live processes never send the same event.
The claim counts as an attempt, so an event whose sending crashes the process is reclaimed once
stale and, after the last attempt, marked failed instead of crashing forever. A crash between the
provider's acceptance and the record may resend once.
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from anymail.exceptions import (
    AnymailAPIError,
    AnymailError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, connections, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from wms.models import (
    EMAIL_EVENT_TYPE,
    EMAIL_SOURCE,
    IntegrationDirection,
    IntegrationEvent,
    IntegrationStatus,
)

log = logging.getLogger("wms.queue")
EVENT_HEADER = "X-ASF-Event-Id"
PERMANENT_HTTP_STATUSES = {400, 401, 403, 404, 422}


DAY = 86_400
# Sane ranges: a processing timeout under a minute would reclaim sends still in flight (and send
# them twice); delays beyond 30 days would overflow dates and are never meant.
LIMITS = {
    "max_attempts": (1, 100),
    "retry_base_seconds": (0, 30 * DAY),
    "retry_max_seconds": (0, 30 * DAY),
    "processing_timeout_seconds": (60, 7 * DAY),
    "workers": (1, 32),
}
MAX_LIMIT = 10_000


@dataclass(frozen=True)
class QueueSettings:
    max_attempts: int
    retry_base_seconds: int
    retry_max_seconds: int
    processing_timeout_seconds: int
    workers: int = 4

    @classmethod
    def from_settings(cls, **overrides: int | None) -> QueueSettings:
        values = {
            "max_attempts": settings.EMAIL_QUEUE_MAX_ATTEMPTS,
            "retry_base_seconds": settings.EMAIL_QUEUE_RETRY_BASE_SECONDS,
            "retry_max_seconds": settings.EMAIL_QUEUE_RETRY_MAX_SECONDS,
            "processing_timeout_seconds": settings.EMAIL_QUEUE_PROCESSING_TIMEOUT_SECONDS,
            "workers": settings.EMAIL_QUEUE_WORKERS,
        }
        values.update({key: value for key, value in overrides.items() if value is not None})
        for key, value in values.items():
            low, high = LIMITS[key]
            if not low <= value <= high:
                raise ValueError(f"{key} = {value} : valeur attendue entre {low} et {high}.")
        return cls(**values)

    def retry_delay(self, attempts: int) -> int:
        """Seconds before the next try after `attempts` failed ones: 60, 120, 240, 480, ..."""
        exponent = min(max(attempts - 1, 0), 32)  # 2**32 × 30 days still fits; min() caps it
        return int(min(self.retry_max_seconds, self.retry_base_seconds * 2**exponent))


@dataclass
class RunSummary:
    selected: int = 0
    processed: int = 0
    retried: int = 0
    failed: int = 0
    deferred: int = 0
    skipped: int = 0
    outcomes: dict[int, str] = field(default_factory=dict)

    def line(self) -> str:
        return (
            f"process_email_queue: selected={self.selected} processed={self.processed} "
            f"retried={self.retried} failed={self.failed} deferred={self.deferred}"
        )


class DeliveryError(Exception):
    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def email_events() -> QuerySet[IntegrationEvent]:
    return IntegrationEvent.objects.filter(
        direction=IntegrationDirection.OUTBOUND, source=EMAIL_SOURCE, event_type=EMAIL_EVENT_TYPE
    )


def _claimable(now: datetime, config: QueueSettings) -> Q:
    due = Q(status=IntegrationStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    stale = Q(
        status=IntegrationStatus.PROCESSING,
        claimed_at__lt=now - timedelta(seconds=config.processing_timeout_seconds),
    )
    return due | stale


def revive_failed() -> int:
    """--include-failed: failed events get a fresh set of attempts, due now."""
    from wms.emailing.replay import replay_failed

    return replay_failed(email_events())


def claim(event_id: int, config: QueueSettings) -> tuple[IntegrationEvent, uuid.UUID] | None:
    """Take the event for this process, or None when another process has it (or it is not due)."""
    now = timezone.now()
    token = uuid.uuid4()
    changes = dict(
        status=IntegrationStatus.PROCESSING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    candidates = email_events().filter(_claimable(now, config), pk=event_id)
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            if candidates.select_for_update(skip_locked=True).first() is None:
                return None
            email_events().filter(pk=event_id).update(**changes)
    elif candidates.update(**changes) != 1:  # the conditional update is the lock
        return None
    return email_events().get(pk=event_id), token


def _finish(event: IntegrationEvent, token: uuid.UUID, **fields: Any) -> bool:
    """Record the outcome, unless the event was reclaimed as stale meanwhile."""
    return email_events().filter(pk=event.pk, claim_token=token).update(**fields) == 1


def sender_address() -> str:
    address = str(settings.BREVO_SENDER_EMAIL or settings.DEFAULT_FROM_EMAIL)
    name = str(settings.BREVO_SENDER_NAME).replace('"', "")
    # The plain name: Django encodes headers for SMTP itself, and Brevo wants it unencoded.
    return f'"{name}" <{address}>' if name else address


def build_message(event: IntegrationEvent) -> EmailMultiAlternatives:
    payload = event.payload
    if not isinstance(payload, dict):
        raise DeliveryError("Contenu de l'e-mail illisible.", permanent=True)
    recipients = payload.get("recipients") or []
    if not isinstance(recipients, list) or not all(isinstance(r, str) for r in recipients):
        raise DeliveryError("Liste de destinataires illisible.", permanent=True)
    if not recipients:
        raise DeliveryError("Aucun destinataire.", permanent=True)
    reply_to = payload.get("reply_to") or (
        [settings.BREVO_REPLY_TO_EMAIL] if settings.BREVO_REPLY_TO_EMAIL else []
    )
    message = EmailMultiAlternatives(
        subject=payload.get("subject", ""),
        body=payload.get("message", ""),
        from_email=payload.get("from_email") or sender_address(),
        to=recipients,
        reply_to=reply_to,
        headers={EVENT_HEADER: str(event.pk)},
        connection=get_connection(settings.EMAIL_TRANSPORT_BACKEND),
    )
    if payload.get("html_message"):
        message.attach_alternative(payload["html_message"], "text/html")
    if payload.get("tags"):
        message.tags = list(payload["tags"])  # type: ignore[attr-defined]  # anymail extension
    return message


def classify(exc: Exception) -> DeliveryError:
    """Temporary (network, timeout, 429, 5xx) or permanent (4xx, invalid address) failure."""
    if isinstance(exc, DeliveryError):
        return exc
    text = str(exc).strip() or exc.__class__.__name__
    if isinstance(exc, AnymailRecipientsRefused | AnymailInvalidAddress):
        return DeliveryError(text, permanent=True)
    if isinstance(exc, AnymailAPIError):
        status = getattr(exc, "status_code", None)
        return DeliveryError(text, permanent=status in PERMANENT_HTTP_STATUSES)
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        # Permanent only when every refusal is a 5xx: a 451 (greylisting) is worth a retry.
        codes = [code for code, _reason in exc.recipients.values()]
        return DeliveryError(text, permanent=bool(codes) and all(code >= 500 for code in codes))
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryError(text, permanent=exc.smtp_code >= 500)
    if isinstance(exc, AnymailError | ValueError):
        return DeliveryError(text, permanent=True)  # configuration or malformed address
    return DeliveryError(text, permanent=False)  # network, timeout, anything unforeseen


def deliver(event_id: int, config: QueueSettings) -> str:
    """Claim, send and record one event; returns its outcome."""
    claimed = claim(event_id, config)
    if claimed is None:
        return "skipped"
    event, token = claimed
    if event.attempts > config.max_attempts:
        # Reclaimed after its last attempt was interrupted: it keeps crashing, stop trying.
        _finish(
            event, token, status=IntegrationStatus.FAILED, processed_at=None,
            error_message=(event.error_message + "\n" if event.error_message else "")
            + f"Abandonné après {config.max_attempts} tentatives interrompues.",
        )  # fmt: skip
        return "failed"
    try:
        build_message(event).send()
    except Exception as exc:
        failure = classify(exc)
        error = f"Tentative {event.attempts} : {failure}"
        if failure.permanent or event.attempts >= config.max_attempts:
            _finish(event, token, status=IntegrationStatus.FAILED, error_message=error)
            outcome = "failed"
        else:
            delay = config.retry_delay(event.attempts)
            _finish(
                event, token, status=IntegrationStatus.PENDING, error_message=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay), claim_token=None,
            )  # fmt: skip
            outcome = "retried"
        log.warning("email %s", outcome, extra={"event": "email_attempt", "event_id": event.pk,
                                                "outcome": outcome, "error": error})  # fmt: skip
        return outcome
    _finish(event, token, status=IntegrationStatus.PROCESSED, processed_at=timezone.now(),
            error_message="", claim_token=None)  # fmt: skip
    return "processed"


def _deliver_in_worker(event_id: int, config: QueueSettings) -> str:
    try:
        return deliver(event_id, config)
    finally:
        # Pool threads open their own connections: give them back.
        connections.close_all()


def process_queue(
    *, limit: int = 100, include_failed: bool = False, config: QueueSettings
) -> RunSummary:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"--limit doit être entre 1 et {MAX_LIMIT}.")
    if include_failed:
        revive_failed()
    now = timezone.now()
    ids = list(
        email_events()
        .filter(_claimable(now, config))
        .order_by(F("next_attempt_at").asc(nulls_first=True), "pk")
        .values_list("pk", flat=True)[:limit]
    )
    summary = RunSummary(selected=len(ids))
    if config.workers <= 1 or len(ids) <= 1:
        outcomes = [deliver(event_id, config) for event_id in ids]
    else:
        with ThreadPoolExecutor(max_workers=config.workers) as pool:
            outcomes = list(pool.map(lambda event_id: _deliver_in_worker(event_id, config), ids))
    for event_id, outcome in zip(ids, outcomes, strict=True):
        summary.outcomes[event_id] = outcome
        setattr(summary, outcome, getattr(summary, outcome) + 1)
    summary.deferred = (
        email_events()
        .filter(status=IntegrationStatus.PENDING, next_attempt_at__gt=timezone.now())
        .count()
    )
    log.info(
        "email queue run",
        extra={"event": "queue_run", **{key: getattr(summary, key) for key in
               ("selected", "processed", "retried", "failed", "deferred", "skipped")}},
    )  # fmt: skip
    return summary
