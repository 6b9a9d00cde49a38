/**
 * The baseline server: the least a Bun HTTP + WebSocket server can do, measured
 * by the same clients in the same run as the product server, so that figures
 * can be given as ratios on this shared, noisy machine.
 *
 * - GET /        → "hello" (text/plain)
 * - GET /ws      → WebSocket; every client joins one set
 * - POST /broadcast (body = the message) → sends the body to every WebSocket
 *   client, one send per client as the product's hub does, then answers 204.
 *
 * Usage: bun bench/hello-server.ts PORT  (127.0.0.1 only; /health answers 200)
 */
import type { ServerWebSocket } from "bun";

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`usage: bun bench/hello-server.ts PORT (got ${JSON.stringify(process.argv[2])})\n`);
  process.exit(2);
}

const clients = new Set<ServerWebSocket<unknown>>();

Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(request, server) {
    const path = new URL(request.url).pathname;
    if (path === "/ws") {
      return server.upgrade(request) ? undefined : new Response("expected a WebSocket upgrade", { status: 426 });
    }
    if (path === "/broadcast" && request.method === "POST") {
      const message = await request.text();
      for (const ws of clients) ws.send(message);
      return new Response(null, { status: 204 });
    }
    if (path === "/" || path === "/health") return new Response("hello");
    return new Response("not found", { status: 404 });
  },
  websocket: {
    open: (ws) => void clients.add(ws),
    close: (ws) => void clients.delete(ws),
    message() {},
  },
});

process.on("SIGTERM", () => process.exit(0));
