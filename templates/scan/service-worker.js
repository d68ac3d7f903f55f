{% autoescape off %}/* ASF Scan service worker, version {{ version }}.
   Precaches the static files and the user-neutral shells; pages are network-first with the saved
   shell as the offline fallback; nothing else is cached (no POST, no authenticated data). */
"use strict";

const VERSION = "{{ version }}";
const CACHE_PREFIX = "asf-scan-";
const STATIC_CACHE = CACHE_PREFIX + "static-" + VERSION;
const SHELL_CACHE = CACHE_PREFIX + "shell-" + VERSION;
const STATIC_URLS = [{% for url in static_urls %}"{{ url|escapejs }}",{% endfor %}];
const SHELL_ROUTES = { {% for path, shell in shell_routes.items %}"{{ path|escapejs }}": "{{ shell|escapejs }}",{% endfor %} };
const OFFLINE_URL = "{{ offline_url|escapejs }}";
const SHELL_URLS = Object.values(SHELL_ROUTES).concat([OFFLINE_URL]);
const SCOPE = "{{ scope|escapejs }}";

self.addEventListener("install", (event) => {
  event.waitUntil(
    Promise.all([
      caches.open(STATIC_CACHE).then((cache) => cache.addAll(STATIC_URLS)),
      // Shells are fetched without credentials: they must never hold one user's data.
      caches.open(SHELL_CACHE).then((cache) =>
        Promise.all(SHELL_URLS.map((url) =>
          fetch(url, { credentials: "omit", cache: "no-store" }).then((response) => {
            if (!response.ok) throw new Error("shell " + url + ": " + response.status);
            return cache.put(url, response);
          })))),
    ]).then(() => self.skipWaiting())
  );
});

self.addEventListener("activate", (event) => {
  const keep = new Set([STATIC_CACHE, SHELL_CACHE]);
  event.waitUntil(
    caches.keys()
      // Every other cache goes, including those of earlier workers at this path.
      .then((names) => Promise.all(names.filter((name) => !keep.has(name)).map((name) => caches.delete(name))))
      .then(() => self.clients.claim())
  );
});

function offlineFallback(url) {
  const shell = SHELL_ROUTES[url.pathname];
  return caches.open(SHELL_CACHE).then((cache) =>
    (shell ? cache.match(shell) : Promise.resolve(undefined))
      .then((response) => response || cache.match(OFFLINE_URL)));
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;

  if (request.mode === "navigate" && url.pathname.startsWith(SCOPE)) {
    event.respondWith(fetch(request).catch(() => offlineFallback(url)));
    return;
  }
  if (STATIC_URLS.includes(url.pathname)) {
    event.respondWith(
      caches.open(STATIC_CACHE).then((cache) =>
        cache.match(url.pathname).then((cached) => cached || fetch(request)))
    );
  }
  // Anything else goes to the network untouched.
});

self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "version" && event.ports[0]) {
    event.ports[0].postMessage({ version: VERSION, caches: [STATIC_CACHE, SHELL_CACHE] });
  }
});
{% endautoescape %}
