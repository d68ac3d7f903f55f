"""Print templates in the admin (S-PRINT): the saved versions, read-only. Templates are edited in
the scan app's editor (/scan/templates/), which previews the result and checks every text; a raw
JSON form here would bypass both, so the admin only lists versions and links to the editor."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

from wms.models import ImportUpload, PrintTemplate
from wms.printing.documents import TITLES


@admin.register(PrintTemplate)
class PrintTemplateAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "document_title",
        "version",
        "is_reset",
        "restored_from",
        "created_by",
        "created_at",
        "editor",
    )
    list_filter = ("document",)
    ordering = ("document", "-version")
    readonly_fields = (
        "document",
        "version",
        "layout",
        "texts",
        "is_reset",
        "restored_from",
        "created_by",
        "created_at",
    )

    @admin.display(description="document", ordering="document")
    def document_title(self, template: PrintTemplate) -> str:
        return str(TITLES.get(template.document, template.document))

    @admin.display(description="éditeur")
    def editor(self, template: PrintTemplate) -> str:
        return format_html(
            '<a href="{}">Ouvrir l\'éditeur</a>',
            reverse("scan:template_edit", args=[template.document]),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # versions are history: a restore or a reset adds one instead


@admin.register(ImportUpload)
class ImportUploadAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Files kept between the steps of an import; deleting one here also deletes its file."""

    list_display = ("original_name", "kind", "table", "size", "created_by", "created_at")
    list_filter = ("kind", "table")
    readonly_fields = (
        "token",
        "kind",
        "table",
        "original_name",
        "size",
        "options",
        "created_by",
        "created_at",
    )
    exclude = ("file",)
    actions = ["delete_with_files"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict:  # type: ignore[type-arg]
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # it would leave the files behind
        return actions

    @admin.action(description="Supprimer (avec leurs fichiers)", permissions=["delete"])
    def delete_with_files(self, request: HttpRequest, queryset) -> None:  # type: ignore[no-untyped-def]
        count = 0
        for upload in queryset:
            upload.delete_file()
            count += 1
        self.message_user(request, f"{count} fichier(s) d'import supprimé(s).")

    def delete_model(self, request: HttpRequest, obj: ImportUpload) -> None:
        obj.delete_file()
