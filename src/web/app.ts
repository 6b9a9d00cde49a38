/**
 * The dashboard: one Hono app serving the scanner (/), the trader page
 * (/trader) and its form posts, the JSON API (/api/trader, from api/), the
 * WebSocket (/ws), /health, /login and the static assets.
 *
 * Middleware order: secure headers → loopback Host guard (without a token) →
 * body limit → same-origin check on every mutation → auth → (in a read-only
 * `web` instance) refusal of every control → routes.
 *
 * Live updates use htmx 2 with the htmx-ext-ws extension (both installed):
 * its messages are applied as out-of-band swaps by element id, so a push is
 * simply the fragment strings the page is made of, and it reconnects with
 * backoff on its own. htmx 4's built-in hx-ws is not installed and its API was
 * still moving; nothing it offers is needed here.
 *
 * @example
 *   const { app, websocket, hub } = createApp(deps);
 *   const server = Bun.serve({ fetch: app.fetch, websocket, port, hostname });
 *   // on shutdown: hub.close(); server.stop();
 */
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createBunWebSocket } from "hono/bun";
import type { ServerWebSocket } from "bun";
import type { UpgradeWebSocket } from "hono/ws";
import { logger } from "../log.ts";
import { traderApi } from "./api/trader-api.ts";
import { loadAssets } from "./assets.ts";
import type { WebDeps } from "./deps.ts";
import { LiveHub, type HubOptions } from "./live/hub.ts";
import { Dashboard } from "./render/dashboard.tsx";
import { escapeHtml } from "./render/fragment-cache.ts";
import { liveRoutes } from "./routes/live.ts";
import { loginRoutes } from "./routes/login.tsx";
import { staticRoutes } from "./routes/static-assets.ts";
import { traderForms } from "./routes/trader-forms.tsx";
import { requireAuth } from "./security/auth.ts";
import { dashboardSecureHeaders, noStoreByDefault } from "./security/headers.ts";
import { loopbackHostOnly } from "./security/host-check.ts";
import { refuseControls } from "./security/read-only.ts";
import { sameOriginMutations } from "./security/same-origin.ts";
import { SessionStore } from "./security/sessions.ts";
import type { PageShell } from "../../views/pages.tsx";

export { checkBindSafety } from "./security/bind-safety.ts";

const log = logger("web");

export const BODY_LIMIT_BYTES = 64 * 1024;

export interface CreateAppOptions {
  /** Push coalescing (defaults: at most one push per 250 ms, 10 ms settle). */
  live?: Pick<HubOptions, "minIntervalMs" | "settleMs">;
  sessions?: SessionStore;
}

export interface DashboardApp {
  app: Hono;
  /** Bun's websocket handler for Bun.serve({ websocket }). */
  websocket: ReturnType<typeof createBunWebSocket>["websocket"];
  /** Stops pushing and closes every WebSocket (call before server.stop()). */
  hub: { close(): void; clientCount(): number };
  dashboard: Dashboard;
}

export function createApp(deps: WebDeps, options: CreateAppOptions = {}): DashboardApp {
  const token = deps.security.dashboardToken && deps.security.dashboardToken.length > 0 ? deps.security.dashboardToken : null;
  const assets = loadAssets();
  const shell: PageShell = {
    assets: { css: assets.url("app.css"), htmx: assets.url("htmx.min.js"), ws: assets.url("htmx-ext-ws.min.js"), live: assets.url("live.js"), favicon: assets.url("favicon.svg") },
    authEnabled: token !== null,
  };
  const dashboard = new Dashboard(deps, shell);
  const live = new LiveHub(dashboard.cache, {
    groups: { scanner: () => dashboard.scannerIds(), trader: () => dashboard.traderIds(), json: () => ["json"] },
    ...options.live,
  });
  const unsubscribe = [
    deps.controller.onChange((topic) => {
      dashboard.forgetStatus();
      live.changed([topic]);
    }),
    deps.market.onChange((symbols) => live.changed(["market", "coins", ...symbols.map((s) => `coin:${s}`)])),
  ];
  const sessions = options.sessions ?? new SessionStore({ secret: token ?? undefined });
  const { upgradeWebSocket, websocket } = createBunWebSocket();

  const app = new Hono();
  app.use("*", dashboardSecureHeaders());
  app.use("*", noStoreByDefault());
  app.use("*", loopbackHostOnly(token === null));
  app.use("*", bodyLimit({ maxSize: BODY_LIMIT_BYTES, onError: (c) => c.json({ error: `request body larger than ${BODY_LIMIT_BYTES / 1024} KB` }, 413) }));
  app.use("*", sameOriginMutations());
  app.use("*", requireAuth({ token, sessions }));
  if (deps.readOnly) app.use("*", refuseControls(deps.readOnly));

  app.get("/health", (c) => c.json(deps.health()));
  app.route("/", staticRoutes(assets));
  app.route("/", loginRoutes(token, sessions, shell));
  app.get("/", (c) => c.html(dashboard.scannerPage()));
  app.get("/trader", (c) => c.html(dashboard.traderPage()));
  app.route("/trader", traderForms(deps, dashboard, shell));
  app.route("/api/trader", traderApi(deps));
  app.route("/", liveRoutes(live, upgradeWebSocket as UpgradeWebSocket<ServerWebSocket<unknown>>));

  app.notFound((c) =>
    c.req.path.startsWith("/api/") ? c.json({ error: `no such endpoint: ${c.req.method} ${c.req.path}` }, 404) : c.text(`Not found: ${c.req.path}`, 404),
  );
  app.onError((error, c) => {
    log.error(`${c.req.method} ${c.req.path} failed`, { error: error.message });
    if (c.req.path.startsWith("/api/") || c.req.path === "/ws") return c.json({ error: `internal error: ${error.message}` }, 500);
    return c.html(`<!doctype html><title>Error</title><p>Something went wrong: ${escapeHtml(error.message)}</p><p><a href="/trader">Back</a></p>`, 500);
  });

  return {
    app,
    websocket,
    hub: {
      close: () => {
        for (const stop of unsubscribe) stop();
        live.close();
      },
      clientCount: () => live.clientCount(),
    },
    dashboard,
  };
}
