/**
 * Log in with DASHBOARD_TOKEN, once per browser: the form trades the token for
 * a signed session token in an HttpOnly, SameSite=Strict cookie (any instance
 * with the same DASHBOARD_TOKEN accepts it; see sessions.ts). Failed attempts
 * are throttled; the token is compared in constant time and never echoed.
 */
import { Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { logger } from "../../log.ts";
import { isAuthenticated, safeNext } from "../security/auth.ts";
import { SESSION_COOKIE, type SessionStore } from "../security/sessions.ts";
import { tokensMatch } from "../security/token.ts";
import { toHtml } from "../render/to-html.ts";
import { LoginPage, type PageShell } from "../../../views/pages.tsx";
import { field, readForm } from "./form-body.ts";

const log = logger("web");

export function loginRoutes(token: string | null, sessions: SessionStore, shell: PageShell): Hono {
  const routes = new Hono();
  const page = (next: string, error: string | null) => "<!doctype html>" + toHtml(<LoginPage shell={shell} next={next} error={error} />);

  routes.get("/login", (c) => {
    const next = safeNext(c.req.query("next"));
    if (token === null || isAuthenticated(c, token, sessions)) return c.redirect(next, 302);
    return c.html(page(next, null));
  });

  routes.post("/login", async (c) => {
    if (token === null) return c.redirect("/", 303);
    const form = await readForm(c);
    if (!form.ok) return c.text(form.error, 415);
    const next = safeNext(field(form.fields, "next"));
    if (sessions.throttled()) return c.html(page(next, "Too many failed attempts: wait a minute and try again."), 429);
    const given = field(form.fields, "token") ?? "";
    if (!tokensMatch(given, token)) {
      sessions.recordFailure();
      log.warn("dashboard login failed (wrong token)");
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
