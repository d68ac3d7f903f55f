from django.contrib import admin
from django.contrib.auth import views as auth_views
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
    # "Forgotten password": Django's views, linked from the admin login; the email is queued.
    path(
        "admin/password_reset/",
        auth_views.PasswordResetView.as_view(),
        name="admin_password_reset",
    ),
    path(
        "admin/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "admin/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "admin/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("admin/", admin.site.urls),
    path("scan/", include("scan.urls")),
    path("portal/", include("wms.portal.urls")),
    path("api/v1/", include("wms.api.urls")),
]
