"""Packing screens (S-CARTONS): pack into a carton, plan cartons, the carton list, close and
reopen a carton."""

from django.urls import URLPattern, path

from scan.views import packing

urlpatterns: list[URLPattern] = [
    path("pack/", packing.pack, name="pack"),
    path("pack/plan/", packing.pack_plan, name="pack_plan"),
    path("cartons/", packing.cartons, name="cartons"),
    path("cartons/<int:pk>/close/", packing.carton_close, name="carton_close"),
    path("cartons/<int:pk>/reopen/", packing.carton_reopen, name="carton_reopen"),
]
