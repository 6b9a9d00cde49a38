/**
 * `GET /ws`: the one WebSocket. `?page=scanner|trader|coins|backtest&since=boot.version`
 * (what the page's ws-connect says) joins the page's group and first receives
 * whatever changed after the page was rendered; `?page=backtest&run=ID` joins
 * that backtest run's group (its page); `?page=coin&symbol=BTCUSDT&tf=5m`
 * joins that coin page's group; `?format=json` joins the JSON group for
 * scripts. A scanner page's socket carries the page's sort and filter
 * (`&sort=long&state=squeeze`, checked as the page checks them) and joins
 * that list's group, and its page number (`&p=2`) that page's group.
 * `&heartbeat=1` (every page's socket, static/connection.js) asks for a
 * heartbeat after each quiet HEARTBEAT_MS (live/heartbeat.ts). A page says
 * when it goes to the background and comes back (`{"visibility":"hidden"}`,
 * static/live.js); nothing else a client sends is read.
 * Same-origin and auth are checked before the upgrade.
 */
import type { ServerWebSocket } from "bun";
import { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { parseClientMessage, parseSince, type GroupName, type LiveClient, type LiveHub } from "../live/hub.ts";
import { withHeartbeat } from "../live/heartbeat.ts";
import { coinGroup, isTimeframe } from "../render/coin-view.tsx";
import { scannerGroupFor } from "../render/scanner-lists.tsx";
import { pagedGroup, parseScannerPage } from "../render/scanner-pages.ts";
import { sameOriginWebSocket } from "../security/same-origin.ts";

const PAGES = new Set(["scanner", "trader", "coins", "backtest", "coin"]);
const COIN_SYMBOL = /^[A-Z0-9]{1,20}USDT$/;

/** The live group a socket joins (the query was checked before the upgrade). */
function groupOf(format: string | undefined, page: string | undefined, run: string | undefined, coin: { symbol: string; tf: string }, params: URLSearchParams): GroupName {
  if (format === "json") return "json";
  if (page === "backtest") return run === undefined ? "backtest" : `backtest-run:${Number(run)}`;
  if (page === "coin" && isTimeframe(coin.tf)) return coinGroup(coin.symbol, coin.tf);
  if (page === "trader") return "trader";
  if (page === "coins") return "coins";
  const scanner = scannerGroupFor(params);
  const paging = parseScannerPage(params);
  return pagedGroup(scanner.ok ? scanner.group : "scanner", paging.ok ? paging.page : 1);
}

function adapt(ws: WSContext): LiveClient {
  const raw = ws.raw as ServerWebSocket<unknown>;
  return {
    // Compressed when the browser offered permessage-deflate (the catch-up of a page can be large).
    send: (data) => raw.send(data, true),
    bufferedAmount: () => raw.getBufferedAmount(),
    close: (code, reason) => raw.close(code, reason),
    subscribe: (topic) => raw.subscribe(topic),
    unsubscribe: (topic) => raw.unsubscribe(topic),
  };
}

/** Bun's server (Hono's `c.env` on Bun.serve), whose publish fans a message out to a topic's subscribers. */
function bunPublisher(env: unknown): ((topic: string, message: string) => number) | null {
  const server = env as { publish?: (topic: string, data: string, compress?: boolean) => number } | undefined;
  return typeof server?.publish === "function" ? (topic, message) => server.publish!(topic, message, true) : null;
}

export function liveRoutes(hub: LiveHub, upgradeWebSocket: UpgradeWebSocket<ServerWebSocket<unknown>>): Hono {
  const routes = new Hono();
  routes.get(
    "/ws",
    sameOriginWebSocket(),
    async (c, next) => {
      const format = c.req.query("format");
      const page = c.req.query("page");
      if (format !== undefined && format !== "json" && format !== "html") return c.json({ error: `format must be json or html, not ${JSON.stringify(format)}` }, 400);
      if (page !== undefined && !PAGES.has(page)) return c.json({ error: `page must be scanner, trader, coins, backtest or coin, not ${JSON.stringify(page.slice(0, 40))}` }, 400);
      if (page === "coin") {
        const symbol = c.req.query("symbol") ?? "";
        const tf = c.req.query("tf") ?? "";
        if (!COIN_SYMBOL.test(symbol)) return c.json({ error: `page=coin needs symbol=, a coin such as BTCUSDT (got ${JSON.stringify(symbol.slice(0, 40))})` }, 400);
        if (!isTimeframe(tf)) return c.json({ error: `page=coin needs tf=5m, 1h or 4h (got ${JSON.stringify(tf.slice(0, 40))})` }, 400);
      }
      if (page === "scanner") {
        const params = new URL(c.req.url).searchParams;
        const scanner = scannerGroupFor(params);
        if (!scanner.ok) return c.json({ error: scanner.issues.map((issue) => issue.message).join("; ") }, 400);
        const paging = parseScannerPage(params);
        if (!paging.ok) return c.json({ error: paging.message }, 400);
      }
      const heartbeat = c.req.query("heartbeat");
      if (heartbeat !== undefined && heartbeat !== "1") return c.json({ error: `heartbeat must be 1 (send heartbeats), not ${JSON.stringify(heartbeat.slice(0, 40))}` }, 400);
      const run = c.req.query("run");
      if (run !== undefined && (page !== "backtest" || !/^[1-9]\d{0,11}$/.test(run))) {
        return c.json({ error: `run must be a backtest's number, with page=backtest (got run=${JSON.stringify(run.slice(0, 40))}${page === "backtest" ? "" : ` with page=${JSON.stringify(page ?? "")}`})` }, 400);
      }
      if ((c.req.header("upgrade") ?? "").toLowerCase() !== "websocket") {
        return c.json({ error: "GET /ws is a WebSocket: connect with a WebSocket client (Upgrade: websocket)" }, 426);
      }
      const handshake = handshakeProblem(c.req.header("sec-websocket-key"), c.req.header("sec-websocket-version"));
      if (handshake) {
        if (handshake.status === 426) c.header("Sec-WebSocket-Version", "13");
        return c.json({ error: handshake.error }, handshake.status);
      }
      return next();
    },
    upgradeWebSocket((c) => {
      const coin = { symbol: c.req.query("symbol") ?? "", tf: c.req.query("tf") ?? "" };
      const group = groupOf(c.req.query("format"), c.req.query("page"), c.req.query("run"), coin, new URL(c.req.url).searchParams);
      const since = parseSince(c.req.query("since"));
      const heartbeat = c.req.query("heartbeat") === "1";
      const publish = bunPublisher(c.env);
      if (publish) hub.usePublisher(publish);
      let client: LiveClient | null = null;
      let stopBeating = () => {};
      return {
        onOpen: (_event, ws) => {
          client = adapt(ws);
          if (heartbeat) {
            const raw = ws.raw as ServerWebSocket<unknown>;
            const beating = withHeartbeat(client, () => raw.readyState === 1);
            client = beating.client;
            stopBeating = beating.stop;
          }
          hub.join(group, client, since);
        },
        onMessage: (event) => {
          const said = typeof event.data === "string" ? parseClientMessage(event.data) : null;
          if (said && client) hub.setVisible(client, said.visible);
        },
        onClose: () => {
          stopBeating();
          if (client) hub.leave(client);
          client = null;
        },
      };
    }),
    // Reached only when Bun refused the upgrade although the headers above looked right.
    (c) => c.json({ error: "WebSocket handshake refused: the upgrade request is not valid (check Connection: Upgrade, Sec-WebSocket-Key and Sec-WebSocket-Version: 13)" }, 400),
  );
  return routes;
}

/**
 * What is wrong with a WebSocket handshake's headers (RFC 6455 §4.2.1), or
 * null. Without this, Bun's refused upgrade fell through to a 404 (no key) or
 * to Bun's own bodiless 426 (no version).
 */
export function handshakeProblem(key: string | undefined, version: string | undefined): { status: 400 | 426; error: string } | null {
  if (key === undefined || key.trim() === "") return { status: 400, error: "WebSocket handshake without a Sec-WebSocket-Key header: a WebSocket client sends one (16 random bytes, base64)" };
  if (!/^[A-Za-z0-9+/]{22}==$/.test(key.trim())) return { status: 400, error: "Sec-WebSocket-Key must be 16 bytes in base64 (24 characters ending in ==)" };
  if (version?.trim() !== "13") {
    return { status: 426, error: `Sec-WebSocket-Version ${version === undefined ? "missing" : JSON.stringify(version.slice(0, 20))}: this server speaks WebSocket version 13` };
  }
  return null;
}
