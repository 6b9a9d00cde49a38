/**
 * Faults of the disk are not the caller's mistake: a config that cannot be
 * written is a 500 naming the file on the API and a flash on the page; any
 * other exception answers its message (JSON for the API and /ws, a flash for
 * htmx, a short page otherwise), never a bare "internal error", never a stack.
 * The storage cases run on the real server with a real data dir.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { setQuiet } from "../../src/log.ts";
import { createApp } from "../../src/web/app.ts";
import { startTestServer, type TestServer } from "../helpers/server.ts";
import { makeWorld } from "./fakes.ts";
import { postForm, postJson } from "./helpers.ts";

setQuiet(true);

function form(server: TestServer, path: string, body: string, htmx: boolean): Promise<Response> {
  return fetch(server.url + path, {
    method: "POST",
    body,
    headers: { "content-type": "application/x-www-form-urlencoded", origin: server.url, ...(htmx ? { "hx-request": "true" } : {}) },
  });
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at /);
  expect(text).not.toContain(".ts:");
}

describe("a directory where trader_config.json should be", () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer();
    rmSync(server.configPath);
    mkdirSync(server.configPath);
  });
  afterAll(async () => {
    rmSync(server.configPath, { recursive: true, force: true });
    await server.close();
  });

  test("POST /api/trader/config is 500 with an error naming the file (not a 400: not the caller's mistake)", async () => {
    const res = await server.post("/api/trader/config", { max_leverage: 5 });
    expect(res.status).toBe(500);
    expect(res.body.error).toContain(server.configPath);
    expect(res.body.error).toContain("EISDIR");
    expect(res.body.error).not.toContain("internal error");
    expectNoStack(JSON.stringify(res.body));
  });

  test("POST /api/trader/mode is 500 too: a mode change that cannot be written is a disk fault", async () => {
    const answer = await server.post("/api/trader/mode", { mode: "dry-run" });
    expect(answer.status).toBe(500);
    expect(answer.body.message).toContain(server.configPath);
  });

  test("the page's config form answers a flash naming the file, said once", async () => {
    const res = await form(server, "/trader/config", "max_leverage=4", true);
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toStartWith('<p class="flash error">Config not saved: ');
    expect(html).toContain(server.configPath);
    expect(html).not.toContain("Config not saved: Config not saved");
    expectNoStack(html);
    // Without htmx: the whole page with the flash.
    const page = await form(server, "/trader/config", "max_leverage=4", false);
    expect(page.status).toBe(500);
    const text = await page.text();
    expect(text).toContain('id="flash"');
    expect(text).toContain(server.configPath);
  });

  test("the coin lists say so too", async () => {
    const res = await form(server, "/trader/coin-list", "toggle=blacklist%3ABTCUSDT%3Aon", true);
    expect(res.status).toBe(500);
    const html = await res.text();
    expect(html).toContain(server.configPath);
    expect(html).not.toContain("Config not saved: Config not saved");
  });
});

describe("a directory where the lockfile should be", () => {
  let server: TestServer;
  let lockPath: string;
  beforeAll(async () => {
    server = await startTestServer();
    lockPath = join(server.dataDir, "live-trader-lock.json");
    mkdirSync(lockPath);
  });
  afterAll(async () => {
    rmSync(lockPath, { recursive: true, force: true });
    await server.close();
  });

  test("clear-lockfile on the API is 500 with the error's message naming the path", async () => {
    const res = await server.post("/api/trader/control", { action: "clear-lockfile" });
    expect(res.status).toBe(500);
    expect(typeof res.body.error).toBe("string");
    expect(res.body.error).toContain(lockPath);
    expect(res.body.error).not.toContain("internal error");
    expectNoStack(JSON.stringify(res.body));
  });

  test("Clear on the page is a flash naming the path", async () => {
    const res = await form(server, "/trader/control", "action=clear-lock", true);
    const html = await res.text();
    expect(html).toStartWith('<p class="flash error">');
    expect(html).toContain(lockPath);
    expectNoStack(html);
  });
});

describe("a directory where trader_state.json should be", () => {
  let server: TestServer;
  let statePath: string;
  beforeAll(async () => {
    server = await startTestServer();
    statePath = join(server.dataDir, "trader_state.json");
    rmSync(statePath, { force: true });
    mkdirSync(statePath);
  });
  afterAll(async () => {
    rmSync(statePath, { recursive: true, force: true });
    await server.close();
  });

  test("stop on the API turns the trader OFF and answers 500 (a disk fault), not 502 (no exchange was involved)", async () => {
    const res = await server.post("/api/trader/control", { action: "stop" });
    expect(res.status).toBe(500);
    expect(res.body.ok).toBe(false);
    expect(res.body.message).toContain("trader_state.json could not be written");
    expect(res.body.status.running).toBe(false);
  });
});

describe("anything else that throws", () => {
  function setup() {
    const world = makeWorld();
    const created = createApp(world.deps);
    const boom = () => {
      throw new Error("status store unreadable: /data/x is a directory");
    };
    return { ...created, world, boom };
  }

  test("the API answers JSON with the message", async () => {
    const { app, hub, world, boom } = setup();
    world.controller.status = boom;
    const res = await app.request("/api/trader/status");
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error).toContain("status store unreadable: /data/x is a directory");
    expect(body.error).not.toContain("internal error");
    expectNoStack(JSON.stringify(body));
    hub.close();
  });

  test("a plain form post answers a short page with the message; htmx gets a flash", async () => {
    const { app, hub, world, boom } = setup();
    world.controller.status = boom;
    const page = await postForm(app, "/trader/config", { max_leverage: "5" });
    expect(page.status).toBe(500);
    const html = await page.text();
    expect(html).toStartWith("<!doctype html>");
    expect(html).toContain("status store unreadable: /data/x is a directory");
    expect(html).not.toContain("internal error");
    expectNoStack(html);
    const htmx = await postForm(app, "/trader/config", { max_leverage: "5" }, { htmx: true });
    expect(htmx.status).toBe(500);
    const flash = await htmx.text();
    expect(flash).toStartWith('<p class="flash error">');
    expect(flash).toContain("status store unreadable");
    hub.close();
  });

  test("a thrown non-Error is answered too", async () => {
    const { app, hub, world } = setup();
    world.controller.clearLock = async () => {
      throw "disk on fire";
    };
    const res = await postJson(app, "/api/trader/control", { action: "clear-lockfile" });
    expect(res.status).toBe(500);
    expect((await res.json()).error).toContain("disk on fire");
    hub.close();
  });
});
