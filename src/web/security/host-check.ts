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
