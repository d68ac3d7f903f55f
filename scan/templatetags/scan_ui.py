from __future__ import annotations

from typing import Any

from django import template

from scan.navigation import NavLink, links_for

register = template.Library()


@register.simple_tag(takes_context=True)
def scan_links(context: template.Context) -> list[NavLink]:
    """Destinations the current user may open, in navigation order."""
    request: Any = context["request"]
    # The cached shell serves every worker: it lists the screens, not one user's rights.
    user = None if context.get("shell") else request.user
    return links_for(user, request.path)
