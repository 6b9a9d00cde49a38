// Whether what the page shows is current, and saying so when a request fails.
// (No rendering of data here: the server renders; this only reports.)
//
// 1. The header's indicator (#conn, rendered hidden by views/layout.tsx, shown
//    here) and <body data-conn>: "live" while the page's WebSocket is open and
//    a message (a push or the server's heartbeat, at least every HEARTBEAT_MS)
//    came within data-stale-after-ms; "stale N s" when the socket is open but
//    silent longer than that; "reconnecting" once it closed and the htmx ws
//    extension retries; "disconnected" when it closed for good; "snapshot" on
//    a page without live updates (its age). While not live, app.css greys the
//    live figures out and marks the trader's ON/OFF as last known, and the
//    banner (#conn-banner) says what that means.
// 2. Every page socket asks the server for heartbeats (heartbeat=1), so a quiet
//    market does not look like a dead server.
// 3. Reconnecting backs off: 0.25–0.5 s, doubling, at most 15 s apart. On
//    reconnect the server sends every fragment that changed since the page was
//    rendered (all of them after a server restart: other boot), so nothing
//    stale stays on the page.
// 4. A request that fails (no connection, no answer within htmx's timeout, or
//    an error answer that carries no message of ours) says so in #flash:
//    never a click that silently does nothing.
(function () {
  var RETRIED = [1006, 1011, 1012, 1013]; // the close codes the htmx ws extension reconnects after
  var BASE_DELAY_MS = 500;
  var MAX_DELAY_MS = 15000;

  htmx.config.wsReconnectDelay = function (retry) {
    var ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * Math.pow(2, retry));
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  };

  // ---- 2. heartbeats, and which socket is the page's current one -----------
  var current = null;
  // Set by the ws extension when it loaded (before this script); without it no page has a socket.
  var makeSocket = htmx.createWebSocket || function (url) { return new WebSocket(url); };
  htmx.createWebSocket = function (url) {
    var socket = makeSocket(url + (url.indexOf("?") < 0 ? "?" : "&") + "heartbeat=1");
    current = socket;
    // A retry keeps saying "reconnecting" (and how long since the last message) until it succeeds.
    if (state !== "reconnecting" && state !== "stale") setState("connecting");
    socket.addEventListener("open", function () {
      if (socket !== current) return;
      lastHeard = Date.now();
      setState("live");
    });
    socket.addEventListener("message", function () {
      if (socket !== current) return;
      lastHeard = Date.now();
      if (state !== "live") setState("live");
    });
    socket.addEventListener("close", function (event) {
      if (socket !== current) return;
      current = null;
      if (RETRIED.indexOf(event.code) >= 0 && socketElementPresent()) setState("reconnecting");
      // Closed on purpose: the element holding it was swapped away (a finished backtest).
      else if (!socketElementPresent()) setState("snapshot");
      else setState("disconnected");
    });
    return socket;
  };
  function socketElementPresent() {
    return document.querySelector("[ws-connect]") !== null;
  }

  // ---- 1. the indicator ----------------------------------------------------
  var state = null;
  var lastHeard = Date.now();
  var loadedAt = Date.now();
  var TEXT = {
    connecting: "connecting…",
    live: "live",
    stale: "stale",
    reconnecting: "reconnecting",
    disconnected: "disconnected",
    snapshot: "snapshot",
  };
  var BANNER = {
    reconnecting:
      "Connection to the server lost: reconnecting. Everything below is as it was when the connection was lost; the trader's ON/OFF is the last known, not the current state, and controls may fail until the header shows live again.",
    stale:
      "No update from the server for a while although it sends one every few seconds: what you see may be out of date. The trader's ON/OFF is the last known state.",
    disconnected:
      "The server closed the connection and it will not be retried: reload the page to see the current state.",
  };
  function staleAfterMs() {
    var el = document.getElementById("conn");
    var ms = el ? Number(el.getAttribute("data-stale-after-ms")) : NaN;
    return ms > 0 ? ms : 6000;
  }
  function seconds(ms) {
    var s = Math.max(0, Math.floor(ms / 1000));
    return s < 120 ? s + " s" : Math.floor(s / 60) + " min";
  }
  function setState(next) {
    if (next === state) return render();
    state = next;
    if (document.body) document.body.setAttribute("data-conn", state);
    var banner = document.getElementById("conn-banner");
    if (banner) {
      var text = BANNER[state] || "";
      banner.hidden = text === "";
      banner.textContent = text;
    }
    render();
  }
  function render() {
    var el = document.getElementById("conn");
    if (!el || !state) return;
    el.hidden = false;
    el.setAttribute("data-state", state);
    var age = Date.now() - lastHeard;
    var text = TEXT[state];
    if (state === "stale") text += " " + seconds(age);
    else if (state === "reconnecting" || state === "disconnected") text += " · " + seconds(age);
    else if (state === "snapshot") text += " · " + seconds(Date.now() - loadedAt) + " old";
    var label = el.querySelector(".conn-text");
    if (label && label.textContent !== text) label.textContent = text;
    el.title =
      state === "snapshot"
        ? "This page does not update by itself: it shows the figures of when it was loaded. Reload for current ones."
        : state === "live"
          ? "Live: updates arrive as they happen (last message " + seconds(age) + " ago)."
          : "Last message from the server " + seconds(age) + " ago.";
  }
  function tick() {
    // A socket that never opens (a hung handshake) is no better than a silent one.
    if ((state === "live" || state === "connecting") && Date.now() - lastHeard > staleAfterMs()) setState("stale");
    else render();
  }
  function start() {
    if (!state) setState(socketElementPresent() ? "connecting" : "snapshot");
    setInterval(tick, 1000);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // ---- 4. failed requests --------------------------------------------------
  function actionName(detail) {
    var elt = detail.elt;
    var config = detail.requestConfig || {};
    var event = config.triggeringEvent;
    var button = event && event.submitter ? event.submitter : null;
    if (!button && elt && elt.tagName === "FORM") button = elt.querySelector("button[type=submit], button:not([type])");
    if (!button && elt && elt.tagName === "BUTTON") button = elt;
    var text = button ? (button.textContent || "").replace(/\s+/g, " ").trim() : "";
    return text || "The request";
  }
  function flashError(message) {
    var slot = document.getElementById("flash");
    if (!slot) {
      slot = document.createElement("div");
      slot.id = "flash";
      slot.setAttribute("role", "status");
      slot.setAttribute("aria-live", "polite");
      var header = document.querySelector("header.top");
      if (header && header.parentNode) header.parentNode.insertBefore(slot, header.nextSibling);
      else document.body.insertBefore(slot, document.body.firstChild);
    }
    var line = document.createElement("p");
    line.className = "flash error";
    line.setAttribute("data-request-error", "");
    line.textContent = message;
    slot.replaceChildren(line);
  }
  document.addEventListener("htmx:sendError", function (event) {
    flashError(
      actionName(event.detail) +
        " failed: the server could not be reached (no connection). Check the state once the header shows live again, before trying again.",
    );
  });
  document.addEventListener("htmx:timeout", function (event) {
    flashError(
      actionName(event.detail) +
        ": no answer within " +
        Math.round(htmx.config.timeout / 1000) +
        " s. It may still be carried out: check the state before trying again.",
    );
  });
  // An error answer is swapped as the server wrote it when it carries our message (a flash line or
  // the page's fragments); anything else (a proxy's error page, JSON, plain text, nothing) becomes a line.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    var xhr = detail.xhr;
    if (!xhr || xhr.status < 400) return;
    var type = (xhr.getResponseHeader("content-type") || "").toLowerCase();
    var body = detail.serverResponse || "";
    var said = "";
    if (type.indexOf("json") >= 0) {
      try {
        said = String(JSON.parse(body).error || "");
      } catch (e) {
        said = "";
      }
    } else if (type.indexOf("text/html") >= 0) {
      if (xhr.status < 500 || /class="flash|hx-swap-oob/.test(body)) return;
    } else {
      said = body.trim().slice(0, 300);
    }
    detail.shouldSwap = false;
    said = said.replace(/\.+$/, "");
    flashError(actionName(detail) + " failed: " + (said || "the server answered " + xhr.status + (xhr.statusText ? " " + xhr.statusText : "")) + ".");
  });
})();
