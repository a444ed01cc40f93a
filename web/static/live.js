// Live status: while the page shows workflows (data-live-region), poll
// /status with the version the page was rendered at; when it changes,
// fetch the page again and swap in its live regions and header.
(function () {
  "use strict";
  var main = document.querySelector("main[data-live]");
  if (!main || !document.querySelector("[data-live-region]")) return;
  var etag = '"' + main.getAttribute("data-live") + '"';
  var every = Number(main.getAttribute("data-live-every")) || 3000;

  function swap(html) {
    var fresh = new DOMParser().parseFromString(html, "text/html");
    document.querySelectorAll("[data-live-region]").forEach(function (old) {
      var now = old.id && fresh.getElementById(old.id);
      if (now) old.replaceWith(document.importNode(now, true));
    });
    var header = fresh.querySelector("header.top");
    var current = document.querySelector("header.top");
    if (header && current) current.replaceWith(document.importNode(header, true));
    var status = document.getElementById("live-status");
    if (status) status.textContent = main.getAttribute("data-live-updated") || "";
  }

  function poll() {
    fetch("/status", { headers: { "If-None-Match": etag }, credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status !== 200) return null;
        etag = r.headers.get("ETag") || etag;
        return fetch(location.href, { credentials: "same-origin", cache: "no-store" }).then(function (p) { return p.text(); });
      })
      .then(function (html) { if (html) swap(html); })
      .catch(function () { /* offline for a moment: try again later */ })
      .then(function () { setTimeout(poll, every); });
  }
  setTimeout(poll, every);
})();
