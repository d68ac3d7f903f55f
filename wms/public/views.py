"""Public pages that need no login."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "public/landing.html")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """Django's own CSRF page carries an inline style, which our CSP refuses: this one is a
    plain page of ours (status 403, nothing saved)."""
    return render(request, "403_csrf.html", status=403)
