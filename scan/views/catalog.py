"""GET /scan/catalog.json: the offline catalogue, revalidated with its ETag."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.views.decorators.http import require_safe

from scan.catalog import catalog_body, stamp
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION


@require_safe
@require_permission(SCAN_PERMISSION)
def catalog_json(request: HttpRequest) -> HttpResponse:
    body, etag = catalog_body()
    if etag in {tag.strip() for tag in request.headers.get("If-None-Match", "").split(",")}:
        response: HttpResponse = HttpResponseNotModified()
    else:
        response = HttpResponse(body, content_type="application/json; charset=utf-8")
        # The screens show when their data was fetched.
        response["X-Catalog-Generated-At"] = stamp()
    response["ETag"] = etag
    # The browser keeps it but asks again each time; the ETag makes that cheap.
    response["Cache-Control"] = "private, no-cache"
    return response
