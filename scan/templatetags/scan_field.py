"""Settings the scan field's script needs, rendered into its data attributes (no inline script)."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from scan.navigation import scan_field_target

register = template.Library()


def _url(name: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:  # the screen is not built yet: the field still captures, offline
        return ""


@register.simple_tag
def scan_field_config() -> dict[str, Any]:
    """The wedge settings (S-SCAN) and the URLs the scan field talks to."""
    return {
        "gs_substitute": settings.SCAN_GS_SUBSTITUTE,
        "duplicate_window_ms": settings.SCAN_DUPLICATE_WINDOW_MS,
        "resolve_url": _url("scan:resolve"),
    }


@register.simple_tag(takes_context=True)
def screen_scan_target(context: template.Context) -> str | None:
    """The scan field target of the screen being rendered (its saved shell names the screen)."""
    view_name = context.get("shell_screen")
    if view_name is None:
        request: Any = context.get("request")
        match = getattr(request, "resolver_match", None)
        view_name = match.view_name if match is not None else None
    return scan_field_target(view_name)
