// Sample kit script (test data): records the victim's keystrokes for the panel.
var nbSession = "NB-" + Math.random().toString(36).slice(2);
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("login");
  if (form) form.addEventListener("submit", function () { localStorage.setItem("nb", nbSession); });
});
