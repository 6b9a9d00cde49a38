/**
 * Page forms (and /login) take url-encoded and multipart bodies; a malformed
 * multipart body is the client's mistake: 400 with a message, never a 500.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { SAME_ORIGIN } from "./helpers.ts";

setQuiet(true);

const TOKEN = "correct-horse-battery-staple-42";
let opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.controller.shutdown();
  }
  opened = [];
});

async function setup(token: string | null = null) {
  const world = makeWorld({ token });
  await world.controller.boot();
  const app = createApp(world.deps);
  opened.push({ app, world });
  return { app: app.app, world };
}

const FORM_ROUTES = ["/trader/control", "/trader/mode", "/trader/config", "/trader/coin-list", "/trader/close-position", "/trader/close-all", "/trader/emergency-stop", "/trader/reset-baseline", "/trader/cancel-closing"];

const GOOD = '--XyZ\r\nContent-Disposition: form-data; name="action"\r\n\r\nstart\r\n--XyZ--\r\n';
const MALFORMED: [string, string, string][] = [
  ["no boundary", "multipart/form-data", GOOD],
  ["an empty boundary", "multipart/form-data; boundary=", GOOD],
  ["a boundary the body does not use", "multipart/form-data; boundary=other", GOOD],
  ["a truncated body", "multipart/form-data; boundary=XyZ", GOOD.slice(0, 40)],
  ["a part without headers", "multipart/form-data; boundary=XyZ", "--XyZ\r\nstart\r\n--XyZ--\r\n"],
  ["garbage", "multipart/form-data; boundary=XyZ", "\u0000\u0001garbage\r\n\r\n"],
];

function post(app: DashboardApp["app"], path: string, type: string, body: string, headers: Record<string, string> = {}): Promise<Response> {
  return Promise.resolve(app.request(path, { method: "POST", body, headers: { "content-type": type, ...SAME_ORIGIN, ...headers } }));
}

describe("malformed multipart bodies", () => {
  for (const [what, type, body] of MALFORMED) {
    test(`${what}: 400 with a message on every form route, nothing done`, async () => {
      const { app, world } = await setup();
      for (const path of FORM_ROUTES) {
        const res = await post(app, path, type, body);
        const text = await res.text();
        expect({ path, status: res.status }).toEqual({ path, status: 400 });
        expect(text).toContain("multipart");
        expect(text).not.toContain("internal error");
      }
      expect(world.controller.status().running).toBe(false);
      expect(world.config.saves).toBe(0);
    });
  }

  test("the login form too", async () => {
    const { app } = await setup(TOKEN);
    const res = await post(app, "/login", "multipart/form-data", `token=${TOKEN}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("multipart");
  });

  test("a well-formed multipart post still works", async () => {
    const { app, world } = await setup();
    const form = new FormData();
    form.append("action", "start");
    const res = await app.request("/trader/control", { method: "POST", body: form, headers: SAME_ORIGIN });
    expect(res.status).toBe(303);
    expect(world.controller.status().running).toBe(true);
  });

  test("a body that is not a form is 415 naming the type", async () => {
    const { app } = await setup();
    const res = await post(app, "/trader/control", "text/plain", "action=start");
    expect(res.status).toBe(415);
    expect(await res.text()).toContain("text/plain");
  });
});
