"""Queue a test email, to check the transport end to end (then run process_email_queue)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from wms.emailing.messages import queue_templated_email


class Command(BaseCommand):
    help = "Met en file un e-mail de test pour ADRESSE (envoyé au prochain process_email_queue)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("address")
        parser.add_argument("--name", default="", help="Nom à saluer dans le message.")

    def handle(self, *args: Any, **options: Any) -> None:
        address = options["address"].strip()
        try:
            validate_email(address)
        except ValidationError as exc:
            raise CommandError(f"« {address} » n'est pas une adresse e-mail valide.") from exc
        queue_templated_email("test_message", {"name": options["name"] or address}, [address])
        self.stdout.write(
            f"E-mail de test mis en file pour {address} : "
            "lancez process_email_queue pour l'envoyer."
        )
