"""The managers' import screen (S-IMPORT): per table its templates (CSV, XLSX) and its export,
an upload form, then the dry run report of the uploaded file and its confirmation.

The steps themselves live in scan/views/import_steps.py, shared with the admin's import pages.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from scan.forms.imports import UploadForm
from scan.views import import_steps
from scan.views.manager_common import manager_form, manager_page
from wms.exports.tables import TABLES as EXPORT_TABLES
from wms.imports.tables import IMPORT_TABLES, UnknownImportTable, get_import_table
from wms.models import ImportUpload

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def index_url(table: str = "") -> str:
    url = reverse("scan:imports")
    return f"{url}?{urlencode({'table': table})}" if table in IMPORT_TABLES else url


def review_url(upload: ImportUpload) -> str:
    return reverse("scan:import_review", args=[upload.token])


def render_index(request: HttpRequest, form: UploadForm) -> HttpResponse:
    cards = [
        {
            "name": name,
            "label": table.label,
            "updates": table.updates,
            "exports": name in EXPORT_TABLES,
            "import_url": f"{index_url(name)}#import-form",
        }
        for name, table in IMPORT_TABLES.items()
    ]
    chosen = IMPORT_TABLES.get(str(form["table"].value() or ""))
    context = {
        "cards": cards,
        "form": form,
        # Shown without script for the table chosen; scan/imports.js follows later choices.
        "update_hidden": chosen is not None and not chosen.updates,
        "upload_max_mb": settings.UPLOAD_MAX_MB,
    }
    return render(request, "scan/imports/index.html", context)


def render_review(request: HttpRequest, review: import_steps.Review) -> HttpResponse:
    return render(request, "scan/imports/review.html", {"review": review})


SCREENS = import_steps.Screens(
    upload_url=index_url,
    review_url=review_url,
    done_url=lambda _table: index_url(),
    render_upload=render_index,
    render_review=render_review,
)


@manager_form
def imports(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        return import_steps.upload_step(request, UploadForm(request.POST, request.FILES), SCREENS)
    chosen = request.GET.get("table", "")
    form = UploadForm(initial={"table": chosen} if chosen in IMPORT_TABLES else None)
    return render_index(request, form)


@manager_form
def import_review(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    return import_steps.review_step(request, token, SCREENS)


@manager_page
def import_template(request: HttpRequest, table: str, extension: str) -> HttpResponse:
    try:
        chosen = get_import_table(table)
    except UnknownImportTable as exc:
        raise Http404(exc.message) from exc
    if extension not in CONTENT_TYPES:
        raise Http404
    data = chosen.template_csv() if extension == "csv" else chosen.template_xlsx()
    response = HttpResponse(data, content_type=CONTENT_TYPES[extension])
    response["Content-Disposition"] = f'attachment; filename="modele-{table}.{extension}"'
    return response
