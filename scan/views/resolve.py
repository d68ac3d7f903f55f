"""`/scan/resolve/?code=…` (S-SCAN): what a scanned or typed code means, as an HTML fragment for
htmx or as JSON with the S-SCAN keys for `Accept: application/json`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from scan.codes import EMPTY_ERROR, UNKNOWN, CodeResult, resolve_code
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION

FRAGMENT_TEMPLATE = "scan/partials/resolve.html"
# A GS1 Digital Link or a tracking URL fits easily; anything longer is no scan.
MAX_CODE_LENGTH = 1000


def wants_json(request: HttpRequest) -> bool:
    # Not request.accepts(): htmx and browsers send "*/*", which must keep getting HTML.
    preferred = request.get_preferred_type(["text/html", "application/json"])
    return preferred == "application/json"


@never_cache
@require_safe
@require_permission(SCAN_PERMISSION)
def resolve(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("code", "")
    if not code.strip():
        return answer(request, CodeResult(kind=UNKNOWN, error=EMPTY_ERROR), status=400)
    if len(code) > MAX_CODE_LENGTH:
        error = f"Code trop long (plus de {MAX_CODE_LENGTH} caractères)."
        return answer(request, CodeResult(kind=UNKNOWN, error=error), status=400)
    return answer(request, resolve_code(code))


def answer(request: HttpRequest, result: CodeResult, status: int = 200) -> HttpResponse:
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse(result.to_json(), status=status)
    else:
        response = render(request, FRAGMENT_TEMPLATE, {"result": result}, status=status)
    # One URL, two representations: caches must key on Accept.
    patch_vary_headers(response, ["Accept"])
    return response
