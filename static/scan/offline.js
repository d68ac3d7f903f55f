/* ASF Scan outbox (S-OFFLINE; ARCHITECTURE.md "Offline protocol").

   Every form marked data-offline="queue" is sent from here, with a fresh operation id (UUID v4)
   each time (data-offline="online": sent the same way, but never queued — master data is not
   edited offline). Online, the screen's fragment comes back and replaces the form (as htmx would); on a
   network error, or with no network at all, the operation is kept in IndexedDB ("asf-scan",
   store "outbox") and shown as waiting. Waiting operations are sent again, in capture order and
   one at a time, on page load, when the network returns, when the screen becomes visible again,
   and from the "Synchronise now" button — each with the CSRF token read from the cookie at that
   moment, so a new sign-in does not strand them. The server applies an operation id once and
   answers per operation: applied ones leave the outbox (a short log remains), refused ones stay
   with the server's reason until the worker dismisses them.

   Operations belong to the user who captured them and are only sent under that user's session.
   French texts come from #scan-texts (templates/scan/includes/client_texts.html). */
(function () {
  "use strict";

  var DB_NAME = "asf-scan";
  var DB_VERSION = 1;
  var OUTBOX = "outbox";
  var APPLIED = "applied";
  var APPLIED_KEPT = 20;
  var USER_KEY = "asf.scan.user";
  var CSRF_FIELD = "csrfmiddlewaretoken";
  var body = document.body;
  var textsElement = document.getElementById("scan-texts");

  function text(name, count) {
    var value = textsElement ? textsElement.getAttribute("data-" + name) || "" : "";
    return count === undefined ? value : value.replace("{count}", String(count));
  }
  function plural(name, count) {
    return text(count > 1 ? name + "-many" : name + "-one", count);
  }

  function readCookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function newOpId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    // crypto.randomUUID needs a secure context; a plain-HTTP test server may not be one.
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); });
    return hex.slice(0, 4).join("") + "-" + hex.slice(4, 6).join("") + "-" + hex.slice(6, 8).join("") +
      "-" + hex.slice(8, 10).join("") + "-" + hex.slice(10).join("");
  }

  // --- who is working ------------------------------------------------------------------------

  /* The user this page was rendered for; on the saved shell, the last one this browser saw. */
  function userHint() {
    if (body.hasAttribute("data-user")) return body.getAttribute("data-user") || "";
    try { return localStorage.getItem(USER_KEY) || ""; } catch (error) { return ""; }
  }

  /* The user of the live session, as the server says: only that user's operations are sent. */
  function sessionUser() {
    if (body.hasAttribute("data-user")) return Promise.resolve(body.getAttribute("data-user") || "");
    var url = text("outbox-url");
    if (!url || !navigator.onLine) return Promise.resolve("");
    return fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
    }).then(function (response) {
      if (!response.ok) return "";
      return response.json().then(function (data) { return data.user || ""; });
    }).catch(function () { return ""; });
  }

  // --- IndexedDB -----------------------------------------------------------------------------

  var opening = null;
  function database() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        var request = indexedDB.open(DB_NAME, DB_VERSION);
        request.onupgradeneeded = function () {
          var db = request.result;
          if (!db.objectStoreNames.contains(OUTBOX)) db.createObjectStore(OUTBOX, { keyPath: "op_id" });
          if (!db.objectStoreNames.contains(APPLIED)) db.createObjectStore(APPLIED, { keyPath: "op_id" });
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
        request.onblocked = function () { reject(new Error("outbox database blocked")); };
      });
      opening.catch(function () { opening = null; });
    }
    return opening;
  }

  function withStore(name, mode, work) {
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(name, mode);
        var result;
        transaction.oncomplete = function () { resolve(result); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.onabort = function () { reject(transaction.error); };
        work(transaction.objectStore(name), function (value) { result = value; });
      });
    });
  }

  function getAll(name) {
    return withStore(name, "readonly", function (store, done) {
      var request = store.getAll();
      request.onsuccess = function () { done(request.result || []); };
    });
  }

  function put(name, record) {
    return withStore(name, "readwrite", function (store) { store.put(record); });
  }

  function remove(name, key) {
    return withStore(name, "readwrite", function (store) { store["delete"](key); });
  }

  function inCaptureOrder(records) {
    return records.sort(function (a, b) {
      return (a.seq || 0) - (b.seq || 0) || String(a.captured_at).localeCompare(String(b.captured_at));
    });
  }

  function outbox() { return getAll(OUTBOX).then(inCaptureOrder); }

  function moveToApplied(record, answer) {
    var entry = {
      op_id: record.op_id,
      user: record.user,
      title: record.title,
      summary: record.summary,
      captured_at: record.captured_at,
      applied_at: new Date().toISOString(),
      message: answer.message || "",
    };
    return database().then(function (db) {
      return new Promise(function (resolve, reject) {
        // One transaction: an operation is never both waiting and applied.
        var transaction = db.transaction([OUTBOX, APPLIED], "readwrite");
        transaction.oncomplete = function () { resolve(); };
        transaction.onerror = function () { reject(transaction.error); };
        transaction.objectStore(OUTBOX)["delete"](record.op_id);
        var log = transaction.objectStore(APPLIED);
        log.put(entry);
        var all = log.getAll();
        all.onsuccess = function () {
          var entries = (all.result || []).sort(function (a, b) {
            return String(b.applied_at).localeCompare(String(a.applied_at));
          });
          entries.slice(APPLIED_KEPT).forEach(function (old) { log["delete"](old.op_id); });
        };
      });
    });
  }

  function markRejected(record, answer) {
    record.status = "rejected";
    record.message = answer.message || text("refused");
    record.rejected_at = new Date().toISOString();
    return put(OUTBOX, record);
  }

  // --- what a form holds ---------------------------------------------------------------------

  function formFields(form, submitter) {
    var data;
    try { data = new FormData(form, submitter || undefined); } catch (error) { data = new FormData(form); }
    var fields = [];
    data.forEach(function (value, name) {
      if (name === CSRF_FIELD || typeof value !== "string") return;
      fields.push([name, value]);
    });
    return fields;
  }

  /* "Label: value · …" from the form's own (translated) labels, for the outbox screen. */
  function summarise(form) {
    var parts = [];
    Array.prototype.forEach.call(form.elements, function (element) {
      if (!element.name || element.name === CSRF_FIELD || element.name === "op_id") return;
      if (element.type === "hidden" || element.type === "submit" || element.type === "button") return;
      var value = element.value;
      if (element.tagName === "SELECT") {
        var option = element.options[element.selectedIndex];
        value = option && option.value ? option.textContent : "";
      }
      if (!value || !String(value).trim()) return;
      var label = element.labels && element.labels[0] ? element.labels[0].textContent.trim() : element.name;
      parts.push(label + " : " + String(value).trim());
    });
    return parts.join(" · ");
  }

  function actionPath(form) {
    var url = new URL(form.getAttribute("action") || location.href, location.href);
    return url.pathname + url.search;
  }

  function titleOf(form) {
    var heading = document.querySelector("main h1");
    return form.getAttribute("data-offline-title") || (heading ? heading.textContent.trim() : document.title);
  }

  // --- sending -------------------------------------------------------------------------------

  function encode(fields, opId) {
    var params = new URLSearchParams();
    fields.forEach(function (pair) { if (pair[0] !== "op_id") params.append(pair[0], pair[1]); });
    params.append("op_id", opId);
    return params;
  }

  /* Send one queued operation; the answer says applied, rejected, or "retry later". */
  function send(record) {
    return fetch(record.url, {
      method: "POST",
      headers: { Accept: "application/json", "X-CSRFToken": readCookie("csrftoken") },
      body: encode(record.fields, record.op_id),
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
    }).then(function (response) {
      if (response.type === "opaqueredirect") return { kind: "retry", reason: "signed-out" };
      var isJson = (response.headers.get("Content-Type") || "").indexOf("application/json") !== -1;
      if (!isJson) {
        // 403: the session or the CSRF cookie is not the right one yet; 5xx: try again later.
        if (response.status === 403 || response.status === 429 || response.status >= 500) {
          return { kind: "retry", reason: response.status === 403 ? "signed-out" : "server" };
        }
        return { kind: "rejected", message: text("http-error").replace("{status}", response.status) };
      }
      return response.json().then(function (data) {
        if (data.status === "applied") return { kind: "applied", message: data.message };
        if (data.status === "rejected" || response.status === 409) {
          return { kind: "rejected", message: data.message || text("refused") };
        }
        if (response.status >= 500) return { kind: "retry", reason: "server" };
        return { kind: "rejected", message: data.message || text("refused") };
      });
    }, function () {
      return { kind: "retry", reason: "network" };
    });
  }

  var replaying = null;
  var again = false;

  /* Send the waiting operations of the session's user, in capture order, one at a time. */
  function replay() {
    if (replaying) {
      again = true;
      return replaying;
    }
    var run = function () { return sendWaiting(); };
    var locked = navigator.locks && navigator.locks.request
      ? navigator.locks.request("asf-scan-outbox", run) // one tab at a time
      : run();
    replaying = Promise.resolve(locked).catch(function (error) {
      console.warn("outbox replay failed", error);
      return { stopped: "error" };
    }).then(function (result) {
      replaying = null;
      refresh();
      if (again) {
        again = false;
        return replay();
      }
      return result;
    });
    return replaying;
  }

  function sendWaiting() {
    if (!navigator.onLine) return Promise.resolve({ stopped: "network", sent: 0 });
    return sessionUser().then(function (user) {
      if (!user) return { stopped: "signed-out", sent: 0 };
      return outbox().then(function (records) {
        var waiting = records.filter(function (r) { return r.user === user && r.status !== "rejected"; });
        var index = 0;
        var sent = 0;
        function next() {
          if (index >= waiting.length) return { stopped: null, sent: sent };
          var record = waiting[index++];
          return send(record).then(function (answer) {
            // Order matters (a move after the entry it moves): the rest waits for this one.
            if (answer.kind === "retry") return { stopped: answer.reason, sent: sent };
            sent++;
            var stored = answer.kind === "applied" ? moveToApplied(record, answer) : markRejected(record, answer);
            return stored.then(function () { broadcast(); return next(); });
          });
        }
        return next();
      });
    });
  }

  // --- capture -------------------------------------------------------------------------------

  function showFormMessage(form, kind, message) {
    var note = form.previousElementSibling;
    if (!note || !note.hasAttribute("data-offline-note")) {
      note = document.createElement("p");
      note.setAttribute("data-offline-note", "");
      form.parentNode.insertBefore(note, form);
    }
    note.className = "flash " + (kind === "queued" ? "flash-warning" : kind === "error" ? "flash-error" : "flash-success");
    note.setAttribute("role", kind === "error" ? "alert" : "status");
    note.setAttribute("data-offline-note", kind);
    note.textContent = message;
  }

  function queue(form, record, message) {
    if (form.getAttribute("data-offline") !== "queue") {
      // Master data (a quick product or donor creation) is never edited offline (S-OFFLINE).
      showFormMessage(form, "error", text("needs-network"));
      return Promise.resolve();
    }
    return put(OUTBOX, record).then(function () {
      form.reset();
      showFormMessage(form, "queued", message || text("queued"));
      broadcast();
      refresh();
      var field = document.querySelector("[data-scan-field]");
      if (field) field.focus({ preventScroll: true });
    }, function (error) {
      showFormMessage(form, "error", text("store-failed"));
      console.warn("outbox: could not store the operation", error);
    });
  }

  /* Online answer: the screen's fragment replaces it, as an htmx swap would. */
  function swapFragment(form, html) {
    var container = form.closest("[data-offline-swap]") || form.closest("#capture");
    var fragment = new DOMParser().parseFromString(html, "text/html");
    var fresh = container && fragment.getElementById(container.id);
    if (!fresh) return false;
    var replacement = document.importNode(fresh, true);
    container.replaceWith(replacement);
    if (window.htmx) window.htmx.process(replacement);
    // The next scan goes to the scan field (else to the fragment's own first field).
    var next = document.querySelector("[data-scan-field]") || replacement.querySelector("[autofocus]");
    if (next) next.focus({ preventScroll: true });
    return true;
  }

  function submit(form, submitter) {
    if (form.hasAttribute("data-sending")) return; // a double tap
    var opId = newOpId();
    var opInput = form.querySelector('input[name="op_id"]');
    if (opInput) opInput.value = opId;
    var record = {
      op_id: opId,
      url: actionPath(form),
      fields: formFields(form, submitter),
      user: userHint(),
      captured_at: new Date().toISOString(),
      seq: Date.now(),
      status: "pending",
      title: titleOf(form),
      summary: summarise(form),
    };
    if (!record.user) {
      showFormMessage(form, "error", text("no-user"));
      return;
    }
    if (!navigator.onLine) {
      // Nobody can answer now: what the browser can check is checked before it waits.
      if (form.getAttribute("data-offline") === "queue" && !form.checkValidity()) {
        form.reportValidity();
        return;
      }
      queue(form, record);
      return;
    }
    form.setAttribute("data-sending", "");
    fetch(record.url, {
      method: "POST",
      headers: { "HX-Request": "true", Accept: "text/html", "X-CSRFToken": readCookie("csrftoken") },
      body: encode(record.fields, opId),
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
    }).then(function (response) {
      form.removeAttribute("data-sending");
      if (response.type === "opaqueredirect" || response.status === 403) {
        return queue(form, record, text("signed-out"));
      }
      if (response.status >= 500) return queue(form, record);
      return response.text().then(function (html) {
        if (!swapFragment(form, html)) {
          showFormMessage(form, response.ok ? "success" : "error", text(response.ok ? "sent" : "refused"));
          if (response.ok) form.reset();
        }
        refresh();
      });
    }, function () {
      form.removeAttribute("data-sending");
      return queue(form, record);
    });
  }

  // Capture phase, on the document: runs before htmx or any handler on the form itself.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var mode = form.getAttribute("data-offline");
    if (mode !== "queue" && mode !== "online") return;
    event.preventDefault();
    event.stopPropagation();
    submit(form, event.submitter);
  }, true);

  // --- what the worker sees ------------------------------------------------------------------

  function counts(records, user) {
    var result = { pending: 0, rejected: 0, others: 0 };
    records.forEach(function (record) {
      if (record.user !== user) result.others++;
      else if (record.status === "rejected") result.rejected++;
      else result.pending++;
    });
    return result;
  }

  function showBadge(count) {
    document.querySelectorAll("[data-outbox-badge]").forEach(function (badge) {
      badge.hidden = count === 0;
      badge.textContent = String(count);
      var label = plural("waiting", count);
      badge.setAttribute("aria-label", label);
      badge.title = label;
    });
  }

  function refresh() {
    return Promise.all([outbox(), getAll(APPLIED)]).then(function (stores) {
      var user = userHint();
      var records = stores[0];
      var tally = counts(records, user);
      showBadge(tally.pending);
      renderLogout(tally);
      renderScreen(records, stores[1], user, tally);
      return tally;
    }).catch(function (error) { console.warn("outbox unavailable", error); });
  }

  // Other tabs of the app redraw when this one changes the outbox.
  var channel = "BroadcastChannel" in window ? new BroadcastChannel("asf-scan-outbox") : null;
  function broadcast() { if (channel) channel.postMessage("changed"); }
  if (channel) channel.onmessage = function () { refresh(); };

  function element(tag, className, content) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (content) node.textContent = content;
    return node;
  }

  function when(iso) {
    var date = new Date(iso);
    return isNaN(date) ? "" : date.toLocaleString(document.documentElement.lang || undefined, {
      day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit",
    });
  }

  function item(record, state) {
    var li = element("li", "card mb-3");
    li.setAttribute("data-op", record.op_id);
    li.setAttribute("data-op-status", state);
    var head = element("p", "flex flex-wrap items-center gap-2");
    head.appendChild(element("strong", "", record.title || ""));
    var badgeClass = state === "applied" ? "badge badge-ok" : state === "rejected" ? "badge badge-danger" : "badge badge-warn";
    head.appendChild(element("span", badgeClass, text("state-" + state)));
    li.appendChild(head);
    if (record.summary) li.appendChild(element("p", "", record.summary));
    var stamp = state === "applied" ? record.applied_at : record.captured_at;
    li.appendChild(element("p", "text-sm text-muted", text(state === "applied" ? "applied-at" : "captured-at") + " " + when(stamp)));
    if (record.message) {
      var message = element("p", state === "rejected" ? "field-error-text" : "", record.message);
      message.setAttribute("data-op-message", "");
      li.appendChild(message);
    }
    if (state === "rejected") {
      var dismiss = element("button", "btn mt-2", text("dismiss"));
      dismiss.type = "button";
      dismiss.setAttribute("data-op-dismiss", record.op_id);
      li.appendChild(dismiss);
    }
    return li;
  }

  function fillList(screen, name, records, state) {
    var list = screen.querySelector('[data-outbox-list="' + name + '"]');
    var empty = screen.querySelector('[data-outbox-empty="' + name + '"]');
    if (!list) return;
    list.replaceChildren.apply(list, records.map(function (record) { return item(record, state); }));
    if (empty) empty.hidden = records.length > 0;
  }

  function renderScreen(records, applied, user, tally) {
    var screen = document.querySelector("[data-outbox-screen]");
    if (!screen) return;
    var mine = records.filter(function (r) { return r.user === user; });
    fillList(screen, "pending", mine.filter(function (r) { return r.status !== "rejected"; }), "pending");
    fillList(screen, "rejected", mine.filter(function (r) { return r.status === "rejected"; }), "rejected");
    fillList(screen, "applied", applied.filter(function (r) { return r.user === user; })
      .sort(function (a, b) { return String(b.applied_at).localeCompare(String(a.applied_at)); }), "applied");
    var others = screen.querySelector("[data-outbox-others]");
    if (others) {
      others.hidden = tally.others === 0;
      others.textContent = plural("others", tally.others);
    }
  }

  function setSyncStatus(message) {
    document.querySelectorAll("[data-outbox-sync-status]").forEach(function (node) {
      node.textContent = message;
    });
  }

  function syncNow() {
    if (!navigator.onLine) {
      setSyncStatus(text("sync-offline"));
      return Promise.resolve();
    }
    setSyncStatus(text("syncing"));
    return replay().then(function (result) {
      return refresh().then(function (tally) {
        var stopped = result && result.stopped;
        if (stopped === "signed-out") setSyncStatus(text("signed-out"));
        else if (stopped === "network") setSyncStatus(text("sync-offline"));
        else if (stopped) setSyncStatus(text("sync-later"));
        else if (tally && tally.rejected) setSyncStatus(plural("refused-count", tally.rejected));
        else setSyncStatus(text("sync-done"));
      });
    });
  }

  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) return;
    var sync = target.closest("[data-outbox-sync]");
    if (sync) {
      event.preventDefault();
      syncNow();
      return;
    }
    var dismiss = target.closest("[data-op-dismiss]");
    if (dismiss) {
      var opId = dismiss.getAttribute("data-op-dismiss");
      withStore(OUTBOX, "readwrite", function (store) {
        var request = store.get(opId);
        // Only a refused operation may be dismissed: a waiting one must still be sent.
        request.onsuccess = function () {
          if (request.result && request.result.status === "rejected") store["delete"](opId);
        };
      }).then(function () { broadcast(); refresh(); });
      return;
    }
    var logoutLink = target.closest("[data-logout-link]");
    if (logoutLink && !navigator.onLine) {
      event.preventDefault();
      notify(text("logout-offline"));
    }
  });

  /* A message for the whole page (the logout link has no form to speak next to). */
  function notify(message) {
    var main = document.getElementById("main");
    if (!main) return;
    var note = main.querySelector("[data-offline-notice]");
    if (!note) {
      note = element("p", "flash flash-warning");
      note.setAttribute("data-offline-notice", "");
      note.setAttribute("role", "alert");
      main.insertBefore(note, main.firstChild);
    }
    note.textContent = message;
  }

  // --- logout --------------------------------------------------------------------------------

  var logoutConfirmed = false;

  function logoutForm() { return document.querySelector("form[data-logout-form], form[action$='/scan/logout/']"); }

  function renderLogout(tally) {
    var form = logoutForm();
    if (!form) return;
    var warning = document.querySelector("[data-logout-warning]");
    if (!tally.pending) {
      if (warning) warning.remove();
      return;
    }
    if (!warning) {
      warning = element("div", "flash flash-warning");
      warning.setAttribute("data-logout-warning", "");
      warning.setAttribute("role", "alert");
      warning.appendChild(element("p", "mb-2"));
      var sync = element("button", "btn", text("sync-now"));
      sync.type = "button";
      sync.setAttribute("data-outbox-sync", "");
      warning.appendChild(sync);
      var status = element("p", "mt-2");
      status.setAttribute("data-outbox-sync-status", "");
      status.setAttribute("role", "status");
      warning.appendChild(status);
      form.parentNode.insertBefore(warning, form);
    }
    warning.firstChild.textContent = plural("logout-pending", tally.pending);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form !== logoutForm()) return;
    if (!navigator.onLine) {
      // Signing out offline would leave the queue behind a login page that cannot load.
      event.preventDefault();
      notify(text("logout-offline"));
      var warning = document.querySelector("[data-logout-warning]");
      (warning || form).scrollIntoView({ block: "nearest" });
      return;
    }
    if (logoutConfirmed) return;
    event.preventDefault();
    outbox().then(function (records) {
      var tally = counts(records, userHint());
      if (!tally.pending) {
        logoutConfirmed = true;
        form.requestSubmit(event.submitter || undefined);
        return;
      }
      renderLogout(tally);
      notify(plural("logout-pending", tally.pending));
      var button = form.querySelector("[type=submit]");
      if (button) button.textContent = text("logout-anyway");
      logoutConfirmed = true; // a second press signs out: the operations wait for this user
    }, function () {
      logoutConfirmed = true;
      form.requestSubmit(event.submitter || undefined);
    });
  });

  // --- when to send --------------------------------------------------------------------------

  window.addEventListener("online", function () { replay(); });
  window.addEventListener("offline", function () { refresh(); });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") replay();
  });

  window.AsfOutbox = {
    replay: replay,
    sync: syncNow,
    refresh: refresh,
    records: outbox,
    applied: function () { return getAll(APPLIED); },
    put: function (record) { return put(OUTBOX, record).then(function () { broadcast(); return refresh(); }); },
  };

  refresh();
  replay();
})();
