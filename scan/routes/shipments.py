"""Shipment screens: create, edit, the list under way, the detail page and its actions, and the
shipment's additional documents (S-SHIPMENTS)."""

from django.urls import URLPattern, path

from scan.views import shipment_documents, shipments

urlpatterns: list[URLPattern] = [
    path("shipment/", shipments.shipment_create, name="shipment_create"),
    path("shipment/<int:pk>/", shipments.shipment_detail, name="shipment_detail"),
    path("shipment/<int:pk>/edit/", shipments.shipment_edit, name="shipment_edit"),
    path("shipment/<int:pk>/ship/", shipments.shipment_ship, name="shipment_ship"),
    path("shipment/<int:pk>/status/", shipments.shipment_status, name="shipment_status"),
    path(
        "shipment/<int:pk>/documents/",
        shipment_documents.shipment_document_upload,
        name="shipment_document_upload",
    ),
    path(
        "shipment/<int:pk>/documents/<int:doc_pk>/",
        shipment_documents.shipment_document,
        name="shipment_document",
    ),
    path("shipments-ready/", shipments.shipments_ready, name="shipments_ready"),
]
