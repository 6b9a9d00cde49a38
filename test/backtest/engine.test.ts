/**
 * The backtester on recorded candles (test/fixtures/backtest: slices of the
 * 2022 Binance data, and BTC funding rates from the 2025 perpetual set) and
 * on a hand-made scenario computed to the cent.
 */
import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBacktestData, type BacktestData } from "../../src/backtest/data.ts";
import { runBacktest } from "../../src/backtest/engine.ts";
import { resultJson } from "../../src/backtest/report.ts";
import { runStudy } from "../../src/backtest/study.ts";
import { DEFAULT_TRADER_CONFIG, type TraderConfig } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";

setQuiet(true);
const FIXTURES = join(import.meta.dir, "../fixtures/backtest");
const FIVE = 300_000;
/** A config that trades often on the fixtures: stops, take-profits, short cooldowns. */
const ACTIVE: TraderConfig = { ...DEFAULT_TRADER_CONFIG, sl_pct: 8, tp_pct: 12, long_threshold: 40, short_threshold: 40, reentry_cooldown_minutes: 10 };

describe("backtest engine on recorded candles", () => {
  test("the same input gives a byte-identical result.json", async () => {
    const study = () => runStudy({ data: loadBacktestData(FIXTURES), config: ACTIVE, compare: true, holdoutPct: 30 });
    const [a, b] = [resultJson(await study()), resultJson(await study())];
    expect(a).toBe(b);
    expect(JSON.parse(a).runs[0].metrics.trades).toBeGreaterThan(5);
  }, 60_000);

  test("no look-ahead: changing every candle from T on changes nothing decided before T", async () => {
    const original = loadBacktestData(FIXTURES);
    const cut = original.first + 1100 * FIVE; // inside the trading window (warm-up is 1000 candles)
    const altered: BacktestData = {
      ...original,
      series: original.series.map((s) => ({
        ...s,
        five: s.five.map((c, i) => (c.t < cut ? c : { ...c, o: c.o * (1 + 0.3 * Math.sin(i)), h: c.h * 1.5, l: c.l * 0.5, c: c.c * (1 + 0.3 * Math.cos(i)) })),
      })),
    };
    const before = (run: Awaited<ReturnType<typeof runBacktest>>) => ({
      opened: run.trades.filter((t) => t.entry_time < cut).map((t) => [t.symbol, t.side, t.entry_time, t.entry_price, t.size]),
      closed: run.trades.filter((t) => t.exit_time < cut),
      equity: run.equity.filter((p) => p.t < cut),
    });
    const a = before(await runBacktest({ data: original, config: ACTIVE }));
    const b = before(await runBacktest({ data: altered, config: ACTIVE }));
    expect(a.opened.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  }, 60_000);

  test("the engine never reveals a candle before it has closed", async () => {
    const early: string[] = [];
    let revealed = 0;
    await runBacktest({
      data: loadBacktestData(FIXTURES),
      config: ACTIVE,
      onReveal: (symbol, timeframe, candle, clock) => {
        revealed += 1;
        const closes = candle.t + { "5m": FIVE, "1h": 3_600_000, "4h": 14_400_000 }[timeframe];
        if (closes > clock) early.push(`${symbol} ${timeframe} ${candle.t} at ${clock}`);
      },
    });
    expect(revealed).toBeGreaterThan(4800);
    expect(early).toEqual([]);
  }, 60_000);

  test("funding comes from the funding file when given (BTC), else the stated default 0.01 % per 8 h", async () => {
    const data = loadBacktestData(FIXTURES);
    const run = await runBacktest({ data, config: { ...ACTIVE, sl_pct: null, tp_pct: null, max_positions: 3 } });
    const EIGHT = 8 * 3_600_000;
    // The price at a funding time is the last one known then: the close of the candle ending at it.
    const priceAt = new Map(data.series.map((s) => [s.symbol, new Map(s.five.map((c) => [c.t + FIVE, c.c]))]));
    const fileRate = new Map(data.series.find((s) => s.symbol === "BTCUSDT")!.funding!.map((f) => [f.t, f.rate]));
    let checked = 0;
    for (const trade of run.trades) {
      let expected = 0;
      // Each funding time strictly after the open and at or before the close.
      for (let t = Math.floor(trade.entry_time / EIGHT) * EIGHT + EIGHT; t <= trade.exit_time; t += EIGHT) {
        const rate = trade.symbol === "BTCUSDT" ? fileRate.get(t)! : 0.0001;
        expected += (trade.side === "long" ? -1 : 1) * trade.size * priceAt.get(trade.symbol)!.get(t)! * rate;
      }
      if (expected !== 0) checked += 1;
      expect(trade.funding).toBeCloseTo(expected, 9);
    }
    expect(checked).toBeGreaterThan(1);
    expect(run.trades.some((t) => t.symbol === "BTCUSDT" && t.funding !== 0)).toBe(true);
  }, 60_000);
});

describe("a hand-computed scenario", () => {
  test("one long stopped out, one funding payment, one liquidation — to the cent", async () => {
    const W = 300;
    const start = Date.UTC(2022, 0, 10, 20, 0) - W * FIVE;
    const candles: { t: number; o: number; h: number; l: number; c: number; v: number }[] = [];
    for (let i = 0; i < W; i++) {
      const c = 100 + 0.01 * Math.sin(i);
      candles.push({ t: start + i * FIVE, o: c, h: c + 0.02, l: c - 0.02, c, v: 10 });
    }
    const push = (o: number, h: number, l: number, c: number) => candles.push({ t: start + candles.length * FIVE, o, h, l, c, v: 10 });
    push(100, 100.2, 99.9, 100.1); // 20:00: the long opens at this open
    push(100.1, 100.1, 99, 99.2); // 20:05: the low reaches the stop-loss
    for (let i = 0; i < 46; i++) push(99.2, 99.3, 99.1, 99.2); // 20:10 the long opens again … 23:55
    push(99.2, 99.3, 99.1, 99.2); // 00:00: funding is charged on this open
    push(99.2, 99.2, 80, 85); // 00:05: a crash through the liquidation price
    const dir = mkdtempSync(join(tmpdir(), "bt-scenario-"));
    writeFileSync(join(dir, "BTCUSDT-5m.json"), JSON.stringify(candles));
    const config = { ...DEFAULT_TRADER_CONFIG, long_threshold: 0, short_threshold: 130, max_positions: 1, position_size_pct: 10, max_leverage: 10, sl_pct: 5, reentry_cooldown_minutes: 0 };
    const run = await runBacktest({ data: loadBacktestData(dir), config, warmupCandles: W });
    rmSync(dir, { recursive: true, force: true });

    const fee = 0.0005;
    const slip = 0.0005;
    const floor4 = (x: number) => Math.floor(x * 1e4 + 1e-9) / 1e4;
    const cents = (x: number) => Math.round(x * 100) / 100;
    // 1. 10 % of 10,000 covers margin + opening fee at 10×, priced at the worst fill (open + slippage).
    const entry1 = 100 * (1 + slip);
    const size1 = floor4(1000 / (1 / 10 + fee) / entry1);
    // Stop-loss 5 % of margin at 10× = 0.5 % of price below the entry, rounded up to the 0.001 tick; a market fill below it.
    const stop1 = Math.ceil(entry1 * (1 - 0.05 / 10) * 1000) / 1000;
    const exit1 = stop1 * (1 - slip);
    const pnl1 = (exit1 - entry1) * size1 - size1 * entry1 * fee - size1 * exit1 * fee;
    // 2. Reopened at the next cycle (no cooldown) from the equity left.
    const entry2 = 99.2 * (1 + slip);
    const size2 = floor4(((10_000 + pnl1) * 0.1) / (1 / 10 + fee) / entry2);
    const margin2 = (size2 * entry2) / 10;
    const funding2 = -size2 * 99.2 * 0.0001; // a long pays the default 0.01 % at 00:00 on the price then (99.2)
    const liq2 = (entry2 * (1 - (margin2 + funding2) / (size2 * entry2))) / (1 - 0.005);
    const pnl2 = -(margin2 + size2 * entry2 * fee); // the whole margin (funding came out of it) and the opening fee

    expect(run.trades.map((t) => t.exit_reason)).toEqual(["stop loss", "liquidation"]);
    const [t1, t2] = run.trades as [(typeof run.trades)[0], (typeof run.trades)[0]];
    expect([t1.size, cents(t1.entry_price), cents(t1.exit_price), cents(t1.pnl)]).toEqual([size1, cents(entry1), cents(exit1), cents(pnl1)]);
    expect([t2.size, cents(t2.entry_price), cents(t2.funding), cents(t2.exit_price), cents(t2.pnl)]).toEqual([size2, cents(entry2), cents(funding2), cents(liq2), cents(pnl2)]);
    expect(cents(run.endBalance)).toBe(cents(10_000 + pnl1 + pnl2));
    // The figures written down by hand once, so a change in any formula shows here too.
    expect([cents(pnl1), cents(pnl2), cents(run.endBalance)]).toEqual([-64.6, -993.54, 8941.86]);
  }, 30_000);
});
