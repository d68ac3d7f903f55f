"""The outbox screen, the saved shells of the capture screens, and the scan field the frame adds."""

import json

import pytest
from whitenoise.media_types import MediaTypes

from scan import pwa
from tests.factories import LocationFactory, ProductFactory

pytestmark = pytest.mark.django_db

SCREEN_SHELLS = ["stock-update", "out", "move"]


# --- /scan/outbox/ --------------------------------------------------------------------------


def test_the_outbox_page_is_a_user_neutral_frame_filled_by_the_browser(client, worker):
    client.force_login(worker)
    response = client.get("/scan/outbox/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-outbox-screen" in body
    assert 'data-outbox-list="pending"' in body
    assert 'data-outbox-list="rejected"' in body
    assert 'data-outbox-list="applied"' in body
    assert "data-outbox-others" in body
    assert "data-outbox-sync" in body
    assert "no-cache" in response["Cache-Control"]


def test_the_outbox_speaks_french(client, worker):
    client.force_login(worker)
    body = client.get("/scan/outbox/").content.decode()
    assert "Synchroniser maintenant" in body
    assert "{count} opérations d&#x27;un autre utilisateur" in body


def test_the_outbox_tells_the_saved_shell_whose_session_it_is(client, worker):
    client.force_login(worker)
    response = client.get("/scan/outbox/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    assert json.loads(response.content) == {"user": "magasinier-test"}
    assert "Accept" in response["Vary"]
    assert "no-cache" in response["Cache-Control"]


def test_the_outbox_answers_head(client, worker):
    client.force_login(worker)
    assert client.head("/scan/outbox/").status_code == 200


def test_the_outbox_refuses_a_user_without_the_scan_permission(client, outsider):
    client.force_login(outsider)
    assert client.get("/scan/outbox/").status_code == 403
    assert client.get("/scan/outbox/", HTTP_ACCEPT="application/json").status_code == 403


def test_the_outbox_sends_an_anonymous_visitor_to_the_login_page(client):
    for accept in ("text/html", "application/json"):
        response = client.get("/scan/outbox/", HTTP_ACCEPT=accept)
        assert response.status_code == 302
        assert response["Location"].startswith("/scan/login/")


def test_the_outbox_refuses_a_post(client, worker):
    client.force_login(worker)
    assert client.post("/scan/outbox/").status_code == 405


# --- shells ------------------------------------------------------------------------------------


@pytest.mark.parametrize("screen", SCREEN_SHELLS)
def test_a_capture_shell_holds_the_empty_form_and_no_data(client, screen):
    location = LocationFactory()
    ProductFactory(default_location=location)
    response = client.get(f"/scan/shell/{screen}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-shell" in body
    assert 'data-offline="queue"' in body
    assert '<input type="hidden" name="op_id" value="">' in body
    assert "csrfmiddlewaretoken" not in body  # the cookie's token is sent at replay
    assert "X-CSRFToken" not in body
    assert "data-user=" not in body
    # Master data stays behind the login: the shell is fetched without credentials.
    assert location.code not in body
    assert "no-cache" in response["Cache-Control"]


def test_the_quick_entry_shell_offers_the_scan_field_for_the_product(client):
    body = client.get("/scan/shell/stock-update/").content.decode()
    assert "data-scan-field" in body
    assert 'data-target="id_product_code"' in body
    assert 'id="id_product_code"' in body


def test_a_capture_shell_is_the_same_for_every_user(client, worker):
    anonymous = client.get("/scan/shell/move/").content.decode()
    client.force_login(worker)
    signed_in = client.get("/scan/shell/move/").content.decode()
    assert "magasinier-test" not in signed_in
    assert signed_in == anonymous


def test_the_outbox_shell_is_the_outbox_page_without_a_user(client):
    body = client.get("/scan/shell/outbox/").content.decode()
    assert "data-outbox-screen" in body
    assert "data-shell" in body


def test_an_unknown_shell_is_not_found(client):
    assert client.get("/scan/shell/adjust/").status_code == 404
    assert client.get("/scan/shell/nothing/").status_code == 404


def test_the_worker_precaches_every_shell_and_the_barcode_reader(client):
    routes = pwa.shell_routes()
    assert routes == {
        "/scan/": "/scan/shell/",
        "/scan/stock-update/": "/scan/shell/stock-update/",
        "/scan/out/": "/scan/shell/out/",
        "/scan/move/": "/scan/shell/move/",
        "/scan/outbox/": "/scan/shell/outbox/",
        "/scan/pack/": "/scan/shell/pack/",
    }
    for shell in routes.values():
        assert client.get(shell).status_code == 200
    urls = pwa.precached_static_urls()
    for name in ("offline.js", "gs1.js", "scanfield.js", "camera.js", "barcode-detector.iife.js"):
        assert any(url.endswith(name) for url in urls)
    wasm = next(url for url in urls if url.endswith(".wasm"))
    # WebAssembly.instantiateStreaming needs this type from the static file server.
    assert MediaTypes().get_type(wasm) == "application/wasm"


def test_the_version_changes_when_a_shell_template_changes(settings, monkeypatch, tmp_path):
    settings.DEBUG = True  # recomputed on every request, as in development
    include = tmp_path / "_op.html"
    include.write_text("<input>")
    real = pwa._versioned_templates()
    assert "scan/outbox.html" in dict(real)
    monkeypatch.setattr(
        pwa, "_versioned_templates", lambda: [*real, ("scan/capture/_op.html", include)]
    )
    before = pwa.worker_version()
    include.write_text("<input name=op_id>")
    assert pwa.worker_version() != before


# --- the frame: scripts, scan field, outbox badge ----------------------------------------------


def test_scan_pages_load_the_outbox_and_scan_field_scripts(client, worker):
    client.force_login(worker)
    body = client.get("/scan/").content.decode()
    for script in ("offline.js", "gs1.js", "scanfield.js", "camera.js"):
        assert f'<script src="/static/scan/{script}" defer></script>' in body
    assert "data-outbox-badge hidden" in body
    assert 'href="/scan/outbox/"' in body
    assert 'id="scan-texts"' in body
    assert "data-logout-link" in body


def test_the_home_screen_has_no_scan_field(client, worker):
    client.force_login(worker)
    assert "data-scan-field" not in client.get("/scan/").content.decode()


def test_the_scan_field_carries_the_wedge_settings(client, worker, settings):
    settings.SCAN_GS_SUBSTITUTE = "~"
    settings.SCAN_DUPLICATE_WINDOW_MS = 450
    client.force_login(worker)
    body = client.get("/scan/stock-update/").content.decode()
    assert body.count("data-scan-field ") == 1
    assert 'data-gs-substitute="~"' in body
    assert 'data-duplicate-window-ms="450"' in body
    assert 'data-resolve-url="/scan/resolve/"' in body
    assert 'data-wasm-url="/static/vendor/barcode-detector/zxing_reader.wasm"' in body
    assert 'inputmode="none"' not in body  # set by the script: without it, a normal field


def test_the_login_page_has_no_scan_field_nor_user(client):
    body = client.get("/scan/login/").content.decode()
    assert "data-scan-field" not in body
    assert 'data-user=""' in body
