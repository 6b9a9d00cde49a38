import { beforeAll, describe, expect, test } from "bun:test";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { TIMEFRAME_MS } from "../../src/market/candle.ts";
import { SimSource } from "../../src/market/sim-source.ts";
import { DEFAULT_SYMBOLS } from "../../src/market/symbols.ts";
import { setQuiet } from "../../src/log.ts";
import { ManualClock } from "./manual-clock.ts";

beforeAll(() => setQuiet(true));

const at = (h: number, m: number, s = 0) => Date.UTC(2026, 0, 5, h, m, s);
const START = at(10, 2, 40);
const TFS: Timeframe[] = ["5m", "1h", "4h"];

/** The exchange definition of a coarser bar: first open, highest high, lowest low, last close, summed volume. */
function expectAggregate(coarse: Candle, parts: Candle[]) {
  expect(coarse.o).toBe(parts[0]!.o);
  expect(coarse.c).toBe(parts[parts.length - 1]!.c);
  expect(coarse.h).toBe(Math.max(...parts.map((p) => p.h)));
  expect(coarse.l).toBe(Math.min(...parts.map((p) => p.l)));
  expect(coarse.v).toBeCloseTo(parts.reduce((s, p) => s + p.v, 0), 2);
}

function sim(seed: number | string = 42, symbols = ["BTCUSDT", "ETHUSDT", "DOGEUSDT"]) {
  return new SimSource({ seed, symbols, startTime: START, clock: new ManualClock(START) });
}

function collectTicks(source: SimSource, ticks: number): CandleUpdate[] {
  const updates: CandleUpdate[] = [];
  source.start((u) => updates.push(u));
  for (let i = 0; i < ticks; i++) source.tick();
  source.stop();
  return updates;
}

