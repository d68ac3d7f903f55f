from django.urls import path

from scan.routes import (
    browse,
    capture,
    exports,
    imports,
    offline,
    orders,
    outbox,
    packing,
    printing,
    public_orders,
    receiving,
    resolve,
    shipments,
    tracking,
)
from scan.views import auth, home, pwa

app_name = "scan"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("service-worker.js", pwa.service_worker, name="service_worker"),
    path("shell/", pwa.shell, name="shell"),
    path("offline/", pwa.offline, name="offline"),
    *resolve.urlpatterns,
    *browse.urlpatterns,
    *capture.urlpatterns,
    *offline.urlpatterns,
    *outbox.urlpatterns,
    *packing.urlpatterns,
    *shipments.urlpatterns,
    *tracking.urlpatterns,
    *printing.urlpatterns,
    *orders.urlpatterns,
    *public_orders.urlpatterns,
    *exports.urlpatterns,
    *imports.urlpatterns,
    *receiving.urlpatterns,
]
