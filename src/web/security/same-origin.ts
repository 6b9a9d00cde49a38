/**
 * Refuses cross-site mutations (CSRF) for every method that changes state,
 * whatever the content type: Hono's csrf() only guards form posts, and the
 * JSON API needs the same protection. The rule follows Go's
 * net/http.CrossOriginProtection:
 *  - Sec-Fetch-Site present: only "same-origin" (or "none": the user's own
 *    navigation) passes; "same-site" is refused too (another port on this host
 *    is another program).
 *  - else Origin present: it must be this server's own origin.
 *  - neither: not a browser (curl, scripts) — allowed; auth still applies.
 *
 * @example app.use("*", sameOriginMutations())
 */
import type { MiddlewareHandler } from "hono";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Why a request is cross-site, or null when it is same-origin / not from a browser. */
export function crossSiteReason(request: Request): string | null {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null) {
    return site === "same-origin" || site === "none" ? null : `Sec-Fetch-Site is ${site}`;
  }
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  return originMatchesHost(origin, request) ? null : `Origin ${origin} is not this server (${ownHost(request)})`;
}

/** host[:port] of this server as the browser addressed it. */
export function ownHost(request: Request): string {
  return request.headers.get("host") ?? new URL(request.url).host;
}

/**
 * Compares hosts only (as Go does): behind a TLS proxy the browser's origin is
 * https while this server sees http, and that is still the same site.
 */
export function originMatchesHost(origin: string, request: Request): boolean {
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false; // "null" and other opaque origins
  }
  return host !== "" && host.toLowerCase() === ownHost(request).toLowerCase();
}

export function sameOriginMutations(): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method)) return next();
    const reason = crossSiteReason(c.req.raw);
    if (reason) return c.json({ error: `cross-site request refused (${reason})` }, 403);
    return next();
  };
}

/**
 * WebSocket handshakes are GETs, but a cross-site page can open one with the
 * victim's cookie: require the same origin when the browser says where it is from.
 */
export function sameOriginWebSocket(): MiddlewareHandler {
  return async (c, next) => {
    const origin = c.req.header("origin");
    if (origin !== undefined && !originMatchesHost(origin, c.req.raw)) {
      return c.json({ error: `cross-site WebSocket refused (Origin ${origin})` }, 403);
    }
    return next();
  };
}
