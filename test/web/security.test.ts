import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { checkBindSafety, createApp, type DashboardApp } from "../../src/web/app.ts";
import { LoginThrottle } from "../../src/web/security/login-throttle.ts";
import { SessionStore } from "../../src/web/security/sessions.ts";
import { makeWorld } from "./fakes.ts";
import { postForm, postJson, SAME_ORIGIN } from "./helpers.ts";

setQuiet(true);

const TOKEN = "correct-horse-battery-staple-42";
let opened: DashboardApp[] = [];
afterEach(() => {
  for (const a of opened) a.hub.close();
  opened = [];
});

function setup(token: string | null = TOKEN, sessions?: SessionStore) {
  const world = makeWorld({ token });
  const created = createApp(world.deps, { sessions });
  opened.push(created);
  return { ...created, world };
}

async function login(app: DashboardApp["app"], token = TOKEN): Promise<Response> {
  return postForm(app, "/login", { token, next: "/trader" });
}

function sessionCookie(res: Response): string {
  const header = res.headers.get("set-cookie") ?? "";
  return header.split(";")[0] ?? "";
}

describe("auth with DASHBOARD_TOKEN", () => {
  test("pages redirect to /login, the API and the WebSocket answer 401 JSON, /health stays public", async () => {
    const { app } = setup();
    const page = await app.request("/trader");
    expect(page.status).toBe(302);
    expect(page.headers.get("location")).toBe("/login?next=%2Ftrader");
    const api = await app.request("/api/trader/status");
    expect(api.status).toBe(401);
    expect((await api.json()).error).toContain("authentication required");
    const ws = await app.request("/ws?page=trader", { headers: { upgrade: "websocket" } });
    expect(ws.status).toBe(401);
    const health = await app.request("/health");
    expect(health.status).toBe(200);
    expect(await health.text()).not.toContain(TOKEN);
    expect((await app.request("/static/app.css")).status).toBe(200);
  });

  test("an unauthenticated mutation changes nothing", async () => {
    const { app, world } = setup();
    const res = await postJson(app, "/api/trader/control", { action: "start" });
    expect(res.status).toBe(401);
    const form = await postForm(app, "/trader/control", { action: "start" });
    expect(form.status).toBe(303);
    expect(form.headers.get("location")).toStartWith("/login");
    expect(world.controller.status().running).toBe(false);
  });

  test("Bearer token opens the API; a wrong one does not", async () => {
    const { app } = setup();
    expect((await app.request("/api/trader/status", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await app.request("/api/trader/status", { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    expect((await app.request("/api/trader/status", { headers: { authorization: TOKEN } })).status).toBe(401);
  });

  test("login sets an HttpOnly SameSite=Strict cookie holding a signed random session, not the token", async () => {
    const { app } = setup();
    const wrong = await login(app, "nope");
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const res = await login(app);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/trader");
    const setCookie = res.headers.get("set-cookie") ?? "";
    expect(setCookie).toContain("HttpOnly");
    expect(setCookie).toContain("SameSite=Strict");
    expect(setCookie).not.toContain(TOKEN);
    const cookie = sessionCookie(res);
    const again = sessionCookie(await login(app));
    expect(again).not.toBe(cookie);
    const page = await app.request("/trader", { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain(TOKEN);
    // Logging out ends the session.
    const out = await app.request("/logout", { method: "POST", headers: { cookie, ...SAME_ORIGIN } });
    expect(out.status).toBe(303);
    expect((await app.request("/trader", { headers: { cookie } })).status).toBe(302);
  });

  test("a session from one instance opens every instance with the same token (scale-out behind a proxy)", async () => {
    const first = setup();
    const second = setup();
    const cookie = sessionCookie(await login(first.app));
    expect((await second.app.request("/trader", { headers: { cookie } })).status).toBe(200);
    expect((await second.app.request("/api/trader/status", { headers: { cookie } })).status).toBe(200);
    const otherToken = setup("another-token-of-enough-length");
    expect((await otherToken.app.request("/trader", { headers: { cookie } })).status).toBe(302);
    // Logout revokes on the instance that served it; the others accept the cookie until it expires.
    await first.app.request("/logout", { method: "POST", headers: { cookie, ...SAME_ORIGIN } });
    expect((await first.app.request("/trader", { headers: { cookie } })).status).toBe(302);
    expect((await second.app.request("/trader", { headers: { cookie } })).status).toBe(200);
  });

  test("the login never redirects off-site", async () => {
    const { app } = setup();
    const res = await postForm(app, "/login", { token: TOKEN, next: "//evil.example/x" });
    expect(res.headers.get("location")).toBe("/");
  });

  test("repeated wrong tokens are throttled (429), the right one still gets in, and the window passes", async () => {
    let now = 1_000_000;
    const loginThrottle = new LoginThrottle({ now: () => now, maxFailures: 3, windowMs: 60_000, delayMs: 1 });
    const created = createApp(makeWorld({ token: TOKEN }).deps, { loginThrottle });
    opened.push(created);
    const { app } = created;
    for (let i = 0; i < 3; i++) expect((await login(app, "wrong")).status).toBe(401);
    expect((await login(app, "wrong")).status).toBe(429);
    expect((await login(app)).status).toBe(303);
    now += 60_001;
    expect((await login(app, "wrong")).status).toBe(401);
  });

  test("htmx requests without a session are told to go to the login page", async () => {
    const { app } = setup();
    const res = await postForm(app, "/trader/control", { action: "start" }, { htmx: true });
    expect(res.status).toBe(401);
    expect(res.headers.get("hx-redirect")).toStartWith("/login");
    expect(await res.text()).toContain("authentication required"); // a 4xx always says why
  });
});

describe("same-origin check on every mutation", () => {
  test("cross-site JSON and form posts are refused with 403 and change nothing", async () => {
    const { app, world } = setup(null);
    const json = await postJson(app, "/api/trader/control", { action: "start" }, { origin: "http://evil.example" });
    expect(json.status).toBe(403);
    const form = await postForm(app, "/trader/control", { action: "start" }, { headers: { origin: "http://evil.example", "sec-fetch-site": "cross-site" } });
    expect(form.status).toBe(403);
    const sameSite = await postJson(app, "/api/trader/control", { action: "start" }, { "sec-fetch-site": "same-site" });
    expect(sameSite.status).toBe(403);
    const opaque = await postJson(app, "/api/trader/control", { action: "start" }, { origin: "null" });
    expect(opaque.status).toBe(403);
    expect(world.controller.status().running).toBe(false);
  });

  test("same-origin browsers and non-browser scripts pass", async () => {
    const { app, world } = setup(null);
    expect((await postJson(app, "/api/trader/control", { action: "pause" }, { origin: "http://localhost", "sec-fetch-site": "same-origin" })).status).toBe(200);
    expect((await postJson(app, "/api/trader/control", { action: "pause" })).status).toBe(200);
    expect(world.record.entries.filter((e) => e.origin === "api").length).toBeGreaterThan(0);
  });

  test("a cross-site WebSocket handshake is refused", async () => {
    const { app } = setup(null);
    const res = await app.request("/ws?page=trader", { headers: { upgrade: "websocket", origin: "http://evil.example" } });
    expect(res.status).toBe(403);
  });
});

describe("headers, limits and hosts", () => {
  test("CSP allows scripts and styles from this server only; secure headers are set; pages are not cached", async () => {
    const { app } = setup(null);
    const res = await app.request("/trader");
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
    expect(csp).not.toContain("unsafe-eval");
    expect(res.headers.get("x-frame-options")).toBe("DENY");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
    const html = await res.text();
    expect(html).toContain("&quot;allowEval&quot;:false");
    expect(html).toContain("&quot;includeIndicatorStyles&quot;:false");
    expect(html).not.toMatch(/\sstyle="/); // no inline style attribute anywhere (CSP style-src 'self')
    expect(html).not.toContain("<style");
  });

  test("a body over 64 KB is refused with 413", async () => {
    const { app } = setup(null);
    const res = await app.request("/api/trader/config", { method: "POST", body: JSON.stringify({ confirm: "x".repeat(70 * 1024) }), headers: { "content-type": "application/json" } });
    expect(res.status).toBe(413);
  });

  test("without a token only loopback Host names are served (DNS rebinding)", async () => {
    const { app } = setup(null);
    expect((await app.request("http://127.0.0.1:8891/trader")).status).toBe(200);
    expect((await app.request("http://localhost:8891/trader")).status).toBe(200);
    expect((await app.request("http://[::1]:8891/trader")).status).toBe(200);
    const rebinding = await app.request("http://evil.example:8891/api/trader/status");
    expect(rebinding.status).toBe(421);
  });

  test("with a token any Host is served (LAN or proxy): auth protects it", async () => {
    const { app } = setup();
    expect((await app.request("http://192.168.1.20:8891/api/trader/status", { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
  });

  test("assets are served with hashes and ETags and contain no exchange host", async () => {
    const { app } = setup(null);
    const html = await (await app.request("/")).text();
    for (const match of html.matchAll(/(?:src|href)="(\/static\/[^"]+)"/g)) {
      const res = await app.request(match[1] ?? "");
      expect(res.status).toBe(200);
      const body = (await res.text()).toLowerCase();
      expect(body).not.toContain("coinex.com");
      expect(body).not.toContain("binance.");
      const etag = res.headers.get("etag") ?? "";
      expect((await app.request(match[1] ?? "", { headers: { "if-none-match": etag } })).status).toBe(304);
    }
  });
});

describe("checkBindSafety", () => {
  test("loopback is always fine; the network needs a long enough token", () => {
    expect(checkBindSafety("127.0.0.1", null)).toBeNull();
    expect(checkBindSafety("localhost", null)).toBeNull();
    expect(checkBindSafety("::1", null)).toBeNull();
    expect(checkBindSafety("0.0.0.0", null)).toContain("without DASHBOARD_TOKEN");
    expect(checkBindSafety("192.168.1.5", "")).toContain("without DASHBOARD_TOKEN");
    expect(checkBindSafety("0.0.0.0", "short")).toContain("at least 16");
    expect(checkBindSafety("0.0.0.0", TOKEN)).toBeNull();
  });
});
