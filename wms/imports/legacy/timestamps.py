"""Keeping the earlier system's timestamps: `auto_now_add` / `auto_now` fields would stamp every
imported row with the time of the take-over, so they are switched off while it runs (and only
then: the flag is restored even when the import fails)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.apps import apps
from django.db import models


@contextlib.contextmanager
def imported_timestamps(app_labels: tuple[str, ...] = ("wms", "auth")) -> Iterator[None]:
    switched: list[tuple[models.DateField[Any, Any], bool, bool]] = []
    for label in app_labels:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.concrete_fields:
                if isinstance(field, models.DateField) and (field.auto_now_add or field.auto_now):
                    switched.append((field, field.auto_now_add, field.auto_now))
                    field.auto_now_add = field.auto_now = False
    try:
        yield
    finally:
        for field, auto_now_add, auto_now in switched:
            field.auto_now_add, field.auto_now = auto_now_add, auto_now
