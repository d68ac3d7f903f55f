/* The import screen (S-IMPORT): the "update existing records" box is hidden and off for a table
   whose rows have nothing to update (categories). Without this script the server ignores the box
   for such a table, so the page still works. Loaded with `defer` (no inline script: CSP). */
(function () {
  "use strict";

  var form = document.querySelector("[data-import-form]");
  if (!form) { return; }
  var select = form.querySelector("select[name=table]");
  var field = form.querySelector("[data-update-field]");
  var box = field ? field.querySelector("input[type=checkbox]") : null;
  if (!select || !field || !box) { return; }
  var without = (form.getAttribute("data-no-update") || "").split(" ");

  function follow() {
    var off = without.indexOf(select.value) !== -1;
    field.hidden = off;
    box.disabled = off;
  }

  select.addEventListener("change", follow);
  follow();
})();
