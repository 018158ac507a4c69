/* Live Markdown preview on the editing screens. Without JavaScript the "プレビューを更新" button does
   the same on the server. The HTML comes from the server's sanitiser (the same as the public pages). */
(function () {
  "use strict";
  var areas = document.querySelectorAll("textarea[data-preview][data-preview-url]");
  Array.prototype.forEach.call(areas, function (area) {
    var target = document.getElementById(area.getAttribute("data-preview"));
    var url = area.getAttribute("data-preview-url");
    var tokenInput = area.form ? area.form.querySelector("input[name=csrf_token]") : null;
    var timer = null;
    var sequence = 0;
    if (!target || !url || !window.fetch) {
      return;
    }
    function update() {
      var mine = ++sequence;
      fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": tokenInput ? tokenInput.value : ""},
        body: JSON.stringify({text: area.value})
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (data) {
        if (data && typeof data.html === "string" && mine === sequence) {
          target.innerHTML = data.html;
        }
      }).catch(function () { /* the server-side preview button still works */ });
    }
    area.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(update, 400);
    });
  });
})();
