"""Limits read from the models (lengths, digits), so that an import refuses a value with a clear
message before the database does (SQLite would store a too-long text, MariaDB would refuse it)."""

from __future__ import annotations

from typing import Any

from django.db import models


def model_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name)
    if not isinstance(found, models.Field):
        raise TypeError(f"{model.__name__}.{name} is not a concrete field")
    return found


def max_length(model: type[models.Model], name: str) -> int | None:
    return model_field(model, name).max_length


def decimal_shape(model: type[models.Model], name: str) -> tuple[int, int]:
    """(decimal places, max digits) of a DecimalField."""
    found = model_field(model, name)
    if not isinstance(found, models.DecimalField):
        raise TypeError(f"{model.__name__}.{name} is not a DecimalField")
    return found.decimal_places, found.max_digits
