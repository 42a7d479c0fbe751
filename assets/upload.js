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

  var ZONE = "upload-zone";
  var INPUT = "upload-file";

  function cookie(name) {
    var match = document.cookie.match(new RegExp("(?:^|; )" + name + "=([^;]*)"));
    return match ? decodeURIComponent(match[1]) : "";
  }

  function show(message, kind) {
    var box = document.getElementById("upload-message");
    if (!box) return;
    box.textContent = message;
    box.className = "small mt-2 " + (kind === "error" ? "text-danger" : "text-body-secondary");
  }

  function setProgress(fraction, label) {
    var holder = document.getElementById("upload-progress");
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

  function hideProgress() {
    var holder = document.getElementById("upload-progress");
    if (holder) holder.classList.add("d-none");
  }

  function tellDash(result) {
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("upload-result", { data: result });
    }
  }

  function send(file, zone) {
    var limit = Number(zone.getAttribute("data-max-bytes") || 0);
    if (limit && file.size > limit) {
      show("The file is larger than the " + Math.round(limit / 1048576) + " MB limit.", "error");
      return;
    }
    var form = new FormData();
    form.append("file", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", "/upload");
    xhr.setRequestHeader("X-CSRFToken", cookie("_csrf_token"));
    xhr.upload.onprogress = function (event) {
      if (event.lengthComputable) setProgress(event.loaded / event.total);
    };
    xhr.onload = function () {
      var body = {};
      try { body = JSON.parse(xhr.responseText || "{}"); } catch (e) { body = {}; }
      hideProgress();
      if (xhr.status === 201) {
        show("Uploaded " + body.name + ". Reading it now…", "info");
        tellDash({ dataset_id: body.dataset_id, at: Date.now() });
      } else {
        show(body.error || "The upload failed (HTTP " + xhr.status + "). Please try again.", "error");
        tellDash({ error: body.error || "upload failed", at: Date.now() });
      }
    };
    xhr.onerror = function () {
      hideProgress();
      show("The connection was lost during the upload. Please try again.", "error");
    };
    show("Uploading " + file.name + "…", "info");
    setProgress(0, "0%");
    xhr.send(form);
  }

  function attachInput(zone) {
    if (document.getElementById(INPUT)) return;
    var input = document.createElement("input");
    input.type = "file";
    input.id = INPUT;
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
    var zone = document.getElementById(ZONE);
    if (zone) attachInput(zone);
  }).observe(document.documentElement, { childList: true, subtree: true });
})();
