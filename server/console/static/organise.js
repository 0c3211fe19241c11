// Halls and administration pages: a form is sent once; its button waits for the answer.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    if (event.defaultPrevented || event.target.method.toLowerCase() !== "post") {
      return;
    }
    var buttons = event.target.querySelectorAll("button[type=submit]");
    window.setTimeout(function () {
      buttons.forEach(function (button) { button.disabled = true; });
    }, 0);
  });
  // Back to a page kept in the browser's cache: its buttons work again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("button[type=submit]:disabled").forEach(function (b) { b.disabled = false; });
    }
  });
})();
