/**
 * Auth, on when DASHBOARD_TOKEN is set. A request passes with a valid session
 * cookie (from the login form) or `Authorization: Bearer <token>` (scripts).
 * Otherwise: pages redirect to /login, htmx requests get HX-Redirect, the API
 * and the WebSocket answer 401 JSON. /health, /login and /static stay public.
 *
 * @example app.use("*", requireAuth({ token, sessions }))
 */
import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { SESSION_COOKIE, type SessionStore } from "./sessions.ts";
import { tokensMatch } from "./token.ts";

export function isPublicPath(path: string): boolean {
  return path === "/health" || path === "/login" || path.startsWith("/static/") || path === "/favicon.ico";
}

/** True when the request carries a valid session cookie or the bearer token. */
export function isAuthenticated(c: Context, token: string, sessions: SessionStore): boolean {
  const header = c.req.header("authorization");
  if (header !== undefined) {
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    return match !== null && tokensMatch(match[1] ?? "", token);
  }
  return sessions.valid(getCookie(c, SESSION_COOKIE));
}

export function requireAuth(options: { token: string | null; sessions: SessionStore }): MiddlewareHandler {
  const { token, sessions } = options;
  return async (c, next) => {
    if (token === null || isPublicPath(c.req.path)) return next();
    if (isAuthenticated(c, token, sessions)) return next();
    const path = c.req.path;
    if (path.startsWith("/api/") || path === "/ws") {
      c.header("WWW-Authenticate", 'Bearer realm="dashboard"');
      return c.json({ error: "authentication required: log in at /login or send Authorization: Bearer <DASHBOARD_TOKEN>" }, 401);
    }
    const next_ = c.req.method === "GET" ? c.req.path + (new URL(c.req.url).search || "") : "/trader";
    const login = `/login?next=${encodeURIComponent(next_)}`;
    if (c.req.header("hx-request") === "true") {
      c.header("HX-Redirect", login);
      return c.text("authentication required: log in at /login", 401);
    }
    return c.redirect(login, c.req.method === "GET" ? 302 : 303);
  };
}

/** Stands in for this server's origin when the caller has none at hand (tests, unit use). */
const FALLBACK_ORIGIN = "http://dashboard.invalid";

/** C0 and C1 control characters, DEL and the backslash. */
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\\]/;
/** A path a browser would read as `//host`: a second slash or a backslash right after the first. */
const HOST_LIKE = /^\/[\/\\]/;

/**
 * The post-login destination: `next` when it is a path on this server's own
 * origin, else "/". No open redirect, whatever a browser makes of the value:
 *  - control characters and backslashes are removed first; a value that
 *    contained any is refused outright, because browsers drop tabs and
 *    newlines inside URLs and read `\` as `/` (`/\t/evil.example` and
 *    `/\\evil.example` are `//evil.example` to them), and no real page path
 *    contains them;
 *  - it must be an absolute path ("/…"): no scheme (`https:`, `javascript:`),
 *    no host (`//evil.example`), no relative path;
 *  - it is resolved against `origin` with the WHATWG URL parser (the one
 *    browsers use) and must keep that origin;
 *  - the normalised path must not start with `//` or `/\` (`/.//evil`
 *    normalises to `//evil`), also after percent-decoding it up to three times
 *    (`/%2F/evil`, `/%252F/evil`), in case something on the way decodes it.
 * The answer is the resolved URL's path + query + fragment, so the Location
 * header carries exactly what was checked.
 */
export function safeNext(next: string | undefined, origin: string = FALLBACK_ORIGIN): string {
  if (typeof next !== "string" || next.length === 0 || next.length > 2048) return "/";
  const cleaned = next.replace(new RegExp(UNSAFE_CHARS.source, "g"), "");
  if (cleaned !== next || !cleaned.startsWith("/") || HOST_LIKE.test(cleaned)) return "/";
  let base: URL;
  let resolved: URL;
  try {
    base = new URL(origin);
    resolved = new URL(cleaned, base);
  } catch {
    return "/";
  }
  if (resolved.origin !== base.origin) return "/";
  let path = resolved.pathname;
  for (let round = 0; round <= 3; round++) {
    if (!path.startsWith("/") || HOST_LIKE.test(path) || UNSAFE_CHARS.test(path)) return "/";
    let decoded: string;
    try {
      decoded = decodeURIComponent(path);
    } catch {
      return "/"; // a malformed escape: not a path this dashboard serves
    }
    if (decoded === path) break;
    path = decoded;
  }
  return resolved.pathname + resolved.search + resolved.hash;
}
