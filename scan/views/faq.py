"""Help / FAQ (S-SCAN): the flows, lot statuses, FEFO, scanner tips and offline use."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from scan.views.listing import render_page
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION


@require_safe
@require_permission(SCAN_PERMISSION)
@vary_on_headers("HX-Request")
def faq(request: HttpRequest) -> HttpResponse:
    return render_page(request, "scan/faq.html", "help", {})
