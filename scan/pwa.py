"""What the service worker keeps for offline use, and the version that names its caches.

The version changes whenever a precached file, a shell template or the worker's own template
changes, so an installed phone picks up the new files at its next update check.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import reverse

WORKER_TEMPLATE = "scan/service-worker.js"
SHELL_TEMPLATES = ("scan/shell.html", "scan/offline.html", "scan/base.html", "base.html")

# Static files every scan screen needs (paths relative to the static root).
PRECACHED_STATIC = (
    "css/dist/styles.css",
    "scan/scan.js",
    "django_htmx/htmx-2.min.js",
    "icons/favicon.svg",
    "icons/icon-192.png",
)


def precached_static_urls() -> list[str]:
    return [static(path) for path in PRECACHED_STATIC]


def shell_routes() -> dict[str, str]:
    """Page path → the user-neutral copy served for it when offline."""
    return {reverse("scan:home"): reverse("scan:shell")}


def offline_url() -> str:
    return reverse("scan:offline")


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(found, "rb") as handle:
            return handle.read()
    # Collected only (manifest storage in production): the hashed name already says the content.
    return staticfiles_storage.url(path).encode()


def _template_source(name: str) -> str:
    return str(get_template(name).template.source)  # type: ignore[attr-defined]


def _compute_version() -> str:
    digest = hashlib.sha256()
    for path in PRECACHED_STATIC:
        digest.update(path.encode() + b"\0" + _static_bytes(path))
    for name in (WORKER_TEMPLATE, *SHELL_TEMPLATES):
        digest.update(name.encode() + b"\0" + _template_source(name).encode())
    return digest.hexdigest()[:12]


_cached_version = lru_cache(maxsize=1)(_compute_version)


def worker_version() -> str:
    # In development files change under a running server: recompute on every request.
    return _compute_version() if settings.DEBUG else _cached_version()
