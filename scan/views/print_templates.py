"""The print template editor (S-PRINT): a manager reorders, hides and rewords the blocks of each
document, previews the unsaved result on a real record, saves it as a new version, restores an
earlier version or resets to the defaults. The rules live in wms/services/print_templates.py.

Saves, restores and resets go through run_once with the form's operation id: a double submit
adds one version. A preview saves nothing and needs no operation id.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from scan.forms.print_templates import TemplateForm, VersionForm
from scan.operations import OperationConflict, principal_of, run_once
from scan.views.capture import see_other
from scan.views.manager_common import manager_form, manager_page
from wms.models import Carton, PrintTemplate, Shipment
from wms.printing import documents
from wms.printing.documents import LAYOUTS, PLACEHOLDERS, SHIPMENT_DOCUMENTS, TITLES, Template
from wms.services import print_templates
from wms.services.errors import StockError
from wms.services.stock import Actor

EDITOR = "scan/print_templates/editor.html"


def editor_url(document: str) -> str:
    return reverse("scan:template_edit", args=[document])


@manager_page
def template_list(request: HttpRequest) -> HttpResponse:
    latest = dict(
        PrintTemplate.objects.values("document")
        .annotate(latest=Max("version"))
        .values_list("document", "latest")
    )
    rows = [
        {"document": name, "title": TITLES[name], "version": latest.get(name)} for name in LAYOUTS
    ]
    return render(request, "scan/print_templates/list.html", {"rows": rows})


@manager_form
def template_edit(request: HttpRequest, document: str) -> HttpResponse:
    if document not in LAYOUTS:
        raise Http404
    if request.method != "POST":
        template = print_templates.effective(document)
        form = TemplateForm(document, initial=TemplateForm.initial_for(document, template))
        return page(request, document, form)
    if request.POST.get("action") in ("restore", "reset"):
        return version_action(request, document)
    form = TemplateForm(document, request.POST)
    if not form.is_valid():
        for error in form.hidden_errors():
            form.add_error(None, error)
        return page(request, document, form)
    template = form.template()
    try:
        checked = print_templates.check(document, template.layout, template.texts)
    except StockError as refusal:
        form.add_error(None, refusal.message)
        return page(request, document, form)
    if form.cleaned_data["action"] == "preview":
        return page(request, document, form, preview=render_preview(request, document, checked))
    return apply_once(
        request,
        document,
        form,
        kind="print_template.save",
        fields={"document": document, "layout": checked.layout, "texts": checked.texts},
        apply=lambda actor: print_templates.save(document, checked.layout, checked.texts, actor),
    )


def version_action(request: HttpRequest, document: str) -> HttpResponse:
    versions = VersionForm(request.POST)
    template = print_templates.effective(document)
    form = TemplateForm(document, initial=TemplateForm.initial_for(document, template))
    if not versions.is_valid():
        errors = [str(error) for field in versions.errors.values() for error in field]
        return page(request, document, form, errors=errors)
    data = versions.cleaned_data
    if data["action"] == "reset":
        return apply_once(
            request,
            document,
            form,
            kind="print_template.reset",
            fields={"document": document},
            apply=lambda actor: print_templates.reset(document, actor),
            op_id=data["op_id"],
        )
    version = data["version"]
    return apply_once(
        request,
        document,
        form,
        kind="print_template.restore",
        fields={"document": document, "version": version},
        apply=lambda actor: print_templates.restore(document, version, actor),
        op_id=data["op_id"],
    )


def apply_once(
    request: HttpRequest,
    document: str,
    form: TemplateForm,
    *,
    kind: str,
    fields: dict[str, Any],
    apply: Callable[[Actor], PrintTemplate],
    op_id: uuid.UUID | None = None,
) -> HttpResponse:
    op_id = op_id or form.cleaned_data["op_id"]
    actor = Actor(user=request.user, operation_id=op_id)

    def run() -> dict[str, Any]:
        row = apply(actor)
        message = _("Version %(version)d saved.") % {"version": row.version}
        return {"message": message, "version": row.version}

    try:
        outcome = run_once(
            principal=principal_of(request.user), op_id=op_id, kind=kind, fields=fields, apply=run
        )
    except OperationConflict as conflict:
        return page(request, document, form, errors=[conflict.message], status=409)
    if not outcome.applied:
        return page(request, document, form, errors=[outcome.message])
    messages.success(request, outcome.message)
    return see_other(editor_url(document))


def sample(document: str) -> Shipment | Carton | None:
    """The record the preview prints: the most recent shipment, or carton for carton
    documents."""
    if document in SHIPMENT_DOCUMENTS:
        return Shipment.objects.select_related("destination").order_by("-created_at", "-pk").first()
    return Carton.objects.order_by("-pk").first()


def render_preview(request: HttpRequest, document: str, template: Template) -> dict[str, Any]:
    record = sample(document)
    if record is None:
        return {"empty": True}
    with print_templates.preview(document, template):
        if isinstance(record, Shipment):
            context = documents.shipment_document(record, document)
        elif document == documents.PICKING_LIST:
            context = documents.carton_picking_list(record)
        else:
            context = documents.carton_packing_list(record)
    # The same block templates as the printed page: what the preview shows is what prints.
    html = render_to_string("scan/print_templates/_preview.html", context, request=request)
    return {"empty": False, "html": html, "record": record}


def page(
    request: HttpRequest,
    document: str,
    form: TemplateForm,
    *,
    preview: dict[str, Any] | None = None,
    errors: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    """The editor; `errors` are refusals of the whole form (a restore, a reset, a save)."""
    versions = list(
        PrintTemplate.objects.filter(document=document)
        .select_related("created_by")
        .order_by("-version")
    )
    for version in versions:
        version.op_id = uuid.uuid4()  # type: ignore[attr-defined]
    context = {
        "document": document,
        "title": TITLES[document],
        "form": form,
        "rows": form.rows(),
        "placeholders": [f"{{{name}}}" for name in PLACEHOLDERS],
        "versions": versions,
        "current": versions[0] if versions else None,
        "preview": preview,
        "errors": errors or [],
        "is_shipment_document": document in SHIPMENT_DOCUMENTS,
        "op_id": uuid.uuid4(),
        "reset_op_id": uuid.uuid4(),
    }
    return render(request, EDITOR, context, status=status)
