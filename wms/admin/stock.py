"""Lots and the ledger in the admin (S-STOCK).

Nothing here writes a quantity or a status: lots and movements are read-only, and the operations
(receive, adjust, transfer, count, release, hold) are forms and actions that call
wms.services.stock, so they follow the same rules, locks and ledger rows as the scan app.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_http_methods

from wms.admin.dates import SafeDateHierarchyMixin
from wms.admin.lot_forms import AdjustForm, CountForm, LotActionForm, ReceiveForm, TransferForm
from wms.models import ProductLot, ReceiptType, StockMovement
from wms.roles import MANAGER_PERMISSION
from wms.services import receiving
from wms.services import stock as stock_service
from wms.services.errors import StockError
from wms.services.stock import Actor

LOT_FIELDS = (
    "product",
    "lot_code",
    "expires_on",
    "received_on",
    "status",
    "quantity_on_hand",
    "quantity_reserved",
    "location",
    "source_receipt",
    "storage_conditions",
    "quarantine_reason",
    "released_by",
    "released_at",
    "created_at",
)
OPERATION_TEMPLATE = "admin/wms/productlot/operation.html"

# An operation runs the service with the valid form, the lot and the actor, and returns the
# success message; a StockError it raises becomes a form error.
Operation = Callable[[forms.Form, ProductLot, Actor], str]


def require_manager(request: HttpRequest) -> None:
    """Staff reach the admin; only managers operate on stock from it."""
    if not request.user.has_perm(MANAGER_PERMISSION):
        raise PermissionDenied


def run_adjust(form: forms.Form, lot: ProductLot, actor: Actor) -> str:
    data = form.cleaned_data
    movement = stock_service.adjust(
        lot=lot,
        delta=data["delta"],
        reason_code=data["reason_code"],
        actor=actor,
        notes=data["notes"],
    )
    return f"Ajustement de {movement.delta:+d} enregistré sur le lot « {lot} »."


def run_transfer(form: forms.Form, lot: ProductLot, actor: Actor) -> str:
    data = form.cleaned_data
    stock_service.transfer(
        lot=lot,
        quantity=data["quantity"],
        to_location=data["to_location"],
        actor=actor,
        notes=data["notes"],
    )
    return f"{data['quantity']} unité(s) transférée(s) vers {data['to_location']}."


def run_count(form: forms.Form, lot: ProductLot, actor: Actor) -> str:
    data = form.cleaned_data
    movement = stock_service.count(
        lot=lot,
        counted=data["counted"],
        seen_on_hand=data["seen_on_hand"],
        actor=actor,
        notes=data["notes"],
    )
    if movement is None:
        return "Comptage conforme : aucun écart."
    return f"Comptage enregistré : écart de {movement.delta:+d}."


def receive_stock(form: forms.Form, actor: Actor) -> ProductLot:
    """The quick entry of the scan app, with a chosen status: a received donation receipt
    records where the units came from, and receiving its line writes the `in` movement."""
    data = form.cleaned_data
    with transaction.atomic():
        receipt = receiving.create_receipt(
            receipt_type=ReceiptType.DONATION,
            source=data["donor"],
            actor=actor,
            lines=[
                dict(
                    product=data["product"],
                    quantity=data["quantity"],
                    lot_code=data["lot_code"],
                    expires_on=data["expires_on"],
                    lot_status=data["status"],
                    location=data["location"],
                )
            ],
        )
        return receiving.receive_line(receipt.lines.get(), actor=actor)


@admin.register(ProductLot)
class ProductLotAdmin(admin.ModelAdmin):
    list_display = (
        "product",
        "lot_code",
        "expires_on",
        "status",
        "quantity_on_hand",
        "quantity_reserved",
        "available",
        "location",
        "received_on",
        "operations",
    )
    list_filter = ("status", "location__warehouse", "expires_on", "received_on")
    list_select_related = ("product", "location__warehouse")
    search_fields = ("product__sku", "product__name", "lot_code")
    ordering = ("product__name", "expires_on", "pk")
    fields = LOT_FIELDS
    readonly_fields = LOT_FIELDS
    actions = ["release_lots", "hold_lots"]
    action_form = LotActionForm
    change_list_template = "admin/wms/productlot/change_list.html"
    change_form_template = "admin/wms/productlot/change_form.html"

    # Quantities and statuses change only through the services: no add, no edit, no delete,
    # for superusers too.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_manage_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(MANAGER_PERMISSION)

    @admin.display(description="disponible")
    def available(self, lot: ProductLot) -> int:
        return lot.quantity_available

    @admin.display(description="opérations")
    def operations(self, lot: ProductLot) -> str:
        return format_html_join(
            " · ", '<a href="{}">{}</a>', ((url, label) for label, url in self._links(lot))
        )

    def _links(self, lot: ProductLot) -> list[tuple[str, str]]:
        names = (("Ajuster", "adjust"), ("Transférer", "transfer"), ("Compter", "count"))
        return [(label, self._url(name, lot.pk)) for label, name in names]

    def _url(self, name: str, *args: Any) -> str:
        return reverse(f"admin:wms_productlot_{name}", args=args, current_app=self.admin_site.name)

    def get_list_display(self, request: HttpRequest) -> Any:
        shown = super().get_list_display(request)
        if self.has_manage_permission(request):
            return shown
        return [name for name in shown if name != "operations"]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {
            "receive_url": self._url("receive") if self.has_manage_permission(request) else None
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: Any = None,
    ) -> HttpResponse:
        links: list[tuple[str, str]] = []
        if self.has_manage_permission(request) and object_id.isdigit():
            links = self._links(ProductLot(pk=int(object_id)))
        extra = {"lot_operations": links}
        return super().change_view(request, object_id, form_url, {**(extra_context or {}), **extra})

    def get_urls(self) -> list[URLPattern]:
        def wrap(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
            return self.admin_site.admin_view(require_http_methods(["GET", "HEAD", "POST"])(view))

        def operation(form_class: type[forms.Form], title: str, run: Operation) -> Any:
            def view(request: HttpRequest, lot_id: int) -> HttpResponse:
                return self.lot_operation_view(request, lot_id, form_class, title, run)

            return wrap(view)

        ours = [
            path(
                "<int:lot_id>/adjust/",
                operation(AdjustForm, "Ajuster le lot", run_adjust),
                name="wms_productlot_adjust",
            ),
            path(
                "<int:lot_id>/transfer/",
                operation(TransferForm, "Transférer le lot", run_transfer),
                name="wms_productlot_transfer",
            ),
            path(
                "<int:lot_id>/count/",
                operation(CountForm, "Compter le lot", run_count),
                name="wms_productlot_count",
            ),
            path("receive/", wrap(self.receive_view), name="wms_productlot_receive"),
        ]
        # Before the defaults: their "<path:object_id>/" would swallow these.
        return ours + super().get_urls()

    def _render(
        self, request: HttpRequest, form: forms.Form, title: str, lot: ProductLot | None
    ) -> TemplateResponse:
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "form": form,
            "lot": lot,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, OPERATION_TEMPLATE, context)

    def lot_operation_view(
        self,
        request: HttpRequest,
        lot_id: int,
        form_class: type[forms.Form],
        title: str,
        run: Operation,
    ) -> HttpResponse:
        require_manager(request)
        lot = get_object_or_404(
            ProductLot.objects.select_related("product", "location__warehouse"), pk=lot_id
        )
        form = form_class(
            request.POST if request.method == "POST" else None,
            initial={"seen_on_hand": lot.quantity_on_hand},
        )
        if request.method == "POST" and form.is_valid():
            try:
                message = run(form, lot, Actor(user=request.user))
            except StockError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, message)
                return HttpResponseRedirect(self._url("change", lot.pk))
        return self._render(request, form, title, lot)

    def receive_view(self, request: HttpRequest) -> HttpResponse:
        require_manager(request)
        form = ReceiveForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                lot = receive_stock(form, Actor(user=request.user))
            except StockError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request,
                    f"{lot.quantity_on_hand} × {lot.product.name} reçu(s) à {lot.location} "
                    f"(réception {lot.source_receipt}).",
                )
                return HttpResponseRedirect(self._url("change", lot.pk))
        return self._render(request, form, "Réception de stock", None)

    @admin.action(description="Libérer les lots (disponibles)", permissions=["manage"])
    def release_lots(self, request: HttpRequest, queryset: QuerySet[ProductLot]) -> None:
        self._change_statuses(
            request,
            queryset,
            lambda lot, actor: stock_service.release(lot=lot, actor=actor),
            "libéré(s)",
        )

    @admin.action(description="Bloquer les lots", permissions=["manage"])
    def hold_lots(self, request: HttpRequest, queryset: QuerySet[ProductLot]) -> None:
        reason = request.POST.get("reason", "").strip()
        self._change_statuses(
            request,
            queryset,
            lambda lot, actor: stock_service.hold(lot=lot, actor=actor, reason=reason),
            "bloqué(s)",
        )

    def _change_statuses(
        self,
        request: HttpRequest,
        queryset: QuerySet[ProductLot],
        change: Callable[[ProductLot, Actor], ProductLot],
        done: str,
    ) -> None:
        # One transaction per lot (the service's): a refused lot does not undo the others.
        actor, changed = Actor(user=request.user), 0
        for lot in queryset.select_related("product").order_by("pk"):
            try:
                change(lot, actor)
            except StockError as exc:
                messages.error(request, f"{lot} : {exc.message}")
            else:
                changed += 1
        if changed:
            messages.success(request, f"{changed} lot(s) {done}.")


@admin.register(StockMovement)
class StockMovementAdmin(SafeDateHierarchyMixin, admin.ModelAdmin):
    """The ledger, append-only: nobody adds, edits or deletes a row here, superusers included."""

    list_display = (
        "created_at",
        "movement_type",
        "product",
        "lot_link",
        "delta",
        "from_location",
        "to_location",
        "reason_code",
        "receipt",
        "user",
    )
    list_filter = ("movement_type", "created_at", "reason_code")
    date_hierarchy = "created_at"
    list_select_related = (
        "product",
        "lot__product",
        "from_location__warehouse",
        "to_location__warehouse",
        "receipt",
        "user",
    )
    search_fields = ("product__sku", "product__name", "lot__lot_code")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description="lot", ordering="lot")
    def lot_link(self, movement: StockMovement) -> str:
        url = reverse(
            "admin:wms_productlot_change", args=[movement.lot_id], current_app=self.admin_site.name
        )
        return format_html('<a href="{}">{}</a>', url, movement.lot.lot_code or "sans lot")
