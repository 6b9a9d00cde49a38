/**
 * Log in with DASHBOARD_TOKEN, once per browser: the form trades the token for
 * a signed session token in an HttpOnly, SameSite=Strict cookie (any instance
 * with the same DASHBOARD_TOKEN accepts it; see sessions.ts). Failed attempts
 * are throttled per client address (see login-throttle.ts: the right token
 * always gets in, after a short delay at most); the token is compared in
 * constant time and never echoed.
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { logger } from "../../log.ts";
import { isAuthenticated, safeNext } from "../security/auth.ts";
import { clientAddress } from "../security/client-address.ts";
import { LoginThrottle } from "../security/login-throttle.ts";
import { SESSION_COOKIE, type SessionStore } from "../security/sessions.ts";
import { tokensMatch } from "../security/token.ts";
import { toHtml } from "../render/to-html.ts";
import { LoginPage, type PageShell } from "../../../views/pages.tsx";
import { field, readForm } from "./form-body.ts";

const log = logger("web");

export function loginRoutes(token: string | null, sessions: SessionStore, shell: PageShell, throttle: LoginThrottle = new LoginThrottle()): Hono {
  const routes = new Hono();
  const page = (next: string, error: string | null) => "<!doctype html>" + toHtml(<LoginPage shell={shell} next={next} error={error} />);

  routes.get("/login", (c) => {
    const next = safeNext(c.req.query("next"), originOf(c.req.url));
    if (token === null || isAuthenticated(c, token, sessions)) return c.redirect(next, 302);
    return c.html(page(next, null));
  });

  routes.post("/login", async (c) => {
    if (token === null) return c.redirect("/", 303);
    const form = await readForm(c);
    if (!form.ok) return c.text(form.error, form.status);
    const next = safeNext(field(form.fields, "next"), originOf(c.req.url));
    const address = clientAddress(c);
    const key = LoginThrottle.key(address);
    // A throttled address waits a moment, then its token is checked all the same:
    // the right token must never be locked out (see login-throttle.ts for why).
    const throttled = throttle.throttled(key);
    if (throttled && throttle.delayMs > 0) await Bun.sleep(throttle.delayMs);
    const given = field(form.fields, "token") ?? "";
    if (!tokensMatch(given, token)) {
      throttle.recordFailure(key);
      if (throttled) {
        c.header("Retry-After", String(Math.ceil(throttle.windowMs / 1000)));
        return c.html(page(next, "Too many failed attempts from your address: each attempt now waits a moment. Check the token and try again."), 429);
      }
      if (throttle.throttled(key)) log.warn(`dashboard login: ${throttle.maxFailures} wrong tokens from ${address ?? "an unknown address"}; slowing it down`);
      else log.warn("dashboard login failed (wrong token)", { address: address ?? "unknown" });
      return c.html(page(next, "Wrong token."), 401);
    }
    const id = sessions.create();
    setCookie(c, SESSION_COOKIE, id, {
      httpOnly: true,
      sameSite: "Strict",
      path: "/",
      secure: new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
      maxAge: Math.floor(sessions.ttlMs / 1000),
    });
    return c.redirect(next, 303);
  });

  routes.post("/logout", (c) => {
    sessions.destroy(getCookie(c, SESSION_COOKIE));
    deleteCookie(c, SESSION_COOKIE, { path: "/" });
    return c.redirect(token === null ? "/" : "/login", 303);
  });

  return routes;
}

/** The origin the browser used to reach us (the default base when the URL has none). */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}
