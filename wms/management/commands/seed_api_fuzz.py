"""Data for the API fuzz run (`bin/api_fuzz.sh`, CI stage api-fuzz), on a throwaway database.

The demo data of `seed_demo` (catalogue, stock, receipts, cartons, shipments in every status,
orders in every review status, all through the services) without its logins, a few inbound
integration events, and one API key with the read, write and events scopes. The full key is the
only thing written on stdout, so that the script can read it; the summary goes to stderr.

Unlike `seed_demo` it runs with DEBUG off (the fuzz server runs with the test settings), so it
refuses any database that already holds products: it must never mint a key on a real database.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wms.management.commands.seed_demo import Seeder
from wms.models import ApiKey, IntegrationDirection, IntegrationEvent, IntegrationStatus, Product

KEY_NAME = "api-fuzz"
# (source, event_type, external_id, status): inbound events as integrators post them.
EVENTS = [
    ("planificateur", "flight.planned", "VOL-001", IntegrationStatus.PENDING),
    ("planificateur", "flight.cancelled", "VOL-002", IntegrationStatus.PROCESSED),
    ("erp", "donation.announced", "DON-2026-17", IntegrationStatus.FAILED),
]


class Command(BaseCommand):
    help = (
        "Seed an EMPTY database for the API fuzz run: demo data, inbound events and an API key "
        "(read, write, events) printed alone on stdout. Refuses a database with products."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if Product.objects.exists():
            raise CommandError(
                "seed_api_fuzz only seeds an empty database (it creates an API key with every "
                "scope): this one already holds products."
            )
        with transaction.atomic():
            summary = Seeder().run()
            for source, event_type, external_id, status in EVENTS:
                IntegrationEvent.objects.create(
                    direction=IntegrationDirection.INBOUND,
                    source=source,
                    event_type=event_type,
                    external_id=external_id,
                    status=status,
                    payload={"reference": external_id},
                )
            key = ApiKey(name=KEY_NAME, scope_read=True, scope_write=True, scope_events=True)
            raw_key = key.issue()
            key.save()
        for line in summary:
            self.stderr.write(line)
        self.stderr.write(f"{len(EVENTS)} événements entrants ; clé d'API « {KEY_NAME} » créée.")
        self.stdout.write(raw_key)
