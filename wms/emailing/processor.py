"""Delivering the queued emails (`manage.py process_email_queue`, S-EMAIL).

Events are claimed in small chunks just before they are sent — SELECT ... FOR UPDATE SKIP LOCKED
where the database has it, a conditional UPDATE elsewhere — so two live processes never send the
same event. The claim counts as an attempt, so an event whose sending crashes the process is
reclaimed once stale and, after the last attempt, marked failed instead of crashing forever. A
crash between the provider's acceptance and the record may resend once.

The main thread does all the database work (claims and records); a bounded pool of threads only
sends, each over a transport connection it keeps open. A chunk is claimed as soon as half of the
pool is free, so the queries per event stay few and the pool stays busy.
"""

from __future__ import annotations

import logging
import smtplib
import threading
import time
import uuid
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
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
from django.db import connection, transaction
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
# A sent email is recorded at the latest this long after the provider accepted it (sooner when
# enough sends ended to record together): the window in which a crash would send it twice.
RECORD_WITHIN_SECONDS = 1.0


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
    seconds: float = 0.0  # the run's duration, the process's start-up excluded
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


@dataclass(frozen=True)
class Claim:
    event: IntegrationEvent
    token: uuid.UUID


def claim(event_ids: list[int], config: QueueSettings) -> list[Claim]:
    """Take those of the events that are still due for this run: one small chunk, claimed in one
    go just before it is sent. The others are taken by another process, or no longer due."""
    if not event_ids:
        return []
    now = timezone.now()
    token = uuid.uuid4()
    changes = dict(
        status=IntegrationStatus.PROCESSING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    candidates = email_events().filter(_claimable(now, config), pk__in=event_ids).order_by("pk")
    if not connection.features.has_select_for_update_skip_locked:
        candidates.update(**changes)  # the conditional update is the lock
        claimed = email_events().filter(pk__in=event_ids, claim_token=token).order_by("pk")
        return [Claim(event, token) for event in claimed]
    with transaction.atomic():
        locked = list(candidates.select_for_update(skip_locked=True))
        if locked:
            email_events().filter(pk__in=[event.pk for event in locked]).update(**changes)
    for event in locked:  # as the update left them, without reading them again
        event.status, event.claimed_at, event.claim_token = IntegrationStatus.PROCESSING, now, token
        event.attempts += 1
    return [Claim(event, token) for event in locked]


def _finish(claims: list[Claim], **fields: Any) -> None:
    """Record one outcome for these events, except those reclaimed as stale meanwhile."""
    by_token: dict[uuid.UUID, list[int]] = {}
    for claim_ in claims:
        by_token.setdefault(claim_.token, []).append(claim_.event.pk)
    owned = Q(pk__in=[])
    for token, event_ids in by_token.items():
        owned |= Q(claim_token=token, pk__in=event_ids)
    email_events().filter(owned).update(**fields)


def sender_address() -> str:
    address = str(settings.BREVO_SENDER_EMAIL or settings.DEFAULT_FROM_EMAIL)
    name = str(settings.BREVO_SENDER_NAME).replace('"', "")
    # The plain name: Django encodes headers for SMTP itself, and Brevo wants it unencoded.
    return f'"{name}" <{address}>' if name else address


def build_message(event: IntegrationEvent, connection: Any = None) -> EmailMultiAlternatives:
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
        connection=connection,
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


@dataclass(frozen=True)
class Sent:
    """How one send ended: the classified failure (None: accepted), and when (monotonic)."""

    failure: DeliveryError | None
    at: float


def _connection_was_stale(exc: Exception) -> bool:
    """An SMTP server that closed a kept-open connection, or refuses more messages on it (421,
    e.g. Exim's messages-per-connection limit), before accepting anything: worth one resend on
    a new connection rather than a retry minutes later."""
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return True
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reason in exc.recipients.values()]
        return bool(codes) and all(code == 421 for code in codes)
    return isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421


