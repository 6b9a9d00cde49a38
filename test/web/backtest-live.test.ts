/**
 * Backtest progress over the one WebSocket, on a real Bun server with a REAL
 * BacktestRuns (fixtures): a run's page joins the group of that run and gets
 * its panel pushed while it runs and once more when it is done, the very
 * fragment the page is built from; the /backtest page gets the runs list
 * pushed; a page of another run hears nothing of it. The hub's groups made
 * on demand (one per run page) go away with their last client, the view keeps
 * a bounded number of run fragments, and the list is not re-read from the
 * service on every progress report.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type { RunSummary } from "../../src/app/backtest-runs.ts";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import type { BacktestsPort } from "../../src/web/deps.ts";
import { LiveHub, type LiveClient } from "../../src/web/live/hub.ts";
import { BacktestView, RUN_FRAGMENTS_KEPT } from "../../src/web/render/backtest-view.tsx";
import { FragmentCache } from "../../src/web/render/fragment-cache.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { elementById, postJson, stripVersions } from "./helpers.ts";

setQuiet(true);

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("backtest pushes on a real server", () => {
  let server: ReturnType<typeof Bun.serve> | null = null;
  let dash: DashboardApp | null = null;
  let world: FakeWorld | null = null;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.close();
    sockets.length = 0;
    dash?.hub.close();
    server?.stop(true);
    await world?.disposeBacktests();
    await world?.controller.shutdown();
    server = null;
  });

  async function start() {
    world = makeWorld({ backtests: true });
    await world.controller.boot();
    dash = createApp(world.deps, { live: { minIntervalMs: 20, settleMs: 2 } });
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: dash.app.fetch, websocket: dash.websocket });
    return { world, base: `127.0.0.1:${server.port}` };
  }

  function connect(url: string) {
    const messages: string[] = [];
    const ws = new WebSocket(url);
    sockets.push(ws);
    ws.addEventListener("message", (e) => messages.push(String(e.data)));
    const opened = new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)));
    });
    return { ws, messages, opened };
  }

  test("a running run's page gets its panel pushed until it is done; the last push is the page's own fragment", async () => {
    const { world, base } = await start();
    // The shipped sample (about a second) rather than the fixtures, so the page is surely rendered while it runs.
    const started = await postJson(dash!.app, "/api/backtests", { data_set: "sample", holdout_pct: 30 });
    const { id } = (await started.json()) as { id: number };
    const page = await (await fetch(`http://${base}/backtest/${id}`)).text();
    const wsUrl = /ws-connect="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    expect(wsUrl).toMatch(new RegExp(`^/ws\\?page=backtest&run=${id}&since=`));
    const other = connect(`ws://${base}/ws?page=backtest&run=${id + 1}`);
    const client = connect(`ws://${base}${wsUrl}`);
    await Promise.all([client.opened, other.opened]);
    await world.backtests?.settled();
    await until(() => client.messages.some((m) => m.includes('data-status="done"')), "the final push");
    for (const message of client.messages) expect(stripVersions(message)).toStartWith(`<section id="backtest-run-${id}"`);
    const last = client.messages.find((m) => m.includes('data-status="done"')) ?? "";
    const reopened = await (await fetch(`http://${base}/backtest/${id}`)).text();
    expect(last).toBe(elementById(reopened, `backtest-run-${id}`));
    expect(last).toContain('data-chart="equity"');
    expect(other.messages).toEqual([]);
  }, 30_000);

  test("progress reaches a run page as it happens: running panels with a rising percentage, then done", async () => {
    const { world, base } = await start();
    // Join before the run exists (a page rendered a moment earlier), then start it.
    const nextId = ((world.backtests?.list()[0]?.id ?? 0) as number) + 1;
    const client = connect(`ws://${base}/ws?page=backtest&run=${nextId}`);
    await client.opened;
    const res = await postJson(dash!.app, "/api/backtests", { data_set: "sample", compare: false });
    expect(((await res.json()) as { id: number }).id).toBe(nextId);
    await world.backtests?.settled();
    await until(() => client.messages.some((m) => m.includes('data-status="done"')), "the final push", 20_000);
    const progress = client.messages.filter((m) => m.includes('data-status="running"')).map((m) => Number(/data-progress="(\d+)"/.exec(m)?.[1]));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.every((p, i) => i === 0 || p >= progress[i - 1]!)).toBe(true);
    expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
  }, 30_000);

  test("the /backtest page gets the runs list pushed: a run started by a script appears, then its result", async () => {
    const { world, base } = await start();
    const page = await (await fetch(`http://${base}/backtest`)).text();
    const wsUrl = /ws-connect="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    expect(wsUrl).toMatch(/^\/ws\?page=backtest&since=/);
    const client = connect(`ws://${base}${wsUrl}`);
    await client.opened;
    const res = await postJson(dash!.app, "/api/backtests", { data_set: "fixtures" });
    const { id } = (await res.json()) as { id: number };
    await world.backtests?.settled();
    await until(() => client.messages.some((m) => m.includes(`data-run="${id}"`) && m.includes('data-status="done"')), "the list with the finished run");
    for (const message of client.messages) expect(stripVersions(message)).toStartWith('<section id="backtest-runs"');
  });

  test("a bad run parameter is a 400 before any upgrade", async () => {
    const { base } = await start();
    const headers = { upgrade: "websocket", connection: "upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" };
    for (const query of ["page=backtest&run=abc", "page=backtest&run=-1", "page=trader&run=1", "page=backtest&run=" + "9".repeat(20)]) {
      const res = await fetch(`http://${base}/ws?${query}`, { headers });
      expect(res.status).toBe(400);
    }
  });
});

describe("live hub groups made on demand", () => {
  class FakeClient implements LiveClient {
    messages: string[] = [];
    send(data: string): number {
      this.messages.push(data);
      return data.length;
    }
    bufferedAmount(): number {
      return 0;
    }
    close(): void {}
  }

  test("a dynamic group gets only its own fragments and is forgotten when its last client leaves", () => {
    const cache = new FragmentCache();
    const state: Record<string, number> = { "run-1": 1, "run-2": 1 };
    for (const id of ["run-1", "run-2"]) cache.define({ id, topics: [id], render: () => `<div id="${id}">${state[id]}</div>` });
    const resolved: string[] = [];
    const hub = new LiveHub(cache, {
      groups: { scanner: () => [], trader: () => [], json: () => [] },
      dynamicGroups: (name) => {
        resolved.push(name);
        const match = /^run:(\d)$/.exec(name);
        return match ? () => [`run-${match[1]}`] : null;
      },
      minIntervalMs: 0,
      settleMs: 0,
    });
    const one = new FakeClient();
    const two = new FakeClient();
    hub.join("run:1", one, null);
    hub.join("run:2", two, null);
    expect(one.messages.map(stripVersions)).toEqual(['<div id="run-1">1</div>']);
    expect(() => hub.join("nope", new FakeClient(), null)).toThrow("unknown live group");
    state["run-2"] = 2;
    hub.changed(["run-2"]);
    hub.flush();
    expect(one.messages.length).toBe(1);
    expect(two.messages.map(stripVersions)).toEqual(['<div id="run-2">1</div>', '<div id="run-2">2</div>']);
    hub.leave(two);
    expect(hub.groupCount()).toBe(4); // scanner, trader, json, run:1
    hub.join("run:2", new FakeClient(), null);
    expect(resolved.filter((n) => n === "run:2").length).toBe(2);
    hub.close();
  });
});

describe("the backtest view's fragments", () => {
  /** A stand-in for BacktestRuns: summaries in memory, counting list() reads. */
  function fakePort(count: number) {
    const runs = new Map<number, RunSummary>();
    for (let id = 1; id <= count; id++) {
      runs.set(id, { id, created_at: id * 1000, status: "done", request: { data_set: "fixtures", compare: false, holdout_pct: null, config: {} }, error: null, progress: 1, headline: [] });
    }
    let lists = 0;
    const port: BacktestsPort = {
      sets: () => [{ name: "fixtures", dir: "/nowhere" }],
      start: () => ({ ok: false, status: 409, error: "not here", issues: [] }),
      list: () => {
        lists++;
        return [...runs.values()].reverse().map((r) => ({ ...r }));
      },
      get: (id) => (runs.has(id) ? { summary: runs.get(id)!, result: null } : null),
      file: () => null,
      onChange: () => () => undefined,
    };
    return { port, runs, lists: () => lists };
  }

  function view(port: BacktestsPort) {
    const cache = new FragmentCache();
    const shell = { assets: { css: "", htmx: "", ws: "", live: "", connection: "", favicon: "" }, authEnabled: false };
    return { cache, view: new BacktestView(port, cache, shell, () => DEFAULT_TRADER_CONFIG, "unavailable") };
  }

  test("run fragments are kept for the last few runs shown, never forgetting a running one", () => {
    const { port, runs } = fakePort(RUN_FRAGMENTS_KEPT + 4);
    runs.get(1)!.status = "running";
    runs.get(1)!.progress = 0.5;
    const { cache, view: v } = view(port);
    for (let id = 1; id <= RUN_FRAGMENTS_KEPT + 4; id++) expect(v.runPage(id)).toContain(`id="backtest-run-${id}"`);
    const kept = [...Array(RUN_FRAGMENTS_KEPT + 4).keys()].map((i) => i + 1).filter((id) => cache.has(`backtest-run-${id}`));
    expect(kept.length).toBe(RUN_FRAGMENTS_KEPT);
    expect(kept[0]).toBe(1); // running: kept although the oldest
    expect(kept.at(-1)).toBe(RUN_FRAGMENTS_KEPT + 4);
    // A forgotten run is shown again on demand.
    expect(v.runPage(2)).toContain('id="backtest-run-2"');
    expect(v.runPage(999)).toBeNull();
  });

  test("the list is read again when a run starts or ends, not on each progress report", () => {
    const { port, runs, lists } = fakePort(3);
    const running = runs.get(3)!;
    running.status = "running";
    running.progress = 0.1;
    const { cache, view: v } = view(port);
    expect(cache.get("backtest-runs").html).toContain('data-progress="10"');
    expect(lists()).toBe(1);
    for (const progress of [0.2, 0.3, 0.4]) {
      running.progress = progress;
      cache.invalidate(v.heard({ ...running }));
    }
    expect(cache.get("backtest-runs").html).toContain('data-progress="40"');
    expect(lists()).toBe(1);
    running.status = "done";
    running.progress = 1;
    cache.invalidate(v.heard({ ...running }));
    expect(cache.get("backtest-runs").html).toContain('data-run="3" data-status="done"');
    expect(lists()).toBe(2);
  });
});
