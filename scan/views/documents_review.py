"""Document review (S-ORDERS documents): the order and association documents waiting for a
manager, the latest decisions, one decision per document (a capture, applied once), and the
downloads — attachments served by a view that checks the manager permission, never a media URL.

A decision is posted from this page, an order's page or an account request's page; the answer
goes back there (`next`, a path of this site only) with the outcome as a flash message.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _

from scan.forms.capture import CaptureForm
from scan.forms.orders import DocumentReviewForm
from scan.views.capture import capture, form_messages, see_other
from scan.views.listing import render_page
from scan.views.manager_common import (
    download,
    manager_action,
    manager_page,
    safe_next,
    with_op_ids,
)
from wms.models import AssociationDocument, DocumentStatus, OrderDocument
from wms.services import document_review
from wms.services.stock import Actor

PENDING_LIMIT = 50
RECENT_LIMIT = 20


def order_documents() -> QuerySet[OrderDocument]:
    return OrderDocument.objects.select_related(
        "order__association_contact", "uploaded_by", "reviewed_by"
    )


def association_documents() -> QuerySet[AssociationDocument]:
    return AssociationDocument.objects.select_related(
        "association", "account_request", "uploaded_by", "reviewed_by"
    )


def association_name(document: OrderDocument) -> str:
    """The order's association, or the name typed on a public link (still to be confirmed)."""
    order = document.order
    if order.association_contact is not None:
        return order.association_contact.name
    return str((order.submitted_identity or {}).get("name", ""))


def decided(queryset: QuerySet[Any]) -> list[Any]:
    return with_op_ids(
        queryset.exclude(status=DocumentStatus.PENDING).order_by("-reviewed_at", "-id")[
            :RECENT_LIMIT
        ]
    )


@manager_page
def documents_review(request: HttpRequest) -> HttpResponse:
    pending_orders = order_documents().filter(status=DocumentStatus.PENDING)
    pending_associations = association_documents().filter(status=DocumentStatus.PENDING)
    context: dict[str, Any] = {
        "pending_order_documents": with_op_ids(
            pending_orders.order_by("uploaded_at", "id")[:PENDING_LIMIT]
        ),
        "pending_order_total": pending_orders.count(),
        "pending_association_documents": with_op_ids(
            pending_associations.order_by("uploaded_at", "id")[:PENDING_LIMIT]
        ),
        "pending_association_total": pending_associations.count(),
        "recent_order_documents": decided(order_documents()),
        "recent_association_documents": decided(association_documents()),
        "limit": PENDING_LIMIT,
        "here": reverse("scan:documents_review"),
    }
    for document in [*context["pending_order_documents"], *context["recent_order_documents"]]:
        document.association_name = association_name(document)
    return render_page(request, "scan/documents/review.html", "results", context)


def apply_review(
    document: OrderDocument | AssociationDocument, cleaned: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    approve = cleaned["decision"] == "approve"
    document = document_review.review(
        document=document, approve=approve, comment=cleaned.get("comment") or "", actor=actor
    )
    message = (
        _("Document “%(name)s” approved.") if approve else _("Document “%(name)s” rejected.")
    ) % {"name": document.original_name}
    return {"message": message, "document_id": document.pk}


def review_answer(
    request: HttpRequest, document: OrderDocument | AssociationDocument, key: str
) -> HttpResponse:
    form = DocumentReviewForm(request.POST, document_key=key)
    back = safe_next(request, request.POST.get("next"), reverse("scan:documents_review"))

    def refused(bound: CaptureForm | None, **kw: Any) -> HttpResponse:
        # The page it came from again, with the reason: nothing was changed.
        for message in form_messages(bound) if bound is not None else []:
            messages.error(request, message)
        if kw.get("success"):
            messages.success(request, kw["success"])
        return see_other(back)

    return capture(
        request,
        kind="document_review",
        form=form,
        apply=lambda cleaned, actor: apply_review(document, cleaned, actor),
        page=refused,
        success_url=lambda response: back,
    )


@manager_action
def order_document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(OrderDocument, pk=pk)
    return review_answer(request, document, f"order:{document.pk}")


@manager_action
def association_document_review(request: HttpRequest, pk: int) -> HttpResponse:
    document = get_object_or_404(AssociationDocument, pk=pk)
    return review_answer(request, document, f"association:{document.pk}")


@manager_page
def association_document_file(request: HttpRequest, pk: int) -> HttpResponse:
    return download(get_object_or_404(AssociationDocument, pk=pk))
