/**
 * Failed logins are throttled per client address, and the right token always
 * gets in (after a short delay at most): nobody can lock the owner out of the
 * login page by posting wrong tokens.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { LoginThrottle } from "../../src/web/security/login-throttle.ts";
import { makeWorld } from "./fakes.ts";
import { SAME_ORIGIN } from "./helpers.ts";

setQuiet(true);

const TOKEN = "correct-horse-battery-staple-42";

let opened: DashboardApp[] = [];
afterEach(() => {
  for (const a of opened) a.hub.close();
  opened = [];
});

function setup(loginThrottle?: LoginThrottle) {
  const created = createApp(makeWorld({ token: TOKEN }).deps, { loginThrottle });
  opened.push(created);
  return created.app;
}

/** What Bun.serve passes as the 2nd fetch argument, reduced to what the login needs: the peer's address. */
function peer(address: string) {
  return { requestIP: () => ({ address, family: address.includes(":") ? "IPv6" : "IPv4", port: 40000 }) };
}

function login(app: DashboardApp["app"], token: string, address?: string): Promise<Response> {
  const init = { method: "POST", body: new URLSearchParams({ token, next: "/trader" }).toString(), headers: { "content-type": "application/x-www-form-urlencoded", ...SAME_ORIGIN } };
  return Promise.resolve(address === undefined ? app.request("/login", init) : app.request("/login", init, peer(address)));
}

describe("login throttle", () => {
  test("30 wrong tokens from one address do not lock out the owner at another address", async () => {
    const app = setup(new LoginThrottle({ delayMs: 5 }));
    for (let i = 0; i < 30; i++) expect([401, 429]).toContain((await login(app, `wrong-${i}`, "203.0.113.7")).status);
    const owner = await login(app, TOKEN, "198.51.100.20");
    expect(owner.status).toBe(303);
    expect(owner.headers.get("location")).toBe("/trader");
    // The attacker's address is throttled for wrong tokens …
    const attacker = await login(app, "still-wrong", "203.0.113.7");
    expect(attacker.status).toBe(429);
    expect(await attacker.text()).toContain("Too many failed attempts");
  });

  test("the right token gets in even from a throttled address (same proxy, same address)", async () => {
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, delayMs: 5 });
    const app = setup(throttle);
    for (let i = 0; i < 10; i++) await login(app, "wrong", "127.0.0.1");
    expect(throttle.throttled("127.0.0.1")).toBe(true);
    expect((await login(app, "wrong", "127.0.0.1")).status).toBe(429);
    const owner = await login(app, TOKEN, "127.0.0.1");
    expect(owner.status).toBe(303);
    expect(owner.headers.get("set-cookie") ?? "").toContain("dash_session=");
  });

  test("without a peer address (app.request in tests) one shared bucket is used and the right token still gets in", async () => {
    const app = setup(new LoginThrottle({ maxFailures: 2, delayMs: 1 }));
    expect((await login(app, "wrong")).status).toBe(401);
    expect((await login(app, "wrong")).status).toBe(401);
    expect((await login(app, "wrong")).status).toBe(429);
    expect((await login(app, TOKEN)).status).toBe(303);
  });

  test("the window passes and the address may try again at full speed", () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000, now: () => now });
    for (let i = 0; i < 3; i++) throttle.recordFailure("203.0.113.7");
    expect(throttle.throttled("203.0.113.7")).toBe(true);
    expect(throttle.throttled("203.0.113.8")).toBe(false);
    now += 60_001;
    expect(throttle.throttled("203.0.113.7")).toBe(false);
  });

  test("an IPv6 client is counted by its /64 (one host owns the whole prefix); IPv4-mapped addresses as IPv4", () => {
    const throttle = new LoginThrottle({ maxFailures: 2 });
    throttle.recordFailure(LoginThrottle.key("2001:db8:1:2::1"));
    throttle.recordFailure(LoginThrottle.key("2001:db8:1:2:ffff::9"));
    expect(throttle.throttled(LoginThrottle.key("2001:db8:1:2::77"))).toBe(true);
    expect(throttle.throttled(LoginThrottle.key("2001:db8:1:3::1"))).toBe(false);
    expect(LoginThrottle.key("::ffff:192.0.2.1")).toBe("192.0.2.1");
    expect(LoginThrottle.key("2001:DB8:0:0:1::1")).toBe(LoginThrottle.key("2001:db8::1:0:0:1"));
  });

  test("the table of addresses stays bounded", () => {
    const throttle = new LoginThrottle({ maxFailures: 2, maxAddresses: 100 });
    for (let i = 0; i < 5000; i++) throttle.recordFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`);
    expect(throttle.size()).toBeLessThanOrEqual(100);
    // The newest addresses are still counted.
    throttle.recordFailure("10.0.19.135");
    expect(throttle.throttled("10.0.19.135")).toBe(true);
  });
});

test("on the real Bun server the throttle counts the socket's peer address (127.0.0.1 here), not one shared bucket", async () => {
  const throttle = new LoginThrottle({ maxFailures: 2, delayMs: 1 });
  const created = createApp(makeWorld({ token: TOKEN }).deps, { loginThrottle: throttle });
  opened.push(created);
  const server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: created.app.fetch, websocket: created.websocket });
  try {
    const url = `http://127.0.0.1:${server.port}`;
    const post = (token: string) =>
      fetch(`${url}/login`, { method: "POST", redirect: "manual", body: new URLSearchParams({ token, next: "/trader" }), headers: { origin: url } });
    expect((await post("wrong")).status).toBe(401);
    expect((await post("wrong")).status).toBe(401);
    expect(throttle.throttled("127.0.0.1")).toBe(true);
    expect(throttle.throttled("unknown")).toBe(false);
    expect((await post("wrong")).status).toBe(429);
    expect((await post(TOKEN)).status).toBe(303);
  } finally {
    server.stop(true);
  }
});
