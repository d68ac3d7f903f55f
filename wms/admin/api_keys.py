"""Per-client API keys in the admin (S-API), for managers only.

A key is created with a name and its scopes; the full key is generated on save and shown once, in
the confirmation message: only its hash is stored, so nobody can show it again. The list says
which keys are in use (last use) and the "Révoquer" action cuts a key off at once. Keys are never
deleted, so that a revoked key and its last use stay visible.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from wms.models import ApiKey
from wms.roles import MANAGER_PERMISSION

SCOPE_FIELDS = ("scope_read", "scope_write", "scope_events")
# What a manager may set; everything else is written by the key itself or by the API.
EDITABLE_FIELDS = ("name", *SCOPE_FIELDS)
# Never "secret_hash": the hash is of no use to a person and is not shown anywhere.
TRACE_FIELDS = ("prefix", "created_at", "created_by", "last_used_at", "revoked_at")
SHOWN_ONCE = (
    "Clé d'API « {name} » créée : {key} — copiez-la maintenant et transmettez-la au client par "
    "un canal sûr : elle ne sera plus jamais affichée (seule son empreinte est conservée)."
)


class ApiKeyForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ApiKey
        fields = EDITABLE_FIELDS

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if not any(cleaned.get(scope) for scope in SCOPE_FIELDS):
            raise forms.ValidationError(
                "Cochez au moins une portée (lecture, écriture, événements)."
            )
        return cleaned


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    form = ApiKeyForm
    list_display = (
        "name",
        "prefix",
        "scope_list",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), *SCOPE_FIELDS)
    search_fields = ("name", "prefix")
    list_select_related = ("created_by",)
    ordering = ("name", "pk")
    actions = ["revoke"]

    # --- who: managers only (their group holds the model permissions, migration 0015) ---------

    def _is_manager(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm(MANAGER_PERMISSION))

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_manager(request) and super().has_view_permission(request, obj)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._is_manager(request) and super().has_add_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._is_manager(request) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Revoke instead: a deleted key would take its history (creation, last use) with it.
        return False

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._is_manager(request) and super().has_module_permission(request)

    # --- forms ---------------------------------------------------------------------------------

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return EDITABLE_FIELDS if obj is None else (*EDITABLE_FIELDS, *TRACE_FIELDS)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return () if obj is None else TRACE_FIELDS

    @admin.display(description="portées")
    def scope_list(self, key: ApiKey) -> str:
        return ", ".join(sorted(key.scopes)) or "–"

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        raw_key = obj.issue()
        obj.created_by = request.user  # type: ignore[assignment]
        super().save_model(request, obj, form, change)
        # The only time the full key exists outside the client: it is not stored, only hashed.
        messages.success(request, SHOWN_ONCE.format(name=obj.name, key=raw_key))

    # --- revocation ----------------------------------------------------------------------------

    @admin.action(description="Révoquer", permissions=["change"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        if revoked:
            messages.success(
                request,
                f"{revoked} clé(s) d'API révoquée(s) : l'API les refuse dès maintenant.",
            )
        else:
            messages.warning(request, "Aucune clé active dans la sélection.")
