/* ASF Scan page script: service-worker registration, the user-neutral shell, network status and
   CSRF for htmx. Loaded with `defer` from the scan base template (no inline script: CSP). */
(function () {
  "use strict";

  var USER_KEY = "asf.scan.user";
  var body = document.body;

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  // Pages rendered for a user remember who it is, so the offline shell can show the name.
  if (body.hasAttribute("data-user")) {
    var user = body.getAttribute("data-user");
    try {
      if (user) { localStorage.setItem(USER_KEY, user); } else { localStorage.removeItem(USER_KEY); }
    } catch (error) { /* storage disabled: the shell just shows no name */ }
  }
  if (body.hasAttribute("data-shell")) {
    var slot = document.querySelector("[data-user-slot]");
    try {
      if (slot) { slot.textContent = localStorage.getItem(USER_KEY) || ""; }
    } catch (error) { /* storage disabled */ }
  }

  // The CSRF token is taken from the cookie when a request leaves, not when the page was
  // rendered: a cached shell has none, and a new login changes it.
  body.addEventListener("htmx:configRequest", function (event) {
    var token = readCookie("csrftoken");
    if (token) { event.detail.headers["X-CSRFToken"] = token; }
  });

  function showNetworkStatus() {
    document.querySelectorAll("[data-net-status]").forEach(function (element) {
      element.hidden = navigator.onLine;
    });
  }
  window.addEventListener("online", showNetworkStatus);
  window.addEventListener("offline", showNetworkStatus);
  showNetworkStatus();

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/scan/service-worker.js", { scope: "/scan/" })
        .catch(function (error) { console.warn("service worker registration failed", error); });
    });
  }
})();