class Senders:
    """A bounded pool of threads that only send: no database work happens in them. Each thread
    keeps its transport connection (a Brevo HTTP session, an SMTP connection) open for its next
    sends and drops it after a failure, so a broken connection is not reused."""

    def __init__(self, workers: int) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="email-send")
        self._local = threading.local()
        self._opened: list[Any] = []
        self._lock = threading.Lock()

    def __enter__(self) -> Senders:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._pool.shutdown(wait=True)
        for transport in self._opened:
            self._close(transport)

    def submit(self, event: IntegrationEvent) -> Future[Sent]:
        return self._pool.submit(self._send, event)

    def _send(self, event: IntegrationEvent) -> Sent:
        try:
            message = build_message(event, connection=None)
        except Exception as exc:  # the payload, not the connection: keep the transport
            return Sent(classify(exc), time.monotonic())
        reused = getattr(self._local, "transport", None) is not None
        try:
            self._send_over_transport(message)
        except Exception as exc:
            self._drop_transport()
            if not (reused and _connection_was_stale(exc)):
                return Sent(classify(exc), time.monotonic())
            try:  # nothing was accepted on the stale connection: once more on a new one
                self._send_over_transport(message)
            except Exception as again:
                self._drop_transport()
                return Sent(classify(again), time.monotonic())
        return Sent(None, time.monotonic())

    def _send_over_transport(self, message: EmailMultiAlternatives) -> None:
        message.connection = self._transport()
        message.send()

    def _transport(self) -> Any:
        transport = getattr(self._local, "transport", None)
        if transport is None:
            transport = get_connection(settings.EMAIL_TRANSPORT_BACKEND)
            transport.open()
            self._local.transport = transport
            with self._lock:
                self._opened.append(transport)
        return transport

    def _drop_transport(self) -> None:
        transport = getattr(self._local, "transport", None)
        self._local.transport = None
        if transport is not None:
            with self._lock:
                self._opened.remove(transport)
            self._close(transport)

    @staticmethod
    def _close(transport: Any) -> None:
        try:
            transport.close()
        except Exception:  # a connection that broke cannot be closed cleanly: nothing to keep
            log.debug("email transport close failed", exc_info=True)


