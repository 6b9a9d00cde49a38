/**
 * The backtests' JSON API over a REAL BacktestRuns on the fixtures data set:
 * POST /api/backtests (202 {id} / 400 {error, issues} / 409 / 415 / 503
 * read-only), GET /api/backtests (newest first, with the data sets) and GET
 * /api/backtests/:id (summary + result), under the same same-origin and auth
 * middleware as the rest of the API.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { postJson } from "./helpers.ts";

setQuiet(true);

let opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.disposeBacktests();
    await world.controller.shutdown();
  }
  opened = [];
});

async function setup(options: Parameters<typeof makeWorld>[0] = { backtests: true }) {
  const world = makeWorld(options);
  await world.controller.boot();
  const created = createApp(world.deps);
  opened.push({ app: created, world });
  return { app: created.app, world };
}

describe("POST /api/backtests", () => {
  test("starts a run: 202 {id}; a second while it runs is 409; the run is then readable with its result", async () => {
    const { app, world } = await setup();
    const res = await postJson(app, "/api/backtests", { data_set: "fixtures", compare: true, holdout_pct: 30, config: { long_threshold: 40, short_threshold: 40 } });
    expect(res.status).toBe(202);
    const body = (await res.json()) as { id: number };
    expect(body).toEqual({ id: expect.any(Number) });
    expect(res.headers.get("location")).toBe(`/api/backtests/${body.id}`);

    const busy = await postJson(app, "/api/backtests", { data_set: "fixtures" });
    expect(busy.status).toBe(409);
    expect(((await busy.json()) as { error: string }).error).toContain(`run #${body.id} is still running`);

    const running = (await (await app.request(`/api/backtests/${body.id}`)).json()) as { summary: { status: string }; result: unknown };
    expect(running.summary.status).toBe("running");
    expect(running.result).toBeNull();

    await world.backtests?.settled();
    const done = await app.request(`/api/backtests/${body.id}`);
    expect(done.status).toBe(200);
    const run = (await done.json()) as { summary: { id: number; status: string; progress: number }; result: { runs: { label: string; trades: unknown[] }[]; comparison: { daily_difference: { p_value: number | null } } } };
    expect(run.summary).toMatchObject({ id: body.id, status: "done", progress: 1 });
    expect(run.result.runs.map((r) => r.label)).toEqual(["TA bonus off", "TA bonus on"]);
    expect(run.result.comparison.daily_difference).toHaveProperty("p_value");
  });

  test("an invalid request is 400 naming each field, nothing started; a body that is not JSON is 415", async () => {
    const { app, world } = await setup();
    const bad = await postJson(app, "/api/backtests", { data_set: "fixtures", holdout_pct: 95 });
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as { error: string; issues: { path: string; message: string }[] };
    expect(body.error).toContain("Backtest not started");
    expect(body.issues.map((i) => i.path)).toEqual(["holdout_pct"]);

    const config = await postJson(app, "/api/backtests", { data_set: "fixtures", config: { max_leverage: 500 } });
    expect(config.status).toBe(400);
    expect(((await config.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["config.max_leverage"]);

    const unknownSet = await postJson(app, "/api/backtests", { data_set: "nope" });
    expect(unknownSet.status).toBe(400);
    expect(((await unknownSet.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(["data_set"]);

    const stray = await postJson(app, "/api/backtests", { data_set: "fixtures", extra: 1 });
    expect(stray.status).toBe(400);

    const text = await app.request("/api/backtests", { method: "POST", body: "data_set=fixtures", headers: { "content-type": "application/x-www-form-urlencoded" } });
    expect(text.status).toBe(415);
    const array = await postJson(app, "/api/backtests", [1, 2]);
    expect(array.status).toBe(400);
    expect(world.backtests?.list()).toEqual([]);
  });
});

describe("GET /api/backtests", () => {
  test("lists runs newest first with the data sets a request may name; an unknown run is 404", async () => {
    const { app, world } = await setup();
    const ids: number[] = [];
    for (const threshold of [40, 60]) {
      const res = await postJson(app, "/api/backtests", { data_set: "fixtures", config: { long_threshold: threshold } });
      ids.push(((await res.json()) as { id: number }).id);
      await world.backtests?.settled();
    }
    const list = (await (await app.request("/api/backtests")).json()) as { runs: { id: number; status: string; headline: unknown[] }[]; data_sets: string[] };
    expect(list.runs.map((r) => r.id)).toEqual([ids[1]!, ids[0]!]);
    expect(list.runs.every((r) => r.status === "done" && r.headline.length === 1)).toBe(true);
    expect(list.data_sets).toEqual(["sample", "fixtures"]);
    // Folders stay on the server: only the names a request uses.
    expect(JSON.stringify(list.data_sets)).not.toContain("/");
    expect((await app.request("/api/backtests/9999")).status).toBe(404);
    expect((await app.request("/api/backtests/abc")).status).toBe(404);
  });
});

describe("the API's guards", () => {
  test("a cross-site start is refused (403) and nothing runs", async () => {
    const { app, world } = await setup();
    const res = await postJson(app, "/api/backtests", { data_set: "fixtures" }, { origin: "http://evil.example" });
    expect(res.status).toBe(403);
    const fetchSite = await postJson(app, "/api/backtests", { data_set: "fixtures" }, { "sec-fetch-site": "cross-site" });
    expect(fetchSite.status).toBe(403);
    expect(world.backtests?.list()).toEqual([]);
  });

  test("with DASHBOARD_TOKEN every backtest route needs auth; the bearer token passes", async () => {
    const token = "a-long-enough-token-for-backtests";
    const { app, world } = await setup({ backtests: true, token });
    expect((await app.request("/api/backtests")).status).toBe(401);
    expect((await postJson(app, "/api/backtests", { data_set: "fixtures" })).status).toBe(401);
    expect((await app.request("/backtest")).status).toBe(302);
    expect((await app.request("/backtest/1/trades.csv")).status).toBe(302);
    const ok = await postJson(app, "/api/backtests", { data_set: "fixtures" }, { authorization: `Bearer ${token}` });
    expect(ok.status).toBe(202);
    await world.backtests?.settled();
    expect((await app.request("/api/backtests", { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
  });

  test("a read-only web instance answers 503 saying where backtests run", async () => {
    const { app } = await setup({ readOnly: "Read-only web instance: the controls are on the trader process" });
    const start = await postJson(app, "/api/backtests", { data_set: "fixtures" });
    expect(start.status).toBe(503);
    for (const path of ["/api/backtests", "/api/backtests/1"]) {
      const res = await app.request(path);
      expect(res.status).toBe(503);
      expect(((await res.json()) as { error: string }).error).toContain("trader process");
    }
  });
});
