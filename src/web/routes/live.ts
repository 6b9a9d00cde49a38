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
  );
  return routes;
}
