"""Orders, association accounts, public links and documents in the admin (S-ORDERS, S-ROLES).

The workflow (approve, reject, changes, prepare, cancel, account requests) runs on the scan
screens through wms.services.orders / accounts: here statuses, lines and reservations are
read-only and each order or request links to its scan screen. Managers edit the public links,
the association profiles and address books, and review documents (their status). Files are
never linked from a public media URL: downloads go through the scan views, which check the caller.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from wms.admin.dates import SafeDateHierarchyMixin
from wms.admin.shipping import ReadOnlyInline, scan_link
from wms.models import (
    AssociationDocument,
    AssociationProfile,
    AssociationRecipient,
    Order,
    OrderDocument,
    OrderLine,
    OrderReservation,
    PublicAccountRequest,
    PublicOrderLink,
)
from wms.roles import MANAGER_PERMISSION


def link_or_text(url: str | None, text: str) -> str:
    return format_html('<a href="{}">{}</a>', url, text) if url else text


def is_manager(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(MANAGER_PERMISSION))


# --- documents: reviewed by managers, downloaded through the scan views -------------------------

REVIEW_FIELDS = ("status", "review_comment")


def order_document_link(document: OrderDocument) -> str:
    if not document.pk:
        return "–"
    url = scan_link("order_document_file", document.order_id, document.pk)
    return link_or_text(url, document.original_name)


def association_document_link(document: AssociationDocument) -> str:
    if not document.pk:
        return "–"
    return link_or_text(scan_link("association_document_file", document.pk), document.original_name)


def mark_reviewed(document: Any, request: HttpRequest) -> None:
    """A changed status records who decided and when."""
    document.reviewed_by = request.user
    document.reviewed_at = timezone.now()


class ReviewMixin:
    """Only the review (status, comment) is editable, and only by a manager; the file, its name
    and its owner stay as uploaded."""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(self.get_fields(request, obj))  # type: ignore[attr-defined]
        if is_manager(request):
            return [name for name in fields if name not in REVIEW_FIELDS]
        return fields


class OrderDocumentInline(ReviewMixin, admin.TabularInline):  # type: ignore[type-arg]
    model = OrderDocument
    extra = 0
    fields = (
        "kind",
        "download",
        "status",
        "review_comment",
        "uploaded_by",
        "uploaded_at",
        "reviewed_by",
        "reviewed_at",
    )
    verbose_name_plural = "documents (déposés depuis le portail)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderDocument]:
        # "order": each row's title is the document's __str__, which names its order.
        return cast(QuerySet[OrderDocument], super().get_queryset(request)).select_related(
            "order", "uploaded_by", "reviewed_by"
        )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # uploads are checked by the portal's form

    @admin.display(description="document")
    def download(self, document: OrderDocument) -> str:
        return order_document_link(document)


class ReviewedDocumentAdmin(ReviewMixin, SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    """Uploaded from the portal or the public forms, reviewed here; deleting one deletes its file
    (never a shipment's copy, which has its own)."""

    list_filter = ("status", "kind")
    date_hierarchy = "uploaded_at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm[Any], change: bool
    ) -> None:
        if "status" in form.changed_data:
            mark_reviewed(obj, request)
        super().save_model(request, obj, form, change)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        obj.file.delete(save=False)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for document in queryset:
            self.delete_model(request, document)


REVIEWED_FIELDS = (
    "kind",
    "download",
    "status",
    "review_comment",
    "uploaded_by",
    "uploaded_at",
    "reviewed_by",
    "reviewed_at",
)


@admin.register(OrderDocument)
class OrderDocumentAdmin(ReviewedDocumentAdmin):
    list_display = ("original_name", "order", "kind", "status", "uploaded_at", "reviewed_by")
    list_select_related = ("order", "reviewed_by")
    search_fields = ("original_name", "order__reference", "order__association_contact__name")
    fields = ("order", *REVIEWED_FIELDS)

    @admin.display(description="document")
    def download(self, document: OrderDocument) -> str:
        return order_document_link(document)


@admin.register(AssociationDocument)
class AssociationDocumentAdmin(ReviewedDocumentAdmin):
    list_display = (
        "original_name",
        "association",
        "account_request",
        "kind",
        "status",
        "uploaded_at",
        "reviewed_by",
    )
    list_select_related = ("association", "account_request", "reviewed_by")
    search_fields = ("original_name", "association__name", "account_request__association_name")
    fields = ("association", "account_request", *REVIEWED_FIELDS)

    @admin.display(description="document")
    def download(self, document: AssociationDocument) -> str:
        return association_document_link(document)


