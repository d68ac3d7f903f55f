"""Scan login and logout."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from scan.forms.auth import ScanLoginForm

login_view = LoginView.as_view(
    template_name="scan/login.html",
    authentication_form=ScanLoginForm,
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
