"""Navigation lists only screens that exist and that the user may open."""

import pytest
from django.contrib.auth.models import AnonymousUser

from scan.navigation import DESTINATIONS, links_for

pytestmark = pytest.mark.django_db


def test_only_built_screens_appear(worker):
    urls = [link.url for link in links_for(worker, "/scan/")]
    assert urls == ["/scan/"]  # the other destinations have no URL yet
    assert len(DESTINATIONS) > len(urls)


def test_the_current_screen_is_marked(worker):
    (home,) = links_for(worker, "/scan/")
    assert home.current
    (home,) = links_for(worker, "/scan/login/")
    assert not home.current


def test_users_without_the_permission_see_nothing(outsider):
    assert links_for(outsider, "/scan/") == []
    assert links_for(AnonymousUser(), "/scan/") == []


def test_the_offline_shell_lists_every_built_screen():
    assert [link.url for link in links_for(None, "/scan/shell/")] == ["/scan/"]
