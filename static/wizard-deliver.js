// The wizard's "Deliver" fieldset always shows the condition's fields, which is how it works without JavaScript.
// With it, they show only while "Only if a condition holds" is chosen (or while one of them shows an error); they
// are only hidden, never cleared.
(function () {
  "use strict";
  var form = document.querySelector("form.wizard");
  if (!form) { return; }
  var modes = form.querySelectorAll("[name='delivery_mode']");
  var group = form.querySelector("[data-delivery-mode]");
  if (!modes.length || !group) { return; }

  function show() {
    var wanted = group.getAttribute("data-delivery-mode");
    var chosen = "";
    for (var i = 0; i < modes.length; i++) { if (modes[i].checked) { chosen = modes[i].value; } }
    group.hidden = chosen !== wanted && !group.querySelector(".field-error");
  }

  for (var i = 0; i < modes.length; i++) { modes[i].addEventListener("change", show); }
  show();
})();
