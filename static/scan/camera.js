/* ASF Scan: read one code with the rear camera (S-SCAN), for the scan field's camera button.

   The browser's own BarcodeDetector is used when it reads our formats; otherwise the vendored
   polyfill (static/vendor/barcode-detector/, ZXing compiled to WebAssembly) is loaded on first use
   from our own origin, and told to fetch its .wasm from our static files too (its default is a
   CDN, which our CSP and the offline warehouse both rule out). */
(function () {
  "use strict";

  // S-SCAN formats, in the BarcodeDetector API's names (ITF-14 is an "itf").
  var FORMATS = ["qr_code", "data_matrix", "code_128", "ean_13", "ean_8", "upc_a", "itf"];
  var FRAME_INTERVAL_MS = 120;

  var detector = null;

  function loadScript(url) {
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = url;
      script.async = true;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("could not load " + url)); };
      document.head.appendChild(script);
    });
  }

  function nativeDetector() {
    var Native = window.BarcodeDetector;
    if (!Native || typeof Native.getSupportedFormats !== "function") return Promise.resolve(null);
    return Native.getSupportedFormats().then(function (supported) {
      var formats = FORMATS.filter(function (format) { return supported.indexOf(format) !== -1; });
      // A native reader without Data Matrix or Code 128 misses GS1 labels: use ZXing then.
      if (formats.indexOf("data_matrix") === -1 || formats.indexOf("code_128") === -1) return null;
      return new Native({ formats: formats });
    }).catch(function () { return null; });
  }

  function polyfillDetector(box) {
    var wasmUrl = new URL(box.getAttribute("data-wasm-url"), location.href).href;
    var loaded = window.BarcodeDetectionAPI
      ? Promise.resolve()
      : loadScript(box.getAttribute("data-polyfill-url"));
    return loaded.then(function () {
      var api = window.BarcodeDetectionAPI;
      return Promise.resolve(api.prepareZXingModule({
        overrides: {
          locateFile: function (path, prefix) {
            return path.slice(-5) === ".wasm" ? wasmUrl : prefix + path;
          },
        },
        fireImmediately: true,
      })).then(function () {
        return new api.BarcodeDetector({ formats: FORMATS });
      });
    });
  }

  function getDetector(box) {
    if (!detector) {
      detector = nativeDetector().then(function (found) { return found || polyfillDetector(box); });
      detector.catch(function () { detector = null; }); // try again on the next tap
    }
    return detector;
  }

  function stopStream(video) {
    var stream = video.srcObject;
    if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
    video.srcObject = null;
  }

  /* Open the camera over the screen; resolves with the first code read, or null when closed. */
  function read(box) {
    var view = box.querySelector("[data-scan-camera-view]");
    var video = box.querySelector("[data-scan-video]");
    var status = box.querySelector("[data-scan-camera-status]");
    var closeButton = box.querySelector("[data-scan-camera-close]");
    var initialStatus = status.textContent;
    var active = true;
    var finish;
    var done = new Promise(function (resolve) { finish = resolve; });

    function close(code) {
      if (!active) return;
      active = false;
      stopStream(video);
      view.hidden = true;
      status.textContent = initialStatus;
      closeButton.removeEventListener("click", onClose);
      document.removeEventListener("visibilitychange", onHidden);
      document.removeEventListener("keydown", onKey);
      finish(code === undefined ? null : code);
    }
    function onClose() { close(null); }
    function onHidden() { if (document.visibilityState === "hidden") close(null); }
    function onKey(event) { if (event.key === "Escape") close(null); }
    function fail(error) {
      if (!active) return;
      stopStream(video);
      var name = error && error.name;
      var key = name === "NotAllowedError" || name === "SecurityError" ? "camera-denied"
        : name === "NotFoundError" || name === "OverconstrainedError" ? "camera-unavailable"
        : "camera-failed";
      status.textContent = box.getAttribute("data-text-" + key) || "";
    }

    view.hidden = false;
    closeButton.addEventListener("click", onClose);
    document.addEventListener("visibilitychange", onHidden);
    document.addEventListener("keydown", onKey);
    closeButton.focus();

    var camera = navigator.mediaDevices.getUserMedia({
      video: { facingMode: { ideal: "environment" } },
      audio: false,
    });
    Promise.all([getDetector(box), camera]).then(function (ready) {
      var reader = ready[0];
      var stream = ready[1];
      if (!active) {
        stream.getTracks().forEach(function (track) { track.stop(); });
        return;
      }
      video.srcObject = stream;
      return video.play().then(function () { scanFrames(reader); });
    }).catch(function (error) {
      camera.then(function (stream) {
        stream.getTracks().forEach(function (track) { track.stop(); });
      }, function () {});
      fail(error);
    });

    function scanFrames(reader) {
      if (!active) return;
      var next = function () { if (active) setTimeout(function () { scanFrames(reader); }, FRAME_INTERVAL_MS); };
      if (video.readyState < 2) { next(); return; }
      reader.detect(video).then(function (codes) {
        if (codes && codes.length && codes[0].rawValue) close(codes[0].rawValue);
        else next();
      }, next);
    }
    return done;
  }

  window.AsfCamera = { read: read, formats: FORMATS.slice() };
})();
