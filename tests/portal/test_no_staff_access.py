"""An association user has no access to the warehouse: every `/api/v1/` endpoint and every
screen of `/scan/` answer 403 (S-ROLES), except the public pages anybody may open."""

from __future__ import annotations

import re
import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from wms.models import Shipment

pytestmark = pytest.mark.django_db

# Pages for anybody (login, the worker's files, public links): not warehouse screens.
PUBLIC = re.compile(
    r"^/scan/(login/|logout/|service-worker\.js|shell/|offline/|catalog\.json|"
    r"shipment/(track|update)/|public-order/)"
)


def concrete(pattern: str) -> str:
    """A URL for a route pattern, ids and tokens filled with values that exist nowhere."""
    pattern = pattern.replace("^", "").replace("$", "")
    pattern = re.sub(r"<int:\w+>", "999999", pattern)
    pattern = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), pattern)
    pattern = re.sub(r"<(str|slug|path):\w+>", "x", pattern)
    return pattern


def scan_urls() -> list[str]:
    resolver = next(
        entry
        for entry in get_resolver().url_patterns
        if isinstance(entry, URLResolver) and entry.namespace == "scan"
    )
    urls = []
    for entry in resolver.url_patterns:
        assert isinstance(entry, URLPattern)
        url = "/scan/" + concrete(str(entry.pattern))
        if not PUBLIC.match(url):
            urls.append(url)
    return sorted(set(urls))


API_URLS = ["/api/v1/whoami/", "/api/v1/products/", "/api/v1/products/1/", "/api/v1/schema/",
            "/api/v1/docs/", "/api/v1/anything-else/"]  # fmt: skip


@pytest.mark.parametrize("url", API_URLS)
def test_an_association_user_gets_403_on_every_api_endpoint(client, association_user, url):
    client.force_login(association_user)
    assert client.get(url).status_code == 403


def test_an_association_user_gets_403_on_every_scan_screen(client, association_user):
    client.force_login(association_user)
    urls = scan_urls()
    assert "/scan/" in urls and "/scan/orders-view/" in urls and len(urls) > 40
    answers = {url: client.get(url).status_code for url in urls}
    # 405: an action that only takes POST says so before looking at the user.
    assert {url: code for url, code in answers.items() if code not in (403, 405)} == {}
    post_only = [url for url, code in answers.items() if code == 405]
    assert len(post_only) > 10
    posts = {url: client.post(url, {}).status_code for url in post_only}
    assert {url: code for url, code in posts.items() if code != 403} == {}


def test_the_schema_stays_open_to_anonymous_integrators(client):
    assert client.get("/api/v1/schema/").status_code == 200
    assert client.get("/api/v1/docs/").status_code == 200


def test_the_public_tracking_page_stays_open_to_them_like_to_anybody(client, association_user):
    client.force_login(association_user)
    assert Shipment.objects.count() == 0
    assert client.get(f"/scan/shipment/track/{uuid.uuid4()}/").status_code == 404
