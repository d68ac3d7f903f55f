/* ASF Scan: the scan field of a screen (S-SCAN), rendered by templates/scan/includes/scan_field.html.

   - Wedge scanners type fast and end with Enter or Tab: Enter always completes a code; Tab only
     when the code came at scanner speed (a person tabbing out of the field keeps Tab).
   - GS1 separators: a wedge sends GS as Ctrl+] (browsers insert nothing), so it is put back here;
     the configured substitute (SCAN_GS_SUBSTITUTE) becomes GS too.
   - A repeat of the same code that starts within the duplicate window of the previous scan is a
     double-fire and is ignored; deliberate repeats are counted (×N).
   - No soft keyboard on scan (inputmode="none", set here so that without JavaScript the field
     stays a normal one), with a button to bring the keyboard back for typing.
   - A complete code is looked up at /scan/resolve/ and a cancelable `scan:resolved` event carries
     the answer; unless a screen cancels it, the form's product, lot, expiry and location inputs are
     filled from it.
   - The screen stays awake while a task screen is open (wake lock, where the browser has one).
   No inline script (CSP): loaded with `defer` by the scan base template. */
(function () {
  "use strict";

  var GS = "\x1d";
  // A scanner types a character every few milliseconds; people take far longer.
  var KEY_GAP_MS = 60;
  // Where each piece of a resolved code goes, by input name, first match wins.
  var FIELD_NAMES = {
    product: ["product_code", "code", "product", "sku"],
    lot: ["lot_code"],
    expires_on: ["expires_on"],
    quantity: ["quantity"],
    location: ["location_code", "to_location_code"],
  };

  function setValue(element, value) {
    if (!element || value === null || value === undefined) return false;
    element.value = String(value);
    // Screens (and htmx triggers) listen for these, as if the worker had typed.
    element.dispatchEvent(new Event("input", { bubbles: true }));
    element.dispatchEvent(new Event("change", { bubbles: true }));
    return true;
  }

  function namedInput(scope, names) {
    for (var i = 0; i < names.length; i++) {
      var found = scope.querySelector('[name="' + names[i] + '"]:not([type="hidden"])');
      if (found) return found;
    }
    return null;
  }

  function ScanField(box) {
    this.box = box;
    this.input = box.querySelector("[data-scan-field]");
    this.status = box.querySelector("[data-scan-status]");
    this.counter = box.querySelector("[data-scan-count]");
    this.keyboardButton = box.querySelector("[data-scan-keyboard]");
    this.cameraButton = box.querySelector("[data-scan-camera]");
    var windowMs = parseInt(box.getAttribute("data-duplicate-window-ms"), 10);
    this.windowMs = isNaN(windowMs) ? 300 : windowMs;
    this.substitute = box.getAttribute("data-gs-substitute") || "";
    this.resolveUrl = box.getAttribute("data-resolve-url") || "";
    this.lastCode = null;
    this.lastEnd = 0; // when the previous scan completed
    this.count = 0;
    this.lastResult = null;
    this.completed = false; // the value shown is a finished scan: the next key starts a new one
    this.startedAt = 0; // first key of the scan being typed
    this.lastKeyAt = 0;
    this.keys = 0; // keys of the scan being typed
    this.pasted = false;
    this.init();
  }

  ScanField.prototype.init = function () {
    var self = this;
    var input = this.input;
    input.setAttribute("inputmode", "none");
    input.addEventListener("keydown", function (event) { self.onKeyDown(event); });
    input.addEventListener("focus", function () { if (self.completed) input.select(); });
    input.addEventListener("input", function (event) {
      // Deleting in a finished scan means correcting it by hand, not starting a new scan.
      if (self.completed && /^delete/.test(event.inputType || "")) self.completed = false;
    });
    input.addEventListener("paste", function () { self.beginScan(performance.now()); self.pasted = true; });
    if (this.keyboardButton) {
      this.keyboardButton.hidden = false;
      this.keyboardButton.addEventListener("click", function () { self.toggleKeyboard(); });
    }
    if (this.cameraButton && navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
      this.cameraButton.hidden = false;
      this.cameraButton.addEventListener("click", function () { self.openCamera(); });
    }
    // A scan must land here: take the focus, unless the worker already chose another input
    // (an input the browser focused for its autofocus attribute was not the worker's choice).
    var active = document.activeElement;
    if (!active || active === document.body || active.hasAttribute("autofocus") ||
        !active.matches("input, select, textarea")) {
      input.focus({ preventScroll: true });
    }
  };

  ScanField.prototype.text = function (name) {
    return this.box.getAttribute("data-text-" + name) || "";
  };

  ScanField.prototype.say = function (message, kind) {
    if (!this.status) return;
    this.status.textContent = message || "";
    this.status.setAttribute("data-kind", kind || "");
    this.status.classList.toggle("field-error-text", kind === "error");
  };

  ScanField.prototype.toggleKeyboard = function () {
    var typing = this.input.getAttribute("inputmode") === "none";
    this.input.setAttribute("inputmode", typing ? "text" : "none");
    this.keyboardButton.setAttribute("aria-pressed", typing ? "true" : "false");
    var label = this.text(typing ? "keyboard-off" : "keyboard-on");
    this.keyboardButton.setAttribute("aria-label", label);
    this.keyboardButton.title = label;
    // Phones read inputmode when the field gains focus.
    this.input.blur();
    this.input.focus();
  };

  ScanField.prototype.beginScan = function (now) {
    if (this.completed) {
      this.completed = false;
      this.input.value = "";
    }
    if (this.input.value === "") {
      this.startedAt = now;
      this.keys = 0;
      this.pasted = false;
    }
    this.keys++;
    this.lastKeyAt = now;
  };

  /* Typed by a scanner: keys a few milliseconds apart on average (one late key event on a busy
     phone does not make it a person), and the end key right after the last one. */
  ScanField.prototype.atScannerSpeed = function (now) {
    if (this.pasted || this.keys < 2) return false;
    var average = (this.lastKeyAt - this.startedAt) / (this.keys - 1);
    return average <= KEY_GAP_MS && now - this.lastKeyAt <= KEY_GAP_MS * 4;
  };

  ScanField.prototype.onKeyDown = function (event) {
    var now = performance.now();
    var input = this.input;
    if (event.ctrlKey && !event.altKey && !event.metaKey &&
        (event.key === "]" || event.code === "BracketRight")) {
      // Ctrl+] is how a keyboard wedge types GS (0x1D), the GS1 separator.
      event.preventDefault();
      this.beginScan(now);
      input.setRangeText(GS, input.selectionStart, input.selectionEnd, "end");
      return;
    }
    if (event.key === "Enter" || (event.key === "Tab" && !event.shiftKey)) {
      if (input.value === "" || this.completed) {
        if (event.key === "Enter") event.preventDefault(); // never submit the form on a scan
        return;
      }
      if (event.key === "Tab" && !this.atScannerSpeed(now)) return; // a person leaving the field
      event.preventDefault();
      this.complete(input.value, "wedge");
      return;
    }
    if (event.key && event.key.length === 1 && !event.ctrlKey && !event.metaKey) {
      this.beginScan(now);
    }
  };

  ScanField.prototype.normalise = function (raw) {
    var code = raw;
    if (this.substitute) code = code.split(this.substitute).join(GS);
    // Trim blanks and line ends only: a leading GS marks a GS1 string.
    return code.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, "");
  };

  /* A complete code from the wedge, the keyboard or the camera. */
  ScanField.prototype.complete = function (raw, source) {
    var code = this.normalise(raw);
    var start = source === "wedge" ? this.startedAt : performance.now();
    this.completed = true;
    this.input.select();
    if (!code) return;
    if (code === this.lastCode && start - this.lastEnd < this.windowMs) {
      // The scanner fired twice for one trigger pull.
      this.lastEnd = performance.now();
      return;
    }
    this.count = code === this.lastCode ? this.count + 1 : 1;
    this.lastCode = code;
    this.lastEnd = performance.now();
    this.showCount();
    if (this.count > 1 && this.lastResult) {
      this.announce(code, this.lastResult, source);
      return;
    }
    this.lastResult = null;
    var self = this;
    this.resolve(code).then(function (result) {
      if (code !== self.lastCode) return; // a newer scan won the race
      self.lastResult = result;
      self.announce(code, result, source);
    });
  };

  ScanField.prototype.showCount = function () {
    if (!this.counter) return;
    this.counter.hidden = this.count < 2;
    this.counter.textContent = "×" + this.count;
  };

  /* Without an answer from the server: what the phone can read itself (a GS1 string, a location
     label); the server checks it when the operation is sent. */
  ScanField.prototype.readOffline = function (code) {
    var read = window.AsfGs1 ? window.AsfGs1.parse(code) : null;
    if (read) return read;
    if (/^LOC:/i.test(code)) return { kind: "location", location: code, offline: true };
    return { kind: "unknown", offline: true, error: this.text(navigator.onLine ? "failed" : "offline") };
  };

  ScanField.prototype.resolve = function (code) {
    var self = this;
    if (!this.resolveUrl || !navigator.onLine) return Promise.resolve(this.readOffline(code));
    this.say(this.text("resolving"), "busy");
    var url = this.resolveUrl + "?code=" + encodeURIComponent(code);
    return fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
      redirect: "manual",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("no answer");
      return response.json();
    }).catch(function () { return self.readOffline(code); });
  };

  ScanField.prototype.announce = function (code, result, source) {
    var event = new CustomEvent("scan:resolved", {
      bubbles: true,
      cancelable: true,
      detail: { code: code, count: this.count, source: source, result: result },
    });
    if (this.input.dispatchEvent(event)) this.fill(code, result);
  };

  ScanField.prototype.scope = function () {
    var targetId = this.input.getAttribute("data-target");
    var target = targetId ? document.getElementById(targetId) : null;
    var form = (target && (target.form || (target.closest && target.closest("form")))) ||
      this.input.form || document.querySelector('form[data-offline="queue"]');
    return { target: target, form: form };
  };

  /* The default use of a resolved code: fill the screen's form. */
  ScanField.prototype.fill = function (code, result) {
    var place = this.scope();
    var form = place.form;
    var target = place.target;
    var filled = [];
    var product = result.sku || result.gtin || null;
    if (form) {
      if (product && setValue(namedInput(form, FIELD_NAMES.product), product)) filled.push(product);
      if (result.lot && setValue(namedInput(form, FIELD_NAMES.lot), result.lot)) filled.push(result.lot);
      if (result.expires_on && setValue(namedInput(form, FIELD_NAMES.expires_on), result.expires_on)) {
        filled.push(result.expires_on);
      }
      if (result.quantity && setValue(namedInput(form, FIELD_NAMES.quantity), result.quantity)) {
        filled.push(String(result.quantity));
      }
      if (result.location && result.kind === "location" &&
          setValue(namedInput(form, FIELD_NAMES.location), result.location)) {
        filled.push(result.location);
      }
    }
    // Nothing understood (unknown, offline, ambiguous): the code goes where the screen said, as
    // scanned, and the server decides when the form is sent.
    if (!filled.length && target && target !== this.input && target.matches("input, textarea")) {
      setValue(target, code);
    }
    if (result.error) {
      this.say(result.error, result.offline ? "warning" : "error");
    } else if (result.kind === "ambiguous") {
      var labels = (result.candidates || []).map(function (c) { return c.label || c.sku; });
      this.say(this.text("ambiguous") + " " + labels.join(" · "), "warning");
    } else if (result.offline) {
      this.say(filled.concat([this.text("offline-read")]).join(" · "), "warning");
    } else {
      this.say(filled.join(" · "), "ok");
    }
    // A lookup form (GET) goes as soon as its code is scanned.
    if (form && target && target.form === form && (form.method || "").toLowerCase() === "get" &&
        !form.hasAttribute("data-offline") && target.value && !result.error &&
        result.kind !== "ambiguous") {
      form.requestSubmit();
    }
  };

  /* The camera reads one code and hands it over as a complete scan (static/scan/camera.js). */
  ScanField.prototype.openCamera = function () {
    var self = this;
    if (!window.AsfCamera) return;
    window.AsfCamera.read(this.box).then(function (code) {
      if (code === null || code === undefined) return;
      self.input.value = code;
      self.input.focus({ preventScroll: true });
      self.complete(code, "camera");
    });
  };

  // --- wake lock while a task screen is open ---------------------------------------------------

  var wakeLock = null;
  function keepAwake() {
    if (!("wakeLock" in navigator) || document.visibilityState !== "visible" || wakeLock) return;
    navigator.wakeLock.request("screen").then(function (lock) {
      wakeLock = lock;
      lock.addEventListener("release", function () { wakeLock = null; });
    }).catch(function () { /* refused (battery saver, no permission): the screen may sleep */ });
  }

  // --- start -----------------------------------------------------------------------------------

  var boxes = document.querySelectorAll("[data-scan-box]");
  // One scan field per screen: a screen's own field wins over the one the frame adds.
  if (boxes.length > 1) {
    for (var i = 0; i < boxes.length - 1; i++) boxes[i].remove();
  }
  var box = document.querySelector("[data-scan-box]");
  if (box && box.querySelector("[data-scan-field]")) {
    window.AsfScanField = new ScanField(box);
  }
  if (box || document.querySelector('form[data-offline="queue"]')) {
    keepAwake();
    document.addEventListener("visibilitychange", keepAwake);
  }
})();
