"""The compatibility endpoints of api-v1-compat.md other than products (wms/api/urls.py), in
the `api` namespace."""

from django.urls import URLPattern, path

from wms.api.compat.events import IntegrationEventViewSet
from wms.api.compat.integrations import (
    IntegrationDestinationViewSet,
    IntegrationShipmentViewSet,
)
from wms.api.compat.orders import OrderPrepareView, OrderReserveView, OrderViewSet
from wms.api.compat.stock import PackView, StockReceiveView

urlpatterns: list[URLPattern] = [
    path("orders/", OrderViewSet.as_view({"get": "list"}), name="order-list"),
    path("orders/<int:pk>/", OrderViewSet.as_view({"get": "retrieve"}), name="order-detail"),
    path("orders/<int:pk>/reserve/", OrderReserveView.as_view(), name="order-reserve"),
    path("orders/<int:pk>/prepare/", OrderPrepareView.as_view(), name="order-prepare"),
    path("stock/receive/", StockReceiveView.as_view(), name="stock-receive"),
    path("pack/", PackView.as_view(), name="pack"),
    path(
        "integrations/shipments/",
        IntegrationShipmentViewSet.as_view({"get": "list"}),
        name="integration-shipment-list",
    ),
    path(
        "integrations/shipments/<int:pk>/",
        IntegrationShipmentViewSet.as_view({"get": "retrieve"}),
        name="integration-shipment-detail",
    ),
    path(
        "integrations/destinations/",
        IntegrationDestinationViewSet.as_view({"get": "list"}),
        name="integration-destination-list",
    ),
    path(
        "integrations/destinations/<int:pk>/",
        IntegrationDestinationViewSet.as_view({"get": "retrieve"}),
        name="integration-destination-detail",
    ),
    path(
        "integrations/events/",
        IntegrationEventViewSet.as_view({"get": "list", "post": "create"}),
        name="integration-event-list",
    ),
    path(
        "integrations/events/<int:pk>/",
        IntegrationEventViewSet.as_view(
            {"get": "retrieve", "put": "update", "patch": "partial_update"}
        ),
        name="integration-event-detail",
    ),
]
