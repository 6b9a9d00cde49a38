/**
 * A `web` instance mirrors the trader from Redis and owns no controls: every
 * request that would change something is answered 503 with the reason (where
 * the controls are), in the form the caller understands — JSON for the API, a
 * flash line for htmx, a short page for a plain form post. Reads, the
 * WebSocket and login/logout (a session is not trader state) pass.
 *
 * @example if (deps.readOnly) app.use("*", refuseControls(deps.readOnly))
 */
import type { MiddlewareHandler } from "hono";
import { escapeHtml } from "../render/fragment-cache.ts";

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
const SESSION_PATHS = new Set(["/login", "/logout"]);

export function refuseControls(message: string): MiddlewareHandler {
  return async (c, next) => {
    if (SAFE_METHODS.has(c.req.method) || SESSION_PATHS.has(c.req.path)) return next();
    if (c.req.path.startsWith("/api/")) return c.json({ ok: false, error: message }, 503);
    if (c.req.header("hx-request") === "true") return c.html(`<p class="flash error">${escapeHtml(message)}</p>`, 503);
    const back = c.req.path === "/backtest" || c.req.path.startsWith("/backtest/") ? "/backtest" : "/trader";
    return c.html(`<!doctype html><title>Read-only instance</title><p>${escapeHtml(message)}</p><p><a href="${back}">Back</a></p>`, 503);
  };
}
