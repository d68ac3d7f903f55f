from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from wms.api.views import ProductViewSet, UnknownEndpointView, WhoAmIView

app_name = "api"

urlpatterns = [
    path("whoami/", WhoAmIView.as_view(), name="whoami"),
    path("products/", ProductViewSet.as_view({"get": "list"}), name="product-list"),
    path(
        "products/<int:pk>/",
        ProductViewSet.as_view({"get": "retrieve"}),
        name="product-detail",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Must stay last: it answers every path the endpoints above do not claim.
    re_path(r"^.*$", UnknownEndpointView.as_view(), name="unknown"),
]