# --- orders ----------------------------------------------------------------------------------


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("product", "quantity", "quantity_reserved", "quantity_prepared", "reserved_lots")
    readonly_fields = fields
    verbose_name_plural = "lignes (réservées et préparées par le service des commandes)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[OrderLine]:
        reservations = OrderReservation.objects.select_related("lot").order_by("lot_id")
        return (
            cast(QuerySet[OrderLine], super().get_queryset(request))
            .select_related("order", "product")  # the row's title names its order
            .prefetch_related(Prefetch("reservations", queryset=reservations))
        )

    @admin.display(description="lots réservés")
    def reserved_lots(self, line: OrderLine) -> str:
        rows = [
            (
                reservation.lot.lot_code or "sans n°",
                reservation.lot.expires_on,
                reservation.quantity,
            )
            for reservation in line.reservations.all()
        ]
        if not rows:
            return "–"
        return format_html_join(
            ", ",
            "{} ({}) : {}",
            (
                (code, f"{expires:%d/%m/%Y}" if expires else "sans péremption", qty)
                for code, expires, qty in rows
            ),
        )


ORDER_READ_ONLY = (
    "reference",
    "review_status",
    "status",
    "operations",
    "association_contact",
    "identity",
    "public_link",
    "portal_recipient",
    "shipper",
    "shipper_name",
    "recipient",
    "recipient_name",
    "correspondent",
    "correspondent_name",
    "destination",
    "address",
    "city",
    "country",
    "shipment",
    "review_comment",
    "reviewed_by",
    "reviewed_at",
    "created_by",
    "submitted_at",
    "created_at",
)
ORDER_EDITABLE = ("requested_date", "notes")


@admin.register(Order)
class OrderAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "reference",
        "association",
        "review_status",
        "status",
        "destination",
        "shipment",
        "submitted_at",
        "review_link",
    )
    list_filter = ("review_status", "status", "destination")
    date_hierarchy = "created_at"
    list_select_related = ("association_contact", "destination", "shipment")
    search_fields = (
        "reference",
        "association_contact__name",
        "recipient_name",
        "city",
        "country",
        "shipment__reference",
    )
    readonly_fields = ORDER_READ_ONLY
    inlines = [OrderLineInline, OrderDocumentInline]
    fieldsets = (
        (
            None,
            {
                "fields": (("reference", "review_status", "status"), "operations"),
                "description": (
                    "Les commandes se valident, se préparent et s'annulent depuis l'application "
                    "de scan (écran « Commandes ») ; statuts, lignes et réservations suivent ces "
                    "opérations."
                ),
            },
        ),
        (
            "Association",
            {"fields": ("association_contact", "identity", "public_link", "portal_recipient")},
        ),
        (
            "Livraison",
            {
                "fields": (
                    "destination",
                    ("recipient", "recipient_name"),
                    ("shipper", "shipper_name"),
                    ("correspondent", "correspondent_name"),
                    "address",
                    ("city", "country"),
                    "requested_date",
                    "shipment",
                    "notes",
                )
            },
        ),
        (
            "Suivi",
            {
                "fields": (
                    "review_comment",
                    ("reviewed_by", "reviewed_at"),
                    ("created_by", "submitted_at", "created_at"),
                )
            },
        ),
    )

    # References come from a yearly sequence and reservations from the service: orders are
    # placed from the portal, a public link or the scan screen, and kept for the stock history.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="association", ordering="association_contact__name")
    def association(self, order: Order) -> str:
        if order.association_contact is not None:
            return order.association_contact.name
        return f"{order.submitted_identity.get('name', '')} (lien public, à confirmer)"

    @admin.display(description="identité saisie")
    def identity(self, order: Order) -> str:
        typed = order.submitted_identity or {}
        labels = (
            ("name", "nom"),
            ("email", "e-mail"),
            ("phone", "téléphone"),
            ("contact_name", "contact"),
        )
        rows = [(label, typed[key]) for key, label in labels if typed.get(key)]
        return format_html_join(" · ", "{} : {}", rows) if rows else "–"

    @admin.display(description="examen")
    def review_link(self, order: Order) -> str:
        url = scan_link("order_review", order.pk)
        return link_or_text(url, "Examiner") if url else "–"

    @admin.display(description="opérations")
    def operations(self, order: Order) -> str:
        url = scan_link("order_review", order.pk)
        return link_or_text(url, "Ouvrir dans l'application de scan") if url else "–"

    def save_model(
        self, request: HttpRequest, obj: Order, form: forms.ModelForm[Any], change: bool
    ) -> None:
        # Only the fields of the form: a whole-row save would write back a status or a
        # reservation the service may have changed since the page was read.
        fields = [name for name in form.changed_data if name in ORDER_EDITABLE]
        if fields:
            obj.save(update_fields=[*fields, "updated_at"])

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm[Any], formset: Any, change: bool
    ) -> None:
        if formset.model is not OrderDocument:
            super().save_formset(request, form, formset, change)
            return
        formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.file.delete(save=False)
            deleted.delete()
        for document, fields in formset.changed_objects:
            if "status" in fields:
                mark_reviewed(document, request)
            document.save(
                update_fields=[*REVIEW_FIELDS, "reviewed_by", "reviewed_at"]
                if "status" in fields
                else list(REVIEW_FIELDS)
            )


# --- public links and account requests -------------------------------------------------------


