// Case pages: reply templates inserted into a text box, the merge search's pick, photo previews.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var reply = event.target.closest("[data-reply-target]");
    if (reply) {
      var box = document.getElementById(reply.getAttribute("data-reply-target"));
      if (!box) { return; }
      var text = reply.getAttribute("data-reply-text");
      var start = box.selectionStart, end = box.selectionEnd;
      if (typeof start === "number" && box.value) {
        box.value = box.value.slice(0, start) + text + box.value.slice(end);
        box.selectionStart = box.selectionEnd = start + text.length;
      } else {
        box.value = text;
      }
      box.focus();
      return;
    }
    var pick = event.target.closest("[data-merge-pick]");
    if (pick) {
      document.getElementById("merge-into").value = pick.getAttribute("data-merge-pick");
      document.getElementById("merge-picked").textContent = pick.getAttribute("data-merge-label");
    }
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-preview]")) { return; }
    var shelf = document.getElementById(input.getAttribute("data-preview"));
    shelf.textContent = "";
    Array.prototype.slice.call(input.files, 0, 9).forEach(function (file) {
      var image = document.createElement("img");
      image.alt = file.name;
      image.src = URL.createObjectURL(file);
      shelf.appendChild(image);
    });
    if (input.files.length > 9) {
      var warning = document.createElement("div");
      warning.className = "error";
      warning.textContent = "最多上传 9 张图片";
      shelf.appendChild(warning);
    }
  });
})();
