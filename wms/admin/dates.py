"""The admin's year / month / day drill-down, only where the database can run it."""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.db.models import Model
from django.http import HttpRequest


def date_hierarchy_works(model: type[Model]) -> bool:
    """It converts times to Europe/Paris in SQL; MariaDB without its time-zone tables answers
    NULL there and the page breaks, so such pages keep their date filters only."""
    return bool(connections[router.db_for_read(model)].features.has_zoneinfo_database)


class SafeDateHierarchyMixin:
    """For a ModelAdmin with `date_hierarchy`: drop it where the database cannot run it."""

    model: type[Model]

    def get_changelist_instance(self, request: HttpRequest) -> Any:
        changelist = super().get_changelist_instance(request)  # type: ignore[misc]
        if not date_hierarchy_works(self.model):
            changelist.date_hierarchy = None
        return changelist
