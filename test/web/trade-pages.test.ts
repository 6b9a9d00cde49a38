/**
 * /performance, /history, /history.csv and their JSON API over a real SQLite
 * trade record (fixture trades written through the store, as the journal
 * writes them), and the open positions' new columns. Expected figures are
 * computed here from the fixture rows with plain arithmetic.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { exitCategoryOf } from "../../src/metrics/exit-reasons.ts";
import { TradeHistory } from "../../src/store/trade-history.ts";
import { openStore, type TraderStore } from "../../src/store/trader-store.ts";
import type { PositionView } from "../../src/trader/controller.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { toHtml } from "../../src/web/render/to-html.ts";
import { formatPct, formatPrice, formatSignedUsd, formatUsd } from "../../views/format.ts";
import { Positions } from "../../views/trader/positions.tsx";
import { sampleTrades, writeEquity, writeTrades, type FixtureTrade } from "../helpers/trade-fixtures.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";
import { makeWorld, type FakeWorld } from "./fakes.ts";
import { count, elementById } from "./helpers.ts";

const BASE = Date.UTC(2026, 9, 1, 6);
let store: TraderStore;
let world: FakeWorld;
let dashboard: DashboardApp;
let trades: FixtureTrade[];
let ids: number[];

beforeAll(() => {
  store = openStore(makeTempDir("trade-pages"));
  trades = sampleTrades(BASE);
  ids = writeTrades(store, trades);
  writeEquity(store, trades, "dry-run");
  world = makeWorld();
  world.deps.trades = new TradeHistory(store.db);
  dashboard = createApp(world.deps);
});

afterAll(() => {
  dashboard.hub.close();
  store.close();
  removeTempDirs();
});

async function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; res: Response }> {
  const res = await dashboard.app.request(path, { headers });
  return { status: res.status, text: await res.text(), res };
}

const of = (mode: string) => trades.filter((t) => t.mode === mode);
const sum = (list: FixtureTrade[], pick: (t: FixtureTrade) => number) => list.reduce((s, t) => s + pick(t), 0);

/** The text of the headline metric `name` (the <dd> right after its <dt>). */
function metric(html: string, name: string): string {
  const block = html.slice(html.indexOf(`data-metric="${name}"`));
  return /<dd[^>]*>([^<]*)<\/dd>/.exec(block)?.[1] ?? "";
}

