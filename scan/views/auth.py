"""Scan login and logout, and the page shown when axes locks a (username, address) pair."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

LOCKOUT_STATUS = 429

login_view = LoginView.as_view(
    template_name="scan/login.html",
    authentication_form=AuthenticationForm,
    redirect_authenticated_user=True,
)


@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Logging out changes state, so it takes a POST; GET shows the confirmation form.
    if request.method == "POST":
        logout(request)
        return redirect(settings.LOGOUT_REDIRECT_URL)
    if not request.user.is_authenticated:
        return redirect(settings.LOGIN_URL)
    return render(request, "scan/logout.html")


def lockout_response(
    request: HttpRequest, original_response: Any = None, credentials: dict[str, Any] | None = None
) -> HttpResponse:
    """Called by axes when a (username, address) pair is locked: the form, and when to retry."""
    retry_at = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    username = (credentials or {}).get("username", "")
    form = AuthenticationForm(request, initial={"username": username})
    message = _(
        "Too many failed attempts for this account from this device. Try again after %(time)s."
    ) % {"time": time_format(retry_at, "H:i")}
    return render(
        request,
        "scan/login.html",
        {"form": form, "lockout_message": message},
        status=LOCKOUT_STATUS,
    )
