"""Sign-in by email (django-axes counts the failures), sign-out, first password and forgotten
password links, password change (S-ORDERS portal, S-EMAIL)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.contrib.auth.models import User
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from wms.models import AssociationProfile
from wms.portal.decorators import association_required, profile_of
from wms.portal.forms import ForgotPasswordForm, PortalLoginForm
from wms.services import accounts, throttle

# One forgot-password email per address per window: the form answers the same whatever the
# address, so nobody can use it to flood an association's mailbox either.
RESET_EMAIL_WINDOW_SECONDS = 120


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("portal:dashboard")


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if profile_of(request.user) is not None:
        return redirect(_next_url(request))
    form = PortalLoginForm(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and form.user is not None:
        login(request, form.user)
        return redirect(_next_url(request))
    # A locked (email, address) pair is answered by django-axes' middleware (429).
    context = {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")}
    return render(request, "portal/login.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
def logout_view(request: HttpRequest) -> HttpResponse:
    # Signing out changes state, so it takes a POST; GET shows the confirmation form.
    if request.method == "POST":
        logout(request)
        messages.success(request, _("You are signed out."))
        return redirect("portal:login")
    if not request.user.is_authenticated:
        return redirect("portal:login")
    return render(request, "portal/logout.html", {"profile": profile_of(request.user)})


def _link_user(uidb64: str, token: str) -> User | None:
    """The association user a set-password link names, if the link is still valid (a token
    stops working once the password changed or the user signed in)."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None or not AssociationProfile.objects.filter(user=user).exists():
        return None
    if not default_token_generator.check_token(user, token):
        return None
    return user


@sensitive_post_parameters("new_password1", "new_password2")
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def set_password(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = _link_user(uidb64, token)
    if user is None:
        return render(request, "portal/set_password.html", {"invalid_link": True}, status=410)
    form = SetPasswordForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request, _("Your password is set: sign in with your email and this password.")
        )
        return redirect("portal:login")
    return render(request, "portal/set_password.html", {"form": form, "email": user.email})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def forgot_password(request: HttpRequest) -> HttpResponse:
    form = ForgotPasswordForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip()
        if throttle.acquire("portal_reset:email", email.lower(), RESET_EMAIL_WINDOW_SECONDS):
            accounts.send_password_reset(email)
        # The same answer whether the address is known or not.
        return render(request, "portal/forgot_password.html", {"sent": True})
    return render(request, "portal/forgot_password.html", {"form": form})


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@require_http_methods(["GET", "HEAD", "POST"])
@association_required
def change_password(request: HttpRequest, profile: AssociationProfile) -> HttpResponse:
    user: Any = request.user
    form = PasswordChangeForm(user, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        form.save()
        # Changing the password logs out every other session; this one stays signed in.
        update_session_auth_hash(request, form.user)
        messages.success(request, _("Your password is changed."))
        return redirect("portal:account")
    return render(request, "portal/change_password.html", {"form": form, "profile": profile})