describe("/performance", () => {
  test("without a mode: the current one (paused on paper: dry-run), said so, with its figures only", async () => {
    const { status, text } = await get("/performance");
    expect(status).toBe(200);
    expect(text).toContain('<main class="performance" data-mode="dry-run">');
    expect(elementById(text, "mode-note")).toContain("dry-run (paper account)</b> trades only, the trader&#39;s current mode");
    const dry = of("dry-run");
    expect(metric(text, "net_pnl")).toBe(formatSignedUsd(sum(dry, (t) => t.pnl)));
    expect(metric(text, "trades")).toBe(String(dry.length));
    expect(metric(text, "win_rate_pct")).toBe(formatPct((dry.filter((t) => t.pnl > 0).length / dry.length) * 100));
    const won = sum(dry.filter((t) => t.pnl > 0), (t) => t.pnl);
    const lost = -sum(dry.filter((t) => t.pnl < 0), (t) => t.pnl);
    expect(metric(text, "profit_factor")).toBe((won / lost).toFixed(2));
    expect(metric(text, "expectancy")).toBe(formatSignedUsd(sum(dry, (t) => t.pnl) / dry.length));
    expect(metric(text, "fees")).toBe(formatUsd(sum(dry, (t) => t.open_fee + t.close_fee)));
    expect(metric(text, "funding")).toBe(formatSignedUsd(sum(dry, (t) => t.funding)));
    // Equity = 10,000 + P&L closed so far: its worst fall from a running peak, worked out here.
    let equity = 10_000;
    let peak = equity;
    let worst = 0;
    for (const t of [...dry].sort((a, b) => a.closed_at - b.closed_at)) {
      equity += t.pnl;
      peak = Math.max(peak, equity);
      worst = Math.max(worst, ((peak - equity) / peak) * 100);
    }
    expect(metric(text, "max_drawdown")).toBe(formatPct(worst));
    // Nav: the page is in the header and marked current.
    expect(text).toContain('<a href="/performance" aria-current="page">Performance</a>');
    expect(text).toContain('<a href="/history">History</a>');
  });

  test("charts: the SVG (no script needed) and the data for the interactive one, values written for people", async () => {
    const { text } = await get("/performance?mode=dry-run&period=week");
    expect(count(text, '<figure class="chart-box perf-chart"')).toBe(3);
    for (const name of ["pnl", "equity", "bars"]) expect(text).toContain(`data-chart="${name}"`);
    const json = /<script type="application\/json" id="perf-chart-data">([^<]*)<\/script>/.exec(text)?.[1] ?? "";
    const data = JSON.parse(json) as Record<string, { type: string; points: [number, number, string][] }>;
    const dry = of("dry-run");
    const pnl = data.pnl!.points;
    expect(pnl[0]![1]).toBe(0);
    expect(pnl[pnl.length - 1]![1]).toBeCloseTo(sum(dry, (t) => t.pnl), 9);
    expect(pnl[pnl.length - 1]![2]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ · total realized P&L [+−][\d,]+\.\d\d USDT$/);
    // Several trades closing in one second are one point (the script's time scale needs unique times).
    expect(new Set(pnl.map((p) => p[0])).size).toBe(pnl.length);
    // One snapshot before the first trade and one after each close (5 and 6 closed in the same second).
    expect(data.equity!.points.length).toBe(1 + new Set(dry.map((t) => Math.floor((t.closed_at + 1000) / 1000))).size);
    // Weekly bars: Monday-based weeks from the first close's to the last's.
    const weeks = data.bars!.points;
    expect(weeks.every((p) => new Date(p[0] * 1000).getUTCDay() === 1)).toBe(true);
    expect(sum(weeks.map(([, v]) => ({ pnl: v }) as FixtureTrade), (t) => t.pnl)).toBeCloseTo(sum(dry, (t) => t.pnl), 9);
    expect(weeks[0]![2]).toMatch(/^week of \d{4}-\d\d-\d\d · P&L [+−][\d,]+\.\d\d USDT · \d+ trades? \(\d+ won\)$/);
    expect(text).toContain('data-period="week" aria-current="page"');
    expect(text).toMatch(/<script src="\/static\/lightweight-charts\.js\?v=[0-9a-f]+" defer/);
    expect(text).toMatch(/<script src="\/static\/performance-charts\.js\?v=[0-9a-f]+" defer/);
  });

  test("per coin and per exit reason, each row linking to those trades in the history", async () => {
    const { text } = await get("/performance?mode=dry-run");
    const coins = text.slice(text.indexOf('data-section="per-coin"'), text.indexOf('data-section="per-exit-reason"'));
    const dry = of("dry-run");
    for (const symbol of new Set(dry.map((t) => t.symbol))) {
      const row = coins.slice(coins.indexOf(`data-key="${symbol}"`));
      const mine = dry.filter((t) => t.symbol === symbol);
      expect(row).toContain(`<a href="/history?mode=dry-run&amp;symbol=${symbol}">${symbol}</a>`);
      expect(row).toContain(`<td>${mine.length}</td>`);
      expect(row).toContain(formatSignedUsd(sum(mine, (t) => t.pnl)));
    }
    const reasons = text.slice(text.indexOf('data-section="per-exit-reason"'));
    expect(reasons).toContain('<a href="/history?mode=dry-run&amp;reason=stop-loss">stop loss</a>');
    expect(reasons).toContain('<a href="/history?mode=dry-run&amp;reason=owner">closed by owner</a>');
  });

  test("the other mode on asking: live figures alone", async () => {
    const { text } = await get("/performance?mode=live");
    const live = of("live");
    expect(text).toContain('data-mode="live"');
    expect(metric(text, "net_pnl")).toBe(formatSignedUsd(sum(live, (t) => t.pnl)));
    expect(metric(text, "trades")).toBe(String(live.length));
    expect(metric(text, "max_drawdown")).toBe("—"); // no live equity snapshots
    expect(text).toContain('data-mode="live" aria-current="page"');
  });

  test("a bad mode or period is 400 naming it; both modes together are refused", async () => {
    for (const [query, words] of [["mode=all", 'mode: must be live or dry-run (got &quot;all&quot;)'], ["period=year", "period: must be day, week or month"], ["since=1", "since: is not a parameter here"]] as const) {
      const { status, text } = await get(`/performance?${query}`);
      expect(status).toBe(400);
      expect(text).toContain(words);
    }
  });
});

