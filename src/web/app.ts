/**
 * The dashboard: one Hono app serving the scanner (/), a page per coin
 * (/coin/:symbol), the trader page (/trader) and its form posts, the
 * backtest pages (/backtest), the performance and trade history pages
 * (/performance, /history), the JSON API (/api/trader, /api/backtests,
 * /api/performance and /api/trades, from api/), the WebSocket (/ws),
 * /health, /login and the static assets.
 *
 * Middleware order: non-Error throws made Errors (for onError) → secure
 * headers → loopback Host guard (without a token) → the peer's address noted
 * (for the login throttle) → the body read whole within the limit (413, or
 * 400 when it breaks off) → same-origin check on every mutation → auth → (in
 * a read-only `web` instance) refusal of every control → routes. Errors no
 * route answered get their message (JSON, a flash or a short page), never a
 * stack. Controls still running after CONTROL_DEADLINE_MS answer 202 and
 * finish in the background (control-deadline.ts).
 *
 * Live updates use htmx 2 with the htmx-ext-ws extension (both installed):
 * its messages are applied as out-of-band swaps by element id, so a push is
 * simply the fragment strings the page is made of, and it reconnects with
 * backoff on its own. htmx 4's built-in hx-ws is not installed and its API was
 * still moving; nothing it offers is needed here.
 *
 * @example
 *   const { app, websocket, hub } = createApp(deps);
 *   const server = Bun.serve({ fetch: app.fetch, websocket, port, hostname }); // see src/app/web-server.ts
 *   // on shutdown: hub.close(); server.stop();
 */
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { compress } from "hono/compress";
import { createBunWebSocket } from "hono/bun";
import type { Server, ServerWebSocket } from "bun";
import type { UpgradeWebSocket } from "hono/ws";
import { logger } from "../log.ts";
import { backtestApi } from "./api/backtest-api.ts";
import { tradeRecordApi } from "./api/trade-record-api.ts";
import { traderApi } from "./api/trader-api.ts";
import { loadAssets } from "./assets.ts";
import { CONTROL_DEADLINE_MS } from "./control-deadline.ts";
import type { WebDeps } from "./deps.ts";
import { HotReads } from "./hot-reads.ts";
import { LiveHub, type HubOptions } from "./live/hub.ts";
import { BACKTEST_GROUP, BacktestView } from "./render/backtest-view.tsx";
import { CoinView } from "./render/coin-view.tsx";
import { ScannerLists } from "./render/scanner-lists.tsx";
import { COINS_PAGE_PATH } from "../../views/trader/coin-lists.tsx";
import { Dashboard } from "./render/dashboard.tsx";
import { StatusJson } from "./render/status-json.ts";
import { escapeHtml } from "./render/fragment-cache.ts";
import { backtestRoutes } from "./routes/backtest.tsx";
import { coinRoutes } from "./routes/coin.ts";
import { liveRoutes } from "./routes/live.ts";
import { scannerRoutes } from "./routes/scanner.ts";
import { loginRoutes } from "./routes/login.tsx";
import { staticRoutes } from "./routes/static-assets.ts";
import { tradePages } from "./routes/trade-pages.tsx";
import { traderForms } from "./routes/trader-forms.tsx";
import { requireAuth } from "./security/auth.ts";
import { readBodyWithin } from "./security/body-limit.ts";
import { rememberClientAddress } from "./security/client-address.ts";
import { dashboardSecureHeaders, noStoreByDefault } from "./security/headers.ts";
import { loopbackHostOnly } from "./security/host-check.ts";
import { LoginThrottle } from "./security/login-throttle.ts";
import { refuseControls } from "./security/read-only.ts";
import { sameOriginMutations } from "./security/same-origin.ts";
import { SessionStore } from "./security/sessions.ts";
import type { PageShell } from "../../views/pages.tsx";

export { checkBindSafety } from "./security/bind-safety.ts";
export { CONTROL_DEADLINE_MS } from "./control-deadline.ts";

/** What the chain gzips for a client that accepts it (static assets are cached by the browser instead). */
const COMPRESSED_TYPES = /^(text\/html|text\/csv|text\/plain|application\/json)/;

const log = logger("web");

export const BODY_LIMIT_BYTES = 64 * 1024;

/**
 * Pushes are compressed for browsers that offer permessage-deflate (all do):
 * HTML fragments shrink several times, which is what a phone on the scanner
 * pays for. One shared compressor, reset after each message, so a published
 * message is compressed once for all its subscribers and no socket holds a
 * compression window of its own.
 */
export const LIVE_COMPRESSION = { compress: "shared", decompress: "shared" } as const;

