"""Deliver due emails of the queue (runbook section 5; cron every minute)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from wms.emailing.processor import QueueSettings, process_queue


class Command(BaseCommand):
    help = "Envoie les e-mails en attente de la file (S-EMAIL)."
    # Cron starts it every minute: the system checks (every URL and admin module, ~0.6 s of CPU)
    # belong to the deploy (`check --deploy`), not to each run.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=100, help="Au plus N événements (100).")
        parser.add_argument(
            "--include-failed", action="store_true",
            help="Reprend aussi les événements en échec, avec de nouvelles tentatives.",
        )  # fmt: skip
        parser.add_argument("--max-attempts", type=int, help="EMAIL_QUEUE_MAX_ATTEMPTS")
        parser.add_argument("--retry-base-seconds", type=int, help="EMAIL_QUEUE_RETRY_BASE_SECONDS")
        parser.add_argument("--retry-max-seconds", type=int, help="EMAIL_QUEUE_RETRY_MAX_SECONDS")
        parser.add_argument(
            "--processing-timeout-seconds", type=int, help="EMAIL_QUEUE_PROCESSING_TIMEOUT_SECONDS"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            config = QueueSettings.from_settings(
                max_attempts=options["max_attempts"],
                retry_base_seconds=options["retry_base_seconds"],
                retry_max_seconds=options["retry_max_seconds"],
                processing_timeout_seconds=options["processing_timeout_seconds"],
            )
            summary = process_queue(
                limit=options["limit"], include_failed=options["include_failed"], config=config
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(summary.line())
