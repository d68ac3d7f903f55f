/* The portal's order form (templates/portal/order_form.html): filter the product table by name
   or category, update each line's carton estimate as a quantity is typed, hide the address fields
   when a saved recipient is chosen, and send only the products ordered. Without this script the
   whole table shows and the form works the same. */
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("[data-order-form]");
    if (!form) return;
    var rows = Array.prototype.slice.call(form.querySelectorAll("[data-product-row]"));
    var filters = form.querySelector("[data-product-filters]");
    var search = form.querySelector("[data-product-search]");
    var category = form.querySelector("[data-product-category]");
    var orderedOnly = form.querySelector("[data-product-ordered-only]");
    var noMatch = form.querySelector("[data-no-match]");

    function quantityOf(row) {
      var input = row.querySelector("[data-quantity]");
      var value = input ? parseInt(input.value, 10) : 0;
      return isNaN(value) ? 0 : value;
    }

    function applyFilters() {
      var words = search ? search.value.trim().toLowerCase().split(/\s+/).filter(Boolean) : [];
      var wanted = category ? category.value : "";
      var onlyOrdered = orderedOnly && orderedOnly.checked;
      var shown = 0;
      rows.forEach(function (row) {
        var text = row.getAttribute("data-search") || "";
        var visible = words.every(function (word) { return text.indexOf(word) !== -1; });
        var rowCategory = row.getAttribute("data-category") || "";
        if (visible && wanted) {
          visible = rowCategory === wanted || rowCategory.indexOf(wanted + " > ") === 0;
        }
        if (visible && onlyOrdered) visible = quantityOf(row) > 0;
        row.hidden = !visible;
        if (visible) shown += 1;
      });
      if (noMatch) noMatch.classList.toggle("hidden", shown > 0 || rows.length === 0);
    }

    function updateCartons(input) {
      var row = input.closest("[data-product-row]");
      var cell = row && row.querySelector("[data-cartons]");
      if (!cell) return;
      var perCarton = parseInt(input.getAttribute("data-per-carton"), 10);
      var quantity = parseInt(input.value, 10);
      if (!perCarton || isNaN(quantity) || quantity <= 0) {
        cell.textContent = "–";
      } else {
        cell.textContent = String(Math.ceil(quantity / perCarton));
      }
    }

    if (filters) filters.hidden = false;
    [search, category, orderedOnly].forEach(function (control) {
      if (control) control.addEventListener("input", applyFilters);
      if (control) control.addEventListener("change", applyFilters);
    });
    // Enter in the search box filters; it must not submit the order.
    if (search) {
      search.addEventListener("keydown", function (event) {
        if (event.key === "Enter") event.preventDefault();
      });
    }
    form.addEventListener("input", function (event) {
      if (event.target.matches && event.target.matches("[data-quantity]")) updateCartons(event.target);
    });

    var recipient = form.querySelector("select[name='recipient']");
    var ownAddress = form.querySelector("[data-own-address]");
    function toggleAddress() {
      if (recipient && ownAddress) ownAddress.hidden = recipient.value !== "";
    }
    if (recipient) recipient.addEventListener("change", toggleAddress);
    toggleAddress();

    // Only the ordered products are sent: a long catalogue must not exceed the server's limit on
    // the number of fields. The search box is not part of the order either.
    form.addEventListener("submit", function () {
      rows.forEach(function (row) {
        var input = row.querySelector("[data-quantity]");
        if (input && input.value.trim() === "") input.disabled = true;
        if (input && input.value.trim() === "0") input.disabled = true;
      });
    });
    window.addEventListener("pageshow", function () {
      rows.forEach(function (row) {
        var input = row.querySelector("[data-quantity]");
        if (input) input.disabled = false;
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
