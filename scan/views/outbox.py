"""`/scan/outbox/` (S-OFFLINE): the operations this phone still has to send.

The page itself holds no operation: the list lives in the browser (IndexedDB) and
static/scan/offline.js draws it, so the same page serves as the offline shell. Asked for JSON, it
says whose session this is, which the saved shell needs before it sends anything (operations are
only ever sent under the session of the user who captured them).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION

TEMPLATE = "scan/outbox.html"


def wants_json(request: HttpRequest) -> bool:
    # Browsers send "*/*" too: only a client that prefers JSON gets it.
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


@never_cache
@require_safe
@require_permission(SCAN_PERMISSION)
def outbox(request: HttpRequest) -> HttpResponse:
    response: HttpResponse
    if wants_json(request):
        response = JsonResponse({"user": request.user.get_username()})
    else:
        response = render(request, TEMPLATE)
    patch_vary_headers(response, ["Accept"])
    return response
