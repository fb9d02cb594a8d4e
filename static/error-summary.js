// A page that comes back with errors moves the keyboard (and a screen reader) to the summary that lists them, as
// GOV.UK's error summary does; each link in it then moves to its field. Without JavaScript the summary is still the
// first thing in the page and the links still jump to their fields.
(function () {
  "use strict";
  var summary = document.querySelector(".error-summary");
  if (!summary) { return; }
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    if (!link) { return; }
    var field = document.getElementById(link.getAttribute("href").slice(1));
    if (!field) { return; }
    event.preventDefault();
    field.scrollIntoView({ block: "center" });
    field.focus();
  });
})();
