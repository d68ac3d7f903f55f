"""The tracking page (QR code of every label) and the correspondent's update link (S-SHIPMENTS)."""

from django.urls import URLPattern, path

from scan.views import tracking

urlpatterns: list[URLPattern] = [
    path("shipment/track/<uuid:token>/", tracking.track, name="shipment_track"),
    path("shipment/update/<uuid:token>/", tracking.update, name="shipment_update"),
]
