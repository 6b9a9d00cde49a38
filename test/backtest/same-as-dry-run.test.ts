/**
 * A backtest and a dry-run trader fed the same candles make the same trades.
 *
 * The dry-run side is the live composition itself — ReplaySource → MarketFeed
 * → MarketPipeline (its closed-candle scores), the TraderController with its
 * SQLite journal, the paper exchange moved by every 5m candle — driven candle
 * by candle on a manual clock: a cycle at each 5m open, then the candle.
 *
 * Live fills at the last close, the backtest at the next open; the candles here
 * open where the previous one closed (real candles, with each open moved onto
 * the previous close), so the two fill at the same price and every figure must
 * agree: symbol, side, times, prices, sizes, P&L and exit reason.
 */
import { afterEach, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { journalFor } from "../../src/app/record.ts";
import { MarketPipeline } from "../../src/app/market-pipeline.ts";
import { loadBacktestData } from "../../src/backtest/data.ts";
import { runBacktest } from "../../src/backtest/engine.ts";
import { DEFAULT_TRADER_CONFIG, type TraderConfig } from "../../src/config/schema.ts";
import { memoryPaperStore, PaperExchange } from "../../src/exchange/paper-exchange.ts";
import { setQuiet } from "../../src/log.ts";
import type { Candle } from "../../src/market/candle.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { MarketFeed } from "../../src/market/market-feed.ts";
import { ReplaySource } from "../../src/market/replay-source.ts";
import { openStore } from "../../src/store/trader-store.ts";
import { INITIAL_TRADER_STATE, TraderController } from "../../src/trader/controller.ts";
import { exitReasonOf } from "../../src/backtest/trades.ts";

setQuiet(true);
const FIXTURES = join(import.meta.dir, "../fixtures/backtest");
const SYMBOLS = ["BTCUSDT", "ETHUSDT"];
const FIVE = 300_000;
const FOUR_HOURS = 4 * 3_600_000;
const WARMUP = 1000;
const CONFIG: TraderConfig = { ...DEFAULT_TRADER_CONFIG, mode: "dry-run", sl_pct: 8, tp_pct: 12, long_threshold: 40, short_threshold: 40, reentry_cooldown_minutes: 10 };

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The fixtures from a 4h boundary (where replay starts), each candle opening at the previous close. */
function continuousData(): string {
  const dir = mkdtempSync(join(tmpdir(), "bt-same-"));
  dirs.push(dir);
  for (const symbol of SYMBOLS) {
    const candles = JSON.parse(readFileSync(join(FIXTURES, `${symbol}-5m.json`), "utf8")) as Candle[];
    const start = candles.findIndex((c) => c.t % FOUR_HOURS === 0);
    const out: Candle[] = [];
    for (const c of candles.slice(start)) {
      const o = out.length === 0 ? c.o : out[out.length - 1]!.c;
      out.push({ t: c.t, o, h: Math.max(c.h, o), l: Math.min(c.l, o), c: c.c, v: c.v });
    }
    writeFileSync(join(dir, `${symbol}-5m.json`), JSON.stringify(out));
  }
  return dir;
}

test("the backtest and the dry-run trader on the same candles make the same trades, to the cent", async () => {
  const dir = continuousData();
  const data = loadBacktestData(dir);
  const backtest = await runBacktest({ data, config: CONFIG, warmupCandles: WARMUP });

  // --- the dry-run side, as src/app/trader-part.ts composes it ---
  let clock = data.first + WARMUP * FIVE;
  const manual = { now: () => clock, sleep: () => new Promise<void>(() => {}) }; // replay ticks only when told
  const source = new ReplaySource({ dir, symbols: SYMBOLS, warmupCandles: WARMUP, clock: manual });
  const market = new MarketPipeline(new MarketFeed(source, new CandleStore()), SYMBOLS, { notifyMs: 1, now: () => clock });
  await market.start();
  const paper = new PaperExchange({ priceOf: (s) => market.priceOf(s), statePath: "", store: memoryPaperStore(), now: () => clock });
  market.onCandle((u) => {
    if (u.timeframe === "5m") paper.onMarketUpdate({ symbol: u.symbol, t: u.candle.t, open: u.candle.o, high: u.candle.h, low: u.candle.l, close: u.candle.c });
  });
  const storeDir = mkdtempSync(join(tmpdir(), "bt-same-store-"));
  dirs.push(storeDir);
  const store = openStore(storeDir, { synchronous: "NORMAL" }); // thousands of cycle logs: no fsync each
  let config = { ...CONFIG };
  let state = { ...INITIAL_TRADER_STATE };
  const controller = new TraderController({
    config: { current: () => config, read: async () => config, update: async (patch) => ({ ok: true as const, config: (config = { ...config, ...patch }) }) },
    state: { load: async () => state, save: async (next) => void (state = next) },
    lockFile: { read: async () => null, write: async () => {}, clear: async () => {} },
    journal: journalFor(store),
    paper,
    coinex: null,
    market: () => ({ name: "replay", simulated: true, banner: null }),
    coins: (cfg) => market.scoredCoins(cfg),
    now: () => clock,
    sleep: async () => {},
    accountRefreshMs: 0,
    closeRetryDelayMs: 0,
  });
  paper.onEvent((event) => void controller.onPaperEvent(event));
  await controller.boot();
  for (let t = clock; t <= data.last; t += FIVE) {
    clock = t;
    await controller.runCycleNow("system");
    clock = t + FIVE;
    source.tick();
  }
  await controller.refreshAccount();
  await controller.shutdown();
  market.stop();
  const live = store.recentClosedTrades(1000).reverse();
  store.close();

  const rounded = (x: number) => Math.round(x * 100) / 100;
  const fromBacktest = backtest.trades
    .filter((t) => t.exit_reason !== "end of test")
    .map((t) => [t.symbol, t.side, t.entry_time, rounded(t.entry_price), t.size, t.exit_time, rounded(t.exit_price), rounded(t.pnl), t.exit_reason]);
  const fromDryRun = live.map((t) => [t.symbol, t.side, t.opened_at, rounded(t.entry_price), t.size, t.closed_at, rounded(t.exit_price ?? 0), rounded(t.pnl ?? 0), exitReasonOf(t.close_reason ?? "")]);
  expect(fromBacktest.length).toBeGreaterThan(5);
  // The record lists trades by close time, the backtest by open time: compare in one order.
  const byOpen = (a: unknown[], b: unknown[]) => Number(a[2]) - Number(b[2]) || String(a[0]).localeCompare(String(b[0]));
  expect(fromDryRun.sort(byOpen)).toEqual(fromBacktest.sort(byOpen));
}, 60_000);
