// A queued or running execution's page follows the run: it asks GET /api/v1/executions/{id} every few seconds,
// shows the status as it changes, and reloads the page once the run has ended (so steps, deliveries and files
// appear). Without JavaScript the page's <noscript> refresh does the same, less smoothly.
(function () {
  "use strict";
  var root = document.getElementById("execution");
  if (!root || root.getAttribute("data-active") !== "true") { return; }
  var id = root.getAttribute("data-execution-id");
  var badge = document.getElementById("execution-status");
  var live = document.getElementById("execution-live");
  var delay = 2000;
  var finished = ["succeeded", "partial", "failed", "skipped", "cancelled"];

  function poll() {
    if (document.hidden) { setTimeout(poll, delay); return; }
    fetch("/api/v1/executions/" + encodeURIComponent(id), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { if (!response.ok) { throw new Error(String(response.status)); } return response.json(); })
      .then(function (execution) {
        if (badge && badge.textContent !== execution.status) {
          badge.textContent = execution.status;
          badge.className = "badge badge-" + execution.status;
          if (live) { live.textContent = "Status: " + execution.status + "."; }
        }
        if (finished.indexOf(execution.status) >= 0) { window.location.reload(); return; }
        setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); setTimeout(poll, delay); });
  }
  setTimeout(poll, delay);
})();
