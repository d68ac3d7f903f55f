"""The page axes shows when a (username, address) pair is locked, on every login form."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _

LOCKOUT_STATUS = 429


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    # Each failure while locked restarts the cool-off, so "now + cool-off" is the retry time.
    retry_at = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    message = _(
        "Too many failed attempts for this account from this device. Try again after %(time)s."
    ) % {"time": time_format(retry_at, "H:i")}
    return render(
        request,
        "lockout.html",
        {"lockout_message": message, "retry_url": request.get_full_path()},
        status=LOCKOUT_STATUS,
    )
