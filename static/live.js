// Small guards for live updates (no rendering here: the server renders).
// 1. Never let an older fragment replace a newer one. Every fragment root
//    carries data-v="boot.version" (or "boot.version.pin" for a one-off answer,
//    e.g. a form showing a refusal: it outranks the plain copy of the same
//    version, and a later pin outranks an earlier one). A push and a form's
//    answer can arrive in either order; a late push of the same state must not
//    undo the refusal shown beside a field.
// 2. Never let a push detach a form whose request is in flight. htmx applies
//    the answer's out-of-band fragments inside the document of the element
//    that sent the request; once a push has replaced that element, the answer
//    finds no targets (htmx:oobErrorNoTarget). Such a push waits until the
//    request has ended and is then applied through the same version guard.
// 3. Keep focus on the same element when a push replaces the fragment around
//    it (a tapped indicator keeps showing its tooltip), with its caret.
// 4. Keep what the owner is typing when a push replaces the form around it
//    (a config change made elsewhere): each edited field keeps its text, the
//    others take the new saved values, and the form's own notice (rendered by
//    the server, hidden) says the saved config changed and offers to reload it
//    (a form reset: the pushed form's defaults are the saved values).
// 5. Keep an open <details> open when any swap replaces it ("Edit per coin"
//    after a toggle): by id, else by its position in the fragment.
// 6. Tell the server when the tab goes to the background and comes back
//    (the visibility API): a hidden tab is sent nothing, and on its return it
//    gets everything that changed meanwhile in one message (src/web/live/hub.ts).
// 7. Apply a push's elements one by one. htmx-ext-ws swaps them with one shared
//    settle list, and htmx announces every element swapped so far again after
//    each swap (htmx:oobAfterSwap): n elements cost n² events, most of a second
//    for the 200 parts of a scanner tick (a price, a P&L: fragment-parts.ts
//    on the server). An element holding no form, field, <details> or htmx
//    attribute (most of them: parts, coin cards) replaces its element directly,
//    through guards 1 and 2 (3 follows below); anything else goes through htmx
//    on its own, with every guard. htmx:wsAfterMessage is then announced as
//    the extension would.
(function () {
  function version(el) {
    var v = el && el.getAttribute ? el.getAttribute("data-v") : null;
    if (!v) return null;
    var parts = v.split(".");
    return { boot: parts[0], n: Number(parts[1]), pin: Number(parts[2] || 0) };
  }
  function notNewer(a, b) {
    return a.n < b.n || (a.n === b.n && a.pin <= b.pin);
  }
  var inFlight = new Set();
  var held = [];
  var pushing = false; // true while the WebSocket extension applies a push
  function holdsRequest(target) {
    var found = false;
    inFlight.forEach(function (elt) {
      if (target === elt || target.contains(elt)) found = true;
    });
    return found;
  }
  function releaseHeld() {
    if (inFlight.size > 0 || held.length === 0) return;
    var html = held.join("");
    held = [];
    // swapStyle "none": only the out-of-band fragments are applied, each through the guard below.
    // They are pushes: what the owner typed meanwhile is kept (4).
    pushing = true;
    try {
      htmx.swap(document.body, html, { swapStyle: "none" });
    } finally {
      pushing = false;
    }
  }

  // ---- 4. edits the owner has not saved -------------------------------------
  function fieldKey(el) {
    var checkable = el.type === "checkbox" || el.type === "radio";
    return el.id || el.name + "\u0000" + (checkable ? el.value : "");
  }
  function isEdited(el) {
    if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
    if (el.tagName === "SELECT") {
      return Array.prototype.some.call(el.options, function (o) { return o.selected !== o.defaultSelected; });
    }
    return el.value !== el.defaultValue;
  }
  function editsIn(root) {
    var edits = [];
    root.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (el) {
      if (el.type === "hidden" || el.type === "submit" || !isEdited(el)) return;
      edits.push({ key: fieldKey(el), value: el.value, checked: el.checked });
    });
    return edits;
  }
  function keepEdits(root, edits) {
    var kept = 0;
    root.querySelectorAll("input[name], textarea[name], select[name]").forEach(function (el) {
      var edit = null;
      for (var i = 0; i < edits.length; i++) if (edits[i].key === fieldKey(el)) edit = edits[i];
      if (!edit) return;
      if (el.type === "checkbox" || el.type === "radio") el.checked = edit.checked;
      else el.value = edit.value;
      // Typed what is now saved anyway: nothing to keep.
      if (!isEdited(el)) return;
      el.classList.add("kept-edit");
      kept++;
    });
    var notice = root.querySelector("[data-saved-changed]");
    if (kept > 0 && notice) notice.hidden = false;
  }
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-reload-saved]") : null;
    if (!button || !button.form) return;
    event.preventDefault();
    button.form.reset();
    button.form.querySelectorAll(".kept-edit").forEach(function (el) { el.classList.remove("kept-edit"); });
    var notice = button.closest("[data-saved-changed]");
    if (notice) notice.hidden = true;
  });

  // ---- 5. open <details> ----------------------------------------------------
  function openDetails(root) {
    var open = [];
    root.querySelectorAll("details").forEach(function (d, i) {
      if (d.open) open.push(d.id || "#" + i);
    });
    return open;
  }
  function reopen(root, open) {
    root.querySelectorAll("details").forEach(function (d, i) {
      if (open.indexOf(d.id || "#" + i) >= 0) d.open = true;
    });
  }

  // What a swapped fragment had, by its id, until its replacement is in the page.
  var carried = {};
  document.addEventListener("htmx:beforeSend", function (event) {
    var elt = event.detail.elt;
    var xhr = event.detail.xhr;
    if (!elt || !xhr) return;
    inFlight.add(elt);
    // Sent for sure now, so loadend will come; it follows htmx's own onload
    // handler, which has swapped the answer by then.
    xhr.addEventListener("loadend", function () {
      inFlight.delete(elt);
      setTimeout(releaseHeld, 0);
    });
  });

  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    var root = detail.fragment && detail.fragment.firstElementChild;
    var incoming = version(root);
    var current = version(detail.target);
    if (incoming && current && incoming.boot === current.boot && notNewer(incoming, current)) {
      detail.shouldSwap = false;
      return;
    }
    if (pushing && root && holdsRequest(detail.target)) {
      detail.shouldSwap = false;
      var copy = root.cloneNode(true);
      copy.setAttribute("hx-swap-oob", "true");
      held.push(copy.outerHTML);
      return;
    }
    var id = detail.target && detail.target.id;
    if (!id) return;
    // A form's own answer replaces its fields on purpose (saved, or refused with what was sent); a push must not.
    carried[id] = { open: openDetails(detail.target), edits: pushing ? editsIn(detail.target) : [] };
  });

  document.addEventListener("htmx:oobAfterSwap", function (event) {
    var root = event.target;
    var was = root && root.id ? carried[root.id] : null;
    if (!was) return;
    delete carried[root.id];
    reopen(root, was.open);
    if (was.edits.length > 0) keepEdits(root, was.edits);
  });

  // ---- 6. a tab in the background ------------------------------------------
  var socket = null; // the page's socket (htmx-ext-ws's wrapper); a swapped scanner view brings a new one
  function sayVisibility() {
    if (!socket) return;
    try {
      socket.send(JSON.stringify({ visibility: document.hidden ? "hidden" : "visible" }));
    } catch (e) {
      // closed: the next open says it again
    }
  }
  document.addEventListener("htmx:wsOpen", function (event) {
    socket = event.detail.socketWrapper;
    // A new connection starts visible on the server.
    if (document.hidden) sayVisibility();
  });
  document.addEventListener("visibilitychange", sayVisibility);

  var focusedId = null;
  var caret = null;
  document.addEventListener("htmx:wsBeforeMessage", function () {
    pushing = true;
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
    caret = null;
    try {
      if (active && typeof active.selectionStart === "number") caret = [active.selectionStart, active.selectionEnd];
    } catch (e) {
      caret = null; // inputs without a caret (checkbox) throw on reading it
    }
  });
  // ---- 7. a push's elements, one by one --------------------------------------
  // What only htmx may swap in: forms and fields (4), <details> (5), scripts (htmx drops them), anything htmx wires up.
  var RICH = /<(form|input|textarea|select|details|script)\b|\s(hx-(?!swap-oob)[\w-]+|ws-connect)=/i;
  function plainPart(el) {
    var oob = el.getAttribute("hx-swap-oob");
    return el.id && (oob === null || oob === "true") && !RICH.test(el.outerHTML);
  }
  function applyPart(el) {
    var target = document.getElementById(el.id);
    if (!target) return;
    var incoming = version(el);
    var current = version(target);
    if (incoming && current && incoming.boot === current.boot && notNewer(incoming, current)) return;
    if (holdsRequest(target)) {
      el.setAttribute("hx-swap-oob", "true");
      held.push(el.outerHTML);
      return;
    }
    target.replaceWith(el);
  }
  document.addEventListener("htmx:wsBeforeMessage", function (event) {
    event.preventDefault(); // the extension stops here: the message is applied below
    var message = event.detail.message;
    var template = document.createElement("template");
    template.innerHTML = String(message);
    try {
      Array.prototype.slice.call(template.content.children).forEach(function (el) {
        if (plainPart(el)) return applyPart(el);
        if (!el.hasAttribute("hx-swap-oob")) el.setAttribute("hx-swap-oob", "true");
        htmx.swap(document.body, el.outerHTML, { swapStyle: "none" });
      });
    } finally {
      htmx.trigger(event.target, "htmx:wsAfterMessage", { message: message, socketWrapper: event.detail.socketWrapper });
    }
  });

  document.addEventListener("htmx:wsAfterMessage", function () {
    pushing = false;
    if (!focusedId) return;
    var active = document.activeElement;
    if (active && active.id === focusedId) return;
    var again = document.getElementById(focusedId);
    if (!again || typeof again.focus !== "function") return;
    again.focus({ preventScroll: true });
    if (caret && typeof again.setSelectionRange === "function") {
      try {
        again.setSelectionRange(caret[0], caret[1]);
      } catch (e) {
        // a field type without a caret
      }
    }
  });
})();
