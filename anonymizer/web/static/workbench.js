// The workbench's only script of its own (the CSP allows no inline script).
// 1. htmx requests carry the session's CSRF token in a header.
// 2. Selecting text in the clean transcript offers "this is a person/place/organisation".
// 3. Files dropped on the drop zone go into the upload form's file input.
(function () {
  "use strict";
  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRF-Token"] = token();
  });

  function selectionBar() {
    var text = document.getElementById("clean-text");
    var bar = document.getElementById("selection-bar");
    if (!text || !bar) { return; }
    document.addEventListener("selectionchange", function () {
      var selection = document.getSelection();
      var chosen = selection ? selection.toString().trim() : "";
      var inside = selection && selection.rangeCount > 0 &&
        text.contains(selection.getRangeAt(0).commonAncestorContainer);
      if (!inside || !chosen || chosen.length > 200 || chosen.indexOf("\n") >= 0) { return; }
      document.getElementById("selected-input").value = chosen;
      document.getElementById("selected-text").textContent = chosen;
      bar.classList.remove("hidden");
    });
  }

  function dropZone() {
    var zone = document.getElementById("dropzone");
    var input = document.getElementById("files");
    if (!zone || !input) { return; }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("over");
      });
    });
    zone.addEventListener("dragleave", function () { zone.classList.remove("over"); });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      zone.classList.remove("over");
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        document.getElementById("upload-form").requestSubmit();
      }
    });
  }

  // A click on a mark in the text opens that mark's actions in the side list.
  function markActions() {
    document.querySelectorAll("a.mark-link").forEach(function (link) {
      link.addEventListener("click", function () {
        var item = document.querySelector(link.getAttribute("href"));
        var details = item ? item.querySelector("details") : null;
        if (details) { details.open = true; }
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    selectionBar();
    dropZone();
    markActions();
  });
})();
