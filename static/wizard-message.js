// Step 4's "Message for email destinations" always shows when an email destination may be chosen, which is how it
// works without JavaScript. With it, the fields show only while an email destination is checked (or while one of
// them shows an error, or holds text); they are only hidden, never cleared.
(function () {
  "use strict";
  var group = document.querySelector("[data-email-destinations]");
  if (!group) { return; }
  var form = group.closest("form");
  var emails = (group.getAttribute("data-email-destinations") || "").split(" ");
  var boxes = form.querySelectorAll("[name='destination_ids']");

  function show() {
    var chosen = false;
    for (var i = 0; i < boxes.length; i++) {
      if (boxes[i].checked && emails.indexOf(boxes[i].value) !== -1) { chosen = true; }
    }
    var filled = false;
    var fields = group.querySelectorAll("input, textarea");
    for (var j = 0; j < fields.length; j++) { if (fields[j].value) { filled = true; } }
    group.hidden = !chosen && !filled && !group.querySelector(".field-error");
  }

  for (var i = 0; i < boxes.length; i++) { boxes[i].addEventListener("change", show); }
  show();
})();
