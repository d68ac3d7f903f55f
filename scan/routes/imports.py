"""Table imports (S-IMPORT), manager-only: upload, dry run report, confirm; the templates."""

from django.urls import URLPattern, path

from scan.views import imports

urlpatterns: list[URLPattern] = [
    path("import/", imports.imports, name="imports"),
    path(
        "import/template/<slug:table>.<slug:extension>",
        imports.import_template,
        name="import_template",
    ),
    path("import/<uuid:token>/", imports.import_review, name="import_review"),
]
