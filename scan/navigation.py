"""The scan app's destinations: the bottom navigation and the home tiles are built from this list.

A destination appears only once its URL exists and the user holds its permission, so screens
join the navigation by being added to urls.py, never by a dead link.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from wms.roles import MANAGER_PERMISSION, SCAN_PERMISSION


@dataclass(frozen=True)
class Destination:
    url_name: str
    label: str | Promise
    icon: str
    permission: str = SCAN_PERMISSION
    in_bottom_nav: bool = True


DESTINATIONS = [
    Destination("scan:home", _("Home"), "home"),
    Destination("scan:stock", _("Stock"), "boxes"),
    Destination("scan:receive", _("Receive"), "truck"),
    Destination("scan:pack", _("Pack"), "package"),
    Destination("scan:shipments_ready", _("Shipments"), "plane"),
    Destination("scan:stock_update", _("Quick entry"), "plus"),
    Destination("scan:cartons", _("Cartons"), "package", in_bottom_nav=False),
    Destination("scan:shipment_create", _("New shipment"), "plane", in_bottom_nav=False),
    Destination("scan:labels", _("Labels"), "list", in_bottom_nav=False),
    Destination("scan:orders_view", _("Orders"), "list", MANAGER_PERMISSION, in_bottom_nav=False),
    Destination("scan:account_requests", _("Account requests"), "inbox", MANAGER_PERMISSION, False),
    Destination("scan:documents_review", _("Documents"), "list", MANAGER_PERMISSION, False),
    Destination("scan:templates", _("Print templates"), "list", MANAGER_PERMISSION, False),
    Destination("scan:imports", _("Imports"), "list", MANAGER_PERMISSION, False),
    Destination("scan:move", _("Move"), "arrows", in_bottom_nav=False),
    Destination("scan:out", _("Remove"), "minus", in_bottom_nav=False),
    Destination("scan:count", _("Count"), "list", in_bottom_nav=False),
    Destination("scan:adjust", _("Adjust"), "pencil", in_bottom_nav=False),
    Destination("scan:receipts", _("Receipts"), "truck", in_bottom_nav=False),
    Destination("scan:outbox", _("Outbox"), "inbox", in_bottom_nav=False),
    Destination("scan:faq", _("Help"), "help", in_bottom_nav=False),
]


@dataclass(frozen=True)
class NavLink:
    url: str
    label: str | Promise
    icon: str
    current: bool
    in_bottom_nav: bool


def links_for(user: User | AnonymousUser | None, current_path: str) -> list[NavLink]:
    """Links for this user; `user=None` for the user-neutral offline shell (every built screen)."""
    links = []
    for destination in DESTINATIONS:
        try:
            url = reverse(destination.url_name)
        except NoReverseMatch:
            continue  # the screen is not built yet
        if user is None and destination.permission != SCAN_PERMISSION:
            continue  # the shell is shared by every worker of a handheld: no manager screens
        if user is not None and not user.has_perm(destination.permission):
            continue
        current = current_path == url if url == "/scan/" else current_path.startswith(url)
        links.append(
            NavLink(url, destination.label, destination.icon, current, destination.in_bottom_nav)
        )
    return links


# Task screens whose frame carries the scan field (S-SCAN: one per screen), with the id of the
# input a plain scan goes to; a GS1 or location scan fills the form's other inputs by name.
SCAN_FIELD_TARGETS = {
    "scan:stock_update": "id_product_code",
    "scan:out": "id_product_code",
    "scan:move": "id_product_code",
    "scan:adjust": "id_code",
    "scan:count": "id_code",
    "scan:pack": "id_product_code",
}


def scan_field_target(view_name: str | None) -> str | None:
    """The input a scan fills on this screen, or None when the screen has no scan field."""
    return SCAN_FIELD_TARGETS.get(view_name or "")
