"""Offline capture: the outbox screen and the saved shells of the capture screens (S-OFFLINE)."""

from django.urls import URLPattern, path

from scan.views import outbox, pwa

urlpatterns: list[URLPattern] = [
    path("outbox/", outbox.outbox, name="outbox"),
    path("shell/<slug:screen>/", pwa.screen_shell, name="screen_shell"),
]
