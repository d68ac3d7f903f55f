"""The service worker and the pages it keeps for offline use."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from scan import pwa

WORKER_SCOPE = "/scan/"


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    response = render(
        request,
        pwa.WORKER_TEMPLATE,
        {
            "version": pwa.worker_version(),
            "static_urls": pwa.precached_static_urls(),
            "shell_routes": pwa.shell_routes(),
            "offline_url": pwa.offline_url(),
            "scope": WORKER_SCOPE,
        },
        content_type="application/javascript; charset=utf-8",
    )
    response["Service-Worker-Allowed"] = WORKER_SCOPE
    # Browsers must ask every time, or a fixed worker would reach phones a day late.
    response["Cache-Control"] = "no-cache"
    return response


@never_cache
@require_safe
def shell(request: HttpRequest) -> HttpResponse:
    """User-neutral scan frame: no name, no token, no data, so one cached copy fits every user."""
    return render(request, "scan/shell.html", {"shell": True})


@never_cache
@require_safe
def offline(request: HttpRequest) -> HttpResponse:
    return render(request, "scan/offline.html", {"shell": True})


@never_cache
@require_safe
def screen_shell(request: HttpRequest, screen: str) -> HttpResponse:
    """User-neutral copy of a capture screen (or the outbox): its form, empty, and no data."""
    shell = pwa.available_shells().get(screen)
    if shell is None:
        raise Http404
    return render(request, shell.template, pwa.shell_context(shell))
