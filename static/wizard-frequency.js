// The wizard's frequency step lists every kind's fields at once, which is how it works without JavaScript. With
// it, only the fields of the chosen kind show (each field names its kinds in data-kinds) and choosing another kind
// reveals its fields. Hidden fields keep their values (they are only hidden, never cleared), and a field showing an
// error is never hidden. With no kind chosen everything stays shown.
(function () {
  "use strict";
  var form = document.querySelector("form.wizard");
  if (!form) { return; }
  var choices = form.querySelectorAll("[name='kind']");
  var fields = form.querySelectorAll("[data-kinds]");
  if (!choices.length || !fields.length) { return; }

  function chosenKind() {
    for (var i = 0; i < choices.length; i++) {
      var choice = choices[i];
      if (choice.tagName === "SELECT") { return choice.value; }
      if (choice.checked) { return choice.value; }
    }
    return "";
  }

  function show() {
    var kind = chosenKind();
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var kinds = field.getAttribute("data-kinds").split(" ");
      field.hidden = kind !== "" && kinds.indexOf(kind) < 0 && !field.querySelector(".field-error");
    }
  }

  for (var i = 0; i < choices.length; i++) { choices[i].addEventListener("change", show); }
  show();
})();
