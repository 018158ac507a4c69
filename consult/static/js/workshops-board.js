/* consult — the KJ board: drag a note card onto a theme of the same topic. Each drop is sent as
   JSON with the page's CSRF token; the per-note <select> stays the way for keyboards and for
   browsers without JavaScript, and is kept in step with every drop. */
(function () {
  "use strict";
  var board = document.querySelector(".ws-board[data-move-url]");
  var tokenMeta = document.querySelector('meta[name="csrf-token"]');
  if (!board || !window.fetch || !tokenMeta) { return; }
  var url = board.getAttribute("data-move-url");
  var status = document.getElementById("board-status");
  var dragged = null;

  function label(name, values) {
    var text = board.getAttribute("data-label-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }
  function say(text) { if (status) { status.textContent = text; } }
  function zoneOf(node) { while (node && !(node.classList && node.classList.contains("ws-zone"))) { node = node.parentNode; } return node; }
  function recount(zone) {
    var count = zone.querySelector("[data-zone-count]");
    var n = zone.querySelectorAll(".ws-card").length;
    if (count) { count.textContent = count.textContent.replace(/\d+/, String(n)); }
  }

  function move(card, zone) {
    var from = zoneOf(card);
    var themeId = zone.getAttribute("data-theme-id");
    var body = {comment: Number(card.getAttribute("data-comment-id")), theme: themeId ? Number(themeId) : null};
    card.setAttribute("aria-busy", "true");
    fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": tokenMeta.getAttribute("content")},
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (!result.ok) { throw new Error(result.data && result.data.message || label("error")); }
      zone.querySelector("[data-zone-list]").appendChild(card);
      var select = card.querySelector("select");
      if (select) { select.value = themeId || ""; }
      recount(zone);
      if (from) { recount(from); }
      var text = (card.querySelector(".ws-card__body") || card).textContent.trim();
      say(label("moved", {note: text.length > 20 ? text.slice(0, 20) + "…" : text, theme: zone.getAttribute("data-theme-name")}));
    }).catch(function (error) {
      say(error && error.message ? error.message : label("error"));
    }).then(function () { card.removeAttribute("aria-busy"); });
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest ? event.target.closest(".ws-card") : null;
    if (!card) { return; }
    dragged = card;
    card.classList.add("ws-card--dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-comment-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("ws-card--dragging"); }
    dragged = null;
    Array.prototype.forEach.call(board.querySelectorAll(".ws-zone--over"), function (z) { z.classList.remove("ws-zone--over"); });
  });
  board.addEventListener("dragover", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged || zone.getAttribute("data-topic-id") !== dragged.getAttribute("data-topic-id")) { return; }
    event.preventDefault();  // a drop is allowed here: same topic
    event.dataTransfer.dropEffect = "move";
    zone.classList.add("ws-zone--over");
  });
  board.addEventListener("dragleave", function (event) {
    var zone = zoneOf(event.target);
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("ws-zone--over"); }
  });
  board.addEventListener("drop", function (event) {
    var zone = zoneOf(event.target);
    if (!zone || !dragged) { return; }
    event.preventDefault();
    zone.classList.remove("ws-zone--over");
    if (zoneOf(dragged) !== zone) { move(dragged, zone); }
  });
})();
