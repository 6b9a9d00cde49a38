/**
 * The JSON API's body rules:
 *  - a route that needs a body (config, mode, control, close-position) takes
 *    it only as Content-Type application/json (415 otherwise, naming what was
 *    sent and what is needed), and it must parse to a JSON object (400);
 *  - close-all needs no body: a body-less post with any or no Content-Type
 *    closes everything (scripts send none); a body that IS present must be
 *    application/json and a JSON object with no fields ({}), else 415/400 and
 *    nothing is closed.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeSignals, makeWorld, type FakeWorld } from "./fakes.ts";
import { postJson } from "./helpers.ts";

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
  const created = createApp(world.deps);
  opened.push({ app: created, world });
  return { app: created.app, world };
}

async function withPositions() {
  const { app, world } = await setup();
  makeSignals(world);
  expect((await postJson(app, "/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await postJson(app, "/api/trader/control", { action: "run-cycle" })).status).toBe(200);
  expect(world.exchange.positions.length).toBe(2);
  return { app, world };
}

function post(app: DashboardApp["app"], path: string, body: string | undefined, type?: string): Promise<Response> {
  const headers: Record<string, string> = type === undefined ? {} : { "content-type": type };
  return Promise.resolve(app.request(path, { method: "POST", body, headers }));
}

describe("Content-Type of the JSON API", () => {
  const start = JSON.stringify({ action: "start" });

  for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonp", "text/json", "application/json-seq", ""]) {
    test(`a body sent as ${JSON.stringify(type)} is 415 naming what was sent and what is needed, and does nothing`, async () => {
      const { app, world } = await setup();
      for (const path of ["/api/trader/control", "/api/trader/config", "/api/trader/mode", "/api/trader/close-position"]) {
        const res = await post(app, path, start, type);
        expect({ path, status: res.status }).toEqual({ path, status: 415 });
        const body = await res.json();
        expect(body.error).toContain("application/json");
        expect(body.error).toContain(type === "" ? "no Content-Type" : type);
      }
      expect(world.controller.status().running).toBe(false);
      expect(world.config.saves).toBe(0);
    });
  }

  test("no Content-Type at all with a body is 415 too", async () => {
    const { app, world } = await setup();
    const res = await app.request("/api/trader/control", { method: "POST", body: new Blob([start]) });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toContain("no Content-Type");
    expect(world.controller.status().running).toBe(false);
  });

  test("application/json with parameters and in any case is accepted", async () => {
    const { app, world } = await setup();
    expect((await post(app, "/api/trader/control", start, "Application/JSON; charset=UTF-8")).status).toBe(200);
    expect(world.controller.status().running).toBe(true);
    expect((await post(app, "/api/trader/config", JSON.stringify({ max_leverage: 7 }), "application/json;charset=utf-8")).status).toBe(200);
    expect(world.config.config.max_leverage).toBe(7);
  });

  test("a route that needs a body refuses an empty one and anything that is not a JSON object (400)", async () => {
    const { app, world } = await setup();
    for (const body of ["", "   ", "{", "null", "[]", '"start"', "42", "{\"action\":\"start\"} trailing"]) {
      const res = await post(app, "/api/trader/control", body, "application/json");
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
      expect((await res.json()).error.length).toBeGreaterThan(10);
    }
    expect(world.controller.status().running).toBe(false);
  });
});

describe("close-all's optional body", () => {
  test("a malformed JSON body closes nothing (400)", async () => {
    const { app, world } = await withPositions();
    const res = await post(app, "/api/trader/close-all", "{not json", "application/json");
    expect(res.status).toBe(400);
    expect((await res.json()).error).toContain("JSON");
    expect(world.exchange.positions.length).toBe(2);
    expect(world.exchange.calls).not.toContain("closePosition");
  });

  test("a body that is not JSON-typed closes nothing (415)", async () => {
    const { app, world } = await withPositions();
    for (const type of ["text/plain", "application/x-www-form-urlencoded"]) {
      const res = await post(app, "/api/trader/close-all", "{}", type);
      expect(res.status).toBe(415);
    }
    expect(world.exchange.positions.length).toBe(2);
  });

  test("a JSON body that is not an empty object closes nothing (400)", async () => {
    const { app, world } = await withPositions();
    for (const body of ["[]", "null", "1", '{"symbol":"BTCUSDT"}']) {
      const res = await post(app, "/api/trader/close-all", body, "application/json");
      expect({ body, status: res.status }).toEqual({ body, status: 400 });
    }
    expect(world.exchange.positions.length).toBe(2);
  });

  test("a body-less post with no Content-Type closes everything, as scripts send it", async () => {
    const { app, world } = await withPositions();
    const res = await post(app, "/api/trader/close-all", undefined);
    expect(res.status).toBe(200);
    expect((await res.json()).ok).toBe(true);
    expect(world.exchange.positions.length).toBe(0);
  });

  test("an empty JSON object, or an empty body with the JSON type, closes everything", async () => {
    const first = await withPositions();
    expect((await postJson(first.app, "/api/trader/close-all", {})).status).toBe(200);
    expect(first.world.exchange.positions.length).toBe(0);
    const second = await withPositions();
    expect((await post(second.app, "/api/trader/close-all", "", "application/json")).status).toBe(200);
    expect(second.world.exchange.positions.length).toBe(0);
  });
});

test("cancel-closing of a symbol whose close is not being retried is 404 (nothing to cancel), not 502", async () => {
  const { app } = await setup();
  const res = await postJson(app, "/api/trader/control", { action: "cancel-closing", symbol: "BTCUSDT" });
  expect(res.status).toBe(404);
  expect((await res.json()).message).toContain("No close of BTCUSDT is being retried");
});
