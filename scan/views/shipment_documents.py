"""Additional documents of a shipment (S-SHIPMENTS): upload from the detail page, download by
staff only, through this view (never a public media URL)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.core.exceptions import SuspiciousFileOperation
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from scan.forms.shipments import DocumentUploadForm
from scan.views.capture import see_other
from scan.views.shipments import detail_page, detail_url, shipment_or_404
from wms.models import ShipmentDocument
from wms.permissions import require_permission
from wms.roles import SCAN_PERMISSION
from wms.services import documents
from wms.services.errors import StockError
from wms.services.stock import Actor


@require_http_methods(["POST"])
@require_permission(SCAN_PERMISSION)
def shipment_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = shipment_or_404(pk)
    form = DocumentUploadForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = documents.save_shipment_document(
                shipment=shipment,
                upload=form.cleaned_data.get("file"),
                kind=form.cleaned_data["kind"],
                actor=Actor(user=request.user),
            )
        except StockError as refusal:
            form.add_error("file", refusal.message)
        else:
            messages.success(
                request, _("Document “%(name)s” added.") % {"name": document.original_name}
            )
            return see_other(detail_url(shipment.pk))
    # Refused: the detail page again, the reason beside the upload field (nothing stored).
    return detail_page(request, shipment, document_form=form, status=200)


@require_safe
@require_permission(SCAN_PERMISSION)
def shipment_document(request: HttpRequest, pk: int, doc_pk: int) -> HttpResponse:
    # The document must belong to the shipment of the URL: ids are not guessed across shipments.
    document = get_object_or_404(ShipmentDocument, pk=doc_pk, shipment_id=pk)
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, SuspiciousFileOperation):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or document.file.name.rsplit("/", 1)[-1],
        content_type=documents.content_type_of(document),
    )
    # Not public: browsers may not keep it in a shared cache, the service worker not at all.
    response["Cache-Control"] = "private, no-store"
    # A streamed answer: FileResponse is not an HttpResponse for the type checker.
    return cast(HttpResponse, response)
