/* snapdiag serve: drop or choose files, upload them as one bundle, poll the job, show the verdict.
   Text from the server is only ever set with textContent (never parsed as HTML). */
(function () {
  "use strict";
  // History: a report is gone for good once deleted, so ask first.
  Array.prototype.forEach.call(document.querySelectorAll("form.delete"), function (del) {
    del.addEventListener("submit", function (e) {
      if (!window.confirm("Delete this analysis and its reports? This cannot be undone.")) { e.preventDefault(); }
    });
  });
  var form = document.getElementById("drop-form");
  if (!form) { return; }
  var zone = document.getElementById("dropzone");
  var input = document.getElementById("file-input");
  var jobs = document.getElementById("jobs");
  var token = document.querySelector('meta[name="csrf-token"]').getAttribute("content");
  document.getElementById("upload-button").hidden = true;  // with this script, choosing files uploads them

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    if (cls) { node.className = cls; }
    return node;
  }

  function link(href, text, download) {
    var a = el("a", text);
    a.href = href;
    if (download) { a.setAttribute("download", ""); }
    return a;
  }

  function showVerdict(card, job) {
    var box = el("div", null, "result");
    if (job.state === "failed") {
      box.appendChild(el("p", "Could not analyse this upload: " + job.error, "error"));
    } else {
      var found = job.top_cause && job.top_cause !== "none";
      var line = found
        ? (job.title || job.top_cause) + " (" + job.top_cause + (job.verdict ? ", " + job.verdict : "") +
          (typeof job.confidence === "number" ? ", " + Math.round(job.confidence * 100) + "%" : "") + ")"
        : "No cause identified (" + (job.status || "unknown") + ")";
      var verdict = el("p", line, "verdict");
      verdict.setAttribute("data-cause", found ? job.top_cause : "none");
      box.appendChild(verdict);
      if (job.headline) { box.appendChild(el("p", job.headline)); }
      var links = el("p");
      links.appendChild(link(job.links.report, "Open the report"));
      links.appendChild(document.createTextNode(" · "));
      links.appendChild(link(job.links.json, "report.json", true));
      links.appendChild(document.createTextNode(" · "));
      links.appendChild(link(job.links.summary, "summary.txt", true));
      box.appendChild(links);
    }
    card.appendChild(box);
    card.setAttribute("data-state", job.state);
  }

  function poll(id, card, state) {
    var wait = 500;
    function tick() {
      fetch("/api/jobs/" + encodeURIComponent(id), { headers: { "Accept": "application/json" } })
        .then(function (r) {
          if (r.status === 404) { return { state: "gone" }; }
          if (!r.ok) { throw new Error("HTTP " + r.status); }
          return r.json();
        })
        .then(function (job) {
          if (job.state === "gone") {
            state.textContent = "This analysis is no longer in the history (deleted).";
            card.setAttribute("data-state", "gone");
            return;
          }
          if (job.state === "done" || job.state === "failed") {
            state.textContent = job.state === "done" ? "Analysed." : "Failed.";
            showVerdict(card, job);
            return;
          }
          state.textContent = job.state === "running" ? "Analysing…" : "Waiting for a free worker…";
          wait = Math.min(wait * 1.3, 3000);
          window.setTimeout(tick, wait);
        })
        .catch(function () {
          state.textContent = "Lost contact with the server; retrying…";
          window.setTimeout(tick, 3000);
        });
    }
    tick();
  }

  function upload(files) {
    if (!files.length) { return; }
    var card = el("article", null, "job");
    var names = files.map(function (f) { return f.name; });
    card.appendChild(el("h2", names.length === 1 ? names[0] : names[0] + " + " + (names.length - 1) + " more"));
    var bar = el("progress");
    bar.max = 1;
    bar.value = 0;
    var state = el("p", "Uploading…", "state");
    card.appendChild(bar);
    card.appendChild(state);
    card.setAttribute("data-state", "uploading");
    jobs.insertBefore(card, jobs.firstChild);

    var body = new FormData();
    body.append("csrf", token);
    body.append("lang", document.getElementById("lang").value);
    files.forEach(function (f) { body.append("files", f, f.name); });
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/upload");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.setRequestHeader("X-CSRF-Token", token);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.value = e.loaded / e.total; }
    });
    xhr.addEventListener("load", function () {
      var answer = {};
      try { answer = JSON.parse(xhr.responseText); } catch (ignore) { answer = {}; }
      if (xhr.status === 202 && answer.id) {
        bar.value = 1;
        card.setAttribute("data-job", answer.id);
        state.textContent = "Uploaded; waiting for a free worker…";
        poll(answer.id, card, state);
      } else {
        state.textContent = "Upload refused: " + (answer.error || "HTTP " + xhr.status);
        state.className = "state error";
        card.setAttribute("data-state", "refused");
      }
    });
    xhr.addEventListener("error", function () {
      state.textContent = "Upload failed (connection lost or the upload is too large).";
      state.className = "state error";
      card.setAttribute("data-state", "refused");
    });
    xhr.send(body);
  }

  /* A dropped folder is walked; its files join the bundle under their base names. */
  function walk(entry, out) {
    if (entry.isFile) {
      return new Promise(function (resolve) {
        entry.file(function (f) { out.push(f); resolve(); }, function () { resolve(); });
      });
    }
    if (!entry.isDirectory) { return Promise.resolve(); }
    var reader = entry.createReader();
    return new Promise(function (resolve) {
      var all = [];
      function more() {
        reader.readEntries(function (batch) {
          if (!batch.length) {
            Promise.all(all.map(function (e) { return walk(e, out); })).then(resolve);
            return;
          }
          all = all.concat(Array.prototype.slice.call(batch));
          more();
        }, function () { resolve(); });
      }
      more();
    });
  }

  function dropped(transfer) {
    var out = [];
    var pending = [];
    var items = transfer.items ? Array.prototype.slice.call(transfer.items) : [];
    if (!items.length) { return Promise.resolve(Array.prototype.slice.call(transfer.files || [])); }
    items.forEach(function (item) {
      if (item.kind !== "file") { return; }
      var entry = item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
      if (entry && entry.isDirectory) {
        pending.push(walk(entry, out));
      } else {
        var file = item.getAsFile();
        if (file) { out.push(file); }
      }
    });
    return Promise.all(pending).then(function () { return out; });
  }

  ["dragenter", "dragover"].forEach(function (type) {
    zone.addEventListener(type, function (e) { e.preventDefault(); zone.classList.add("over"); });
  });
  zone.addEventListener("keydown", function (e) {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
  zone.addEventListener("drop", function (e) {
    e.preventDefault();
    zone.classList.remove("over");
    dropped(e.dataTransfer).then(upload);
  });
  input.addEventListener("change", function () {
    upload(Array.prototype.slice.call(input.files));
    input.value = "";
  });
  form.addEventListener("submit", function (e) {
    e.preventDefault();
    upload(Array.prototype.slice.call(input.files));
    input.value = "";
  });
}());
