"""The account request form (S-ORDERS): at /portal/request-account/ for anyone, and at
/scan/public-order/<token>/account/ for the holders of a public link (the request then records
the link it came through).

The request and its documents are saved by wms.services.accounts (uploads checked by type, first
bytes and size; stored under a random name), throttled per email and per client address.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from wms.client_ip import client_ip
from wms.models import PublicOrderLink
from wms.public.forms import AccountRequestForm, UploadRefused, collect_uploads, document_slots
from wms.public.public_order import (
    METHODS,
    REFUSAL_STATUS,
    expired_page,
    link_or_404,
    see_other,
    with_retry_after,
)
from wms.public.token_pages import token_page
from wms.services import accounts
from wms.services.errors import StockError

FORM_TEMPLATE = "public/account_request.html"
SENT_TEMPLATE = "public/account_request_sent.html"
SENT_FLAG = "sent"


def request_page(
    request: HttpRequest,
    form: AccountRequestForm,
    link: PublicOrderLink | None,
    *,
    status: int = 200,
) -> HttpResponse:
    context = {
        "form": form,
        "link": link,
        "slots": document_slots(),
        "upload_max_mb": settings.UPLOAD_MAX_MB,
    }
    return render(request, FORM_TEMPLATE, context, status=status)


@token_page
@require_http_methods(METHODS)
def account_request(request: HttpRequest, token: str | None = None) -> HttpResponse:
    link = None
    if token is not None:
        link = link_or_404(token)
        if not link.is_usable():
            return expired_page(request)
    if request.method != "POST":
        if request.GET.get(SENT_FLAG):
            # Says only that *a* request was sent: nothing about anyone's request.
            return render(request, SENT_TEMPLATE, {"link": link})
        return request_page(request, AccountRequestForm(), link)
    form = AccountRequestForm(request.POST)
    if not form.is_valid():
        return request_page(request, form, link)
    try:
        uploads = collect_uploads(request.FILES)
    except UploadRefused as refusal:
        form.add_error(None, refusal.message)
        return request_page(request, form, link)
    data = form.cleaned_data
    try:
        accounts.submit_account_request(
            data=accounts.AccountRequestInput(
                association_name=data["association_name"],
                email=data["email"],
                phone=data["phone"],
                line1=data["line1"],
                line2=data["line2"],
                postal_code=data["postal_code"],
                city=data["city"],
                country=data["country"],
                notes=data["notes"],
                documents=uploads,
            ),
            client_ip=client_ip(request),
            public_link=link,
        )
    except StockError as refusal:
        if refusal.code == "expired":
            return expired_page(request)
        form.add_error(None, refusal.message)
        page = request_page(request, form, link, status=REFUSAL_STATUS.get(refusal.code, 200))
        return with_retry_after(page, refusal)
    return see_other(f"{request.path}?{SENT_FLAG}=1")
