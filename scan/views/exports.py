"""CSV downloads of the exportable tables (S-IMPORT), for managers."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_safe

from wms.exports.tables import UnknownTable, export_table
from wms.permissions import require_permission
from wms.roles import MANAGER_PERMISSION


def csv_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@require_permission(MANAGER_PERMISSION)
def export_csv(request: HttpRequest, table: str) -> HttpResponse:
    try:
        data = export_table(table)
    except UnknownTable as exc:
        raise Http404(exc.message) from exc
    stamp = timezone.localdate().strftime("%Y%m%d")
    return csv_response(data, f"{table}-{stamp}.csv")
