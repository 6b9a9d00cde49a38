/**
 * The coin page (/coin/:symbol): what it renders from the fake world (a real
 * controller, a fake market with candles), its 404/400 answers, the score
 * breakdown's arithmetic, the position's levels and the trade markers after a
 * dry-run trade, and its live group on the one WebSocket.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { TIMEFRAME_MS, type Candle, type Timeframe } from "../../src/market/candle.ts";
import { chartSeries } from "../../src/ta/chart-series.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { CHART_BARS } from "../../src/web/render/coin-view.tsx";
import { fakeTa, makeSignals, makeWorld, type FakeWorld } from "./fakes.ts";
import { scriptJson } from "../../views/coin/page.tsx";
import type { PriceLevel } from "../../views/coin/position-levels.tsx";
import { formatPrice } from "../../views/format.ts";
import { waitFor } from "../helpers/wait.ts";
import { elementById, postJson, recordingSocket } from "./helpers.ts";

setQuiet(true);

const opened: { app: DashboardApp; world: FakeWorld }[] = [];
afterEach(async () => {
  for (const { app, world } of opened) {
    app.hub.close();
    await world.controller.shutdown();
  }
  opened.length = 0;
});

async function open(world = makeWorld(), options: Parameters<typeof createApp>[1] = {}) {
  await world.controller.boot();
  const dash = createApp(world.deps, options);
  opened.push({ app: dash, world });
  return { app: dash.app, dash, world };
}

/** `count` candles of `timeframe` ending with the bar that opens at `end`: a wave with a drift, every bar valid. */
function candles(timeframe: Timeframe, count: number, end = Date.UTC(2025, 0, 10, 12)): Candle[] {
  const step = TIMEFRAME_MS[timeframe];
  const last = Math.floor(end / step) * step;
  return Array.from({ length: count }, (_, i) => {
    const t = last - (count - 1 - i) * step;
    const o = 100 + 8 * Math.sin(i / 9) + i * 0.01;
    const c = 100 + 8 * Math.sin((i + 1) / 9) + (i + 1) * 0.01;
    return { t, o, h: Math.max(o, c) + 0.4, l: Math.min(o, c) - 0.3, c, v: 10 + (i % 7) };
  });
}

