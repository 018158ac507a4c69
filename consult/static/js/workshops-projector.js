/* consult — the workshop projector: polls its JSON with If-None-Match; an unchanged poll is a 304.
   Text from participants is only ever set with textContent, marked as Japanese (lang="ja") like the
   page's own. No state is kept on the server. */
(function () {
  "use strict";
  var root = document.querySelector("[data-projector-url]");
  if (!root || !window.fetch) { return; }
  var url = root.getAttribute("data-projector-url");
  var etag = root.getAttribute("data-etag") || "";
  var INTERVAL = 3000, MAX_INTERVAL = 30000, PER_TOPIC = 8, TOP = 5;
  var delay = INTERVAL;
  var status = document.getElementById("pj-status");

  function label(name, values) {
    var text = root.getAttribute("data-label-" + name) || "";
    Object.keys(values || {}).forEach(function (key) { text = text.split("{" + key + "}").join(String(values[key])); });
    return text;
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function ja(node) { node.setAttribute("lang", "ja"); return node; }
  function setText(id, text) {
    var node = document.getElementById(id);
    if (node && node.textContent !== String(text)) { node.textContent = text; }
  }
  function replaceChildren(list, children) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    children.forEach(function (child) { list.appendChild(child); });
  }
  function noteItem(note) {
    var li = el("li", "pj-note" + (note.channel === "paper" ? " pj-note--paper" : ""));
    var table = el("span", "pj-note__table");
    table.appendChild(ja(el("span", "", note.table)));
    if (note.channel === "paper") { table.appendChild(document.createTextNode("（" + label("paper") + "）")); }
    li.appendChild(table);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(ja(el("span", "pj-note__body", note.body)));
    if (note.dots) {
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "pj-note__dots", label("dots", {n: note.dots})));
    }
    return li;
  }

  function render(data) {
    setText("pj-participants", data.participants);
    setText("pj-notes", data.notes_total);
    setText("pj-dots", data.dots_total);
    setText("pj-state", data.workshop.state === "closed" ? label("state-closed") : "");
    if (data.workshop.state !== "open") {
      // Closed (or not yet open): nobody may join, so the code and the QR leave the screen.
      var join = document.querySelector(".pj-join");
      if (join) { join.parentNode.removeChild(join); }
    }
    document.body.classList.toggle("pj--closed", data.workshop.state === "closed");
    data.topics.forEach(function (topic) {
      setText("pj-topic-count-" + topic.id, label("topic-row", {n: topic.notes, d: topic.dots}));
      var list = document.getElementById("pj-notes-" + topic.id);
      if (!list) { return; }
      var notes = data.recent.filter(function (n) { return n.topic_id === topic.id; }).slice(0, PER_TOPIC);
      replaceChildren(list, notes.length ? notes.map(noteItem) : [el("li", "pj-empty", label("empty"))]);
    });
    var themes = document.getElementById("pj-themes");
    if (themes && data.themes) {
      var numbers = {};
      data.topics.forEach(function (topic) { numbers[topic.id] = topic.number; });
      replaceChildren(themes, data.themes.length ? data.themes.map(function (theme) {
        var li = el("li");
        li.appendChild(el("span", "pj-col__number", String(numbers[theme.topic_id] || "")));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(ja(el("span", "pj-themes__name", theme.name)));
        li.appendChild(document.createTextNode(" " + label("topic-row", {n: theme.notes, d: theme.dots})));
        return li;
      }) : [el("li", "pj-empty", label("no-themes"))]);
    }
    var top = document.getElementById("pj-top");
    if (top && data.top_notes.length) {
      replaceChildren(top, data.top_notes.slice(0, TOP).map(function (note) {
        var li = el("li");
        li.appendChild(el("span", "pj-note__dots", label("dots", {n: note.dots})));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(ja(el("span", "pj-note__table", note.table)));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(ja(el("span", "", note.body)));
        return li;
      }));
    }
    var proposals = document.getElementById("pj-top-proposals");
    if (proposals && data.top_proposals.length) {
      replaceChildren(proposals, data.top_proposals.slice(0, TOP).map(function (proposal) {
        var li = el("li");
        li.appendChild(el("span", "pj-note__dots", label("dots", {n: proposal.dots})));
        li.appendChild(document.createTextNode(" "));
        li.appendChild(ja(el("span", "", proposal.text)));
        return li;
      }));
    }
    var tables = document.getElementById("pj-tables");
    if (tables) {
      replaceChildren(tables, data.tables.map(function (table) {
        var li = el("li");
        li.appendChild(ja(el("span", "pj-tables__name", table.name)));
        li.appendChild(document.createTextNode(" " + label("table-row", {p: table.participants, n: table.notes})));
        return li;
      }));
    }
  }

  function stamp() {
    var now = new Date();
    return ("0" + now.getHours()).slice(-2) + ":" + ("0" + now.getMinutes()).slice(-2) + ":" + ("0" + now.getSeconds()).slice(-2);
  }

  function poll() {
    if (document.hidden) { return schedule(); }
    var headers = {"Accept": "application/json"};
    if (etag) { headers["If-None-Match"] = etag; }
    fetch(url, {headers: headers, cache: "no-store", credentials: "same-origin"})
      .then(function (response) {
        if (response.status === 304) { return null; }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        etag = response.headers.get("ETag") || etag;
        return response.json();
      })
      .then(function (data) {
        // Announce only real changes: a 304 every few seconds must not chatter in a screen reader.
        if (data) {
          render(data);
          if (status) { status.textContent = label("updated", {time: stamp()}); }
        } else if (delay !== INTERVAL && status) {
          status.textContent = label("updated", {time: stamp()});
        }
        delay = INTERVAL;
      })
      .catch(function () {
        delay = Math.min(delay * 2, MAX_INTERVAL);  // back off while the network or server is away
        if (status) { status.textContent = label("offline"); }
      })
      .then(schedule);
  }
  function schedule() { window.setTimeout(poll, delay); }
  schedule();
})();
