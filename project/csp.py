"""Content-Security-Policy: one strict policy, loosened for the admin's inline styles only."""

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest
from django.http.response import HttpResponseBase


class AdminAwareCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path.startswith("/admin/"):
            # Django's admin widgets set style attributes; scripts stay 'self' only.
            parts.update = {**(parts.update or {}), "style-src": ["'unsafe-inline'"]}
        return parts
