/* List search and filters, and a note where a picture is missing. No dependencies. */
(function () {
  "use strict";

  function setupList(form) {
    var table = document.getElementById(form.getAttribute("data-list"));
    if (!table || !table.tBodies.length) { return; }
    var rows = Array.prototype.slice.call(table.tBodies[0].rows);
    var search = form.querySelector("[data-search]");
    var selects = Array.prototype.slice.call(form.querySelectorAll("select[data-filter]"));
    var out = form.querySelector("[data-count]");
    var params = new URLSearchParams(window.location.search);
    search.value = params.get("q") || "";
    selects.forEach(function (sel) {
      var wanted = params.get(sel.getAttribute("data-filter"));
      if (wanted) { sel.value = wanted; }
    });

    function apply() {
      var needle = search.value.trim().toLowerCase();
      var shown = 0;
      rows.forEach(function (row) {
        var ok = !needle || (row.getAttribute("data-search") || "").indexOf(needle) !== -1;
        selects.forEach(function (sel) {
          var key = sel.getAttribute("data-filter");
          if (ok && sel.value && row.getAttribute("data-" + key) !== sel.value) { ok = false; }
        });
        row.hidden = !ok;
        if (ok) { shown += 1; }
      });
      out.textContent = shown + " " + (form.getAttribute("data-of") || "/") + " " + rows.length;
    }

    form.addEventListener("input", apply);
    form.addEventListener("change", apply);
    form.addEventListener("submit", function (event) { event.preventDefault(); apply(); });
    apply();
  }

  function markMissing(img) {
    var figure = img.closest("figure");
    var note = document.createElement("p");
    note.textContent = img.getAttribute("data-missing") || "";
    if (figure) { figure.classList.add("missing"); }
    img.replaceWith(note);
  }

  document.querySelectorAll("form.list-filters").forEach(setupList);
  document.querySelectorAll("img[data-picture]").forEach(function (img) {
    img.addEventListener("error", function () { markMissing(img); });
    if (img.complete && window.fetch) {  // it may have failed before this script ran
      window.fetch(img.src, { method: "HEAD" }).then(function (response) {
        if (!response.ok && img.isConnected) { markMissing(img); }
      }).catch(function () { /* offline: leave the picture as it is */ });
    }
  });
}());
