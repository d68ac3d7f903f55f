"""The association's account page (S-ORDERS): its contact data (master data kept by the ASF
team, shown read-only), the extra addresses notified about its orders, and its documents."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from wms.models import AssociationDocument, AssociationProfile
from wms.portal.decorators import association_required
from wms.portal.documents import file_response
from wms.portal.forms import AssociationDocumentForm, NotificationEmailsForm
from wms.portal.order_form import see_other
from wms.services import accounts
from wms.services.errors import StockError
from wms.services.stock import Actor


def _page(
    request: HttpRequest,
    profile: AssociationProfile,
    *,
    emails_form: NotificationEmailsForm | None = None,
    document_form: AssociationDocumentForm | None = None,
) -> HttpResponse:
    contact = profile.contact
    context = {
        "profile": profile,
        "contact": contact,
        "addresses": list(contact.addresses.order_by("pk")),
        "emails_form": emails_form
        or NotificationEmailsForm(initial={"notification_emails": profile.notification_emails}),
        "document_form": document_form or AssociationDocumentForm(),
        "documents": list(
            AssociationDocument.objects.filter(association=contact).order_by("uploaded_at", "pk")
        ),
    }
    return render(request, "portal/account.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@association_required
def account(request: HttpRequest, profile: AssociationProfile) -> HttpResponse:
    """The page; a POST saves the notification emails."""
    if request.method != "POST":
        return _page(request, profile)
    form = NotificationEmailsForm(request.POST)
    if form.is_valid():
        profile.notification_emails = form.cleaned_data["notification_emails"]
        profile.save(update_fields=["notification_emails"])
        messages.success(request, _("Notification emails saved."))
        return see_other(reverse("portal:account"))
    return _page(request, profile, emails_form=form)


@require_POST
@association_required
def association_document_upload(request: HttpRequest, profile: AssociationProfile) -> HttpResponse:
    form = AssociationDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = accounts.add_association_document(
                association=profile.contact,
                upload=accounts.Upload(form.cleaned_data["kind"], form.cleaned_data["file"]),
                actor=Actor(user=request.user),
            )
        except StockError as refusal:
            form.add_error("file", refusal.message)
        else:
            messages.success(
                request, _("Document “%(name)s” added.") % {"name": document.original_name}
            )
            return see_other(reverse("portal:account"))
    return _page(request, profile, document_form=form)


@require_safe
@association_required
def association_document(
    request: HttpRequest, profile: AssociationProfile, doc_pk: int
) -> HttpResponse:
    document = get_object_or_404(AssociationDocument, pk=doc_pk, association=profile.contact)
    return file_response(document)
