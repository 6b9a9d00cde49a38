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
      return c.body(null, 401);
    }
    return c.redirect(login, c.req.method === "GET" ? 302 : 303);
  };
}

/** Only same-site relative paths may be a post-login destination (no open redirect). */
export function safeNext(next: string | undefined): string {
  if (!next || !next.startsWith("/") || next.startsWith("//") || next.startsWith("/\\")) return "/";
  return next;
}
