"""Database ids read from requests: anything that is not a positive integer the database can
hold is "no id" (SQLite raises OverflowError past 64 bits instead of finding nothing)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet

MAX_ID = 2**63 - 1


def parse_id(raw: Any) -> int | None:
    text = str(raw).strip() if raw is not None else ""
    if not text.isdigit() or len(text) > 19:
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdsField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """A multiple choice of rows that answers an out-of-range id like an unknown one."""

    def _check_values(self, value: Iterable[Any]) -> QuerySet[Model]:
        for raw in value:
            if parse_id(raw) is None:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": raw},
                )
        checked: QuerySet[Model] = super()._check_values(value)  # type: ignore[misc]
        return checked