export interface CreateAppOptions {
  /** Push coalescing (defaults: at most one push per 250 ms, 10 ms settle). */
  live?: Pick<HubOptions, "minIntervalMs" | "settleMs">;
  sessions?: SessionStore;
  /** Failed-login throttle (default: 10 failures per address per minute, then 1 s per attempt). */
  loginThrottle?: LoginThrottle;
  /** Controls still running after this many ms answer 202 "still running" (default CONTROL_DEADLINE_MS, 8 s). */
  controlDeadlineMs?: number;
  /** A sorted or filtered scanner list is re-sorted after market changes at most this often (default REORDER_MS, 5 s). */
  scannerReorderMs?: number;
}

export interface DashboardApp {
  app: Hono;
  /** What Bun.serve calls: the hot reads' lane (hot-reads.ts), else the app. */
  fetch(request: Request, server: Server<unknown>): Response | Promise<Response>;
  /** The hot reads' lane, for tests. */
  hotReads: HotReads;
  /** Bun's websocket handler for Bun.serve({ websocket }), with permessage-deflate (see LIVE_COMPRESSION). */
  websocket: ReturnType<typeof createBunWebSocket>["websocket"] & { perMessageDeflate: typeof LIVE_COMPRESSION };
  /** Stops pushing and closes every WebSocket (call before server.stop()). */
  hub: { close(): void; clientCount(): number; backgroundCount(): number };
  dashboard: Dashboard;
}