/** An attribute's value in the first element carrying it, with the HTML escapes undone. */
function attribute(html: string, name: string): string {
  const match = new RegExp(`${name}="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no ${name} in ${html.slice(0, 200)}`);
  return (match[1] ?? "").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function chartData(html: string) {
  const match = /<script type="application\/json" id="coin-chart-data">([\s\S]*?)<\/script>/.exec(html);
  if (!match) throw new Error("no chart data in the page");
  return JSON.parse(match[1] ?? "") as { symbol: string; tf: string; step_ms: number; precision: number; series: ReturnType<typeof chartSeries> };
}

describe("GET /coin/:symbol", () => {
  test("the page carries the chart's series as computed by src/ta over the candle store, and loads the chart scripts", async () => {
    const world = makeWorld();
    const five = candles("5m", 700);
    world.market.setCandles("BTCUSDT", "5m", five);
    const { app } = await open(world);
    const res = await app.request("/coin/BTCUSDT");
    expect(res.status).toBe(200);
    const html = await res.text();
    const data = chartData(html);
    expect(data.symbol).toBe("BTCUSDT");
    expect(data.tf).toBe("5m");
    expect(data.step_ms).toBe(300_000);
    expect(data.precision).toBe(2);
    // The last 500 bars, indicators warmed up on the bars before (the same numbers src/ta gives).
    expect(data.series).toEqual(chartSeries(five, CHART_BARS));
    expect(data.series.t.length).toBe(CHART_BARS);
    expect(data.series.ema89[0]).not.toBeNull();
    expect(data.series.squeeze.length).toBe(CHART_BARS);
    expect(html).toMatch(/<script src="\/static\/lightweight-charts\.js\?v=[0-9a-f]{12}" defer=""><\/script>/);
    expect(html).toMatch(/<script src="\/static\/coin-chart\.js\?v=[0-9a-f]{12}" defer=""><\/script>/);
    expect(html).toMatch(/ws-connect="\/ws\?page=coin&amp;symbol=BTCUSDT&amp;tf=5m&amp;since=[0-9a-f]+\.\d+"/);
    expect(html).toContain('href="https://www.tradingview.com/"');
    // The newest bar in words.
    const live = elementById(html, "coin-live-BTCUSDT-5m");
    expect(live).toContain(`data-field="close">${five.at(-1)!.c.toFixed(2)}<`);
    // The timeframe switch: plain links, the current one marked.
    expect(html).toContain('<a href="/coin/BTCUSDT?tf=1h" data-tf="1h">1h</a>');
    expect(html).toContain('<a href="/coin/BTCUSDT?tf=5m" data-tf="5m" aria-current="page">5m</a>');
  });

  test("?tf=1h and ?tf=4h chart those candles; the chart's JSON cannot close its script tag", async () => {
    const world = makeWorld();
    world.market.setCandles("ETHUSDT", "1h", candles("1h", 120));
    world.market.setCandles("ETHUSDT", "4h", candles("4h", 40));
    const { app } = await open(world);
    const hour = chartData(await (await app.request("/coin/ETHUSDT?tf=1h")).text());
    expect(hour.tf).toBe("1h");
    expect(hour.step_ms).toBe(3_600_000);
    expect(hour.series.t.length).toBe(120);
    const four = await (await app.request("/coin/ETHUSDT?tf=4h")).text();
    expect(chartData(four).series.t.length).toBe(40);
    expect(four).toContain('id="coin-live-ETHUSDT-4h"');
    expect(scriptJson({ text: "</script><script>alert(1)</script>" })).not.toContain("</script");
    expect(JSON.parse(scriptJson({ text: "</script>" }))).toEqual({ text: "</script>" });
    // No candles of a timeframe: the page says so instead of an empty box.
    const none = await (await app.request("/coin/SOLUSDT?tf=1h")).text();
    expect(chartData(none).series.t).toEqual([]);
    expect(none).toContain("No 1h candles yet");
  });

  test("an unknown coin is a 404 page naming it and listing the coins; a symbol in lower case is redirected", async () => {
    const { app } = await open();
    const missing = await app.request("/coin/FOOUSDT");
    expect(missing.status).toBe(404);
    const text = await missing.text();
    expect(text).toContain("FOOUSDT is not on this dashboard: the scanner shows 29 coins");
    expect(text).toContain('<a href="/coin/BTCUSDT">BTCUSDT</a>');
    const junk = await app.request(`/coin/${encodeURIComponent("<img src=x>")}`);
    expect(junk.status).toBe(404);
    const junkText = await junk.text();
    expect(junkText).toContain("is not a coin symbol");
    expect(junkText).not.toContain("<img src=x>");
    const lower = await app.request("/coin/btcusdt?tf=1h");
    expect(lower.status).toBe(301);
    expect(lower.headers.get("location")).toBe("/coin/BTCUSDT?tf=1h");
  });

  test("a timeframe other than 5m, 1h or 4h is a 400 page saying which ones there are", async () => {
    const { app } = await open();
    const res = await app.request("/coin/BTCUSDT?tf=2h");
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("The chart&#39;s timeframe must be 5m, 1h or 4h, not &quot;2h&quot;.");
  });

  test("every scanner card links to its coin page", async () => {
    const { app } = await open();
    const html = await (await app.request("/")).text();
    for (const symbol of ["BTCUSDT", "ETHUSDT", "EGLDUSDT"]) {
      expect(elementById(html, `coin-${symbol}`)).toContain(`href="/coin/${symbol}"`);
    }
    expect(html.split('href="/coin/').length - 1).toBe(29);
  });
});

describe("score breakdown", () => {
  const components = [
    { name: "trend_1h", long: 20, short: 0, detail: "price > EMA21 > EMA55 on 1h" },
    { name: "rsi_1h", long: 13, short: 2, detail: "RSI 35.2" },
    { name: "range_position", long: 25, short: 10, detail: "" },
  ];

  test("lists every component with its points; with TA signals off the bonus is shown as not used", async () => {
    const world = makeWorld();
    world.market.update("BTCUSDT", {
      score: { long: 58, short: 12, components },
      ta: { ...fakeTa("BTCUSDT", { longBonus: 20 }), composite_score_adjustment: { long_bonus: 20, short_bonus: 0, reasoning: ["Stoch RSI bullish divergence 3 candles ago, strength 62 (+20)"] } },
    });
    const { app } = await open(world);
    const panel = elementById(await (await app.request("/coin/BTCUSDT")).text(), "coin-score-BTCUSDT");
    for (const c of components) {
      const start = panel.indexOf(`<tr data-component="${c.name}">`);
      expect(start).toBeGreaterThan(0);
      const row = panel.slice(start, panel.indexOf("</tr>", start));
      expect(row).toContain(`<td class="num" data-points="long">${c.long}</td><td class="num" data-points="short">${c.short}</td>`);
    }
    expect(panel).toContain("price &gt; EMA21 &gt; EMA55 on 1h");
    expect(panel).toContain("58 (+20 TA, not used)");
    expect(panel).toContain('<td class="num score short" data-score="short"><b>12</b></td>');
    expect(panel).not.toContain("= 78");
    expect(panel).toContain("strength 62 (+20)");
    expect(panel).toContain("TA signals are off");
  });

  test("with TA signals on the bonus adds up: 58 + 20 = 78, marked as over the threshold", async () => {
    const world = makeWorld();
    world.market.update("BTCUSDT", { score: { long: 58, short: 12, components }, ta: fakeTa("BTCUSDT", { longBonus: 20 }) });
    const { app } = await open(world);
    expect((await postJson(app, "/api/trader/config", { use_ta_signals: true, long_threshold: 70 })).status).toBe(200);
    const panel = elementById(await (await app.request("/coin/BTCUSDT")).text(), "coin-score-BTCUSDT");
    expect(panel).toContain('<td class="num score long hit" data-score="long"><b>58 + 20 = 78</b></td>');
    expect(panel).toContain('<td class="num score short" data-score="short"><b>12</b></td>');
    expect(panel).not.toContain("not used");
  });

  test("a coin the owner's module did not score says why", async () => {
    const world = makeWorld();
    world.market.update("SOLUSDT", { unscored: "the scoring module timed out" });
    const { app } = await open(world);
    const panel = elementById(await (await app.request("/coin/SOLUSDT")).text(), "coin-score-SOLUSDT");
    expect(panel).toContain("No score: the scoring module timed out");
    expect(panel).not.toContain("data-component=");
  });
});

describe("the bot's trades on the coin", () => {
  async function withDryRunTrades() {
    const world = makeWorld();
    const { app } = await open(world);
    makeSignals(world, ["BTCUSDT", "ETHUSDT"]);
    // Stops on the exchange: the position panel and the chart show them.
    expect((await postJson(app, "/api/trader/config", { sl_pct: 5, tp_pct: 10 })).status).toBe(200);
    expect((await postJson(app, "/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
    expect((await postJson(app, "/api/trader/control", { action: "run-cycle" })).status).toBe(200);
    expect(world.controller.status().positions.map((p) => p.symbol).sort()).toEqual(["BTCUSDT", "ETHUSDT"]);
    expect((await postJson(app, "/api/trader/close-position", { symbol: "ETHUSDT" })).status).toBe(200);
    return { app, world };
  }

  test("an open position shows entry, stop-loss, take-profit and liquidation, as text and as the chart's levels", async () => {
    const { app, world } = await withDryRunTrades();
    // The trader set both stops on the exchange; the scripted exchange knows no liquidation price until told one.
    const before = elementById(await (await app.request("/coin/BTCUSDT")).text(), "coin-position-BTCUSDT");
    expect((JSON.parse(attribute(before, "data-levels")) as { kind: string }[]).map((l) => l.kind)).toEqual(["entry", "sl", "tp"]);
    expect(before).toContain('<dd data-level="liq">not set</dd>');
    world.exchange.positions.find((p) => p.symbol === "BTCUSDT")!.liquidation_price = 1.25;
    await world.controller.refreshAccount();
    const position = world.controller.status().positions.find((p) => p.symbol === "BTCUSDT")!;
    const panel = elementById(await (await app.request("/coin/BTCUSDT")).text(), "coin-position-BTCUSDT");
    const levels = JSON.parse(attribute(panel, "data-levels")) as PriceLevel[];
    expect(position.stop_loss_price).not.toBeNull();
    expect(position.take_profit_price).not.toBeNull();
    expect(levels).toEqual([
      { kind: "entry", label: "Entry", price: position.entry_price },
      { kind: "sl", label: "Stop-loss", price: position.stop_loss_price! },
      { kind: "tp", label: "Take-profit", price: position.take_profit_price! },
      { kind: "liq", label: "Liquidation", price: 1.25 },
    ]);
    expect(panel).toContain(`<dd data-level="entry">${formatPrice(position.entry_price)}</dd>`);
    expect(panel).toContain(`<dd data-level="sl">${formatPrice(position.stop_loss_price!)}</dd>`);
    expect(panel).toContain(`<dd data-level="tp">${formatPrice(position.take_profit_price!)}</dd>`);
    expect(panel).toContain('<dd data-level="liq">1.2500</dd>');
  });

  test("entries and exits are the chart's markers: the open trade's entry, the closed trade's entry and exit", async () => {
    const { app } = await withDryRunTrades();
    const btc = elementById(await (await app.request("/coin/BTCUSDT")).text(), "coin-trades-BTCUSDT");
    const btcMarkers = JSON.parse(attribute(btc, "data-markers")) as { kind: string; side: string; t: number; text: string }[];
    expect(btcMarkers.map((m) => [m.kind, m.side])).toEqual([["entry", "long"]]);
    expect(btcMarkers[0]?.text).toMatch(/^L [\d,.]+ \(dry\)$/);
    expect(btc).toContain('data-coin-trade="open"');
    const eth = elementById(await (await app.request("/coin/ETHUSDT")).text(), "coin-trades-ETHUSDT");
    const ethMarkers = JSON.parse(attribute(eth, "data-markers")) as { kind: string; t: number }[];
    expect(ethMarkers.map((m) => m.kind)).toEqual(["entry", "exit"]);
    expect(ethMarkers[0]!.t).toBeLessThanOrEqual(ethMarkers[1]!.t);
    expect(eth).toContain('data-coin-trade="closed"');
    expect(elementById(await (await app.request("/coin/ETHUSDT")).text(), "coin-position-ETHUSDT")).toContain("No open position on ETHUSDT");
    // Another coin's trades are not this coin's.
    const sol = elementById(await (await app.request("/coin/SOLUSDT")).text(), "coin-trades-SOLUSDT");
    expect(attribute(sol, "data-markers")).toBe("[]");
  });
});

describe("live updates on the coin page's group", () => {
  let server: ReturnType<typeof Bun.serve> | null = null;
  const sockets: WebSocket[] = [];
  afterEach(() => {
    for (const s of sockets) s.close();
    sockets.length = 0;
    server?.stop(true);
    server = null;
  });

  function connect(url: string) {
    const socket = recordingSocket(url);
    sockets.push(socket.ws);
    return socket;
  }

  const until = (check: () => boolean, what: string) => waitFor(what, check, 5000, 5);

  test("a moving candle pushes the newest bars with their indicator points; a closed one its final values; other pages get none of it", async () => {
    const world = makeWorld();
    const history = candles("5m", 600);
    world.market.setCandles("BTCUSDT", "5m", history);
    const { dash } = await open(world, { live: { minIntervalMs: 20, settleMs: 2 } });
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: dash.app.fetch, websocket: dash.websocket });
    const base = `127.0.0.1:${server.port}`;
    const page = await (await fetch(`http://${base}/coin/BTCUSDT?tf=5m`)).text();
    const since = /since=([0-9a-f]+\.\d+)/.exec(page)?.[1];
    const coin = connect(`ws://${base}/ws?page=coin&symbol=BTCUSDT&tf=5m&since=${since}`);
    const scanner = connect(`ws://${base}/ws?page=scanner`);
    await Promise.all([coin.opened, scanner.opened]);

    // The forming bar ticks.
    const last = history.at(-1)!;
    const ticked = { ...last, c: last.c + 1.5, h: Math.max(last.h, last.c + 1.5) };
    const afterTick = [...history.slice(0, -1), ticked];
    world.market.setCandles("BTCUSDT", "5m", afterTick);
    await until(() => coin.messages.some((m) => m.includes(`data-field="close">${ticked.c.toFixed(2)}<`)), "the tick's push");
    const tickPush = coin.messages.find((m) => m.includes(`data-field="close">${ticked.c.toFixed(2)}<`))!;
    const tickBars = JSON.parse(attribute(elementById(tickPush, "coin-live-BTCUSDT-5m"), "data-bars"));
    const expectedTick = chartSeries(afterTick, CHART_BARS);
    expect(tickBars.t).toEqual(expectedTick.t.slice(-3));
    expect(tickBars.c.at(-1)).toBe(ticked.c);
    expect(tickBars.ema8).toEqual(expectedTick.ema8.slice(-3));
    expect(tickBars.momentum).toEqual(expectedTick.momentum.slice(-3));
    expect(tickBars.stoch_k).toEqual(expectedTick.stoch_k.slice(-3));
    expect(tickBars.divergences).toEqual(expectedTick.divergences);

    // The bar closes and the next one opens.
    const next = { t: ticked.t + 300_000, o: ticked.c, h: ticked.c + 0.2, l: ticked.c - 0.1, c: ticked.c + 0.1, v: 3 };
    const afterClose = [...afterTick, next];
    world.market.setCandles("BTCUSDT", "5m", afterClose);
    await until(() => coin.messages.some((m) => m.includes(`"t":[${afterTick.at(-2)!.t},${ticked.t},${next.t}]`.replace(/"/g, "&quot;"))), "the new bar's push");
    const closePush = coin.messages.at(-1)!;
    const closeBars = JSON.parse(attribute(elementById(closePush, "coin-live-BTCUSDT-5m"), "data-bars"));
    expect(closeBars.c).toEqual([afterTick.at(-2)!.c, ticked.c, next.c]);
    expect(closeBars.ema21).toEqual(chartSeries(afterClose, CHART_BARS).ema21.slice(-3));

    // The scanner page's socket gets its card pushes, never a coin-page fragment.
    world.market.update("BTCUSDT", { price: 123.45 });
    await until(() => scanner.messages.some((m) => m.includes('data-field="price">123.45<')), "the scanner's card push");
    for (const message of scanner.messages) {
      expect(message).not.toContain("coin-live-");
      expect(message).not.toContain("coin-score-");
      expect(message).not.toContain("coin-trades-");
    }
  });

  test("page=coin needs a tracked-looking symbol and a timeframe", async () => {
    const { dash } = await open();
    server = Bun.serve({ port: 0, hostname: "127.0.0.1", fetch: dash.app.fetch, websocket: dash.websocket });
    const base = `http://127.0.0.1:${server.port}`;
    const noSymbol = await fetch(`${base}/ws?page=coin&tf=5m`);
    expect(noSymbol.status).toBe(400);
    expect((await noSymbol.json()).error).toContain("page=coin needs symbol=");
    const badTf = await fetch(`${base}/ws?page=coin&symbol=BTCUSDT&tf=2h`);
    expect(badTf.status).toBe(400);
    expect((await badTf.json()).error).toBe('page=coin needs tf=5m, 1h or 4h (got "2h")');
    // A well-formed socket request for a coin not shown here joins an empty group: nothing to push, no error.
    const ghost = connect(`ws://127.0.0.1:${server.port}/ws?page=coin&symbol=FOOUSDT&tf=5m`);
    await ghost.opened;
    await until(() => dash.hub.clientCount() === 1, "the socket joined");
  });
});
