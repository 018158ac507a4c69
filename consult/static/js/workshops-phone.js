/* consult — phones: a live character count under the note field (the server checks the limit
   again; this only helps). Counts as the server does: NFKC, surrounding spaces trimmed. The
   words come from the page (data-counter-label / data-counter-over), already translated. */
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("textarea[data-counter-max]"), function (area) {
    var max = Number(area.getAttribute("data-counter-max"));
    var out = document.createElement("p");
    out.className = "hint ws-counter";
    out.id = area.id + "-counter";
    out.setAttribute("aria-live", "polite");
    area.parentNode.insertBefore(out, area.nextSibling);
    function length() {
      var text = area.value.normalize ? area.value.normalize("NFKC") : area.value;
      return Array.from(text.trim()).length;
    }
    var lastBand = null;
    function update() {
      var n = length();
      var over = n > max;
      // Announce only when crossing the limit, not at every keystroke.
      var band = over ? "over" : "ok";
      out.setAttribute("aria-live", band !== lastBand ? "polite" : "off");
      lastBand = band;
      var text = (area.getAttribute("data-counter-label") || "{n} / {max}").split("{n}").join(String(n)).split("{max}").join(String(max));
      out.textContent = text + (over ? (area.getAttribute("data-counter-over") || "") : "");
      out.classList.toggle("ws-counter--over", over);
    }
    area.addEventListener("input", update);
    update();
  });
})();
