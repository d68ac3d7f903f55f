"""Warehouses, locations and rack colours admin (S-LOCATIONS)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from wms.admin.imports import ImportAdminMixin
from wms.models import Location, RackColor, Warehouse
from wms.services.naming import normalize_code_part

HEX_COLOUR = re.compile(r"^#[0-9A-Fa-f]{6}$")


def code_lookup(term: str) -> Q | None:
    """A location as printed or scanned: "A-01", "A-01-3" or its QR payload "LOC:REC:A-01-3"."""
    code, warehouse = term.strip().upper(), None
    if code.startswith("LOC:"):
        warehouse, _, code = code.removeprefix("LOC:").partition(":")
    parts = code.split("-")
    if not 2 <= len(parts) <= 3 or not all(parts):
        return None
    lookup = Q(zone=parts[0], aisle=parts[1])
    if len(parts) == 3:
        lookup &= Q(shelf=parts[2])
    if warehouse:
        lookup &= Q(warehouse__code=warehouse)
    return lookup


class CodePartsForm(forms.ModelForm):
    """Upper-cases the code parts before validation, so that a duplicate typed in lower case is
    caught by the unique check instead of failing in the database once save() upper-cases it."""

    code_parts: tuple[str, ...] = ()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.code_parts:
            if cleaned.get(name):
                cleaned[name] = normalize_code_part(cleaned[name])
        return cleaned


class WarehouseForm(CodePartsForm):
    code_parts = ("code",)

    class Meta:
        model = Warehouse
        fields = ["name", "code"]


class LocationForm(CodePartsForm):
    code_parts = ("zone", "aisle", "shelf")

    class Meta:
        model = Location
        fields = ["warehouse", "zone", "aisle", "shelf", "notes", "is_active"]


class RackColorForm(CodePartsForm):
    code_parts = ("zone",)

    class Meta:
        model = RackColor
        fields = ["warehouse", "zone", "color"]

    def clean_color(self) -> str:
        color = str(self.cleaned_data["color"]).strip()
        if not HEX_COLOUR.match(color):
            raise forms.ValidationError("Couleur au format #RRGGBB, par exemple #1E90FF.")
        return color.upper()


@admin.register(Warehouse)
class WarehouseAdmin(ImportAdminMixin, admin.ModelAdmin):
    import_table = "warehouses"
    form = WarehouseForm
    list_display = ("name", "code")
    search_fields = ("name", "code")


@admin.register(Location)
class LocationAdmin(ImportAdminMixin, admin.ModelAdmin):
    import_table = "locations"
    form = LocationForm
    list_display = ("__str__", "warehouse", "zone", "aisle", "shelf", "qr_payload", "is_active")
    list_filter = ("warehouse", "is_active")
    list_select_related = ("warehouse",)
    search_fields = ("zone", "aisle", "shelf", "warehouse__code", "warehouse__name", "notes")
    readonly_fields = ("qr_payload",)
    actions = ["print_labels"]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Location], search_term: str
    ) -> tuple[QuerySet[Location], bool]:
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        code = code_lookup(search_term)
        if code is not None:
            results = results | queryset.filter(code)
        return results, may_have_duplicates

    @admin.display(description="QR")
    def qr_payload(self, location: Location) -> str:
        return location.qr_payload if location.pk is not None else "–"

    @admin.action(description="Imprimer les étiquettes")
    def print_labels(
        self, request: HttpRequest, queryset: QuerySet[Location]
    ) -> HttpResponseRedirect:
        # The print page checks the selection (size, ids) and says what is wrong.
        ids = ",".join(str(pk) for pk in queryset.order_by("pk").values_list("pk", flat=True))
        return HttpResponseRedirect(f"{reverse('scan:print_location_labels')}?ids={ids}")


@admin.register(RackColor)
class RackColorAdmin(admin.ModelAdmin):
    form = RackColorForm
    list_display = ("warehouse", "zone", "color")
    list_filter = ("warehouse",)
    list_select_related = ("warehouse",)
