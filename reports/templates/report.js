(function () {
  "use strict";
  var form = document.getElementById("filters");
  var table = document.getElementById("event-table");
  if (!form || !table) { return; }
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var count = document.getElementById("shown-count");
  var get = function (n) { return form.elements[n].value; };
  function apply() {
    var lv = get("level"), kd = get("kind"), cp = get("component"), q = get("q").toLowerCase(), n = 0;
    rows.forEach(function (r) {
      var ok = (!lv || r.getAttribute("data-level") === lv) && (!kd || r.getAttribute("data-kind") === kd) &&
        (!cp || r.getAttribute("data-component") === cp) && (!q || r.textContent.toLowerCase().indexOf(q) >= 0);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    count.textContent = String(n);
  }
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var row = id && document.getElementById(id);
    if (!row || row.tagName !== "TR") { return; }
    if (row.hidden) { form.reset(); apply(); }
    rows.forEach(function (r) { r.classList.remove("hit"); });
    row.classList.add("hit");
    row.scrollIntoView({ block: "center" });
  }
  form.hidden = false;
  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  window.addEventListener("hashchange", reveal);
  // following the same evidence link again changes no hash: reveal its row all the same
  document.addEventListener("click", function (e) {
    var a = e.target && e.target.closest ? e.target.closest("a[href^='#ev']") : null;
    if (a) { setTimeout(reveal, 0); }
  });
  apply();
  reveal();
}());
