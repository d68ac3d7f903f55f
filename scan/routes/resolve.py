"""What a scanned or typed code means (S-SCAN `/scan/resolve/?code=…`)."""

from django.urls import URLPattern, path

from scan.views import resolve

urlpatterns: list[URLPattern] = [
    path("resolve/", resolve.resolve, name="resolve"),
]