describe("/history", () => {
  const rowIds = (html: string) => [...html.matchAll(/data-trade-id="(\d+)"/g)].map((m) => Number(m[1]));
  const newestFirst = (select: (t: FixtureTrade) => boolean) =>
    trades
      .map((t, i) => ({ t, id: ids[i]! }))
      .filter(({ t }) => select(t))
      .sort((a, b) => b.t.closed_at - a.t.closed_at || b.id - a.id)
      .map(({ id }) => id);

  test("the current mode's trades, each with its quantity, times, prices, duration, P&L, P&L % of margin, fees, funding, reason and mode", async () => {
    const { status, text } = await get("/history");
    expect(status).toBe(200);
    expect(rowIds(text)).toEqual(newestFirst((t) => t.mode === "dry-run"));
    expect(text).toContain("<th>P&amp;L % of margin</th>");
    const t = trades[0]!;
    const start = text.indexOf(`data-trade-id="${ids[0]}"`);
    const row = text.slice(start, text.indexOf("</tr>", start));
    expect(row).toContain(`data-mode="dry-run"`);
    expect(row).toContain(`${t.size}<small class="muted"> ×${t.leverage}</small>`);
    expect(row).toContain(formatPrice(t.entry_price));
    expect(row).toContain(formatPrice(t.exit_price));
    expect(row).toContain(formatSignedUsd(t.pnl));
    expect(row).toContain(`data-reason="${exitCategoryOf(t.reason).key}"`);
    expect(row).not.toContain("61626.49784999999"); // prices at the display precision, never the raw float
    expect(text).toContain('<select id="filter-mode" name="mode"><option value="dry-run" selected="">dry-run (current)</option>');
  });

  test("filters by coin and mode, lists each mode's totals apart, and keeps the filter in the CSV link", async () => {
    const { text } = await get("/history?symbol=BTCUSDT&mode=all");
    expect(rowIds(text)).toEqual(newestFirst((t) => t.symbol === "BTCUSDT"));
    for (const mode of ["dry-run", "live"]) {
      const mine = trades.filter((t) => t.symbol === "BTCUSDT" && t.mode === mode);
      expect(mine.length).toBeGreaterThan(0);
      const line = text.slice(text.indexOf(`data-totals="${mode}"`), text.indexOf("</li>", text.indexOf(`data-totals="${mode}"`)));
      expect(line).toContain(`${mine.length} trade`);
      expect(line).toContain(formatSignedUsd(sum(mine, (t) => t.pnl)));
    }
    expect(text).toContain('href="/history.csv?symbol=BTCUSDT&amp;mode=all"');
  });

  test("server-side pages of 25: page 2 holds the rest, with links that keep the filter", async () => {
    const all = newestFirst((t) => t.mode === "dry-run");
    const first = await get("/history?mode=dry-run&per_page=25");
    expect(rowIds(first.text)).toEqual(all.slice(0, 25));
    expect(first.text).toContain(`Trades 1–25 of ${all.length}`);
    expect(first.text).toContain('href="/history?mode=dry-run&amp;per_page=25&amp;page=2"');
    const second = await get("/history?mode=dry-run&per_page=25&page=2");
    expect(rowIds(second.text)).toEqual(all.slice(25));
    expect(second.text).toContain("Page 2 of 2");
    const beyond = await get("/history?mode=dry-run&per_page=25&page=9");
    expect(beyond.status).toBe(200);
    expect(rowIds(beyond.text)).toEqual([]);
    expect(beyond.text).toContain("No trades on page 9: there are 2 page(s).");
  });

  test("a bad filter is 400: the results name the parameter, the form keeps what was typed", async () => {
    const { status, text } = await get("/history?symbol=ETHUSDT&side=up&from=yesterday", { "hx-request": "true" });
    expect(status).toBe(400);
    const error = elementById(text, "history-error");
    expect(error).toContain('<li data-param="side"><b>side</b> must be long or short (got &quot;up&quot;)</li>');
    expect(error).toContain('<li data-param="from"><b>from</b> must be a UTC date');
    expect(rowIds(text)).toEqual([]);
    expect(text).toContain('<select id="filter-side" name="side" aria-invalid="true">');
    expect(text).toContain('<option value="ETHUSDT" selected="">ETHUSDT</option>');
    // htmx swaps only the results (a GET form without JavaScript reloads the page).
    expect(text).toContain('hx-get="/history" hx-trigger="change, submit" hx-target="#history-results" hx-select="#history-results"');
  });
});

describe("/history.csv", () => {
  test("the whole filtered set as an attachment: a header row, full precision, ISO times", async () => {
    const { status, text, res } = await get("/history.csv?symbol=BTCUSDT&mode=dry-run&per_page=25&page=2");
    expect(status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="trades-dry-run-\d{4}-\d\d-\d\d\.csv"$/);
    const [header, ...rows] = text.trimEnd().split("\n");
    const columns = header!.split(",");
    const mine = trades.filter((t) => t.symbol === "BTCUSDT" && t.mode === "dry-run").sort((a, b) => b.closed_at - a.closed_at);
    expect(rows.length).toBe(mine.length); // the page and its size do not limit the CSV
    const cells = rows[0]!.split(",");
    const cell = (name: string) => cells[columns.indexOf(name)];
    expect(cell("symbol")).toBe("BTCUSDT");
    expect(cell("entry_price")).toBe(String(mine[0]!.entry_price));
    expect(cell("pnl_usdt")).toBe(String(mine[0]!.pnl));
    expect(cell("exit_time")).toBe(new Date(mine[0]!.closed_at).toISOString());
  });

  test("a bad filter is 400 text naming the parameter", async () => {
    const { status, text } = await get("/history.csv?reason=luck");
    expect(status).toBe(400);
    expect(text).toStartWith('Bad filter: reason: must be one of take-profit');
  });
});

