"""What the service worker keeps for offline use, and the version that names its caches.

The version changes whenever a precached file, a template of the scan frame or a shell, or the
worker's own template changes, so an installed phone picks up the new files at its next update
check.

Shells are user-neutral copies of pages (no name, no CSRF token, no stock data), fetched by the
worker without credentials: `/scan/shell/` for the home screen, `/scan/shell/<screen>/` for the
capture screens and the outbox. A capture shell is the screen's own template with an empty form
(choice lists of master data left empty: the worker scans a location label instead), so that
offline a reloaded capture screen still takes operations into the outbox.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template import TemplateDoesNotExist
from django.template.loader import get_template
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

WORKER_TEMPLATE = "scan/service-worker.js"
# Template folders whose files make up the scan frame and the shells (their sources make the
# version: an include changed is a shell changed).
VERSIONED_TEMPLATE_DIRS = ("scan", "includes")
VERSIONED_TEMPLATES = ("base.html",)

# Static files every scan screen needs (paths relative to the static root). The barcode reader
# (about 1 MB of WebAssembly) is kept too, so the camera reads codes without network.
PRECACHED_STATIC = (
    "css/dist/styles.css",
    "scan/scan.js",
    "scan/offline.js",
    "scan/gs1.js",
    "scan/scanfield.js",
    "scan/camera.js",
    "django_htmx/htmx-2.min.js",
    "icons/favicon.svg",
    "icons/icon-192.png",
    "vendor/barcode-detector/barcode-detector.iife.js",
    "vendor/barcode-detector/zxing_reader.wasm",
)

CAPTURE_FORMS = "scan.forms.capture."


@dataclass(frozen=True)
class ScreenShell:
    """The saved copy of one screen: its template, rendered with empty forms."""

    url_name: str
    template: str
    forms: tuple[tuple[str, str], ...] = ()  # (context name, form class path)


SCREEN_SHELLS: dict[str, ScreenShell] = {
    "stock-update": ScreenShell(
        "scan:stock_update",
        "scan/capture/stock_update.html",
        (
            ("form", CAPTURE_FORMS + "QuickEntryForm"),
            ("product_form", CAPTURE_FORMS + "QuickProductForm"),
            ("donor_form", CAPTURE_FORMS + "QuickDonorForm"),
        ),
    ),
    "out": ScreenShell(
        "scan:out", "scan/capture/out.html", (("form", CAPTURE_FORMS + "RemoveForm"),)
    ),
    "move": ScreenShell(
        "scan:move", "scan/capture/move.html", (("form", CAPTURE_FORMS + "MoveForm"),)
    ),
    # Packing into a carton is a capture too (S-OFFLINE): an empty format list offline means
    # "the default format".
    "pack": ScreenShell(
        "scan:pack", "scan/packing/pack.html", (("form", "scan.forms.packing.PackForm"),)
    ),
    "outbox": ScreenShell("scan:outbox", "scan/outbox.html"),
}
# Adjust and count have no shell: they show the lot's current quantity, which only the server
# knows; offline, a form already open on them is still queued when sent.


def precached_static_urls() -> list[str]:
    return [static(path) for path in PRECACHED_STATIC]


def _screen_path(shell: ScreenShell) -> str | None:
    try:
        path = reverse(shell.url_name)
        get_template(shell.template)
    except (NoReverseMatch, TemplateDoesNotExist):
        return None  # that screen is not built yet
    return path


def available_shells() -> dict[str, ScreenShell]:
    return {slug: shell for slug, shell in SCREEN_SHELLS.items() if _screen_path(shell)}


def shell_routes() -> dict[str, str]:
    """Page path → the user-neutral copy served for it when offline."""
    routes = {reverse("scan:home"): reverse("scan:shell")}
    for slug, shell in available_shells().items():
        path = _screen_path(shell)
        if path:
            routes[path] = reverse("scan:screen_shell", args=[slug])
    return routes


def empty_form(path: str) -> forms.Form:
    """An unbound form whose choices from the database are empty (a shell is public)."""
    form: forms.Form = import_string(path)()
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and field.queryset is not None:
            field.queryset = field.queryset.none()
    return form


def shell_context(shell: ScreenShell) -> dict[str, Any]:
    context: dict[str, Any] = {
        "shell": True,
        "shell_screen": shell.url_name,
        # No token in a page cached for everyone: offline.js sends the cookie's at replay.
        "csrf_token": "",  # nosec B105 - an empty token, not a password
        "op_id": "",
    }
    for name, path in shell.forms:
        context[name] = empty_form(path)
    return context


def offline_url() -> str:
    return reverse("scan:offline")


def _static_bytes(path: str) -> bytes:
    found = finders.find(path)
    if found:
        with open(str(found), "rb") as handle:
            return handle.read()
    # Collected only (manifest storage in production): the hashed name already says the content.
    return staticfiles_storage.url(path).encode()


def _template_root() -> Path:
    origin: Any = get_template("base.html").origin  # type: ignore[attr-defined]
    return Path(str(origin.name)).parent


def _versioned_templates() -> list[tuple[str, Path]]:
    """(name, file) of every template whose source makes the version."""
    root = _template_root()
    files = [root / name for name in VERSIONED_TEMPLATES]
    for folder in VERSIONED_TEMPLATE_DIRS:
        files.extend(path for path in (root / folder).rglob("*") if path.is_file())
    return sorted((path.relative_to(root).as_posix(), path) for path in files)


def _compute_version() -> str:
    digest = hashlib.sha256()
    for path in PRECACHED_STATIC:
        digest.update(path.encode() + b"\0" + _static_bytes(path))
    for name, file in _versioned_templates():
        digest.update(name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()[:12]


_cached_version = lru_cache(maxsize=1)(_compute_version)


def worker_version() -> str:
    # In development files change under a running server: recompute on every request.
    return _compute_version() if settings.DEBUG else _cached_version()
