/*
 * Uploads: a streamed multipart POST to /upload with a real progress bar.
 *
 * dcc.Upload would base64-encode the whole file in the browser and send it as one JSON
 * value, which fails at 100 MB. Instead a file input is laid over the drop zone (so both a
 * click and a drop reach it), and the file goes out as multipart with XHR progress events.
 * When the server answers, the result is handed to Dash through set_props on a dcc.Store.
 */
(function () {
  "use strict";

  // Each drop zone names its parts by a prefix (data-upload): "<prefix>-zone", "-file", "-message",
  // "-progress" and the "-result" store; data-url is where its files go (a first upload, or a
  // new version of a dataset).
  function part(zone, name) {
    return document.getElementById(zone.getAttribute("data-upload") + "-" + name);
  }

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(zone, message, kind) {
    var box = part(zone, "message");
    if (!box) return;
    box.textContent = message;
    box.className = "small mt-2 " + (kind === "error" ? "text-danger" : "text-body-secondary");
  }

  function setProgress(zone, fraction, label) {
    var holder = part(zone, "progress");
    if (!holder) return;
    holder.classList.remove("d-none");
    var bar = holder.querySelector(".progress-bar");
    var percent = Math.round(fraction * 100);
    if (bar) {
      bar.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
      bar.textContent = label || percent + "%";
    }
  }

  function hideProgress(zone) {
    var holder = part(zone, "progress");
    if (holder) holder.classList.add("d-none");
  }

  function tellDash(zone, result) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props(zone.getAttribute("data-upload") + "-result", { data: result });
    }
  }

  function send(file, zone) {
    var limit = Number(zone.getAttribute("data-max-bytes") || 0);
    if (limit && file.size > limit) {
      show(zone, "The file is larger than the " + Math.round(limit / 1048576) + " MB limit.", "error");
      return;
    }
    var form = new FormData();
    form.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", zone.getAttribute("data-url") || "/upload");
    xhr.setRequestHeader("X-CSRFToken", cookie("_csrf_token"));
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) setProgress(zone, event.loaded / event.total);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch (e) { body = {}; }
      hideProgress(zone);
      if (xhr.status === 201) {
        show(zone, "Uploaded " + body.name + ". Reading it now…", "info");
        tellDash(zone, { dataset_id: body.dataset_id, version: body.version, at: Date.now() });
      } else {
        show(zone, body.error || "The upload failed (HTTP " + xhr.status + "). Please try again.", "error");
        tellDash(zone, { error: body.error || "upload failed", at: Date.now() });
      }
    };
    xhr.onerror = function () {
      hideProgress(zone);
      show(zone, "The connection was lost during the upload. Please try again.", "error");
    };
    show(zone, "Uploading " + file.name + "…", "info");
    setProgress(zone, 0, "0%");
    xhr.send(form);
  }

  function attachInput(zone) {
    if (part(zone, "file")) return;
    var input = document.createElement("input");
    input.type = "file";
    input.id = zone.getAttribute("data-upload") + "-file";
    input.accept = ".csv,.tsv,.txt,.xlsx";
    input.className = "upload-file-input";
    input.setAttribute("aria-label", "Choose a CSV or Excel file to upload");
    input.addEventListener("change", function () {
      if (input.files && input.files.length) send(input.files[0], zone);
      input.value = "";
    });
    input.addEventListener("dragenter", function () { zone.classList.add("dragging"); });
    input.addEventListener("dragleave", function () { zone.classList.remove("dragging"); });
    input.addEventListener("drop", function () { zone.classList.remove("dragging"); });
    zone.appendChild(input);
  }

  // Dash renders pages after load and re-renders them on navigation: watch for the zone.
  new MutationObserver(function () {
    document.querySelectorAll(".upload-zone[data-upload]").forEach(attachInput);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
