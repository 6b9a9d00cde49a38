/**
 * Every body is read whole, once, before the routes: one that breaks off
 * mid-way is a 400 saying so (not a 500 from the route that touched it), and
 * one over the limit is 413 however its length was declared.
 */
import { afterEach, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { BODY_LIMIT_BYTES, createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { SAME_ORIGIN } from "./helpers.ts";

setQuiet(true);

let opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.controller.shutdown();
  }
  opened = [];
});

async function setup() {
  const world = makeWorld();
  await world.controller.boot();
  const app = createApp(world.deps);
  opened.push({ app, world });
  return { app: app.app, world };
}

/** A body that sends `first` and then fails, as when the client goes away mid-upload. */
function brokenBody(first: string): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new TextEncoder().encode(first));
      } else controller.error(new Error("connection reset by peer"));
    },
  });
}

test("a body that breaks off is 400 on the API and the forms, and nothing is done", async () => {
  const { app, world } = await setup();
  const cases: [string, string, string][] = [
    ["/api/trader/control", "application/json", '{"action":"sta'],
    ["/api/trader/close-all", "application/json", "{"],
    ["/trader/control", "application/x-www-form-urlencoded", "action=sta"],
    ["/trader/emergency-stop", "multipart/form-data; boundary=XyZ", "--XyZ\r\nContent-Disposition: form-data; name=\"confirm\"\r\n\r\nye"],
  ];
  for (const [path, type, first] of cases) {
    const res = await app.request(path, { method: "POST", body: brokenBody(first), headers: { "content-type": type, ...SAME_ORIGIN } });
    const text = await res.text();
    expect({ path, status: res.status }).toEqual({ path, status: 400 });
    expect(text).toContain("could not be read");
    expect(text).toContain("connection reset by peer");
  }
  expect(world.controller.status().running).toBe(false);
  expect(world.controller.status().lock).toBeNull();
});

test("a body over the limit is 413 whether its length is declared, understated or not given", async () => {
  const { app, world } = await setup();
  const big = JSON.stringify({ action: "start", pad: "x".repeat(BODY_LIMIT_BYTES) });
  const declared = await app.request("/api/trader/control", { method: "POST", body: big, headers: { "content-type": "application/json" } });
  expect(declared.status).toBe(413);
  const understated = await app.request("/api/trader/control", { method: "POST", body: big, headers: { "content-type": "application/json", "content-length": "20" } });
  expect(understated.status).toBe(413);
  const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(big)); c.close(); } });
  const streamed = await app.request("/trader/control", { method: "POST", body: stream, headers: { "content-type": "application/x-www-form-urlencoded", ...SAME_ORIGIN } });
  expect(streamed.status).toBe(413);
  expect(await streamed.text()).toContain("larger than 64 KB");
  expect(world.controller.status().running).toBe(false);
});

test("a body under the limit reaches the route whole, also when streamed", async () => {
  const { app, world } = await setup();
  const stream = new ReadableStream({
    start(c) {
      c.enqueue(new TextEncoder().encode('{"act'));
      c.enqueue(new TextEncoder().encode('ion":"start"}'));
      c.close();
    },
  });
  const res = await app.request("/api/trader/control", { method: "POST", body: stream, headers: { "content-type": "application/json" } });
  expect(res.status).toBe(200);
  expect(world.controller.status().running).toBe(true);
});
