"""Service worker, offline shell and manifest, as the browser fetches them."""

import json

import pytest
from django.utils.html import escapejs

from scan import pwa

pytestmark = pytest.mark.django_db


def test_the_worker_is_served_with_its_scope_and_no_cache(client):
    response = client.get("/scan/service-worker.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/scan/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    assert f'const VERSION = "{pwa.worker_version()}";' in script
    assert "/static/css/dist/styles.css" in script
    assert "/static/scan/scan.js" in script
    for page, shell in {
        "/scan/": "/scan/shell/",
        "/scan/stock-update/": "/scan/shell/stock-update/",
        "/scan/out/": "/scan/shell/out/",
        "/scan/move/": "/scan/shell/move/",
        "/scan/outbox/": "/scan/shell/outbox/",
    }.items():
        assert f'"{escapejs(page)}": "{escapejs(shell)}",' in script
    assert escapejs("/static/vendor/barcode-detector/zxing_reader.wasm") in script


def test_the_worker_is_public_and_answers_head(client):
    assert client.head("/scan/service-worker.js").status_code == 200


def test_the_version_changes_when_a_precached_file_changes(settings, monkeypatch):
    settings.DEBUG = True  # recomputed on every request, as in development
    before = pwa.worker_version()
    real = pwa._static_bytes
    monkeypatch.setattr(
        pwa, "_static_bytes", lambda path: real(path) + (b"x" if path.endswith(".css") else b"")
    )
    assert pwa.worker_version() != before


def test_the_shell_is_user_neutral(client, worker):
    client.force_login(worker)
    response = client.get("/scan/shell/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "magasinier-test" not in body
    assert "csrfmiddlewaretoken" not in body
    assert "X-CSRFToken" not in body
    assert "data-shell" in body
    assert 'class="bottom-nav"' in body
    assert "no-cache" in response["Cache-Control"]


def test_the_offline_page_needs_no_login(client):
    response = client.get("/scan/offline/")
    assert response.status_code == 200
    assert "Hors ligne" in response.content.decode()


def test_scan_pages_link_the_manifest_and_register_from_a_static_script(client, worker):
    client.force_login(worker)
    body = client.get("/scan/").content.decode()
    assert '<link rel="manifest" href="/manifest.json">' in body
    assert '<script src="/static/scan/scan.js" defer></script>' in body
    assert "<script>" not in body  # no inline script anywhere (CSP)
    assert 'name="htmx-config"' in body
    assert 'hx-headers=\'{"X-CSRFToken":' in body


def test_the_manifest_starts_and_stays_in_the_scan_app(client):
    manifest = json.loads(client.get("/manifest.json").content)
    assert manifest["start_url"] == manifest["scope"] == "/scan/"
    assert manifest["short_name"] == "ASF Scan"
    assert any(icon["purpose"] == "maskable" for icon in manifest["icons"])
