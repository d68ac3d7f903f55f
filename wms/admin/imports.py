"""Importing a table from its admin changelist (S-IMPORT): an "Importer" button on the lists of
products, categories, warehouses, locations, contacts and users leads to the same steps as the
managers' scan screen (upload → dry run report → confirm), drawn with admin templates.

The steps are scan/views/import_steps.py's; only the pages differ. Importing needs the
`wms.manage_imports` capability (S-ROLES), whatever the model permissions of the list.
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_http_methods

from scan.forms.imports import ACCEPT, UploadForm
from scan.views import import_steps
from wms.imports.tables import IMPORT_TABLES, ImportTable

IMPORT_PERMISSION = "wms.manage_imports"
UPLOAD_TEMPLATE = "admin/wms/imports/upload.html"
REVIEW_TEMPLATE = "admin/wms/imports/review.html"


class ImportAdminMixin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Put before the ModelAdmin base: `class ProductAdmin(ImportAdminMixin, admin.ModelAdmin)`."""

    import_table: ClassVar[str]
    change_list_template = "admin/wms/imports/change_list.html"

    def has_import_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(IMPORT_PERMISSION)

    def _import_url(self, name: str, *args: Any) -> str:
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        return reverse(f"admin:{info}_{name}", args=args, current_app=self.admin_site.name)

    def get_urls(self) -> list[URLPattern]:
        info = f"{self.opts.app_label}_{self.opts.model_name}"

        def wrap(view: Any) -> Any:
            return self.admin_site.admin_view(require_http_methods(["GET", "HEAD", "POST"])(view))

        ours = [
            path("import/", wrap(self.import_view), name=f"{info}_import"),
            path(
                "import/<uuid:token>/", wrap(self.import_review_view), name=f"{info}_import_review"
            ),
        ]
        # Before the defaults: their "<path:object_id>/" would swallow these.
        return ours + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        extra = {
            "import_url": self._import_url("import")
            if self.has_import_permission(request)
            else None
        }
        return super().changelist_view(request, {**(extra_context or {}), **extra})

    # --- the steps' pages ---------------------------------------------------------------------

    def _table(self) -> ImportTable:
        return IMPORT_TABLES[self.import_table]

    def _screens(self) -> import_steps.Screens:
        return import_steps.Screens(
            upload_url=lambda _table: self._import_url("import"),
            review_url=lambda upload: self._import_url("import_review", upload.token),
            done_url=lambda _table: self._import_url("changelist"),
            render_upload=self._render_upload,
            render_review=self._render_review,
        )

    def _context(self, request: HttpRequest, title: str) -> dict[str, Any]:
        table = self._table()
        return {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            "table": table,
            "changelist_url": self._import_url("changelist"),
            "upload_url": self._import_url("import"),
            "template_csv": reverse("scan:import_template", args=[table.name, "csv"]),
            "template_xlsx": reverse("scan:import_template", args=[table.name, "xlsx"]),
        }

    def _render_upload(self, request: HttpRequest, form: UploadForm) -> HttpResponse:
        context = {
            **self._context(request, f"Importer : {self._table().label.lower()}"),
            "form": form,
            "accept": ACCEPT,
            "media": self.media + form.media,
        }
        return TemplateResponse(request, UPLOAD_TEMPLATE, context)

    def _render_review(self, request: HttpRequest, review: import_steps.Review) -> HttpResponse:
        context = {
            **self._context(request, f"Vérification de l'import : {review.upload.original_name}"),
            "review": review,
            "review_url": self._import_url("import_review", review.upload.token),
        }
        return TemplateResponse(request, REVIEW_TEMPLATE, context)

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, fixed_table=self.import_table)
            return import_steps.upload_step(request, form, self._screens())
        return self._render_upload(request, UploadForm(fixed_table=self.import_table))

    def import_review_view(self, request: HttpRequest, token: uuid.UUID) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        return import_steps.review_step(request, token, self._screens())
