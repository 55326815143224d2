(function () {
  "use strict";
  // Sorting and filtering of the bundle table; the page is complete without this script.
  var form = document.getElementById("filters");
  var table = document.getElementById("bundle-table");
  if (!form || !table) { return; }
  var body = table.tBodies[0];
  var items = Array.prototype.map.call(body.rows, function (row, i) {
    return { row: row, index: i, text: row.textContent.toLowerCase() };
  });
  var count = document.getElementById("shown-count");
  var headers = Array.prototype.slice.call(table.tHead.rows[0].cells);
  var get = function (name) { return form.elements[name].value; };

  function apply() {
    var q = get("q").trim().toLowerCase(), st = get("status"), cause = get("cause"), n = 0;
    items.forEach(function (it) {
      var ok = (!st || it.row.getAttribute("data-status") === st) &&
        (!cause || it.row.getAttribute("data-cause") === cause) && (!q || it.text.indexOf(q) >= 0);
      it.row.hidden = !ok;
      if (ok) { n += 1; }
    });
    count.textContent = String(n);
  }

  function key(row, col, numeric) {
    var cell = row.cells[col];
    var k = cell.hasAttribute("data-key") ? cell.getAttribute("data-key") : cell.textContent.trim().toLowerCase();
    if (!numeric) { return k === "" ? null : k; }
    var v = k === "" ? NaN : parseFloat(k);
    return isNaN(v) ? null : v;
  }

  // Missing values go last in both directions; ties keep the original (input) order, so the sort is stable.
  function sortBy(col, numeric, dir) {
    var keyed = items.map(function (it) { return { it: it, k: key(it.row, col, numeric) }; });
    keyed.sort(function (a, b) {
      if (a.k === null || b.k === null) {
        if (a.k !== b.k) { return a.k === null ? 1 : -1; }
      } else if (a.k < b.k) {
        return -dir;
      } else if (a.k > b.k) {
        return dir;
      }
      return a.it.index - b.it.index;
    });
    var frag = document.createDocumentFragment();
    keyed.forEach(function (e) { frag.appendChild(e.it.row); });
    body.appendChild(frag);
  }

  headers.forEach(function (th, col) {
    var type = th.getAttribute("data-sort");
    if (!type) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = th.textContent;
    th.textContent = "";
    th.appendChild(button);
    button.addEventListener("click", function () {
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      headers.forEach(function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      sortBy(col, type === "num", dir);
    });
  });

  // "#cause=ID" and "#status=S" (chart bars, header counts) select that filter and nothing else.
  function pick(fragment) {
    var hash;
    try { hash = decodeURIComponent(fragment); } catch (e) { return; }
    var m = /^(cause|status)=(.*)$/.exec(hash);
    if (!m) { return; }
    var select = form.elements[m[1]];
    var known = Array.prototype.some.call(select.options, function (o) { return o.value === m[2]; });
    if (!known) { return; }
    form.reset();
    select.value = m[2];
    apply();
    document.getElementById("bundles").scrollIntoView({ block: "start" });  // the heading, so the filters show
  }

  // A click handles the link even when the address already ends with its fragment (no hashchange then).
  document.addEventListener("click", function (e) {
    var link = e.target.closest ? e.target.closest("a") : null;
    var href = link ? link.getAttribute("href") || "" : "";
    if (/^#(cause|status)=/.test(href)) { pick(href.slice(1)); }
  });
  window.addEventListener("hashchange", function () { pick(location.hash.slice(1)); });

  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  apply();
  pick(location.hash.slice(1));
}());
