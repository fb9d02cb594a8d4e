// /admin/email: choosing a provider fills in its host, port and security at once, as the "Fill in the provider's
// settings" button does on the server without JavaScript (the button is then hidden). "Custom" leaves the fields.
(function () {
  "use strict";
  var preset = document.getElementById("preset");
  if (!preset) { return; }
  var button = document.getElementById("apply-preset");
  if (button) { button.hidden = true; }
  preset.addEventListener("change", function () {
    var option = preset.options[preset.selectedIndex];
    if (!option || !option.dataset.host) { return; }
    document.getElementById("host").value = option.dataset.host;
    document.getElementById("port").value = option.dataset.port;
    document.getElementById("security").value = option.dataset.security;
  });
})();
