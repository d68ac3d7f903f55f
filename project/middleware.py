"""Small project-wide middleware."""

from collections.abc import Callable

from django.http import HttpRequest
from django.http.response import HttpResponseBase


class HeadBodyRemovalMiddleware:
    """Answer HEAD without a body, as HTTP requires.

    Django's runserver strips it, but under gunicorn every HEAD (the runbook's smoke tests,
    monitors) would otherwise log "sent body bytes on a no-body response".
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if request.method == "HEAD" and not response.streaming:
            length = len(response.content)  # type: ignore[attr-defined]
            response.content = b""  # type: ignore[attr-defined]
            # Keep the length the GET would have, as the HTTP spec allows for HEAD.
            response["Content-Length"] = str(length)
        return response
