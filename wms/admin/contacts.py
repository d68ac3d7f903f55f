"""Contacts admin (S-CONTACTS): roles as ticks, addresses inline with one default, organisation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpRequest

from wms.admin.imports import ImportAdminMixin
from wms.models import Contact, ContactAddress
from wms.services.contacts import set_default_address


class ContactAddressForm(forms.ModelForm):
    # default_marker is maintained by the service (one default per contact, copied to members).
    make_default = forms.BooleanField(label="par défaut", required=False)

    class Meta:
        model = ContactAddress
        fields = ["label", "line1", "line2", "postal_code", "city", "country"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["make_default"].initial = self.instance.is_default


class ContactAddressFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        defaults = [
            form
            for form in self.forms
            if form.cleaned_data.get("make_default")
            and not form.cleaned_data.get(DELETION_FIELD_NAME)
        ]
        if len(defaults) > 1:
            raise forms.ValidationError("Une seule adresse peut être l'adresse par défaut.")


class ContactAddressInline(admin.StackedInline):
    model = ContactAddress
    form = ContactAddressForm
    formset = ContactAddressFormSet
    extra = 0
    fields = (
        "make_default",
        "label",
        "line1",
        "line2",
        ("postal_code", "city"),
        "country",
        "copied_from",
    )
    readonly_fields = ("copied_from",)


ROLE_FILTERS = ("is_donor", "is_carrier", "is_shipper", "is_recipient", "is_correspondent")


@admin.register(Contact)
class ContactAdmin(ImportAdminMixin, admin.ModelAdmin):
    import_table = "contacts"
    list_display = (
        "name",
        "kind",
        "asf_id",
        "organisation",
        *ROLE_FILTERS,
        "is_active",
        "needs_review",
    )
    list_filter = (*ROLE_FILTERS, "needs_review", "is_active", "kind")
    list_select_related = ("organisation",)
    search_fields = ("name", "asf_id", "first_name", "last_name", "email", "siret")
    readonly_fields = ("asf_id", "created_at")
    autocomplete_fields = ("organisation",)
    inlines = [ContactAddressInline]
    actions = ["mark_reviewed"]
    fieldsets = (
        (None, {"fields": ("kind", "name", "asf_id", ("title", "first_name", "last_name"))}),
        ("Rôles", {"fields": (ROLE_FILTERS,)}),
        ("Organisation", {"fields": ("organisation", "use_organisation_address", "job")}),
        (
            "Coordonnées",
            {"fields": (("email", "other_emails"), ("phone", "other_phones"))},
        ),
        ("Identifiants", {"fields": ("siret", "vat_number", "legal_registration")}),
        ("Suivi", {"fields": ("is_active", "needs_review", "notes", "created_at")}),
    )

    @admin.action(description="Marquer comme vérifié", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Contact]) -> None:
        count = queryset.filter(needs_review=True).update(needs_review=False)
        messages.success(request, f"{count} contact(s) marqué(s) comme vérifié(s).")

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        super().save_formset(request, form, formset, change)
        if not isinstance(formset, ContactAddressFormSet):
            return
        for address_form in formset.forms:
            address = address_form.instance
            if address.pk is None or address_form in formset.deleted_forms:
                continue
            wanted = bool(address_form.cleaned_data.get("make_default"))
            if wanted and not address.is_default:
                set_default_address(address)
            elif not wanted and address.is_default:
                ContactAddress.objects.filter(pk=address.pk).update(default_marker=None)