class Delivery:
    """One run's sends: chunks claimed as pool slots free up, outcomes recorded in groups."""

    def __init__(self, config: QueueSettings, summary: RunSummary) -> None:
        self.config = config
        self.summary = summary
        # Claim again once half of the pool is free, and record the outcomes of as many sends
        # together: chunks keep the queries per email few without leaving threads idle long.
        # (Each query also waits for the interpreter lock the sending threads share.)
        self.chunk = max(1, config.workers // 2)
        self.in_flight: dict[Future[Sent], Claim] = {}
        self.ended: list[tuple[Claim, Sent]] = []

    def run(self, event_ids: list[int]) -> None:
        with Senders(self.config.workers) as senders:
            try:
                self._run(deque(event_ids), senders)
            finally:
                # Whatever stopped the run (a database error, Ctrl-C, a send that crashed), the
                # emails the provider accepted are recorded, or the next reclaim would send them
                # again. A send that crashed stays `processing`: it is reclaimed once stale.
                self._record_what_is_known()

    def _run(self, waiting: deque[int], senders: Senders) -> None:
        while waiting or self.in_flight or self.ended:
            if self.ended and (
                len(self.ended) >= self.chunk or not self.in_flight or self._record_due_in() <= 0
            ):
                self._record(self.ended)
                self.ended = []
            free = self.config.workers - len(self.in_flight)
            if waiting and (free >= self.chunk or not self.in_flight):
                chunk = [waiting.popleft() for _ in range(min(free, len(waiting)))]
                for claim_ in self._claim(chunk):
                    self.in_flight[senders.submit(claim_.event)] = claim_
                continue
            if not self.in_flight:
                continue
            timeout = self._record_due_in() if self.ended else None
            done, _running = wait(self.in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
            for future in done:
                sent = future.result()  # a crashed send raises here, its claim stays in flight
                self.ended.append((self.in_flight.pop(future), sent))

    def _record_due_in(self) -> float:
        """Seconds left before the oldest unrecorded send must be recorded."""
        oldest = min(sent.at for _claim, sent in self.ended)
        return max(0.0, oldest + RECORD_WITHIN_SECONDS - time.monotonic())

    def _record_what_is_known(self) -> None:
        wait(self.in_flight)
        for future, claim_ in list(self.in_flight.items()):
            if future.exception() is None:
                self.ended.append((claim_, future.result()))
        self.in_flight = {}
        if not self.ended:
            return
        try:
            self._record(self.ended)
        except Exception:  # the database itself failed: the run's own error says why
            log.exception("email outcomes not recorded", extra={"event": "queue_record_failed"})
        self.ended = []

    def _claim(self, chunk: list[int]) -> list[Claim]:
        claims = claim(chunk, self.config)
        taken = {claim_.event.pk for claim_ in claims}
        for event_id in chunk:
            if event_id not in taken:
                self._outcome(event_id, "skipped")
        sendable = []
        for claim_ in claims:
            if claim_.event.attempts > self.config.max_attempts:
                self._abandon(claim_)
            else:
                sendable.append(claim_)
        return sendable

    def _abandon(self, claim_: Claim) -> None:
        """Reclaimed after its last attempt was interrupted: it keeps crashing, stop trying."""
        event = claim_.event
        _finish(
            [claim_], status=IntegrationStatus.FAILED, processed_at=None,
            error_message=(event.error_message + "\n" if event.error_message else "")
            + f"Abandonné après {self.config.max_attempts} tentatives interrompues.",
        )  # fmt: skip
        self._outcome(event.pk, "failed")

    def _record(self, results: list[tuple[Claim, Sent]]) -> None:
        sent = [claim_ for claim_, outcome in results if outcome.failure is None]
        if sent:
            _finish(sent, status=IntegrationStatus.PROCESSED, processed_at=timezone.now(),
                    error_message="", claim_token=None)  # fmt: skip
            for claim_ in sent:
                self._outcome(claim_.event.pk, "processed")
        for claim_, outcome in results:
            if outcome.failure is not None:
                self._record_failure(claim_, outcome.failure)

    def _record_failure(self, claim_: Claim, failure: DeliveryError) -> None:
        attempts = claim_.event.attempts
        error = f"Tentative {attempts} : {failure}"
        if failure.permanent or attempts >= self.config.max_attempts:
            _finish([claim_], status=IntegrationStatus.FAILED, error_message=error)
            outcome = "failed"
        else:
            delay = self.config.retry_delay(attempts)
            _finish(
                [claim_], status=IntegrationStatus.PENDING, error_message=error,
                next_attempt_at=timezone.now() + timedelta(seconds=delay), claim_token=None,
            )  # fmt: skip
            outcome = "retried"
        log.warning("email %s", outcome, extra={"event": "email_attempt",
                    "event_id": claim_.event.pk, "outcome": outcome, "error": error})  # fmt: skip
        self._outcome(claim_.event.pk, outcome)

    def _outcome(self, event_id: int, outcome: str) -> None:
        self.summary.outcomes[event_id] = outcome
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)


def process_queue(
    *, limit: int = 100, include_failed: bool = False, config: QueueSettings
) -> RunSummary:
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"--limit doit être entre 1 et {MAX_LIMIT}.")
    started = time.monotonic()
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
    Delivery(config, summary).run(ids)
    summary.deferred = (
        email_events()
        .filter(status=IntegrationStatus.PENDING, next_attempt_at__gt=timezone.now())
        .count()
    )
    summary.seconds = round(time.monotonic() - started, 3)
    log.info(
        "email queue run",
        extra={"event": "queue_run", **{key: getattr(summary, key) for key in
               ("selected", "processed", "retried", "failed", "deferred", "skipped", "seconds")}},
    )  # fmt: skip
    return summary
