/**
 * The baseline server: the least a Bun HTTP + WebSocket server can do, measured
 * by the same clients in the same run as the product server, so that figures
 * can be given as ratios on this shared, noisy machine.
 *
 * - GET /        → "hello" (text/plain)
 * - GET /ws      → WebSocket; every client subscribes to one topic
 * - POST /publish (body = the message) → Bun's own pub/sub: one
 *   `server.publish` to the topic every client subscribed to, then 204.
 * - POST /answer/NAME (JSON {headers: [[name, value], …], body}) keeps an
 *   answer; GET /answer/NAME then returns those bytes with those headers, as
 *   a Blob made once: the least Bun does to send the product's own answer
 *   (bench/http.ts registers the product's status JSON and /trader page).
 *
 * WebSocket messages are compressed with permessage-deflate (one shared
 * compressor) when the client offers it, as the product's are
 * (src/web/app.ts LIVE_COMPRESSION), so both pay the same for a push.
 *
 * Usage: bun bench/hello-server.ts PORT  (127.0.0.1 only; /health answers 200)
 */

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write(`usage: bun bench/hello-server.ts PORT (got ${JSON.stringify(process.argv[2])})\n`);
  process.exit(2);
}

const TOPIC = "all";
const answers = new Map<string, { blob: Blob; headers: Headers }>();

Bun.serve({
  hostname: "127.0.0.1",
  port,
  async fetch(request, server) {
    const path = new URL(request.url).pathname;
    if (path === "/ws") {
      return server.upgrade(request) ? undefined : new Response("expected a WebSocket upgrade", { status: 426 });
    }
    if (path === "/publish" && request.method === "POST") {
      // compress: true, as the product publishes (src/web/routes/live.ts): without it Bun sends
      // uncompressed and the baseline skips the deflate work the product's fan-out pays.
      server.publish(TOPIC, await request.text(), true);
      return new Response(null, { status: 204 });
    }
    if (path.startsWith("/answer/")) {
      const name = path.slice("/answer/".length);
      if (request.method === "POST") {
        const shape = (await request.json()) as { headers: [string, string][]; body: string };
        answers.set(name, { blob: new Blob([shape.body]), headers: new Headers(shape.headers) });
        return new Response(null, { status: 204 });
      }
      const answer = answers.get(name);
      return answer ? new Response(answer.blob, { headers: answer.headers }) : new Response(`no answer ${name} kept`, { status: 404 });
    }
    if (path === "/" || path === "/health") return new Response("hello");
    return new Response("not found", { status: 404 });
  },
  websocket: {
    perMessageDeflate: { compress: "shared", decompress: "shared" },
    open: (ws) => void ws.subscribe(TOPIC),
    message() {},
  },
});

process.on("SIGTERM", () => process.exit(0));
