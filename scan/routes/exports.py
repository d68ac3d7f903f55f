"""CSV exports of the tables (S-IMPORT), manager-only."""

from django.urls import URLPattern, path

from scan.views import exports

urlpatterns: list[URLPattern] = [
    path("export/<slug:table>.csv", exports.export_csv, name="export_table"),
]
