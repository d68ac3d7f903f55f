"""The benchmark server's URLs: the floor view, then every URL of the product unchanged."""

from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def floor(request: HttpRequest) -> HttpResponse:
    """The cheapest answer Django gives through the full middleware stack: every latency of a
    run is also reported as a ratio to this one (bench/README.md)."""
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("__bench__/floor/", floor, name="bench_floor"),
    path("", include("project.urls")),
]
