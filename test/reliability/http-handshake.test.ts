/**
 * Requests fetch() cannot make, sent over a raw TCP socket to the real server
 * (src/app/start-server.ts through test/helpers/server.ts): an HTTP/1.0
 * request without Host, and WebSocket handshakes missing their key or
 * version. Each gets a 4xx saying what is wrong, never a 500 or a 404.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { rawRequest } from "../web/raw-http.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
});

const KEY = "dGhlIHNhbXBsZSBub25jZQ==";

describe("HTTP/1.0 without a Host header", () => {
  for (const path of ["/health", "/", "/trader", "/api/trader/status", "/ws", "/static/app.css", "/nope"]) {
    test(`GET ${path} is 400 saying the Host header is missing`, async () => {
      const res = await rawRequest(server.port, `GET ${path} HTTP/1.0\r\n\r\n`);
      expect(res.status).toBe(400);
      expect(res.body).toContain("Host header");
      expect(res.body).not.toContain("Invalid URL");
    });
  }

  test("a POST too, and nothing happens", async () => {
    const body = JSON.stringify({ action: "start" });
    const res = await rawRequest(server.port, `POST /api/trader/control HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    expect(res.status).toBe(400);
    expect(res.body).toContain("Host header");
    expect((await server.get("/api/trader/status")).body.running).toBe(false);
  });

  test("with a Host header HTTP/1.0 is served", async () => {
    const res = await rawRequest(server.port, `GET /health HTTP/1.0\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).status).toBeDefined();
  });
});

describe("WebSocket handshakes", () => {
  const handshake = (headers: string) => `GET /ws?page=trader HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`;

  test("no Sec-WebSocket-Key: 400 with the reason", async () => {
    const res = await rawRequest(server.port, handshake("Sec-WebSocket-Version: 13\r\n"), 1000);
    expect(res.status).toBe(400);
    expect(res.body).toContain("Sec-WebSocket-Key");
  });

  test("a malformed Sec-WebSocket-Key: 400 with the reason", async () => {
    const res = await rawRequest(server.port, handshake("Sec-WebSocket-Key: abc\r\nSec-WebSocket-Version: 13\r\n"), 1000);
    expect(res.status).toBe(400);
    expect(res.body).toContain("Sec-WebSocket-Key");
  });

  test("no or another Sec-WebSocket-Version: 426 naming version 13", async () => {
    for (const version of ["", "Sec-WebSocket-Version: 8\r\n"]) {
      const res = await rawRequest(server.port, handshake(`Sec-WebSocket-Key: ${KEY}\r\n${version}`), 1000);
      expect(res.status).toBe(426);
      expect(res.text.toLowerCase()).toContain("sec-websocket-version: 13");
      expect(res.body).toContain("Sec-WebSocket-Version");
    }
  });

  test("a complete handshake still upgrades", async () => {
    const res = await rawRequest(server.port, handshake(`Sec-WebSocket-Key: ${KEY}\r\nSec-WebSocket-Version: 13\r\n`), 300);
    expect(res.status).toBe(101);
    expect(res.text).toContain("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  });
});
