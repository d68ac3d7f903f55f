"""Destinations, carton formats, cartons and shipments in the admin (S-CARTONS, S-SHIPMENTS).

Formats and destinations are master data. A carton's contents and status, and a shipment's status
and parties, change only through wms.services.packing / shipping: here they are read-only, and
the operations (unpack, reopen, deliver, override) are actions that call those services. Cartons
and shipments are created from the scan app (their codes and references come from sequences).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods

from wms.admin.dates import SafeDateHierarchyMixin
from wms.admin.shipment_forms import (
    FLIGHT_FIELDS,
    OPEN_FIELDS,
    OverrideForm,
    ShipmentDocumentForm,
    ShipmentForm,
)
from wms.admin.stock import require_manager
from wms.models import (
    STEP_ORDER,
    Carton,
    CartonFormat,
    CartonItem,
    CartonStatus,
    Destination,
    Shipment,
    ShipmentDocument,
    ShipmentStatus,
    StatusChange,
    TrackingEvent,
)
from wms.roles import MANAGER_PERMISSION
from wms.services import documents, packing, shipping
from wms.services.errors import StockError
from wms.services.stock import Actor

OVERRIDE_TEMPLATE = "admin/wms/shipment/override.html"


def scan_link(name: str, *args: Any) -> str | None:
    """A scan-app URL, or None while that screen does not exist."""
    try:
        return reverse(f"scan:{name}", args=args)
    except NoReverseMatch:
        return None


def run_on_each(
    request: HttpRequest,
    queryset: QuerySet[Any],
    operation: Callable[[Any, Actor], Any],
    done: str,
) -> None:
    """One transaction per object (the service's): a refused one leaves the others done, and its
    reason is shown as the service wrote it."""
    actor, changed = Actor(user=request.user), 0
    for obj in queryset.order_by("pk"):
        try:
            operation(obj, actor)
        except StockError as exc:
            messages.error(request, f"{obj} : {exc.message}")
        else:
            changed += 1
    if changed:
        messages.success(request, f"{changed} {done}.")


class ManagerActionsMixin:
    def has_manage_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(MANAGER_PERMISSION))


class ReadOnlyInline(admin.TabularInline):  # type: ignore[type-arg]
    """History and contents: shown, never edited here."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# --- master data ---------------------------------------------------------------------------------


@admin.register(Destination)
class DestinationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("city", "iata_code", "country", "correspondent", "is_active")
    list_filter = ("is_active", "country")
    list_select_related = ("correspondent",)
    search_fields = ("city", "iata_code", "country", "correspondent__name")
    # The model limits the choices to correspondents; the autocomplete applies it too.
    autocomplete_fields = ("correspondent",)
    ordering = ("city",)


@admin.register(CartonFormat)
class CartonFormatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("name", "dimensions", "max_weight_g", "is_default", "is_active")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = (
        "name",
        ("length_cm", "width_cm", "height_cm"),
        "max_weight_g",
        "is_default",
        "is_active",
    )

    @admin.display(description="dimensions intérieures")
    def dimensions(self, carton_format: CartonFormat) -> str:
        f = carton_format
        return f"{f.length_cm:g} × {f.width_cm:g} × {f.height_cm:g} cm"


# --- cartons ------------------------------------------------------------------------------------


class CartonItemInline(ReadOnlyInline):
    model = CartonItem
    fields = ("product", "lot", "expires_on", "quantity")
    readonly_fields = fields
    verbose_name_plural = "contenu (modifié par la préparation uniquement)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[CartonItem]:
        return cast(QuerySet[CartonItem], super().get_queryset(request)).select_related(
            "lot__product", "lot__location__warehouse"
        )

    @admin.display(description="produit")
    def product(self, item: CartonItem) -> str:
        return str(item.lot.product)

    @admin.display(description="péremption")
    def expires_on(self, item: CartonItem) -> str:
        return f"{item.lot.expires_on:%d/%m/%Y}" if item.lot.expires_on else "–"


CARTON_READ_ONLY = (
    "code",
    "status_label",
    "shipment",
    "carton_format",
    "size",
    "max_weight_g",
    "prepared_by",
    "created_at",
    "packed_at",
)


@admin.register(Carton)
class CartonAdmin(ManagerActionsMixin, SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("code", "status_label", "shipment", "location", "created_on", "prepared_by")
    list_filter = ("status", "created_on")
    date_hierarchy = "created_on"
    list_select_related = ("shipment", "location__warehouse", "prepared_by")
    search_fields = ("code", "shipment__reference")
    fields = (*CARTON_READ_ONLY, "location", "notes")
    readonly_fields = CARTON_READ_ONLY
    autocomplete_fields = ("location",)
    inlines = [CartonItemInline]
    actions = ["unpack_cartons", "reopen_cartons"]

    # Cartons are made by packing (their code comes from a sequence); deleting one would lose
    # the units in it: unpack instead, which gives them back to their lots.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="statut", ordering="status")
    def status_label(self, carton: Carton) -> str:
        return carton.status_label

    @admin.display(description="dimensions")
    def size(self, carton: Carton) -> str:
        return f"{carton.length_cm:g} × {carton.width_cm:g} × {carton.height_cm:g} cm"

    def save_model(
        self, request: HttpRequest, obj: Carton, form: forms.ModelForm[Any], change: bool
    ) -> None:
        # Only the fields of the form: a whole-row save would write back a status or shipment
        # that packing may have changed since the page was read.
        fields = [name for name in form.changed_data if name in ("location", "notes")]
        if fields:
            obj.save(update_fields=fields)

    @admin.action(description="Vider (déballer) les cartons", permissions=["manage"])
    def unpack_cartons(self, request: HttpRequest, queryset: QuerySet[Carton]) -> None:
        run_on_each(
            request,
            queryset,
            lambda carton, actor: packing.unpack_carton(carton=carton, actor=actor),
            "carton(s) vidé(s) : les unités sont revenues sur leurs lots",
        )

    @admin.action(description="Rouvrir les cartons fermés", permissions=["manage"])
    def reopen_cartons(self, request: HttpRequest, queryset: QuerySet[Carton]) -> None:
        run_on_each(
            request,
            queryset,
            lambda carton, actor: packing.reopen_carton(carton=carton, actor=actor),
            "carton(s) rouvert(s)",
        )


# --- shipments ----------------------------------------------------------------------------------


class ShipmentDocumentInline(admin.TabularInline):  # type: ignore[type-arg]
    model = ShipmentDocument
    form = ShipmentDocumentForm
    extra = 0
    fields = ("kind", "file", "download", "uploaded_by", "uploaded_at")
    readonly_fields = ("download", "uploaded_by", "uploaded_at")

    def get_queryset(self, request: HttpRequest) -> QuerySet[ShipmentDocument]:
        return cast(QuerySet[ShipmentDocument], super().get_queryset(request)).select_related(
            "uploaded_by"
        )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Shown read-only, a file field links the public media URL: without the right to change
        # documents, the download column is the only way to them.
        fields = super().get_fields(request, obj)
        if self.has_change_permission(request, obj):
            return fields
        return [name for name in fields if name != "file"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and self.has_change_permission(request, obj)

    @admin.display(description="document")
    def download(self, document: ShipmentDocument) -> str:
        if not document.pk:  # a row not saved yet
            return "–"
        url = scan_link("shipment_document", document.shipment_id, document.pk)
        if url is None:
            return document.original_name
        return format_html('<a href="{}">{}</a>', url, document.original_name)


class TrackingEventInline(ReadOnlyInline):
    model = TrackingEvent
    fields = (
        "step",
        "actor_name",
        "actor_structure",
        "comments",
        "author",
        "via_update_link",
        "created_at",
    )
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[TrackingEvent]:
        # Steps in process order (S-SHIPMENTS), then in the order they were recorded.
        rank = Case(
            *(When(step=step, then=Value(index)) for step, index in STEP_ORDER.items()),
            output_field=IntegerField(),
        )
        queryset = cast(QuerySet[TrackingEvent], super().get_queryset(request))
        return queryset.select_related("author").order_by(rank, "created_at", "pk")


class StatusChangeInline(ReadOnlyInline):
    model = StatusChange
    fields = ("created_at", "from_status", "to_status", "is_override", "reason", "user")
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[StatusChange]:
        return cast(QuerySet[StatusChange], super().get_queryset(request)).select_related("user")


class ShipmentCartonInline(ReadOnlyInline):
    model = Carton
    fields = ("code", "status", "location", "packed_at")
    readonly_fields = fields
    show_change_link = True
    verbose_name_plural = "cartons (ajoutés et retirés depuis l'application de scan)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Carton]:
        return cast(QuerySet[Carton], super().get_queryset(request)).select_related(
            "location__warehouse"
        )


SHIPMENT_READ_ONLY = (
    "reference",
    "status",
    "operations",
    "destination",
    "shipper",
    "shipper_name",
    "recipient",
    "recipient_name",
    "correspondent",
    "correspondent_name",
    "destination_address",
    "destination_country",
    "tracking_token",
    "update_token",
    "created_by",
    "created_at",
    "ready_at",
    "shipped_at",
    "delivered_at",
)


@admin.register(Shipment)
class ShipmentAdmin(ManagerActionsMixin, SafeDateHierarchyMixin, admin.ModelAdmin):  # type: ignore[type-arg]
    form = ShipmentForm
    list_display = (
        "reference",
        "status",
        "cartons_ready",
        "destination",
        "shipper_name",
        "recipient_name",
        "created_at",
        "shipped_at",
    )
    list_filter = ("status", "destination")
    date_hierarchy = "created_at"
    list_select_related = ("destination",)
    search_fields = (
        "reference",
        "shipper_name",
        "recipient_name",
        "correspondent_name",
        "destination__city",
        "destination__iata_code",
    )
    readonly_fields = SHIPMENT_READ_ONLY
    inlines = [
        ShipmentCartonInline,
        ShipmentDocumentInline,
        TrackingEventInline,
        StatusChangeInline,
    ]
    actions = ["deliver_shipments"]
    fieldsets = (
        (
            None,
            {
                "fields": (("reference", "status"), "operations"),
                "description": (
                    "Les expéditions se créent depuis l'application de scan (écran "
                    "« Expédition ») ; leur statut suit les cartons et les actions expédier / "
                    "livrer, ou un forçage motivé."
                ),
            },
        ),
        (
            "Parties",
            {
                "fields": (
                    "destination",
                    ("shipper", "shipper_name"),
                    ("recipient", "recipient_name"),
                    ("correspondent", "correspondent_name"),
                    ("destination_address", "destination_country"),
                )
            },
        ),
        ("Livraison", {"fields": ("requested_delivery_date", "notes")}),
        ("Vol", {"fields": FLIGHT_FIELDS}),
        (
            "Suivi",
            {
                "classes": ("collapse",),
                "fields": (
                    ("created_by", "created_at"),
                    ("ready_at", "shipped_at", "delivered_at"),
                    ("tracking_token", "update_token"),
                ),
            },
        ),
    )

    # References come from a yearly sequence and parties are chosen in order on the scan
    # screen: no add form here. A shipment is part of the stock history: no delete either.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Shipment]:
        ready = (CartonStatus.PACKED, CartonStatus.SHIPPED)
        return cast(QuerySet[Shipment], super().get_queryset(request)).annotate(
            carton_total=Count("cartons"),
            carton_ready=Count("cartons", filter=Q(cartons__status__in=ready)),
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None and obj.is_locked:
            fields += OPEN_FIELDS
        if obj is not None and obj.status == ShipmentStatus.DELIVERED:
            fields += FLIGHT_FIELDS
        return fields

    @admin.display(description="cartons prêts")
    def cartons_ready(self, shipment: Shipment) -> str:
        return f"{shipment.carton_ready}/{shipment.carton_total}"  # type: ignore[attr-defined]

    @admin.display(description="opérations")
    def operations(self, shipment: Shipment) -> str:
        links: list[tuple[str, str | None]] = []
        detail = scan_link("shipment_detail", shipment.pk)
        if detail:
            links.append(("Ouvrir dans l'application de scan", detail))
        links.append(
            ("Page de suivi publique", scan_link("shipment_track", shipment.tracking_token))
        )
        if getattr(shipment, "may_override", False):
            links.append(("Forcer un statut", self._url("override", shipment.pk)))
        return format_html_join(
            " · ", '<a href="{}">{}</a>', ((url, label) for label, url in links if url)
        )

    def get_object(self, request: HttpRequest, object_id: str, from_field: Any = None) -> Any:
        shipment = super().get_object(request, object_id, from_field)
        if shipment is not None:
            # Read by `operations`, which has no request: the override is for managers.
            shipment.may_override = self.has_manage_permission(request)
        return shipment

    def _url(self, name: str, *args: Any) -> str:
        return reverse(f"admin:wms_shipment_{name}", args=args, current_app=self.admin_site.name)

    def save_model(
        self, request: HttpRequest, obj: Shipment, form: forms.ModelForm[Any], change: bool
    ) -> None:
        # The form refused what the status forbids; only its fields are written, so a status
        # changed by a service in the meantime is not overwritten.
        fields = [name for name in form.changed_data if name in (*OPEN_FIELDS, *FLIGHT_FIELDS)]
        if fields:
            obj.save(update_fields=fields)

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm[Any], formset: Any, change: bool
    ) -> None:
        if formset.model is not ShipmentDocument:
            super().save_formset(request, form, formset, change)
            return
        # commit=False fills the new / changed / deleted lists the admin's history message reads.
        formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.file.delete(save=False)
            deleted.delete()
        for document, _fields in formset.changed_objects:
            document.save(update_fields=["kind"])
        # New files are stored by the service (random name, the user's name kept for display).
        actor = Actor(user=request.user)
        formset.new_objects = [
            documents.save_shipment_document(
                shipment=form.instance,
                upload=row.cleaned_data["file"],
                kind=row.cleaned_data["kind"],
                actor=actor,
            )
            for row in formset.extra_forms
            if row.has_changed() and row not in formset.deleted_forms
        ]

    @admin.action(description="Marquer livrée", permissions=["manage"])
    def deliver_shipments(self, request: HttpRequest, queryset: QuerySet[Shipment]) -> None:
        run_on_each(
            request,
            queryset,
            lambda shipment, actor: shipping.deliver(shipment=shipment, actor=actor),
            "expédition(s) marquée(s) livrée(s)",
        )

    # --- the manager's override ---------------------------------------------------------------

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view(
            require_http_methods(["GET", "HEAD", "POST"])(self.override_view)
        )
        # Before the defaults: their "<path:object_id>/" would swallow it.
        return [
            path("<int:shipment_id>/override/", view, name="wms_shipment_override"),
            *super().get_urls(),
        ]

    def override_view(self, request: HttpRequest, shipment_id: int) -> HttpResponse:
        require_manager(request)
        shipment = get_object_or_404(Shipment.objects.select_related("destination"), pk=shipment_id)
        form = OverrideForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                shipment = shipping.override_status(
                    shipment=shipment,
                    status=form.cleaned_data["status"],
                    reason=form.cleaned_data["reason"],
                    actor=Actor(user=request.user),
                )
            except StockError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{shipment.reference} : statut forcé à « {shipment.get_status_display()} ».",
                )
                return HttpResponseRedirect(self._url("change", shipment.pk))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": f"Forcer le statut de l'expédition {shipment.reference}",
            "form": form,
            "shipment": shipment,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, OVERRIDE_TEMPLATE, context)
