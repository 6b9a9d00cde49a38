/**
 * `GET /ws`: the one WebSocket. `?page=scanner|trader&since=boot.version`
 * (what the page's ws-connect says) joins the page's group and first receives
 * whatever changed after the page was rendered; `?format=json` joins the JSON
 * group for scripts. Same-origin and auth are checked before the upgrade.
 */
import type { ServerWebSocket } from "bun";
import { Hono } from "hono";
import type { UpgradeWebSocket, WSContext } from "hono/ws";
import { parseSince, type GroupName, type LiveClient, type LiveHub } from "../live/hub.ts";
import { sameOriginWebSocket } from "../security/same-origin.ts";

function adapt(ws: WSContext): LiveClient {
  const raw = ws.raw as ServerWebSocket<unknown>;
  return {
    send: (data) => raw.send(data),
    bufferedAmount: () => raw.getBufferedAmount(),
    close: (code, reason) => raw.close(code, reason),
  };
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
      if (page !== undefined && page !== "scanner" && page !== "trader") return c.json({ error: `page must be scanner or trader, not ${JSON.stringify(page)}` }, 400);
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
      const group: GroupName = c.req.query("format") === "json" ? "json" : c.req.query("page") === "trader" ? "trader" : "scanner";
      const since = parseSince(c.req.query("since"));
      let client: LiveClient | null = null;
      return {
        onOpen: (_event, ws) => {
          client = adapt(ws);
          hub.join(group, client, since);
        },
        onClose: () => {
          if (client) hub.leave(client);
          client = null;
        },
        // Clients have nothing to say; incoming messages are ignored.
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