describe("SimSource", () => {
  test("history: ≥ 500 closed candles per timeframe, contiguous, ending just before the start time", async () => {
    const source = sim();
    const lastClosed: Record<Timeframe, number> = { "5m": at(9, 55), "1h": at(9, 0), "4h": at(4, 0) };
    for (const tf of TFS) {
      const candles = await source.history("BTCUSDT", tf);
      expect(candles.length).toBeGreaterThanOrEqual(500);
      expect(candles[candles.length - 1]!.t).toBe(lastClosed[tf]);
      for (let i = 1; i < candles.length; i++) expect(candles[i]!.t - candles[i - 1]!.t).toBe(TIMEFRAME_MS[tf]);
    }
  });

  test("the same seed gives the same candles; another seed gives others", async () => {
    const a = sim(7);
    const b = sim(7);
    const c = sim(8);
    for (const tf of TFS) {
      expect(await a.history("ETHUSDT", tf)).toEqual(await b.history("ETHUSDT", tf));
      expect(await a.history("ETHUSDT", tf)).not.toEqual(await c.history("ETHUSDT", tf));
    }
    // A coin's candles do not depend on which other coins are simulated.
    const alone = new SimSource({ seed: 7, symbols: ["ETHUSDT"], startTime: START, clock: new ManualClock(START) });
    expect(await alone.history("ETHUSDT", "5m")).toEqual(await a.history("ETHUSDT", "5m"));
    const live = collectTicks(a, 40);
    expect(live).toHaveLength(40 * 3 * 3);
    expect(live).toEqual(collectTicks(b, 40));
  });

  test("history is consistent across timeframes: 1h = twelve 5m bars, 4h = four 1h bars", async () => {
    const source = sim();
    for (const symbol of ["BTCUSDT", "DOGEUSDT"]) {
      const five = await source.history(symbol, "5m");
      const hours = await source.history(symbol, "1h");
      const blocks = await source.history(symbol, "4h");
      let checkedHours = 0;
      for (const hour of hours) {
        const parts = five.filter((c) => c.t >= hour.t && c.t < hour.t + TIMEFRAME_MS["1h"]);
        if (parts.length < 12) continue;
        expect(parts).toHaveLength(12);
        expectAggregate(hour, parts);
        checkedHours++;
      }
      expect(checkedHours).toBeGreaterThanOrEqual(49);
      let checkedBlocks = 0;
      for (const block of blocks) {
        const parts = hours.filter((c) => c.t >= block.t && c.t < block.t + TIMEFRAME_MS["4h"]);
        if (parts.length < 4) continue;
        expectAggregate(block, parts);
        checkedBlocks++;
      }
      expect(checkedBlocks).toBeGreaterThanOrEqual(149);
    }
  });

  test("live: forming updates then one close per 5m bar; live 1h/4h closes aggregate the bars, joining history", async () => {
    const source = sim(3, ["SOLUSDT"]);
    const hoursBefore = await source.history("SOLUSDT", "1h");
    const fiveBefore = await source.history("SOLUSDT", "5m");
    // 5 ticks per 5m bar; 10:00 → 12:00 is 24 bars = 120 ticks (the 08:00 4h bar closes at 12:00).
    const updates = collectTicks(source, 120);
    const five = updates.filter((u) => u.timeframe === "5m");
    const closed5 = five.filter((u) => u.closed).map((u) => u.candle);
    expect(closed5.map((c) => c.t)).toEqual(Array.from({ length: 24 }, (_, i) => at(10, 0) + i * TIMEFRAME_MS["5m"]));
    // Each bar: four forming updates with the same open time, then its close; highs never fall within a bar.
    const firstBar = five.slice(0, 5);
    expect(firstBar.map((u) => [u.candle.t, u.closed])).toEqual([
      [at(10, 0), false],
      [at(10, 0), false],
      [at(10, 0), false],
      [at(10, 0), false],
      [at(10, 0), true],
    ]);
    for (let i = 1; i < 5; i++) expect(firstBar[i]!.candle.h).toBeGreaterThanOrEqual(firstBar[i - 1]!.candle.h);
    // The first live bar opens at the last historical close.
    expect(closed5[0]!.o).toBe(fiveBefore[fiveBefore.length - 1]!.c);
    const closedHours = updates.filter((u) => u.timeframe === "1h" && u.closed).map((u) => u.candle);
    expect(closedHours.map((c) => c.t)).toEqual([at(10, 0), at(11, 0)]);
    expectAggregate(closedHours[0]!, closed5.slice(0, 12));
    expectAggregate(closedHours[1]!, closed5.slice(12, 24));
    const closedBlocks = updates.filter((u) => u.timeframe === "4h" && u.closed).map((u) => u.candle);
    expect(closedBlocks.map((c) => c.t)).toEqual([at(8, 0)]);
    const hours8to12 = [...hoursBefore.filter((h) => h.t >= at(8, 0)), ...closedHours];
    expect(hours8to12.map((h) => h.t)).toEqual([at(8, 0), at(9, 0), at(10, 0), at(11, 0)]);
    expectAggregate(closedBlocks[0]!, hours8to12);
    // A forming 1h update equals the hour so far.
    const formingHour = updates.filter((u) => u.timeframe === "1h" && !u.closed)[9]!.candle; // after 10 ticks: bar 10:05 closed
    expectAggregate(formingHour, closed5.slice(0, 2));
  });

  test("prices, volatility and volume look like the coin", async () => {
    const source = new SimSource({ seed: 1, startTime: START, clock: new ManualClock(START) });
    const btc = await source.history("BTCUSDT", "5m");
    const doge = await source.history("DOGEUSDT", "5m");
    expect(btc[btc.length - 1]!.c).toBeGreaterThan(20_000);
    expect(btc[btc.length - 1]!.c).toBeLessThan(200_000);
    expect(doge[doge.length - 1]!.c).toBeGreaterThan(0.01);
    expect(doge[doge.length - 1]!.c).toBeLessThan(1);
    const returns = btc.slice(1).map((c, i) => Math.log(c.c / btc[i]!.c));
    const sd = Math.sqrt(returns.reduce((s, r) => s + r * r, 0) / returns.length);
    expect(sd).toBeGreaterThan(0.0003); // 5m moves of a few hundredths of a percent at least…
    expect(sd).toBeLessThan(0.01); // …and well under a percent
    for (const symbol of DEFAULT_SYMBOLS) {
      const candles = await source.history(symbol, "1h");
      expect(candles.every((c) => c.v > 0 && c.l > 0 && c.h >= Math.max(c.o, c.c) && c.l <= Math.min(c.o, c.c))).toBe(true);
    }
  });

  test("status says simulated; the timer loop ticks on the clock", async () => {
    const clock = new ManualClock(START);
    const source = new SimSource({ seed: 1, symbols: ["BTCUSDT"], startTime: START, tickMs: 250, clock });
    expect(source.status()).toMatchObject({ source: "sim", simulated: true, banner: "Simulated market — prices are not real" });
    const updates: CandleUpdate[] = [];
    source.start((u) => updates.push(u));
    await clock.untilSleeping(1);
    expect(updates).toHaveLength(0);
    clock.advance(250);
    await clock.untilSleeping(1);
    expect(updates.map((u) => u.timeframe)).toEqual(["5m", "1h", "4h"]);
    expect(source.status().lastUpdate["5m"]).toBe(START + 250);
    source.stop();
    expect(clock.pending).toBe(0);
  });

  test("rejects bad options", () => {
    expect(() => new SimSource({ simStepMs: 7000 })).toThrow(/must divide 5 minutes/);
    expect(() => new SimSource({ historyCandles: 0 })).toThrow(/historyCandles/);
    expect(() => new SimSource({ symbols: ["btc"] })).toThrow(/not an upper-case USDT pair/);
  });
});
