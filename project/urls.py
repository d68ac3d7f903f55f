from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language
from pwa.views import manifest

from wms.api.media import ProductPhotoView
from wms.health import healthz
from wms.public.views import landing

urlpatterns = [
    path("", landing, name="landing"),
    path("healthz", healthz, name="healthz"),
    path("manifest.json", manifest, name="manifest"),
    path("media/products/<path:name>", ProductPhotoView.as_view(), name="product_photo"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
    path("scan/", include("scan.urls")),
    path("api/v1/", include("wms.api.urls")),
]
