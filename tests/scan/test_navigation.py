"""Navigation lists only screens that exist and that the user may open."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse

from scan.navigation import DESTINATIONS, links_for
from wms.roles import SCAN_PERMISSION

pytestmark = pytest.mark.django_db


def built_urls(*, managers: bool = False):
    urls = []
    for destination in DESTINATIONS:
        if destination.permission != SCAN_PERMISSION and not managers:
            continue
        try:
            urls.append(reverse(destination.url_name))
        except NoReverseMatch:
            continue
    return urls


def test_exactly_the_built_screens_appear(worker):
    urls = [link.url for link in links_for(worker, "/scan/")]
    assert urls == built_urls()
    assert "/scan/" in urls and "/scan/stock/" in urls and "/scan/faq/" in urls
    assert "/scan/orders-view/" not in urls


def test_managers_also_see_their_review_screens(manager):
    urls = [link.url for link in links_for(manager, "/scan/")]
    assert urls == built_urls(managers=True)
    assert {"/scan/orders-view/", "/scan/account-requests/", "/scan/documents/"} <= set(urls)


def test_the_current_screen_is_marked(worker):
    current = {link.url: link.current for link in links_for(worker, "/scan/stock/expired/")}
    assert current["/scan/stock/"] is True
    assert current["/scan/"] is False  # home is current only on /scan/ itself
    assert {link.url: link.current for link in links_for(worker, "/scan/")}["/scan/"] is True


def test_users_without_the_permission_see_nothing(outsider):
    assert links_for(outsider, "/scan/") == []
    assert links_for(AnonymousUser(), "/scan/") == []


def test_the_offline_shell_lists_every_built_screen():
    assert [link.url for link in links_for(None, "/scan/shell/")] == built_urls()