export function createApp(deps: WebDeps, options: CreateAppOptions = {}): DashboardApp {
  const token = deps.security.dashboardToken && deps.security.dashboardToken.length > 0 ? deps.security.dashboardToken : null;
  const assets = loadAssets();
  const shell: PageShell = {
    assets: { css: assets.url("app.css"), htmx: assets.url("htmx.min.js"), ws: assets.url("htmx-ext-ws.min.js"), live: assets.url("live.js"), connection: assets.url("connection.js"), favicon: assets.url("favicon.svg") },
    authEnabled: token !== null,
  };
  const dashboard = new Dashboard(deps, shell);
  const backtestsUnavailable = deps.readOnly
    ? "Backtests run on the trader process: this is a read-only web instance (start one on the trader's own dashboard)."
    : "Backtests are not available in this process.";
  const backtests = new BacktestView(deps.backtests ?? null, dashboard.cache, shell, () => dashboard.status().config, backtestsUnavailable);
  // Sorted and filtered scanner pages; `live` is made just below and only called later.
  const lists = new ScannerLists(deps, dashboard, shell, (topics) => live.changed(topics), options.scannerReorderMs);
  const coins = new CoinView(deps, dashboard, shell, { charts: assets.url("lightweight-charts.js"), theme: assets.url("chart-theme.js"), coinChart: assets.url("coin-chart.js") });
  const live = new LiveHub(dashboard.cache, {
    groups: { scanner: () => dashboard.scannerIds(), trader: () => dashboard.traderIds(), coins: () => dashboard.coinsIds(), json: () => ["json"], [BACKTEST_GROUP]: () => backtests.listIds() },
    dynamicGroups: (name) => backtests.groupIds(name) ?? coins.groupIds(name) ?? lists.groupIds(name) ?? dashboard.scannerPageGroupIds(name),
    ...options.live,
  });
  const unsubscribe = [
    deps.controller.onChange((topic) => {
      dashboard.forgetStatus();
      live.changed([topic]);
      // Thresholds and use_ta_signals decide what a filtered or sorted scanner list holds.
      if (topic === "config") lists.reconsider(true);
    }),
    deps.market.onChange((symbols) => {
      live.changed(["market", "coins", ...symbols.map((s) => `coin:${s}`)]);
      lists.reconsider(false);
    }),
    ...(deps.backtests ? [deps.backtests.onChange((summary) => live.changed(backtests.heard(summary)))] : []),
    // A channel's state changed; a failing one also wrote to the error log.
    ...(deps.notifications ? [deps.notifications.onChange(() => live.changed(["notify", "logs"]))] : []),
  ];
  // GET /api/trader/status serialised once per change, not per request.
  const statusJson = new StatusJson(deps.controller);
  const sessions = options.sessions ?? new SessionStore({ secret: token ?? undefined });
  const { upgradeWebSocket, websocket } = createBunWebSocket();

  const app = new Hono();
  // Hono hands only Error objects to onError; anything else thrown is wrapped so it gets the same answer.
  app.use("*", async (_c, next) => {
    try {
      await next();
    } catch (error) {
      throw error instanceof Error ? error : new Error(errorMessage(error));
    }
  });
  // Pages, JSON and CSV gzipped for a client that accepts it (a phone loading the
  // scanner: 120 KB → ~15 KB); the hot-reads lane reproduces it (hot-reads.ts).
  app.use("*", compress({ contentTypeFilter: COMPRESSED_TYPES }));
  app.use("*", dashboardSecureHeaders());
  app.use("*", noStoreByDefault());
  app.use("*", loopbackHostOnly(token === null));
  app.use("*", rememberClientAddress());
  app.use("*", readBodyWithin(BODY_LIMIT_BYTES));
  app.use("*", sameOriginMutations());
  app.use("*", requireAuth({ token, sessions }));
  if (deps.readOnly) app.use("*", refuseControls(deps.readOnly));

  app.get("/health", (c) => c.json(deps.health()));
  app.route("/", staticRoutes(assets));
  app.route("/", loginRoutes(token, sessions, shell, options.loginThrottle ?? new LoginThrottle()));
  app.route("/", scannerRoutes(dashboard, lists));
  app.get("/trader", (c) => c.html(dashboard.traderPage()));
  app.get(COINS_PAGE_PATH, (c) => c.html(dashboard.coinsPage()));
  app.route("/coin", coinRoutes(coins));
  const controlDeadlineMs = options.controlDeadlineMs ?? CONTROL_DEADLINE_MS;
  app.route("/trader", traderForms(deps, dashboard, shell, { controlDeadlineMs }));
  app.route("/backtest", backtestRoutes(deps, backtests, () => dashboard.status().config));
  const tradeScripts = { charts: assets.url("lightweight-charts.js"), theme: assets.url("chart-theme.js"), performance: assets.url("performance-charts.js") };
  app.route("/", tradePages(deps, { shell, scripts: tradeScripts, status: () => dashboard.status() }));
  app.route("/api/trader", traderApi(deps, { controlDeadlineMs, statusBody: () => statusJson.body() }));
  app.route("/api/backtests", backtestApi(deps, backtestsUnavailable));
  app.route("/api", tradeRecordApi(deps, () => dashboard.status()));
  app.route("/", liveRoutes(live, upgradeWebSocket as UpgradeWebSocket<ServerWebSocket<unknown>>));

  app.notFound((c) =>
    c.req.path.startsWith("/api/") ? c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404) : c.text(`Not found: ${c.req.path}`, 404),
  );
  // Anything a route did not turn into an answer itself (a disk fault such as a
  // directory where the lockfile should be, a view that throws): the error's own
  // message, in the form the caller reads, never a stack. Logged with the route.
  app.onError((error, c) => {
    const status = error instanceof HTTPException ? error.status : 500;
    const message = errorMessage(error);
    const text = `${c.req.method} ${c.req.path} failed: ${message}`;
    log.error(text);
    if (c.req.path.startsWith("/api/") || c.req.path === "/ws") return c.json({ error: text }, status);
    if (c.req.header("hx-request") === "true") return c.html(`<p class="flash error">${escapeHtml(text)}</p>`, status);
    return c.html(`<!doctype html><title>Error</title><p>${escapeHtml(text)}</p><p><a href="/trader">Back to the trader page</a></p>`, status);
  });

  const hotReads = new HotReads(token === null, { "/api/trader/status": () => statusJson.body(), "/trader": () => dashboard.traderPage() });
  const fetch = (request: Request, server: Server<unknown>): Response | Promise<Response> => {
    const fast = hotReads.answer(request);
    if (fast) return fast;
    const path = hotReads.eligible(request);
    const answer = app.fetch(request, server);
    if (path === null) return answer;
    return Promise.resolve(answer).then((response) => {
      hotReads.learn(path, response);
      return response;
    });
  };

  return {
    app,
    fetch,
    hotReads,
    websocket: { ...websocket, perMessageDeflate: LIVE_COMPRESSION },
    hub: {
      close: () => {
        for (const stop of unsubscribe) stop();
        statusJson.close();
        lists.close();
        live.close();
      },
      clientCount: () => live.clientCount(),
      backgroundCount: () => live.backgroundCount(),
    },
    dashboard,
  };
}

/** An error's own message, one line, without a stack; something to say even when it has none. */
function errorMessage(error: unknown): string {
  const raw = error instanceof Error ? error.message : typeof error === "string" ? error : (() => {
    try {
      return JSON.stringify(error) ?? String(error);
    } catch {
      return String(error);
    }
  })();
  const line = raw.split("\n")[0]?.trim() ?? "";
  const name = error instanceof Error && error.name && error.name !== "Error" ? `${error.name}: ` : "";
  return line.length > 0 ? `${name}${line.slice(0, 500)}` : `${name || "unexpected error"} (no message)`;
}