describe("JSON API", () => {
  test("GET /api/performance: one mode's report, full precision", async () => {
    const res = await dashboard.app.request("/api/performance?mode=live");
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, any>;
    const live = of("live");
    expect(body.mode).toBe("live");
    expect(body.current_mode).toBe("dry-run");
    expect(body.trades).toBe(live.length);
    expect(body.net_pnl).toBeCloseTo(sum(live, (t) => t.pnl), 9);
    expect(body.metrics.win_rate_pct).toBeCloseTo((live.filter((t) => t.pnl > 0).length / live.length) * 100, 9);
    expect(Object.keys(body.pnl_by)).toEqual(["day", "week", "month"]);
    expect(body.per_coin.length).toBe(new Set(live.map((t) => t.symbol)).size);
  });

  test("GET /api/trades: the history's filter and pages", async () => {
    const res = await dashboard.app.request("/api/trades?mode=live&per_page=2");
    const body = (await res.json()) as Record<string, any>;
    expect([body.total, body.page, body.per_page, body.pages, body.trades.length]).toEqual([3, 1, 2, 2, 2]);
    const newest = of("live").sort((a, b) => b.closed_at - a.closed_at)[0]!;
    expect(body.trades[0].pnl).toBe(newest.pnl);
    expect(body.trades[0].pnl_pct).toBeCloseTo((newest.pnl / newest.margin) * 100, 9);
    expect(body.filter).toEqual({ mode: "live" });
    expect(body.totals.map((t: { mode: string }) => t.mode)).toEqual(["live"]);
  });

  test("a bad parameter is 400 {error, issues} naming it", async () => {
    const res = await dashboard.app.request("/api/trades?page=0&side=up");
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; issues: { path: string }[] };
    expect(body.issues.map((i) => i.path)).toEqual(["side", "page"]);
    expect(body.error).toContain('side: must be long or short (got "up")');
    expect((await dashboard.app.request("/api/performance?mode=paper")).status).toBe(400);
  });
});

describe("without a trade record (a read-only web instance)", () => {
  test("the pages say where the record is; the CSV and the API answer 503", async () => {
    const remote = makeWorld({ readOnly: "Controls are on the trader" });
    const { app, hub } = createApp(remote.deps);
    try {
      const page = await (await app.request("/performance")).text();
      expect(elementById(page, "performance-unavailable")).toContain("The trade record is kept by the trader process");
      const history = await app.request("/history");
      expect(history.status).toBe(200);
      expect(await history.text()).toContain("The trade record is kept by the trader process");
      expect((await app.request("/history.csv")).status).toBe(503);
      expect((await app.request("/api/trades")).status).toBe(503);
      expect((await app.request("/api/performance")).status).toBe(503);
    } finally {
      hub.close();
    }
  });
});

describe("open positions", () => {
  test("also show the quantity, the age in whole minutes, the stops and the liquidation price", () => {
    const opened = Date.UTC(2026, 2, 1, 10);
    const position: PositionView = {
      symbol: "BTCUSDT", side: "long", size: 0.0123, entry_price: 61626.49784999999, current_price: 61900.1, pnl: 3.37, pnl_pct: 4.44,
      margin: 75.8, leverage: 10, opened_at: opened, stop_loss_price: 59000.5, take_profit_price: 64000, liquidation_price: 55771.3,
    };
    const html = (now: number) => toHtml(Positions({ positions: [position], exchange: "paper", now }));
    const row = html(opened + 2 * 3_600_000 + 5 * 60_000 + 59_000);
    expect(row).toContain('data-position="BTCUSDT"');
    expect(row).toContain('<td data-label="Quantity" data-col="quantity">0.0123</td>');
    expect(row).toContain(">2 h 05 min</span></td>");
    expect(row).toContain(`title="opened 2026-03-01 10:00:00Z"`);
    expect(row).toContain(`<td data-label="Stop-loss" data-stop="sl">${formatPrice(59000.5)}</td>`);
    expect(row).toContain(`<td data-label="Take-profit" data-stop="tp">${formatPrice(64000)}</td>`);
    expect(row).toContain(formatPrice(55771.3));
    expect(row).toContain('id="close-all"');
    // Within the same minute the row is the same text (no push for a ticking clock).
    expect(html(opened + 2 * 3_600_000 + 5 * 60_000)).toBe(row);
    expect(html(opened + 30_000)).toContain(">&lt; 1 min</span></td>");
  });
});
