"""Demo logins for a development machine (`make run`). Refuses to run with DEBUG off."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from wms.roles import MANAGER_GROUP, WORKER_GROUP

DEMO_USERS = [("magasinier", WORKER_GROUP), ("responsable", MANAGER_GROUP)]


class Command(BaseCommand):
    help = "Create the demo logins magasinier (Worker) and responsable (Manager). DEBUG only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG=true (demo passwords are printed)."
            )
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(12)
        with transaction.atomic():
            for username, group_name in DEMO_USERS:
                user, _created = User.objects.get_or_create(username=username)
                user.set_password(password)
                user.save()
                user.groups.add(Group.objects.get(name=group_name))
        names = " / ".join(name for name, _ in DEMO_USERS)
        self.stdout.write(f"Demo logins: {names} — password: {password}")
