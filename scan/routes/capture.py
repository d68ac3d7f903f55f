"""Capture screens: quick entry and the quick creations it offers, remove, adjust, count, move."""

from django.urls import URLPattern, path

from scan.views import capture

urlpatterns: list[URLPattern] = [
    path("stock-update/", capture.stock_update, name="stock_update"),
    path("stock-update/new-product/", capture.quick_product, name="quick_create_product"),
    path("stock-update/new-donor/", capture.quick_donor, name="quick_create_donor"),
    path("out/", capture.remove, name="out"),
    path("adjust/", capture.adjust, name="adjust"),
    path("count/", capture.count, name="count"),
    path("move/", capture.move, name="move"),
]
