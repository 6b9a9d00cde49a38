/**
 * Pushes carry only what changed (issue 17; issue 12 defect 6): a fragment's
 * parts are versioned on their own, a tick that moves a price sends that
 * price and nothing else, a render nobody can tell apart sends nothing, a
 * group gets one publish, a tab in the background is sent nothing until it
 * is back, and a long scanner list is paged. Bytes and counts only, never
 * time: every "nothing was sent" is checked against a later push that had to
 * come after it.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import type { CoinSnapshot } from "../../src/scanner/analyzer.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { LiveHub, type LiveClient } from "../../src/web/live/hub.ts";
import { FragmentCache } from "../../src/web/render/fragment-cache.ts";
import { splitParts } from "../../src/web/render/fragment-parts.ts";
import { SCANNER_PAGE_SIZE } from "../../src/web/render/scanner-pages.ts";
import type { MarketView } from "../../src/web/deps.ts";
import { fakeCoin, makeWorld, type FakeWorld } from "./fakes.ts";
import { count, stripVersions } from "./helpers.ts";

setQuiet(true);

/** Resolves when `check` holds, polling each few ms; fails with `what` after 5 s. */
async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("fragment parts", () => {
  test("marked elements are cut out with their ids; the marker is gone; a part inside a part stays in it", () => {
    const html =
      '<article id="c"><h2>BTC</h2><span class="p" id="p" data-part="true">1.00</span>' +
      '<div id="s" data-part="true"><b id="inner" data-part="true">x</b><div>y</div></div><p>end</p></article>';
    const split = splitParts(html);
    expect(split.parts).toEqual([
      { id: "p", html: '<span class="p" id="p">1.00</span>' },
      { id: "s", html: '<div id="s"><b id="inner">x</b><div>y</div></div>' },
    ]);
    expect(split.pieces).toEqual(['<article id="c"><h2>BTC</h2>', "", "<p>end</p></article>"]);
    expect(() => splitParts('<div><span data-part="true">no id</span></div>')).toThrow("a part without an id");
    expect(() => splitParts('<div><span id="a" data-part="true">open</div>')).toThrow("not closed");
    expect(() => splitParts('<table><tr><td id="a" data-part="true">1</td></tr></table>')).toThrow("a <td> cannot be a part");
  });

  test("a changed part is all that is new; a changed skeleton makes the whole fragment new; the same HTML nothing", () => {
    const cache = new FragmentCache();
    const state = { price: "1.00", title: "BTC" };
    cache.define({ id: "card", topics: ["t"], render: () => `<article id="card"><h2>${state.title}</h2><span id="price" data-part="true">${state.price}</span></article>` });
    const first = cache.get("card");
    expect(stripVersions(first.html)).toBe('<article id="card"><h2>BTC</h2><span id="price">1.00</span></article>');
    expect(cache.changes(["card"], -1)).toEqual([first.html]);

    state.price = "2.00";
    cache.invalidate(["t"]);
    const afterTick = cache.changes(["card"], first.version);
    expect(afterTick.map(stripVersions)).toEqual(['<span id="price">2.00</span>']);
    // An HTTP answer's out-of-band swap needs the attribute; a push does not.
    expect(cache.changes(["card"], first.version, { oob: true }).map(stripVersions)).toEqual(['<span hx-swap-oob="true" id="price">2.00</span>']);
    // The fragment's version is its newest part's: a page built now is current.
    const second = cache.get("card");
    expect(second.version).toBeGreaterThan(first.version);
    expect(second.html).toContain(`<span data-v="${cache.boot}.${second.version}" id="price">2.00</span>`);

    cache.invalidate(["t"]);
    expect(cache.changes(["card"], second.version)).toEqual([]); // rendered again, the same: nothing new

    state.title = "ETH";
    cache.invalidate(["t"]);
    expect(cache.changes(["card"], second.version).map(stripVersions)).toEqual(['<article id="card"><h2>ETH</h2><span id="price">2.00</span></article>']);
  });
});

class FakeClient implements LiveClient {
  messages: string[] = [];
  topics = new Set<string>();
  send(data: string): number {
    this.messages.push(data);
    return data.length;
  }
  bufferedAmount(): number {
    return 0;
  }
  close(): void {}
  subscribe(topic: string): void {
    this.topics.add(topic);
  }
  unsubscribe(topic: string): void {
    this.topics.delete(topic);
  }
}

