"""The installable scan app: manifest and icons, the service worker, the offline shell, and the
upgrade from the earlier system's worker at the same path."""

import time
from io import BytesIO

import pytest
from PIL import Image

from scan import pwa

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(page, script, seconds=20):
    """Poll a script until it returns a truthy value (page.wait_for_function does not await
    promises: a pending Promise counts as truthy)."""
    deadline = time.monotonic() + seconds
    while not (value := page.evaluate(script)):
        assert time.monotonic() < deadline, f"still false after {seconds}s: {script}"
        page.wait_for_timeout(200)
    return value


# page.evaluate has no timeout of its own: a worker that never activates must fail, not hang.
WAIT_FOR_CONTROL = """Promise.race([
  navigator.serviceWorker.ready.then(() => true),
  new Promise((_, reject) => setTimeout(() => reject(new Error("no active worker")), 15000)),
])"""
CONTROLLER_URL = (
    "navigator.serviceWorker.controller && navigator.serviceWorker.controller.scriptURL"
)
ASK_VERSION = """() => new Promise((resolve, reject) => {
  const channel = new MessageChannel();
  channel.port1.onmessage = (event) => resolve(event.data.version);
  navigator.serviceWorker.controller.postMessage({type: "version"}, [channel.port2]);
  setTimeout(() => reject(new Error("the controlling worker did not answer")), 1000);
})"""


def test_the_manifest_describes_the_scan_app_and_its_icons_load(signed_in_page, live_server):
    page = signed_in_page
    assert page.locator('link[rel="manifest"]').get_attribute("href") == "/manifest.json"
    manifest = page.request.get(live_server.url + "/manifest.json").json()
    assert manifest["name"] == "ASF WMS — Scan"
    assert manifest["short_name"] == "ASF Scan"
    assert manifest["start_url"] == "/scan/"
    assert manifest["scope"] == "/scan/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0a4a8a"
    assert manifest["background_color"] == "#f3f4f6"
    sizes = {(icon["sizes"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        response = page.request.get(live_server.url + icon["src"])
        assert response.status == 200
        assert response.headers["content-type"] == "image/png"
        width, height = Image.open(BytesIO(response.body())).size
        assert f"{width}x{height}" == icon["sizes"]


def test_the_worker_controls_scan_after_one_reload_and_serves_the_shell_offline(
    signed_in_page, live_server
):
    page = signed_in_page
    assert page.evaluate(WAIT_FOR_CONTROL)
    page.reload()
    assert page.evaluate(CONTROLLER_URL) == live_server.url + "/scan/service-worker.js"
    assert page.evaluate(ASK_VERSION) == pwa.worker_version()

    page.context.set_offline(True)
    page.reload()
    assert page.title() == "Scan · ASF Scan"
    assert page.locator("nav.bottom-nav").get_by_role("link", name="Accueil").is_visible()
    assert page.get_by_text("Pas de réseau : ceci est la copie enregistrée").is_visible()
    # The shell is user-neutral; the name comes from the browser's own storage.
    assert page.locator("[data-user-slot]").inner_text() == "magasinier"

    page.goto(live_server.url + "/scan/somewhere-not-saved/")
    assert page.locator("h1").inner_text() == "Hors ligne"
    page.context.set_offline(False)


def test_the_worker_never_caches_pages_or_posts(signed_in_page, live_server):
    page = signed_in_page
    page.evaluate(WAIT_FOR_CONTROL)
    page.reload()
    cached = page.evaluate(
        """async () => {
          const urls = [];
          for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
          }
          return urls;
        }"""
    )
    paths = sorted(url.removeprefix(live_server.url) for url in cached)
    assert "/scan/" not in paths
    assert "/scan/shell/" in paths
    assert "/scan/offline/" in paths
    assert all(path.startswith(("/static/", "/scan/shell/", "/scan/offline/")) for path in paths)


LEGACY_WORKER = """
const CACHE = "asf-legacy-v1";
self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(CACHE).then((cache) => cache.addAll(["/scan/"])).then(() => self.skipWaiting())
  );
});
self.addEventListener("activate", (event) => event.waitUntil(self.clients.claim()));
self.addEventListener("fetch", (event) => {
  if (event.request.method !== "GET") return;
  event.respondWith(caches.match(event.request).then((hit) => hit || fetch(event.request)));
});
"""

CACHE_NAMES = "caches.keys()"
NEW_WORKER_SETTLED = """async () => {
  const registration = await navigator.serviceWorker.getRegistration();
  const names = await caches.keys();
  return Boolean(registration && registration.active && registration.active.state === "activated"
    && !registration.installing && !registration.waiting
    && !names.includes("asf-legacy-v1") && names.length === 2);
}"""


def test_phones_with_the_earlier_cache_first_worker_move_to_ours(
    checked_page, live_server, monkeypatch
):
    from django.http import HttpResponse

    import scan.views.pwa as worker_view

    def legacy_worker(request, template, context, content_type):
        return HttpResponse(LEGACY_WORKER, content_type=content_type)

    # Until the deploy, /scan/service-worker.js is the earlier system's cache-first worker.
    monkeypatch.setattr(worker_view, "render", legacy_worker)
    page = checked_page
    page.goto(live_server.url + "/scan/login/")
    page.evaluate(WAIT_FOR_CONTROL)
    page.reload()
    assert page.evaluate(CACHE_NAMES) == ["asf-legacy-v1"]

    monkeypatch.undo()  # the server now serves our worker at the same path
    page.reload()
    wait_until(page, NEW_WORKER_SETTLED)
    page.reload()
    assert page.evaluate(CONTROLLER_URL) == live_server.url + "/scan/service-worker.js"
    assert page.evaluate(ASK_VERSION) == pwa.worker_version()
    version = pwa.worker_version()
    assert sorted(page.evaluate(CACHE_NAMES)) == [
        f"asf-scan-shell-{version}",
        f"asf-scan-static-{version}",
    ]
