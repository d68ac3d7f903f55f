"""Account requests (S-ORDERS): the list (pending first) and one request, with its documents,
the contacts it may be (same email or name, or searched), and the decision: approve — with an
existing contact or a new one — or reject. Decisions are captures (applied once)."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Case, Value, When, prefetch_related_objects
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from scan.forms.capture import CaptureForm
from scan.forms.orders import AccountApproveForm, AccountRejectForm, AccountRequestFilterForm
from scan.views.capture import capture
from scan.views.listing import paginate, render_page
from scan.views.manager_common import (
    counted,
    manager_action,
    manager_page,
    with_op_ids,
    with_search,
)
from wms.models import (
    AccountRequestStatus,
    AssociationDocument,
    PublicAccountRequest,
)
from wms.services import accounts
from wms.services.stock import Actor

SUGGESTION_LIMIT = 10


def request_or_404(pk: int) -> PublicAccountRequest:
    return get_object_or_404(
        PublicAccountRequest.objects.select_related("public_link", "contact", "user", "decided_by"),
        pk=pk,
    )


def request_url(pk: Any) -> str:
    return reverse("scan:account_request", args=[pk])


@manager_page
def account_requests(request: HttpRequest) -> HttpResponse:
    form = AccountRequestFilterForm(request.GET)
    queryset = PublicAccountRequest.objects.all()
    if status := form.value_of("status"):
        queryset = queryset.filter(status=status)
    queryset = queryset.annotate(
        document_count=counted(AssociationDocument.objects.all(), "account_request_id", "pk"),
        waiting=Case(When(status=AccountRequestStatus.PENDING, then=Value(0)), default=Value(1)),
    ).order_by("waiting", "-created_at", "-id")
    context = {"form": form, "page": paginate(request, queryset)}
    return render_page(request, "scan/accounts/list.html", "results", context)


def detail_page(
    request: HttpRequest,
    account_request: PublicAccountRequest,
    bound: dict[str, CaptureForm | None] | None = None,
    *,
    status: int = 200,
    success: str = "",
) -> HttpResponse:
    bound = bound or {}
    pending = account_request.status == AccountRequestStatus.PENDING
    query = request.GET.get("q", "").strip()[:100]
    context: dict[str, Any] = {
        "account_request": account_request,
        "pending": pending,
        "documents": with_op_ids(
            account_request.documents.select_related("uploaded_by", "reviewed_by")
        ),
        "detail_url": request_url(account_request.pk),
        "q": query,
        "success_message": success,
        "fetched_at": timezone.localtime(),
    }
    if pending:
        suggestions = accounts.matching_contacts(
            account_request.association_name, account_request.email
        )[:SUGGESTION_LIMIT]
        choices = with_search(suggestions, query)
        prefetch_related_objects(choices, "addresses")
        approve = bound.get("approve") or AccountApproveForm(account_request=account_request)
        context.update(
            choices=choices,
            approve_form=approve,
            chosen_contact=str(approve["contact"].value() or ""),
            reject_form=bound.get("reject") or AccountRejectForm(account_request=account_request),
            approve_op_id=uuid.uuid4(),
            reject_op_id=uuid.uuid4(),
        )
    context["action_form"] = next((form for form in bound.values() if form is not None), None)
    return render(request, "scan/accounts/detail.html", context, status=status)


@manager_page
def account_request(request: HttpRequest, pk: int) -> HttpResponse:
    return detail_page(request, request_or_404(pk))


def apply_approve(
    account_request: PublicAccountRequest, cleaned: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    user = accounts.approve_account_request(
        request=account_request, actor=actor, contact=cleaned.get("contact")
    )
    message = _("Account created for %(email)s; the set-password link is on its way.") % {
        "email": user.email
    }
    return {"message": message, "user_id": user.pk}


@manager_action
def account_request_approve(request: HttpRequest, pk: int) -> HttpResponse:
    account_request = request_or_404(pk)
    return capture(
        request,
        kind="account_request_approve",
        form=AccountApproveForm(request.POST, account_request=account_request),
        apply=lambda cleaned, actor: apply_approve(account_request, cleaned, actor),
        page=lambda bound, **kw: detail_page(request, request_or_404(pk), {"approve": bound}, **kw),
        success_url=lambda response: request_url(pk),
    )


def apply_reject(
    account_request: PublicAccountRequest, cleaned: dict[str, Any], actor: Actor
) -> dict[str, Any]:
    account_request = accounts.reject_account_request(
        request=account_request, actor=actor, comment=cleaned.get("comment") or ""
    )
    message = _("Request from %(name)s rejected; the requester is told.") % {
        "name": account_request.association_name
    }
    return {"message": message, "account_request_id": account_request.pk}


@manager_action
def account_request_reject(request: HttpRequest, pk: int) -> HttpResponse:
    account_request = request_or_404(pk)
    return capture(
        request,
        kind="account_request_reject",
        form=AccountRejectForm(request.POST, account_request=account_request),
        apply=lambda cleaned, actor: apply_reject(account_request, cleaned, actor),
        page=lambda bound, **kw: detail_page(request, request_or_404(pk), {"reject": bound}, **kw),
        success_url=lambda response: request_url(pk),
    )
