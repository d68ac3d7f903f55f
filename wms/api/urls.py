from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from wms.api.compat import urls as compat_urls
from wms.api.permissions import PublicDocumentation
from wms.api.resources import urls as resource_urls
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
    *compat_urls.urlpatterns,
    *resource_urls.urlpatterns,
    path(
        "schema/",
        SpectacularAPIView.as_view(permission_classes=[PublicDocumentation]),
        name="schema",
    ),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", permission_classes=[PublicDocumentation]
        ),
        name="docs",
    ),
    # Must stay last: it answers every path the endpoints above do not claim.
    re_path(r"^.*$", UnknownEndpointView.as_view(), name="unknown"),
]
