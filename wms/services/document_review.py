"""A manager's decision on an uploaded document (S-ORDERS documents): order documents and
association documents are approved or rejected one by one, with an optional comment.

A decision may be changed later (a manager corrects a mistake): the latest one stands, with its
author and time. Only approved attestations are copied to an order's shipment
(wms.services.orders.create_shipment), so the decision matters beyond this screen.
"""

from __future__ import annotations

import logging
import os

from django.db import transaction
from django.utils import timezone

from wms.models import AssociationDocument, OrderDocument
from wms.models.orders import DocumentStatus, ReviewedDocument
from wms.services.documents import CONTENT_TYPES
from wms.services.errors import StockError
from wms.services.stock import Actor

log = logging.getLogger("wms.documents")

MAX_COMMENT = 400  # ReviewedDocument.review_comment


def review(
    *,
    document: OrderDocument | AssociationDocument,
    approve: bool,
    comment: str = "",
    actor: Actor,
) -> OrderDocument | AssociationDocument:
    """Approve or reject `document`; returns it as saved. Raises StockError for a non-manager or
    a document that no longer exists."""
    if not actor.may_manage():
        raise StockError("Seul un responsable peut examiner un document.", code="forbidden")
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        raise StockError(f"Commentaire : {MAX_COMMENT} caractères au plus.")
    model = type(document)
    with transaction.atomic():
        locked = model.objects.select_for_update().filter(pk=document.pk).first()
        if locked is None:
            raise StockError("Ce document n'existe plus.")
        locked.status = DocumentStatus.APPROVED if approve else DocumentStatus.REJECTED
        locked.review_comment = text
        locked.reviewed_by = actor.user if getattr(actor.user, "pk", None) else None
        locked.reviewed_at = timezone.now()
        locked.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    log.info(
        "document reviewed",
        extra={
            "event": "document_reviewed",
            "model": model.__name__,
            "document": locked.pk,
            "status": locked.status,
            "user": getattr(actor.user, "username", None),
        },
    )
    return locked


def content_type(document: ReviewedDocument) -> str:
    """The type a download declares, from the stored name (uploads are checked by content and
    stored under their checked extension)."""
    extension = os.path.splitext(document.file.name)[1].lstrip(".").lower()
    return CONTENT_TYPES.get(extension, "application/octet-stream")
