"""Receipts admin (S-RECEIPTS): header, lines and out-of-format lines; the reference comes from
the receiving service, and receiving the lines goes through it too."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.validators import MinValueValidator
from django.db.models import Count, Q, QuerySet
from django.forms.formsets import DELETION_FIELD_NAME
from django.http import HttpRequest
from django.utils import timezone

from wms.models import Receipt, ReceiptLine, ReceiptOutOfFormatLine, ReceiptStatus
from wms.services import receiving
from wms.services.errors import StockError
from wms.services.stock import Actor

# Header fields create_receipt takes as they are (the others are its named arguments).
PLAIN_HEADER_FIELDS = (
    "origin_reference",
    "carrier_reference",
    "pallet_count",
    "carton_count",
    "out_of_format_count",
    "transport_request_date",
    "notes",
)


def is_draft(receipt: Receipt | None) -> bool:
    return receipt is None or receipt.status == ReceiptStatus.DRAFT


class ReceiptLineForm(forms.ModelForm):
    class Meta:
        model = ReceiptLine
        fields = [
            "product",
            "quantity",
            "lot_code",
            "expires_on",
            "lot_status",
            "location",
            "storage_conditions",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The model allows 0 (a positive integer field); a line needs at least one unit.
        quantity = self.fields["quantity"]
        quantity.validators.append(MinValueValidator(1))
        quantity.widget.attrs["min"] = 1
        if self.instance.received_lot_id is not None:
            # Its lot exists: changing the line would make them disagree.
            for field in self.fields.values():
                field.disabled = True


class ReceiptLineFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        for form in self.forms:
            if (
                form.cleaned_data.get(DELETION_FIELD_NAME)
                and form.instance.received_lot_id is not None
            ):
                raise forms.ValidationError("Une ligne déjà reçue ne peut pas être supprimée.")


class DraftOnlyInline(admin.TabularInline):
    """Lines change only while the receipt is a draft."""

    extra = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_add_permission(request, obj) and is_draft(obj)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_change_permission(request, obj) and is_draft(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_delete_permission(request, obj) and is_draft(obj)


class ReceiptLineInline(DraftOnlyInline):
    model = ReceiptLine
    form = ReceiptLineForm
    formset = ReceiptLineFormSet
    ordering = ("pk",)
    fields = (
        "product",
        "quantity",
        "lot_code",
        "expires_on",
        "lot_status",
        "location",
        "storage_conditions",
        "received_lot",
    )
    readonly_fields = ("received_lot",)
    autocomplete_fields = ("product", "location")


class OutOfFormatLineForm(forms.ModelForm):
    class Meta:
        model = ReceiptOutOfFormatLine
        fields = ["number", "description"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].required = False
        self.fields["number"].help_text = "Vide : le suivant."


class OutOfFormatLineInline(DraftOnlyInline):
    model = ReceiptOutOfFormatLine
    form = OutOfFormatLineForm


@admin.register(Receipt)
class ReceiptAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "receipt_type",
        "status",
        "source_contact",
        "received_on",
        "warehouse",
        "lines_received",
    )
    list_filter = ("status", "receipt_type", "warehouse", "received_on")
    date_hierarchy = "received_on"
    list_select_related = ("source_contact", "warehouse")
    search_fields = (
        "reference",
        "source_contact__name",
        "carrier_contact__name",
        "origin_reference",
        "carrier_reference",
    )
    readonly_fields = ("reference", "status", "created_by", "created_at")
    autocomplete_fields = ("source_contact", "carrier_contact", "warehouse")
    inlines = [ReceiptLineInline, OutOfFormatLineInline]
    actions = ["receive_all_lines", "cancel_receipts"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("reference", "status"),
                    ("receipt_type", "received_on", "warehouse"),
                    ("source_contact", "carrier_contact"),
                    ("origin_reference", "carrier_reference"),
                )
            },
        ),
        (
            "Logistique",
            {
                "fields": (
                    ("pallet_count", "carton_count", "out_of_format_count"),
                    "transport_request_date",
                )
            },
        ),
        ("Suivi", {"fields": ("notes", ("created_by", "created_at"))}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Receipt]:
        return cast(QuerySet[Receipt], super().get_queryset(request)).annotate(
            line_total=Count("lines"),
            line_received=Count("lines", filter=Q(lines__received_lot__isnull=False)),
        )

    @admin.display(description="lignes reçues")
    def lines_received(self, receipt: Receipt) -> str:
        return f"{receipt.line_received}/{receipt.line_total}"  # type: ignore[attr-defined]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"received_on": timezone.localdate(), **super().get_changeform_initial_data(request)}

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A receipt whose lines made lots is part of the stock history: cancel, adjust instead.
        if obj is not None and obj.status != ReceiptStatus.DRAFT:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: Receipt, form: forms.ModelForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = receiving.create_receipt(
            receipt_type=obj.receipt_type,
            received_on=obj.received_on,
            source=obj.source_contact,
            carrier=obj.carrier_contact,
            warehouse=obj.warehouse,
            actor=Actor(user=request.user),
            **{name: getattr(obj, name) for name in PLAIN_HEADER_FIELDS},
        )
        # The inline formsets are bound to `obj`: it becomes the row the service created.
        for field in Receipt._meta.concrete_fields:
            setattr(obj, field.attname, getattr(created, field.attname))
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: Any, change: bool
    ) -> None:
        if formset.model is not ReceiptOutOfFormatLine:
            super().save_formset(request, form, formset, change)
            return
        receipt = form.instance
        lines = formset.save(commit=False)
        for deleted in formset.deleted_objects:
            deleted.delete()
        taken = set(
            receipt.out_of_format_lines.exclude(
                pk__in=[line.pk for line in lines if line.pk]
            ).values_list("number", flat=True)
        )
        taken |= {line.number for line in lines if line.number}
        for line in lines:
            if not line.number:
                line.number = max(taken, default=0) + 1
                taken.add(line.number)
            line.save()
        count = receipt.out_of_format_lines.count()
        if count and count != receipt.out_of_format_count:
            Receipt.objects.filter(pk=receipt.pk).update(out_of_format_count=count)

    @admin.action(description="Réceptionner toutes les lignes", permissions=["change"])
    def receive_all_lines(self, request: HttpRequest, queryset: QuerySet[Receipt]) -> None:
        # One transaction per receipt (the service's): a refused receipt leaves the others done.
        actor = Actor(user=request.user)
        for receipt in queryset.order_by("pk"):
            try:
                lots = receiving.receive_all(receipt, actor=actor)
            except StockError as exc:
                messages.error(request, f"{receipt.reference} : {exc.message}")
            else:
                messages.success(
                    request, f"{receipt.reference} : {len(lots)} ligne(s) réceptionnée(s)."
                )

    @admin.action(description="Annuler les réceptions", permissions=["change"])
    def cancel_receipts(self, request: HttpRequest, queryset: QuerySet[Receipt]) -> None:
        actor = Actor(user=request.user)
        for receipt in queryset.order_by("pk"):
            try:
                receiving.cancel_receipt(receipt, actor=actor)
            except StockError as exc:
                messages.error(request, f"{receipt.reference} : {exc.message}")
            else:
                messages.success(request, f"{receipt.reference} : annulée.")
