import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { LiveHub, parseSince, type LiveClient } from "../../src/web/live/hub.ts";
import { FragmentCache } from "../../src/web/render/fragment-cache.ts";
import { makeSignals, makeWorld, type FakeWorld } from "./fakes.ts";
import { stripVersions } from "./helpers.ts";

setQuiet(true);

class FakeClient implements LiveClient {
  messages: string[] = [];
  closed: { code: number; reason: string } | null = null;
  result = 100;
  send(data: string): number {
    this.messages.push(data);
    return this.result;
  }
  bufferedAmount(): number {
    return 0;
  }
  close(code: number, reason: string): void {
    this.closed = { code, reason };
  }
}

/** Resolves when `check` holds, polling each event-loop turn; fails with `what` after 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("fragment cache", () => {
  test("renders once per change and keeps the version when the HTML is the same", () => {
    const cache = new FragmentCache();
    let value = "a";
    let renders = 0;
    cache.define({ id: "x", topics: ["t"], render: () => { renders++; return `<div id="x">${value}</div>`; } });
    const first = cache.get("x");
    cache.get("x");
    cache.get("x");
    expect(renders).toBe(1);
    cache.invalidate(["t"]);
    expect(cache.get("x").version).toBe(first.version); // same HTML: same version
    expect(renders).toBe(2);
    value = "b";
    cache.invalidate(["other"]);
    expect(stripVersions(cache.get("x").html)).toBe('<div id="x">a</div>'); // not its topic: not re-rendered
    cache.invalidate(["t"]);
    const second = cache.get("x");
    expect(second.html).toBe(`<div data-v="${cache.boot}.${second.version}" id="x">b</div>`);
    expect(second.version).toBeGreaterThan(first.version);
    // A one-off rendering of the same fragment (a form showing a refusal) carries the current version.
    expect(cache.pin("x", '<div id="x">refused</div>')).toBe(`<div data-v="${cache.boot}.${second.version}.1" id="x">refused</div>`);
    expect(cache.pin("x", '<div id="x">refused again</div>')).toBe(`<div data-v="${cache.boot}.${second.version}.2" id="x">refused again</div>`);
  });

  test("a view that throws is replaced by an error box with the same id", () => {
    const cache = new FragmentCache();
    cache.define({ id: "y", topics: [], render: () => { throw new Error("boom <b>"); } });
    const html = cache.get("y").html;
    expect(html).toContain('id="y"');
    expect(html).toContain("boom &lt;b&gt;");
  });
});

describe("live hub", () => {
  function hubWith(minIntervalMs = 30) {
    const cache = new FragmentCache();
    const state = { a: 1, b: 1 };
    cache.define({ id: "a", topics: ["ta"], render: () => `<div id="a">${state.a}</div>` });
    cache.define({ id: "b", topics: ["tb"], render: () => `<div id="b">${state.b}</div>` });
    const hub = new LiveHub(cache, { groups: { scanner: () => ["a"], trader: () => ["a", "b"], json: () => [] }, minIntervalMs, settleMs: 1 });
    return { cache, state, hub };
  }

  test("a new client gets everything; a client from the current page only what changed since", () => {
    const { cache, state, hub } = hubWith();
    cache.getAll(["a", "b"]);
    const since = { boot: cache.boot, version: cache.version() };
    const fresh = new FakeClient();
    hub.join("trader", fresh, null);
    expect(fresh.messages.map(stripVersions)).toEqual(['<div id="a">1</div><div id="b">1</div>']);
    state.b = 2;
    cache.invalidate(["tb"]);
    const page = new FakeClient();
    hub.join("trader", page, since);
    expect(page.messages.map(stripVersions)).toEqual(['<div id="b">2</div>']);
    const previousRun = new FakeClient();
    hub.join("trader", previousRun, { boot: "ffffffff", version: 999 });
    expect(previousRun.messages.length).toBe(1);
    expect(stripVersions(previousRun.messages[0] ?? "")).toBe('<div id="a">1</div><div id="b">2</div>');
    hub.close();
  });

  test("a burst of changes becomes one message per group, with only the changed fragments", async () => {
    const { state, hub } = hubWith();
    const scanner = new FakeClient();
    const trader = new FakeClient();
    hub.join("scanner", scanner, null);
    hub.join("trader", trader, null);
    scanner.messages = [];
    trader.messages = [];
    state.b = 2;
    hub.changed(["tb"]);
    state.b = 3;
    hub.changed(["tb"]);
    hub.changed(["tb"]);
    await until(() => trader.messages.length > 0, "the push");
    expect(trader.messages.map(stripVersions)).toEqual(['<div id="b">3</div>']);
    expect(scanner.messages).toEqual([]); // fragment b is not on the scanner page
    hub.close();
  });

  test("the owner's change goes out as soon as the code that made it has run, its notifications in one message", async () => {
    const cache = new FragmentCache();
    const state = { config: 1, status: 1 };
    cache.define({ id: "config", topics: ["config"], render: () => `<div id="config">${state.config}</div>` });
    cache.define({ id: "status", topics: ["status"], render: () => `<div id="status">${state.status}</div>` });
    const hub = new LiveHub(cache, { groups: { trader: () => ["config", "status"] } }); // the default settle
    const page = new FakeClient();
    hub.join("trader", page, null);
    page.messages = [];
    state.config = 2;
    hub.changed(["config"]);
    state.status = 2;
    hub.changed(["status"]);
    expect(page.messages).toEqual([]); // not inside the action's own code
    await Promise.resolve(); // … but before whoever awaits it goes on
    expect(page.messages.map(stripVersions)).toEqual(['<div id="config">2</div><div id="status">2</div>']);
    hub.close();
  });

  test("a change that renders the same HTML is not pushed", async () => {
    const { hub } = hubWith(1);
    const client = new FakeClient();
    hub.join("trader", client, null);
    client.messages = [];
    hub.changed(["ta", "tb"]);
    hub.flush();
    expect(client.messages).toEqual([]);
    hub.close();
  });

  test("a client whose messages are dropped is closed with 1013 so it reconnects and catches up", async () => {
    const { state, hub } = hubWith(1);
    const slow = new FakeClient();
    hub.join("scanner", slow, null);
    slow.result = 0;
    state.a = 5;
    hub.changed(["ta"]);
    hub.flush();
    expect(slow.closed?.code).toBe(1013);
    expect(hub.clientCount()).toBe(0);
    hub.close();
  });

  test("closing the hub tells pages to reconnect later (1012), not to give up", () => {
    const { hub } = hubWith();
    const client = new FakeClient();
    hub.join("trader", client, null);
    hub.close();
    expect(client.closed?.code).toBe(1012);
  });

  test("since parsing accepts only boot.version", () => {
    expect(parseSince("a1b2c3d4.42")).toEqual({ boot: "a1b2c3d4", version: 42 });
    expect(parseSince("junk")).toBeNull();
    expect(parseSince(undefined)).toBeNull();
  });
});

describe("GET /ws on a real server", () => {
  let server: ReturnType<typeof Bun.serve> | null = null;
  let dash: DashboardApp | null = null;
  let world: FakeWorld | null = null;
  const sockets: WebSocket[] = [];
  afterEach(async () => {
    for (const s of sockets) s.close();
    sockets.length = 0;
    dash?.hub.close();
    server?.stop(true);
    await world?.controller.shutdown();
    server = null;
  });

  async function start(token: string | null = null) {
    world = makeWorld({ token });
    await world.controller.boot();
    dash = createApp(world.deps, { live: { minIntervalMs: 50, settleMs: 5 } });
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: dash.app.fetch, websocket: dash.websocket });
    return { world, dash, base: `127.0.0.1:${server.port}` };
  }

  function connect(url: string, headers: Record<string, string> = {}) {
    const messages: string[] = [];
    const ws = new WebSocket(url, { headers } as unknown as string[]);
    sockets.push(ws);
    ws.addEventListener("message", (e) => messages.push(String(e.data)));
    const opened = new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)));
    });
    return { ws, messages, opened };
  }

  test("a trader page sees positions opened through the API pushed as its positions fragment", async () => {
    const { world, base } = await start();
    const page = await fetch(`http://${base}/trader`);
    const since = /since=([0-9a-f]+\.\d+)/.exec(await page.text())?.[1];
    expect(since).toBeDefined();
    const client = connect(`ws://${base}/ws?page=trader&since=${since}`, { origin: `http://${base}` });
    await client.opened;
    makeSignals(world);
    expect((await fetch(`http://${base}/api/trader/mode`, { method: "POST", body: JSON.stringify({ mode: "dry-run" }), headers: { "content-type": "application/json" } })).status).toBe(200);
    expect((await fetch(`http://${base}/api/trader/control`, { method: "POST", body: JSON.stringify({ action: "run-cycle" }), headers: { "content-type": "application/json" } })).status).toBe(200);
    await until(() => client.messages.some((m) => m.includes('data-position="BTCUSDT"')), "the positions push");
    const push = client.messages.find((m) => m.includes('data-position="BTCUSDT"')) ?? "";
    expect(stripVersions(push)).toContain('<section id="positions"');
    expect(push).toContain('data-position="ETHUSDT"');
  });

  test("a scanner page gets the changed part of a coin card when the market moves", async () => {
    const { world, base } = await start();
    const client = connect(`ws://${base}/ws?page=scanner`);
    await client.opened;
    await until(() => client.messages.length === 1, "the first full message");
    expect(client.messages[0]?.split("data-symbol=").length).toBe(30);
    world.market.update("SOLUSDT", { price: 123.4567 });
    await until(() => client.messages.length === 2, "the card push");
    // Only the price moved: only the price is sent (prices ≥ 100 show 2 decimals).
    expect(stripVersions(client.messages[1] ?? "")).toBe('<span class="price" id="price-SOLUSDT" data-field="price">123.46</span>');
  });

  test("?format=json sends the product payload on connect and on change", async () => {
    const { world, base } = await start();
    const client = connect(`ws://${base}/ws?format=json`);
    await client.opened;
    await until(() => client.messages.length === 1, "the first payload");
    const first = JSON.parse(client.messages[0] ?? "{}");
    expect(Object.keys(first).sort()).toEqual(["coinData", "errors", "positions", "signalHistory", "taSignals"]);
    expect(first.coinData.length).toBe(29);
    expect(Object.keys(first.taSignals.BTCUSDT).sort()).toEqual(["ema_ribbon", "stoch_rsi_divergence", "ttm_squeeze"]);
    world.market.update("BTCUSDT", { price: 77 });
    await until(() => client.messages.length === 2, "the second payload");
    const second = JSON.parse(client.messages[1] ?? "{}");
    expect(second.coinData.find((c: { symbol: string }) => c.symbol === "BTCUSDT").price).toBe(77);
  });

  test("with a token the WebSocket needs auth (bearer for scripts)", async () => {
    const token = "a-long-enough-token-123";
    const { base } = await start(token);
    const refused = await fetch(`http://${base}/ws?format=json`, { headers: { upgrade: "websocket", connection: "upgrade", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "sec-websocket-version": "13" } });
    expect(refused.status).toBe(401);
    const client = connect(`ws://${base}/ws?format=json`, { authorization: `Bearer ${token}` });
    await client.opened;
    await until(() => client.messages.length === 1, "the payload");
  });

  test("a plain GET /ws says it is a WebSocket; a bad page is a 400", async () => {
    const { base } = await start();
    expect((await fetch(`http://${base}/ws`)).status).toBe(426);
    expect((await fetch(`http://${base}/ws?page=nope`)).status).toBe(400);
  });
});

