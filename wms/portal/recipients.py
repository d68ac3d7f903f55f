"""The association's address book (S-ORDERS): its saved recipients, which an order may be
delivered to. Entries are deactivated rather than deleted: past orders still name them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from wms.models import AssociationProfile, AssociationRecipient
from wms.portal.decorators import association_required
from wms.portal.forms import RecipientForm
from wms.portal.order_form import see_other


def recipient_or_404(profile: AssociationProfile, pk: int) -> AssociationRecipient:
    return get_object_or_404(AssociationRecipient, pk=pk, association=profile.contact)


def _list_page(
    request: HttpRequest, profile: AssociationProfile, form: RecipientForm
) -> HttpResponse:
    entries = list(
        AssociationRecipient.objects.filter(association=profile.contact).order_by(
            "-is_active", "name", "pk"
        )
    )
    context = {"profile": profile, "entries": entries, "form": form}
    return render(request, "portal/recipients.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@association_required
def recipients(request: HttpRequest, profile: AssociationProfile) -> HttpResponse:
    """The list, and the form that adds an entry to it."""
    if request.method != "POST":
        return _list_page(request, profile, RecipientForm())
    form = RecipientForm(request.POST, instance=AssociationRecipient(association=profile.contact))
    if form.is_valid():
        entry = form.save()
        messages.success(request, _("Recipient “%(name)s” added.") % {"name": entry.name})
        return see_other(reverse("portal:recipients"))
    return _list_page(request, profile, form)


@require_http_methods(["GET", "HEAD", "POST"])
@association_required
def recipient_edit(request: HttpRequest, profile: AssociationProfile, pk: int) -> HttpResponse:
    entry = recipient_or_404(profile, pk)
    form = RecipientForm(request.POST if request.method == "POST" else None, instance=entry)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Recipient “%(name)s” saved.") % {"name": entry.name})
        return see_other(reverse("portal:recipients"))
    return render(
        request, "portal/recipient_form.html", {"profile": profile, "entry": entry, "form": form}
    )


def _set_active(
    request: HttpRequest, profile: AssociationProfile, pk: int, active: bool
) -> HttpResponse:
    entry = recipient_or_404(profile, pk)
    if entry.is_active != active:
        entry.is_active = active
        entry.save(update_fields=["is_active"])
    if active:
        messages.success(request, _("Recipient “%(name)s” reactivated.") % {"name": entry.name})
    else:
        messages.success(request, _("Recipient “%(name)s” deactivated.") % {"name": entry.name})
    return see_other(reverse("portal:recipients"))


@require_POST
@association_required
def recipient_deactivate(
    request: HttpRequest, profile: AssociationProfile, pk: int
) -> HttpResponse:
    return _set_active(request, profile, pk, False)


@require_POST
@association_required
def recipient_reactivate(
    request: HttpRequest, profile: AssociationProfile, pk: int
) -> HttpResponse:
    return _set_active(request, profile, pk, True)
