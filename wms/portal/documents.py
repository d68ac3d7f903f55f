"""Order documents an association sends from the portal, and serving a stored document to its
owner. Uploads are checked by wms.services.documents (extension, first bytes, size) and stored
under a random name; files are only ever served through the portal's views."""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse
from django.utils.translation import gettext

from wms.models import Order, OrderDocument, OrderDocumentKind, OrderStatus
from wms.services.documents import check_upload, content_type_of, original_name_of
from wms.services.errors import StockError


def add_order_document(
    *, order: Order, kind: str, upload: UploadedFile | None, user: Any
) -> OrderDocument:
    if kind not in OrderDocumentKind.values:
        raise StockError(gettext("Unknown document type."))
    if upload is None:
        raise StockError(gettext("Choose a file."))
    if order.status == OrderStatus.CANCELLED:
        raise StockError(gettext("This order is cancelled: no document can be added."))
    file_type = check_upload(upload)
    document = OrderDocument(
        order=order,
        kind=kind,
        original_name=original_name_of(upload),
        uploaded_by=user if getattr(user, "pk", None) else None,
    )
    document.file.save(f"{uuid.uuid4().hex}.{file_type.extension}", upload, save=False)
    try:
        with transaction.atomic():
            document.save()
    except Exception:
        document.file.delete(save=False)  # no orphan file when the row could not be written
        raise
    return document


def file_response(document: Any) -> HttpResponse:
    """The stored file as an attachment, never cached by a shared cache."""
    try:
        handle = document.file.open("rb")
    except (FileNotFoundError, SuspiciousFileOperation, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name or document.file.name.rsplit("/", 1)[-1],
        content_type=content_type_of(document),
    )
    response["Cache-Control"] = "private, no-store"
    # A streamed answer: FileResponse is not an HttpResponse for the type checker.
    return cast(HttpResponse, response)
