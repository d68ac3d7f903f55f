"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from wms.roles import MANAGER_PERMISSION


def manager_banner(request: HttpRequest) -> dict[str, Any]:
    """`pending_account_requests` for managers (S-ORDERS: the banner with the number of pending
    account requests), counted only when a template shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.has_perm(MANAGER_PERMISSION):
        return {}

    def count() -> int:
        from wms.services.accounts import pending_account_requests

        return pending_account_requests()

    return {"pending_account_requests": SimpleLazyObject(count)}
