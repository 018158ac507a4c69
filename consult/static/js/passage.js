/* A comment on a passage of a public comment's document (条文骨子), no library.
 *
 * Document page: selecting text inside one provision's text shows a link
 * 「選んだ部分について意見を書く」 under that provision, opening the comment form with the provision
 * and the selected text (?section=<anchor>&quote=<text>). The server checks the passage again.
 * Comment form: a button that clears the selected passage (the checkbox does it without JavaScript).
 */
(function () {
  "use strict";
  var MAX = 500;

  function provisionText(node) {
    while (node && node !== document) {
      if (node.nodeType === 1 && node.hasAttribute("data-provision-text")) return node;
      node = node.parentNode;
    }
    return null;
  }

  function documentPage(doc) {
    var formUrl = doc.getAttribute("data-passage-form");
    if (!formUrl) return;
    var link = document.createElement("a");
    link.className = "button button--secondary passage-button";
    link.textContent = doc.getAttribute("data-passage-label") || "選んだ部分について意見を書く";
    link.hidden = true;
    var current = null;

    function place() {
      var selection = window.getSelection();
      if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return; // keep the last one: a click collapses it
      var a = provisionText(selection.anchorNode), b = provisionText(selection.focusNode);
      var text = selection.toString().replace(/^\s+|\s+$/g, "");
      if (!a || a !== b || !text) {
        link.hidden = true;
        if (current) current.classList.remove("provision--selected");
        current = null;
        return;
      }
      var provision = a.parentNode;
      var anchor = provision.getAttribute("data-provision");
      if (text.length > MAX) text = text.slice(0, MAX + 1); // the form says the passage is too long
      var sep = formUrl.indexOf("?") < 0 ? "?" : "&";
      link.href = formUrl + sep + "section=" + encodeURIComponent(anchor) + "&quote=" + encodeURIComponent(text);
      if (current && current !== provision) current.classList.remove("provision--selected");
      current = provision;
      provision.classList.add("provision--selected");
      if (link.parentNode !== provision) provision.insertBefore(link, a.nextSibling);
      link.hidden = false;
    }

    var timer = null;
    document.addEventListener("selectionchange", function () {
      if (timer) window.clearTimeout(timer);
      timer = window.setTimeout(place, 120);
    });
    doc.addEventListener("mouseup", place);
    doc.addEventListener("keyup", place);
  }

  function commentForm(field) {
    var textarea = field.querySelector("textarea");
    var drop = field.querySelector("input[name=drop_quote]");
    if (!textarea) return;
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--small button--secondary";
    button.textContent = field.getAttribute("data-clear-label") || "選んだ部分を消す";
    button.addEventListener("click", function () {
      textarea.value = "";
      if (drop) drop.checked = true;
      field.hidden = true;
      var select = document.getElementById("section");
      if (select) select.focus();
    });
    field.appendChild(button);
  }

  var doc = document.querySelector("[data-passage-form]");
  if (doc) documentPage(doc);
  var field = document.querySelector("[data-quote-field]");
  if (field) commentForm(field);
})();