describe("the hub's fan-out", () => {
  function setUp() {
    const cache = new FragmentCache();
    const state = { a: 1 };
    cache.define({ id: "a", topics: ["ta"], render: () => `<div id="a">${state.a}</div>` });
    const hub = new LiveHub(cache, { groups: { scanner: () => ["a"] }, minIntervalMs: 1, settleMs: 1 });
    const published: { topic: string; message: string }[] = [];
    const clients = [new FakeClient(), new FakeClient(), new FakeClient()];
    // What Bun's server.publish does: one call, every subscriber of the topic gets the message.
    hub.usePublisher((topic, message) => {
      published.push({ topic, message });
      for (const client of clients) if (client.topics.has(topic)) client.messages.push(message);
      return message.length;
    });
    for (const client of clients) hub.join("scanner", client, null);
    for (const client of clients) client.messages = [];
    return { cache, state, hub, published, clients };
  }

  test("a change is published once to the group's topic, and every page gets it", () => {
    const { state, hub, published, clients } = setUp();
    state.a = 2;
    hub.changed(["ta"]);
    hub.flush();
    expect(published.length).toBe(1);
    expect(published[0]?.topic).toBe("live:scanner");
    for (const client of clients) expect(client.messages.map(stripVersions)).toEqual(['<div id="a">2</div>']);
    hub.close();
  });

  test("a tab in the background is sent nothing; back, it gets what changed meanwhile in one message, then the pushes again", () => {
    const { state, hub, clients } = setUp();
    const [hidden, visible] = clients as [FakeClient, FakeClient, FakeClient];
    hub.setVisible(hidden, false);
    expect(hub.backgroundCount()).toBe(1);
    for (const value of [2, 3, 4]) {
      state.a = value;
      hub.changed(["ta"]);
      hub.flush();
    }
    expect(hidden.messages).toEqual([]);
    expect(visible.messages.length).toBe(3);
    hub.setVisible(hidden, true);
    expect(hidden.messages.map(stripVersions)).toEqual(['<div id="a">4</div>']);
    state.a = 5;
    hub.changed(["ta"]);
    hub.flush();
    expect(hidden.messages.map(stripVersions)).toEqual(['<div id="a">4</div>', '<div id="a">5</div>']);
    hub.close();
  });
});

/** A market of `n` coins (the 29 defaults, then made-up ones), as the pipeline would show them. */
function manyCoins(n: number): MarketView & { update(symbol: string, patch: Partial<CoinSnapshot>): void } {
  const base = makeWorld().deps.market;
  const symbols = Array.from({ length: n }, (_, i) => base.symbols()[i] ?? `Z${String(i).padStart(3, "0")}USDT`);
  const coins = new Map(symbols.map((symbol, i) => [symbol, fakeCoin(symbol, i)]));
  const listeners = new Set<(symbols: string[]) => void>();
  return {
    symbols: () => symbols,
    coins: () => [...coins.values()],
    coin: (symbol) => coins.get(symbol) ?? null,
    status: () => ({ ...base.status(), symbols }),
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    update: (symbol, patch) => {
      coins.set(symbol, { ...(coins.get(symbol) as CoinSnapshot), ...patch });
      for (const listener of listeners) listener([symbol]);
    },
  };
}