@admin.register(PublicOrderLink)
class PublicOrderLinkAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("label", "is_active", "expires_at", "usable", "order_count", "public_url")
    list_filter = ("is_active",)
    search_fields = ("label",)
    fields = ("label", "is_active", "expires_at", "public_url", "created_by", "created_at")
    readonly_fields = ("public_url", "created_by", "created_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[PublicOrderLink]:
        return cast(QuerySet[PublicOrderLink], super().get_queryset(request)).annotate(
            order_total=Count("orders")
        )

    @admin.display(description="utilisable", boolean=True)
    def usable(self, link: PublicOrderLink) -> bool:
        return link.is_usable()

    @admin.display(description="commandes", ordering="order_total")
    def order_count(self, link: PublicOrderLink) -> int:
        return int(getattr(link, "order_total", 0))

    @admin.display(description="adresse à transmettre")
    def public_url(self, link: PublicOrderLink) -> str:
        if not link.pk:
            return "(après l'enregistrement)"
        path = scan_link("public_order", link.token)
        if path is None:
            return "–"
        url = f"{settings.SITE_BASE_URL}{path}"
        return format_html('<a href="{}">{}</a>', url, url)

    def save_model(
        self, request: HttpRequest, obj: PublicOrderLink, form: forms.ModelForm[Any], change: bool
    ) -> None:
        if not change:
            obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)


class RequestDocumentInline(ReadOnlyInline):
    model = AssociationDocument
    fk_name = "account_request"
    fields = ("kind", "download", "status", "uploaded_at")
    readonly_fields = fields

    @admin.display(description="document")
    def download(self, document: AssociationDocument) -> str:
        return association_document_link(document)


REQUEST_FIELDS = (
    "association_name",
    "email",
    "phone",
    "address",
    "notes",
    "public_link",
    "status",
    "treat",
    "contact",
    "user",
    "decided_by",
    "decided_at",
    "decision_comment",
    "created_at",
)


@admin.register(PublicAccountRequest)
class PublicAccountRequestAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("association_name", "email", "city", "country", "status", "created_at", "treat")
    list_filter = ("status",)
    date_hierarchy = "created_at"
    search_fields = ("association_name", "email", "city")
    fields = REQUEST_FIELDS
    readonly_fields = REQUEST_FIELDS
    inlines = [RequestDocumentInline]

    # Requests come from the public form and are decided on the scan screen (the service
    # creates the account and sends the emails): read-only here.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="adresse")
    def address(self, account_request: PublicAccountRequest) -> str:
        return account_request.address_text() or "–"

    @admin.display(description="traiter")
    def treat(self, account_request: PublicAccountRequest) -> str:
        url = scan_link("account_request", account_request.pk)
        return link_or_text(url, "Ouvrir dans l'application de scan") if url else "–"


# --- association profiles and address books --------------------------------------------------


def portal_candidates(current: User | None) -> QuerySet[User]:
    """Users who may become association users: never staff, a worker or a manager, and not
    another association's already."""
    free = User.objects.filter(
        is_staff=False, is_superuser=False, groups__isnull=True, association_profile__isnull=True
    )
    if current is not None:
        free = User.objects.filter(Q(pk__in=free.values("pk")) | Q(pk=current.pk))
    return free.order_by("username")


class AssociationProfileForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = AssociationProfile
        fields = ["user", "contact", "notification_emails"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        current = self.instance.user if self.instance.pk else None
        self.fields["user"].queryset = portal_candidates(current)  # type: ignore[attr-defined]
        self.fields["user"].help_text = (
            "Un compte sans rôle (ni magasinier, ni responsable). Les demandes de compte "
            "acceptées créent le leur."
        )

    def clean_user(self) -> User:
        user: User = self.cleaned_data["user"]
        if user.is_staff or user.is_superuser or user.groups.exists():
            raise ValidationError("Un compte du personnel ne peut pas être un compte association.")
        return user

    def clean_notification_emails(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["notification_emails"].splitlines()]
        emails = [line for line in lines if line]
        for email in emails:
            try:
                validate_email(email)
            except ValidationError:
                raise ValidationError(f"Adresse e-mail invalide : « {email} ».") from None
        return "\n".join(emails)


@admin.register(AssociationProfile)
class AssociationProfileAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = AssociationProfileForm
    list_display = ("user", "email", "contact", "created_at")
    list_select_related = ("user", "contact")
    search_fields = ("user__username", "user__email", "contact__name")
    autocomplete_fields = ("contact",)
    readonly_fields = ("created_at",)

    @admin.display(description="e-mail", ordering="user__email")
    def email(self, profile: AssociationProfile) -> str:
        return profile.user.email


@admin.register(AssociationRecipient)
class AssociationRecipientAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "association", "city", "country", "is_active", "contact")
    list_filter = ("is_active", "country")
    list_select_related = ("association", "contact")
    search_fields = ("name", "city", "country", "association__name")
    autocomplete_fields = ("association", "contact")
    fields = (
        "association",
        "name",
        ("line1", "line2"),
        ("postal_code", "city", "country"),
        ("phone", "email"),
        "notes",
        "is_active",
        "contact",
        "created_at",
    )
    readonly_fields = ("created_at",)
