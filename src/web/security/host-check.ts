/**
 * DNS-rebinding guard. Without a token the dashboard trusts whoever reaches
 * it on loopback; a web page on evil.example could rebind its name to
 * 127.0.0.1 and become "same-origin" with us. Its requests still carry its own
 * Host header, so without a token only loopback Host names are served.
 * With a token, auth protects every route and any Host is fine (LAN, proxy).
 */
import type { MiddlewareHandler } from "hono";
import { isLoopbackHost } from "./bind-safety.ts";

/** "127.0.0.1:8891" → "127.0.0.1"; "[::1]:80" → "::1". */
export function hostName(hostHeader: string): string {
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(hostHeader);
  if (bracket) return bracket[1] ?? "";
  return hostHeader.replace(/:\d+$/, "");
}

export function loopbackHostOnly(enabled: boolean): MiddlewareHandler {
  return async (c, next) => {
    if (!enabled) return next();
    const host = c.req.header("host") ?? new URL(c.req.url).host;
    if (!isLoopbackHost(hostName(host))) {
      return c.json({ error: `Host ${host} refused: without DASHBOARD_TOKEN the dashboard answers only to localhost / 127.0.0.1` }, 421);
    }
    return next();
  };
}

/**
 * The answer to a request whose URL Bun could not make absolute: an HTTP/1.0
 * request without a Host header (HTTP/1.1 ones Bun refuses itself) reaches
 * fetch with a bare path such as "/health", on which every URL parse fails.
 * 400 saying so, instead of a 500 "Invalid URL". Null when the URL is fine.
 */
export function missingHostAnswer(request: Request): Response | null {
  if (URL.canParse(request.url)) return null;
  const host = request.headers.get("host");
  const error = host === null || host.trim() === ""
    ? "the request has no Host header: send Host: <name>[:port] (HTTP/1.0 clients too)"
    : `the Host header ${JSON.stringify(host.slice(0, 100))} is not a valid host name`;
  const path = request.url.split("?")[0] ?? "";
  const headers = { "cache-control": "no-store", "x-content-type-options": "nosniff" };
  if (path.startsWith("/api/") || path === "/ws") return Response.json({ error }, { status: 400, headers });
  return new Response(`Bad request: ${error}\n`, { status: 400, headers: { ...headers, "content-type": "text/plain; charset=utf-8" } });
}
