// Two small guards for live updates (no rendering here: the server renders).
// 1. Never let an older fragment replace a newer one. Every fragment root
//    carries data-v="boot.version" (or "boot.version.pin" for a one-off answer,
//    e.g. a form showing a refusal: it outranks the plain copy of the same
//    version, and a later pin outranks an earlier one). A push and a form's
//    answer can arrive in either order; a late push of the same state must not
//    undo the refusal shown beside a field.
// 2. Keep focus on the same element when a push replaces the fragment around
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
  document.addEventListener("htmx:oobBeforeSwap", function (event) {
    var detail = event.detail;
    var incoming = version(detail.fragment && detail.fragment.firstElementChild);
    var current = version(detail.target);
    if (incoming && current && incoming.boot === current.boot && notNewer(incoming, current)) detail.shouldSwap = false;
  });

  var focusedId = null;
  document.addEventListener("htmx:wsBeforeMessage", function () {
    var active = document.activeElement;
    focusedId = active && active !== document.body && active.id ? active.id : null;
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    if (!focusedId) return;
    var active = document.activeElement;
    if (active && active.id === focusedId) return;
    var again = document.getElementById(focusedId);
    if (again && typeof again.focus === "function") again.focus({ preventScroll: true });
  });
})();
