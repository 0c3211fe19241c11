// The console's little JavaScript: the phone menu, confirm-once buttons, enlarging photos.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-menu-toggle]");
    if (toggle) {
      var open = document.body.classList.toggle("menu-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
      return;
    }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
      return;
    }
    var photo = event.target.closest("[data-enlarge]");
    if (photo) {
      event.preventDefault();
      var overlay = document.createElement("div");
      overlay.className = "lightbox";
      var image = document.createElement("img");
      image.src = photo.getAttribute("data-enlarge");
      image.alt = photo.getAttribute("title") || "照片";
      overlay.appendChild(image);
      overlay.addEventListener("click", function () { overlay.remove(); });
      document.body.appendChild(overlay);
      return;
    }
    var all = event.target.closest("[data-check-all]");
    if (all) {
      var boxes = document.querySelectorAll("input[name='" + all.getAttribute("data-check-all") + "']");
      boxes.forEach(function (box) { box.checked = all.checked; });
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
