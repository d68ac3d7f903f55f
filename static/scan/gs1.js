/* ASF Scan: read a GS1 element string in the browser, for when /scan/resolve/ cannot be reached.

   Offline, a GS1 Data Matrix or GS1-128 on a product still fills the GTIN, lot and expiry of a
   capture form; the server checks everything (check digits, which product the GTIN is) when the
   operation is sent. Only what the capture screens use is read: AI 00, 01, 02, 10, 11, 13, 15,
   16, 17, 21, 30, 37, and the fixed-length measures 31xx–36xx (skipped). Anything else gives up
   (null): the code is then kept as scanned, and the server reads it later. */
(function () {
  "use strict";

  var GS = "\x1d";
  // AI → [data length (fixed) or max length (variable), variable?]
  var AIS = {
    "00": [18, false], "01": [14, false], "02": [14, false],
    "10": [20, true], "11": [6, false], "13": [6, false], "15": [6, false], "16": [6, false],
    "17": [6, false], "21": [20, true], "30": [8, true], "37": [8, true],
  };
  var SYMBOLOGY = /^\](C1|e0|d2|Q3|J1)/;

  function date(yymmdd) {
    if (!/^\d{6}$/.test(yymmdd)) return null;
    var year = 2000 + parseInt(yymmdd.slice(0, 2), 10);
    var month = parseInt(yymmdd.slice(2, 4), 10);
    var day = parseInt(yymmdd.slice(4, 6), 10);
    if (month < 1 || month > 12) return null;
    var last = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day === 0) day = last; // "00": the month's last day
    if (day > last) return null;
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    return year + "-" + pad(month) + "-" + pad(day);
  }

  function elements(text) {
    var found = {};
    var rest = text;
    while (rest.length) {
      if (rest[0] === GS) { rest = rest.slice(1); continue; }
      var ai = rest.slice(0, 2);
      var spec = AIS[ai];
      var length = 2;
      if (!spec && /^3[1-6]\d\d/.test(rest)) { spec = [6, false]; length = 4; ai = rest.slice(0, 4); }
      if (!spec) return null;
      rest = rest.slice(length);
      var value;
      if (spec[1]) {
        var end = rest.indexOf(GS);
        value = end === -1 ? rest : rest.slice(0, end);
        if (value.length > spec[0]) return null;
      } else {
        value = rest.slice(0, spec[0]);
        if (value.length !== spec[0] || !/^\d+$/.test(value)) return null;
      }
      rest = rest.slice(value.length);
      found[ai] = value;
    }
    return found;
  }

  function parenthesised(text) {
    var found = {};
    var pattern = /\((\d{2,4})\)([^(]*)/g;
    var match;
    var seen = 0;
    while ((match = pattern.exec(text))) { found[match[1]] = match[2].trim(); seen += match[0].length; }
    return seen === text.length ? found : null;
  }

  /* The S-SCAN JSON keys for a GS1 string, or null when it is not one this reader knows. */
  function parse(code) {
    var text = String(code || "").trim();
    var marked = SYMBOLOGY.test(text);
    if (marked) text = text.slice(3);
    var leadingGs = text[0] === GS;
    var found = text[0] === "(" ? parenthesised(text) : null;
    if (!found) {
      // A bare 14-digit code is a GTIN, not an element string: only GS1 evidence counts.
      if (!marked && !leadingGs && text.indexOf(GS) === -1 && !/^01\d{14}\d/.test(text)) return null;
      found = elements(text);
    }
    if (!found || !(found["01"] || found["02"] || found["00"])) return null;
    return {
      kind: "gs1",
      sku: null,
      gtin: found["01"] || found["02"] || null,
      lot: found["10"] || null,
      expires_on: found["17"] ? date(found["17"]) : null,
      serial: found["21"] || null,
      sscc: found["00"] || null,
      quantity: found["30"] || found["37"] ? parseInt(found["30"] || found["37"], 10) : null,
      offline: true,
    };
  }

  window.AsfGs1 = { parse: parse };
})();
