/**
 * Long controls never lose their answer: when the controller call has not
 * finished by the deadline, the caller gets 202 "still running" at once, the
 * call finishes in the background and its result lands in the activity log
 * (which the page shows live). A short deadline stands in for the 8 s one.
 */
import { afterEach, describe, expect, spyOn, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { IDLE_TIMEOUT_SECONDS } from "../../src/app/web-server.ts";
import { CONTROL_DEADLINE_MS, createApp, type DashboardApp } from "../../src/web/app.ts";
import { waitFor } from "../helpers/wait.ts";
import { makeSignals, makeWorld, type FakeWorld } from "./fakes.ts";
import { postForm, postJson } from "./helpers.ts";

setQuiet(true);

let opened: { app: DashboardApp; world: FakeWorld; release: () => void }[] = [];
afterEach(async () => {
  for (const { app, world, release } of opened) {
    release();
    app.hub.close();
    await world.controller.shutdown();
  }
  opened = [];
});

/** Two open positions on a scripted exchange whose closes wait until `release()`. */
async function setup() {
  const world = makeWorld();
  await world.controller.boot();
  const created = createApp(world.deps, { controlDeadlineMs: 30 });
  let release = () => {};
  const gate = new Promise<void>((resolve) => { release = resolve; });
  opened.push({ app: created, world, release: () => release() });
  const app = created.app;
  makeSignals(world);
  expect((await postJson(app, "/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await postJson(app, "/api/trader/control", { action: "run-cycle" })).status).toBe(200);
  expect(world.exchange.positions.length).toBe(2);
  const close = world.exchange.closePosition.bind(world.exchange);
  world.exchange.closePosition = async (symbol, clientId) => {
    await gate;
    return close(symbol, clientId);
  };
  return { app, world, release: () => release() };
}

/** The answer, or a clear failure instead of a hang when there is none. */
async function answered(request: Promise<Response> | Response): Promise<Response> {
  const none = new Promise<"none">((resolve) => setTimeout(() => resolve("none"), 3000));
  const res = await Promise.race([Promise.resolve(request), none]);
  if (res === "none") throw new Error("no answer while the control was still running");
  return res;
}

function logged(world: FakeWorld, prefix: string): string | undefined {
  return world.record.entries.find((e) => e.message.startsWith(prefix))?.message;
}

describe("a control still running at the deadline", () => {
  test("API close-all: 202 accepted at once, then the result in the activity log", async () => {
    const { app, world, release } = await setup();
    const res = await answered(postJson(app, "/api/trader/close-all", {}));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ ok: true, accepted: true });
    expect(body.message).toContain("still running");
    expect(body.message).toContain("activity log");
    expect(logged(world, "close-all:")).toBeUndefined();
    release();
    const entry = await waitFor("close-all in the activity log", () => logged(world, "close-all:"));
    expect(entry).toContain("Closed 2 position(s)");
    expect(world.exchange.positions.length).toBe(0);
  });

  test("API emergency stop: 202 accepted, then every step in the activity log", async () => {
    const { app, world, release } = await setup();
    const res = await answered(postJson(app, "/api/trader/control", { action: "emergency-stop" }));
    expect(res.status).toBe(202);
    const body = await res.json();
    expect(body).toMatchObject({ action: "emergency-stop", ok: true, accepted: true });
    expect(body.message).toContain("still running");
    release();
    const entry = await waitFor("emergency-stop in the activity log", () => logged(world, "emergency-stop:"));
    expect(entry).toContain("closed 2 position(s)");
  });

  test("API close-position: 202 accepted, then the result logged", async () => {
    const { app, world, release } = await setup();
    const res = await answered(postJson(app, "/api/trader/close-position", { symbol: "BTCUSDT" }));
    expect(res.status).toBe(202);
    expect((await res.json()).accepted).toBe(true);
    release();
    expect(await waitFor("close-position logged", () => logged(world, "close-position:"))).toContain("Closed BTCUSDT");
  });

  test("page, htmx: a flash saying it is still running (202), then the log", async () => {
    const { app, world, release } = await setup();
    const res = await answered(postForm(app, "/trader/close-all", {}, { htmx: true }));
    expect(res.status).toBe(202);
    const html = await res.text();
    expect(html).toStartWith('<p class="flash ok">');
    expect(html).toContain("still running");
    release();
    await waitFor("close-all logged", () => logged(world, "close-all:"));
  });

  test("page, no JavaScript: the page with that flash (202), not a redirect that would lose it", async () => {
    const { app, world, release } = await setup();
    // Through the confirmation page, as a browser without JavaScript goes (its single-use token).
    const ask = await (await postForm(app, "/trader/emergency-stop", {})).text();
    const token = /name="confirm_token" value="([0-9a-f]+)"/.exec(ask)?.[1] ?? "";
    const res = await answered(postForm(app, "/trader/emergency-stop", { confirm_token: token }));
    expect(res.status).toBe(202);
    const html = await res.text();
    expect(html).toContain('id="flash"');
    expect(html).toContain("still running");
    release();
    await waitFor("emergency-stop logged", () => logged(world, "emergency-stop:"));
  });

  test("a late failure is logged too (the server log: the caller has gone)", async () => {
    const { app, world } = await setup();
    let fail = (_error: Error) => {};
    world.exchange.getPositions = () => new Promise((_resolve, reject) => { fail = reject; });
    setQuiet(false);
    const writes: string[] = [];
    const spy = spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      writes.push(String(chunk));
      return true;
    });
    try {
      const res = await answered(postJson(app, "/api/trader/close-all", {}));
      expect(res.status).toBe(202);
      fail(new Error("exchange unreachable"));
      await waitFor("the late failure in the server log", () => writes.some((w) => w.includes("Close all") && w.includes("exchange unreachable")));
    } finally {
      spy.mockRestore();
      setQuiet(true);
    }
  });

  test("a control that finishes in time answers as always", async () => {
    const { app, release } = await setup();
    release();
    const res = await answered(postJson(app, "/api/trader/close-all", {}));
    expect(res.status).toBe(200);
    expect((await res.json()).accepted).toBeUndefined();
  });
});

test("the server's idle timeout covers the control deadline with margin", () => {
  expect(CONTROL_DEADLINE_MS).toBeLessThanOrEqual(8_000);
  expect(IDLE_TIMEOUT_SECONDS * 1000).toBeGreaterThanOrEqual(CONTROL_DEADLINE_MS + 10_000);
  // Bun's ceiling for idleTimeout.
  expect(IDLE_TIMEOUT_SECONDS).toBeLessThanOrEqual(255);
});
