"""Django's shell, without automatic imports for `shell -c`: the runbook's one-liners import what
they use, and their output must be only what they print (Django 5.2 otherwise announces
"N objects imported automatically" first)."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.shell import Command as DjangoShell


class Command(DjangoShell):
    def handle(self, **options: Any) -> None:
        self._one_liner = bool(options.get("command"))
        super().handle(**options)

    def get_auto_imports(self) -> list[str] | None:
        if getattr(self, "_one_liner", False):
            return None
        return super().get_auto_imports()
