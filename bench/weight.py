"""Scan page weight (issue 12): what a phone downloads on its first visit to the scan home, and
what it downloads again on a repeat visit once the service worker holds the static files.

Used by the CI gate (e2e/test_page_weight.py, against Django's live_server) and by the benchmark
(bench/run.py, against gunicorn). Playwright's sync API, Debian's chromium.

- First load: a fresh browser context (empty HTTP cache, no service worker) signed in as a
  worker, opens /scan/ and stays until the service worker is active (its install has then
  fetched everything it precaches). Counted: every HTML, CSS and JavaScript response that came
  from the network, the page's and the service worker's own, each URL once, at its gzip size
  (level 6, computed here: the test server sends files uncompressed, a production front server
  compresses them). Not counted: the camera's barcode decoder (static/vendor/barcode-detector/,
  a polyfill and ~1 MB of WebAssembly, loaded by the page only when the camera is opened),
  images, the manifest and other JSON.
- Repeat load: the same page reloaded with the service worker in control. Counted: the bytes of
  /static/ responses that came from the network rather than from the worker's cache.
"""

from __future__ import annotations

import gzip
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

CAMERA_DECODER_PREFIX = "/static/vendor/barcode-detector/"
TEXT_TYPES = ("text/html", "text/css", "javascript")
PHONE = {"width": 390, "height": 844}
# How the e2e tests and the benchmark launch Debian's chromium (no sandbox as root, nothing
# fetched from the network behind the page's back).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

WAIT_FOR_ACTIVE_WORKER = """() => Promise.race([
  navigator.serviceWorker.ready.then(() => true),
  new Promise((_, reject) => setTimeout(() => reject(new Error("no active worker")), 20000)),
])"""
CONTROLLED = "() => Boolean(navigator.serviceWorker && navigator.serviceWorker.controller)"


def gzip_size(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6))


@dataclass
class Fetched:
    url: str
    path: str
    content_type: str
    from_service_worker: bool
    status: int
    body: bytes

    @property
    def is_page_text(self) -> bool:
        """HTML, CSS or JavaScript, the camera decoder excepted."""
        return (
            any(kind in self.content_type for kind in TEXT_TYPES)
            and not self.path.startswith(CAMERA_DECODER_PREFIX)
            and 200 <= self.status < 300
        )


@dataclass
class NetworkLog:
    """Every response a browser context sees (its pages' and its service worker's)."""

    fetched: list[Fetched] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def attach(self, context: Any) -> None:
        context.on("response", self._on_response)

    def clear(self) -> None:
        self.fetched.clear()

    def _on_response(self, response: Any) -> None:
        try:
            body = response.body() if 200 <= response.status < 300 else b""
        except Exception as error:  # a body the browser did not keep (redirects, aborted)
            body = b""
            self.errors.append(f"{response.url}: {error}")
        self.fetched.append(
            Fetched(
                url=response.url,
                path=urlsplit(response.url).path,
                content_type=response.headers.get("content-type", ""),
                from_service_worker=bool(response.from_service_worker),
                status=response.status,
                body=body,
            )
        )

    def fill_missing_bodies(self, request: Any) -> None:
        """Chromium keeps no body for the service worker's own fetches (its precache): those
        URLs are fetched again through the context's request client (same cookies)."""
        for item in self.fetched:
            if item.status == 200 and not item.body and not item.from_service_worker:
                item.body = request.get(item.url).body()

    def network(self) -> list[Fetched]:
        return [item for item in self.fetched if not item.from_service_worker]

    def first_load_gzip_bytes(self) -> tuple[int, dict[str, int]]:
        """Gzip bytes of the HTML, CSS and JS that came from the network, each URL once."""
        sizes: dict[str, int] = {}
        for item in self.network():
            if item.is_page_text and item.url not in sizes:
                sizes[item.url] = gzip_size(item.body)
        return sum(sizes.values()), sizes

    def static_network_bytes(self) -> tuple[int, dict[str, int]]:
        """Bytes of /static/ files that came from the network (not from the worker's cache)."""
        sizes: dict[str, int] = {}
        for item in self.network():
            if item.path.startswith("/static/"):
                sizes[item.url] = sizes.get(item.url, 0) + len(item.body)
        return sum(sizes.values()), sizes


@dataclass
class PageWeight:
    first_load_gzip_bytes: int
    repeat_load_static_bytes: int
    first_load_files: dict[str, int]
    repeat_load_files: dict[str, int]


def session_cookies(browser: Any, base_url: str, username: str, password: str) -> list[Any]:
    """Sign in through the scan login form in a throwaway context; its cookies."""
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    try:
        page = context.new_page()
        page.goto(base_url + "/scan/login/")
        page.get_by_label("Identifiant").fill(username)
        page.get_by_label("Mot de passe").fill(password)
        page.get_by_role("button", name="Se connecter").click()
        page.wait_for_url(base_url + "/scan/")
        cookies: list[Any] = context.cookies()
        return cookies
    finally:
        context.close()


def wait_until(page: Any, script: str, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := page.evaluate(script)):
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {seconds} s: {script}")
        page.wait_for_timeout(100)
    return value


def measure_scan_home(
    browser: Any, base_url: str, username: str, password: str, *, settle_ms: int = 500
) -> PageWeight:
    """First load and repeat load of /scan/ for a worker (see the module's docstring)."""
    cookies = session_cookies(browser, base_url, username, password)
    context = browser.new_context(viewport=PHONE, locale="fr-FR")
    try:
        context.add_cookies(cookies)
        log = NetworkLog()
        log.attach(context)
        page = context.new_page()
        page.goto(base_url + "/scan/", wait_until="load")
        page.evaluate(WAIT_FOR_ACTIVE_WORKER)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(settle_ms)
        log.fill_missing_bodies(context.request)
        first, first_files = log.first_load_gzip_bytes()

        log.clear()
        page.reload(wait_until="load")
        wait_until(page, CONTROLLED)
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(settle_ms)
        log.fill_missing_bodies(context.request)
        repeat, repeat_files = log.static_network_bytes()
        return PageWeight(first, repeat, first_files, repeat_files)
    finally:
        context.close()
