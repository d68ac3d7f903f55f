"""The new API v1 endpoints (S-API): paginated by default, strict filters, idempotent writes."""

from __future__ import annotations

from typing import Any

from django.urls import URLPattern, path

from wms.api.resources.cartons import CartonViewSet
from wms.api.resources.locations import LocationViewSet, WarehouseViewSet
from wms.api.resources.receipts import ReceiptViewSet
from wms.api.resources.shipments import DestinationViewSet, ShipmentViewSet, TrackingEventViewSet
from wms.api.resources.stock import LotViewSet, MovementViewSet
from wms.api.resources.writes import StockAdjustView, StockTransferView


def read_only(prefix: str, name: str, viewset: Any) -> list[URLPattern]:
    return [
        path(f"{prefix}/", viewset.as_view({"get": "list"}), name=f"{name}-list"),
        path(f"{prefix}/<int:pk>/", viewset.as_view({"get": "retrieve"}), name=f"{name}-detail"),
    ]


urlpatterns: list[URLPattern] = [
    *read_only("lots", "lot", LotViewSet),
    *read_only("locations", "location", LocationViewSet),
    *read_only("warehouses", "warehouse", WarehouseViewSet),
    *read_only("movements", "movement", MovementViewSet),
    *read_only("receipts", "receipt", ReceiptViewSet),
    *read_only("cartons", "carton", CartonViewSet),
    *read_only("shipments", "shipment", ShipmentViewSet),
    path(
        "shipments/<int:pk>/tracking-events/",
        TrackingEventViewSet.as_view({"get": "list", "post": "create"}),
        name="shipment-tracking-events",
    ),
    *read_only("destinations", "destination", DestinationViewSet),
    path("stock/adjust/", StockAdjustView.as_view(), name="stock-adjust"),
    path("stock/transfer/", StockTransferView.as_view(), name="stock-transfer"),
]
