"""Pages reached through a secret token in their URL (public order links, tracking and update
links): never cached, never indexed, and the token never sent to another site."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache

# "same-origin", not "no-referrer": with no-referrer Chromium sends `Origin: null` with the
# page's own form posts, which Django's CSRF check refuses (403 for every visitor). Same-origin
# still keeps the token out of other sites' logs.
TOKEN_PAGE_HEADERS = {"X-Robots-Tag": "noindex, nofollow", "Referrer-Policy": "same-origin"}


def token_page(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        for header, value in TOKEN_PAGE_HEADERS.items():
            response.headers[header] = value
        return response

    return never_cache(wrapped)
