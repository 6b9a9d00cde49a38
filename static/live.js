// Two small guards for live updates (no rendering here: the server renders).
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
//    it (a tapped indicator keeps showing its tooltip).
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
    htmx.swap(document.body, html, { swapStyle: "none" });
  }
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
    }
  });

  var focusedId = null;
  document.addEventListener("htmx:wsBeforeMessage", function () {
    pushing = true;
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    pushing = false;
    if (!focusedId) return;
    var active = document.activeElement;
    if (active && active.id === focusedId) return;
    var again = document.getElementById(focusedId);
    if (again && typeof again.focus === "function") again.focus({ preventScroll: true });
  });
})();