describe("pushes on a real server", () => {
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
    dash = null;
  });

  async function start(market?: MarketView) {
    world = makeWorld();
    await world.controller.boot();
    dash = createApp(market ? { ...world.deps, market } : world.deps, { live: { minIntervalMs: 20, settleMs: 2 } });
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: dash.app.fetch, websocket: dash.websocket });
    return { world, dash, server, base: `http://127.0.0.1:${server.port}` };
  }

  /** Opens the page at `path`, then its socket as the page would (with its since=), recording every message. */
  async function openPage(base: string, path: string) {
    const html = await (await fetch(base + path)).text();
    const url = /ws-connect="([^"]+)"/.exec(html)?.[1]?.replace(/&amp;/g, "&");
    if (!url) throw new Error(`${path} has no socket`);
    const messages: string[] = [];
    const ws = new WebSocket(base.replace("http", "ws") + url, { headers: { origin: base } } as unknown as string[]);
    sockets.push(ws);
    ws.addEventListener("message", (e) => messages.push(String(e.data)));
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error(`could not connect to ${url}`)));
    });
    return { html, ws, messages };
  }

  test("a tick that changes only a price sends that price and no other byte; a tick nobody can see sends nothing", async () => {
    const { world, dash, base } = await start();
    const page = await openPage(base, "/");
    await until(() => dash.hub.clientCount() === 1, "the socket joined");
    // Same snapshot again (a candle event that changed nothing shown): nothing to send.
    world.market.update("SOLUSDT", { price: world.market.coin("SOLUSDT")?.price });
    // Then a price that moves: the first message is this one, so the one above sent nothing.
    world.market.update("ETHUSDT", { price: 3333.25 });
    await until(() => page.messages.length > 0, "the price push");
    expect(page.messages.map(stripVersions)).toEqual(['<span class="price" id="price-ETHUSDT" data-field="price">3,333.25</span>']);
  });

  test("a tick that moves a score's components but not its total re-sends neither the scores nor the card", async () => {
    const { world, dash, base } = await start();
    const score = (change: string, changePoints: number) => ({
      long: 26, short: 0,
      components: [{ name: "change_24h", long: changePoints, short: 0, detail: `24h change ${change}` }, { name: "trend_1h", long: 26 - changePoints, short: 0, detail: "price > EMA21 > EMA55 on 1h" }],
    });
    world.market.update("ETHUSDT", { score: score("+1.90%", 6) });
    const page = await openPage(base, "/");
    expect(page.html).not.toContain("24h change +1.90%"); // the reasons and points are on the coin page
    expect(page.html).not.toContain("change_24h 6");
    await until(() => dash.hub.clientCount() === 1, "the socket joined");
    world.market.update("ETHUSDT", { price: 3400.5, score: score("+1.94%", 8) });
    await until(() => page.messages.length > 0, "the tick's push");
    expect(page.messages.map(stripVersions)).toEqual(['<span class="price" id="price-ETHUSDT" data-field="price">3,400.50</span>']);
  });

  test("a tick sends each moving reading as its own small part: a score's text, %K, the squeeze momentum, the sparkline's forming step", async () => {
    const { world, dash, base } = await start();
    const page = await openPage(base, "/");
    await until(() => dash.hub.clientCount() === 1, "the socket joined");
    const before = world.market.coin("ETHUSDT")!;
    const closes = [...before.closes];
    closes[closes.length - 1] = (closes[closes.length - 2] as number) * 1.0001; // inside the closed candles' range
    const ta = structuredClone(before.ta);
    ta.stoch_rsi_divergence.stoch_k = 77;
    ta.ttm_squeeze.momentum = 3.25;
    world.market.update("ETHUSDT", { closes, ta, score: { long: 31, short: 0, components: [] } });
    await until(() => page.messages.length > 0, "the tick's push");
    const pushed = stripVersions(page.messages.join(""));
    expect(pushed).not.toContain("<article"); // never the card
    expect(pushed).not.toContain('id="spark-ETHUSDT"'); // never the closed candles' line
    expect(pushed).toMatch(/<b id="score-long-ETHUSDT"[^>]*>31<\/b>/);
    expect(pushed).toContain('<span class="ind-sub" id="srsi-ETHUSDT-now">%K 77</span>');
    expect(pushed).toMatch(/<span class="ind-sub \w+" id="ttm-ETHUSDT-now">[^<]* 3\.25 · 5m<\/span>/);
    expect(pushed).toMatch(/<svg class="spark spark-tip \w+" id="spark-ETHUSDT-tip" viewBox="0 0 120 28" preserveAspectRatio="none"><polyline points="[\d.]+,[\d.]+ 119,[\d.]+"><\/polyline><\/svg>/);
    // Each part is small: the whole push for one coin's tick stays under half a kilobyte.
    expect(pushed.length).toBeLessThan(512);
  });

  test("a candle close that only counts on (squeeze bars, divergence age, a new closed close) sends parts, not the card", async () => {
    const { world, dash, base } = await start();
    const before = world.market.coin("BTCUSDT")!;
    const ta = structuredClone(before.ta);
    ta.ttm_squeeze.squeeze = "on";
    ta.ttm_squeeze.bars_in_squeeze = 4;
    ta.stoch_rsi_divergence.divergence = "bullish";
    ta.stoch_rsi_divergence.candles_ago = 3;
    world.market.update("BTCUSDT", { ta });
    const page = await openPage(base, "/");
    await until(() => dash.hub.clientCount() === 1, "the socket joined");
    const closed = structuredClone(ta);
    closed.ttm_squeeze.bars_in_squeeze = 5;
    closed.stoch_rsi_divergence.candles_ago = 4;
    closed.ema_ribbon.state_1h = closed.ema_ribbon.state_1h === "bullish" ? "bearish" : "bullish";
    world.market.update("BTCUSDT", { ta: closed, closes: [...before.closes.slice(1), (before.closes.at(-1) as number) * 1.001] });
    await until(() => page.messages.length > 0, "the candle close's push");
    const pushed = stripVersions(page.messages.join(""));
    expect(pushed).not.toContain("<article");
    expect(pushed).toContain('<span class="ind-value" id="ttm-BTCUSDT-state">on 5 bars</span>');
    expect(pushed).toMatch(/<span class="badge bullish" data-alert="divergence" id="srsi-BTCUSDT-badge">⚠ bullish div \d+ · 4 bars ago<\/span>/);
    expect(pushed).toMatch(/id="ema-BTCUSDT-1h">1h (bull|bear)<\/span>/);
    expect(pushed).toContain('id="spark-BTCUSDT"'); // the closed line moved on
  });

  test("a group's pushes go out as one server.publish, whatever the number of pages", async () => {
    const { world, dash, server, base } = await start();
    const published: string[] = [];
    const publish = server.publish.bind(server);
    server.publish = ((topic: string, data: string, compress?: boolean) => {
      published.push(topic);
      return publish(topic, data, compress);
    }) as typeof server.publish;
    const pages = [await openPage(base, "/"), await openPage(base, "/"), await openPage(base, "/")];
    await until(() => dash.hub.clientCount() === 3, "three sockets joined");
    world.market.update("BTCUSDT", { price: 70123.5 });
    await until(() => pages.every((p) => p.messages.length === 1), "every page's push");
    expect(published).toEqual(["live:scanner"]);
    for (const p of pages) expect(stripVersions(p.messages[0] ?? "")).toBe('<span class="price" id="price-BTCUSDT" data-field="price">70,123.50</span>');
  });

  test("a page that says it is hidden leaves the pushes; shown again, it is caught up", async () => {
    const { world, dash, base } = await start();
    const hidden = await openPage(base, "/");
    const shown = await openPage(base, "/");
    await until(() => dash.hub.clientCount() === 2, "two sockets joined");
    hidden.ws.send(JSON.stringify({ visibility: "hidden" }));
    hidden.ws.send("anything else is ignored");
    await until(() => dash.hub.backgroundCount() === 1, "the hidden page noted");
    world.market.update("BTCUSDT", { price: 70001 });
    world.market.update("ETHUSDT", { price: 3001 });
    await until(() => shown.messages.some((m) => m.includes("3,001.00")), "the visible page's pushes");
    expect(hidden.messages).toEqual([]);
    hidden.ws.send(JSON.stringify({ visibility: "visible" }));
    await until(() => hidden.messages.length === 1, "the catch-up");
    const catchUp = stripVersions(hidden.messages[0] ?? "");
    expect(catchUp).toBe('<span class="price" id="price-BTCUSDT" data-field="price">70,001.00</span><span class="price" id="price-ETHUSDT" data-field="price">3,001.00</span>');
  });

  test("the trader page: a refresh whose figures read the same sends nothing; a P&L move sends the figures, not the table with its buttons", async () => {
    const { world, dash, base } = await start();
    world.exchange.positions = [{
      symbol: "BTCUSDT", side: "long", size: 0.01, entry_price: 60000, current_price: 61000.001, unrealized_pnl: 10.0001, margin: 120,
      leverage: 5, opened_at: Date.now() - 3 * 60_000, stop_loss_price: 58000, take_profit_price: 65000, liquidation_price: 48000, funding: 0,
    }];
    world.exchange.prices.BTCUSDT = 61000.001;
    await world.controller.refreshAccount();
    const page = await openPage(base, "/trader");
    expect(page.html).toContain('id="pos-BTCUSDT-pnl"');
    await until(() => dash.hub.clientCount() === 1, "the socket joined");

    // Moves only beyond what is shown: price to the market's precision, money to the cent.
    Object.assign(world.exchange.positions[0]!, { current_price: 61000.004, unrealized_pnl: 10.0004 });
    await world.controller.refreshAccount();
    // A change that must be pushed after it: the config panel with a new value.
    expect((await world.controller.updateConfig({ kill_switch_drawdown_pct: 41 }, "api")).ok).toBe(true);
    await until(() => page.messages.some((m) => m.includes('value="41"')), "the config push");
    expect(page.messages.some((m) => m.includes("pos-BTCUSDT"))).toBe(false);
    expect(page.messages.some((m) => m.includes('id="positions"'))).toBe(false);

    // The price moves enough to see: its figures, alone.
    const before = page.messages.length;
    Object.assign(world.exchange.positions[0]!, { current_price: 61500, unrealized_pnl: 15 });
    await world.controller.refreshAccount();
    await until(() => page.messages.slice(before).some((m) => m.includes("+15.00")), "the P&L push");
    const push = page.messages.slice(before).join("");
    expect(stripVersions(push)).toContain('<span class="up" id="pos-BTCUSDT-pnl">+15.00</span>');
    expect(push).toContain('id="pos-BTCUSDT-now"');
    expect(push).not.toContain('id="positions"');
    expect(push).not.toContain("close-position");
  });

  test("300 coins: the scanner page holds one page of cards, links the others, and a page's socket gets only its own cards", async () => {
    const market = manyCoins(300);
    const { dash, base } = await start(market);
    const first = await openPage(base, "/");
    expect(count(first.html, "data-symbol=")).toBe(SCANNER_PAGE_SIZE);
    expect(first.html).toContain("300 coins");
    expect(first.html).toContain("coins 1–50 of 300 · page 1 of 6");
    expect(first.html).toContain('href="/?p=2" rel="next"');
    const last = await (await fetch(`${base}/?p=6`)).text();
    expect(count(last, "data-symbol=")).toBe(SCANNER_PAGE_SIZE);
    expect(last).toContain('data-symbol="Z299USDT"');
    expect(last).not.toContain('data-symbol="BTCUSDT"');
    expect(await (await fetch(`${base}/?p=9`)).text()).toContain("page 6 of 6"); // past the end: the last page
    const refused = await fetch(`${base}/?p=0`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain("p must be a page number from 1");

    const second = await openPage(base, "/?p=2");
    expect(second.html).toContain('data-symbol="Z050USDT"');
    await until(() => dash.hub.clientCount() === 2, "both sockets joined");
    market.update("BTCUSDT", { price: 71000 }); // on page 1 only
    market.update("Z050USDT", { price: 12.5 }); // on page 2 only
    await until(() => first.messages.length === 1 && second.messages.length === 1, "each page's push");
    expect(stripVersions(first.messages[0] ?? "")).toBe('<span class="price" id="price-BTCUSDT" data-field="price">71,000.00</span>');
    expect(stripVersions(second.messages[0] ?? "")).toBe('<span class="price" id="price-Z050USDT" data-field="price">12.5000</span>');

    // A sorted list is paged the same way, the sort kept in the page links (by 24h change: every other coin leads).
    const sorted = await openPage(base, "/?sort=change&p=2");
    expect(count(sorted.html, "data-symbol=")).toBe(SCANNER_PAGE_SIZE);
    expect(sorted.html).toContain('data-symbol="Z100USDT"');
    expect(sorted.html).not.toContain('data-symbol="BTCUSDT"');
    expect(sorted.html).toContain("300 of 300 coins");
    expect(sorted.html).toContain('href="/?sort=change&amp;p=3" rel="next"');
    await until(() => dash.hub.clientCount() === 3, "the sorted page's socket joined");
    market.update("BTCUSDT", { price: 72000 }); // on the sorted list's page 1
    market.update("Z100USDT", { price: 7.25 });
    await until(() => sorted.messages.some((m) => m.includes("7.2500")), "the sorted page's push");
    expect(sorted.messages.some((m) => m.includes("72,000.00"))).toBe(false);
  });
});
