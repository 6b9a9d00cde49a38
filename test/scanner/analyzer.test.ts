/** CoinAnalyzer: candle events in, a snapshot whose figures follow from the candles. */
import { describe, expect, test } from "bun:test";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { CoinAnalyzer } from "../../src/scanner/analyzer.ts";
import { TaResultSchema } from "../../src/ta/result.ts";

const SYMBOL = "SOLUSDT";
const FIVE_MIN = 300_000;
const update = (candle: Candle, timeframe: Timeframe = "5m", closed = true): CandleUpdate => ({ symbol: SYMBOL, timeframe, candle, closed });
const bar = (t: number, c: number, v = 1): Candle => ({ t, o: c, h: c + 0.5, l: c - 0.5, c, v });

function analyzer(now = 1_000): CoinAnalyzer {
  return new CoinAnalyzer(SYMBOL, { now: () => now });
}

describe("CoinAnalyzer", () => {
  test("no snapshot before the first 5m candle", () => {
    const a = analyzer();
    expect(a.snapshot()).toBeNull();
    a.update(update(bar(0, 10), "1h"));
    a.update(update(bar(0, 10), "4h"));
    expect(a.snapshot()).toBeNull();
  });

  test("price, 24h change, sparkline and updated_at", () => {
    const a = analyzer(123_456);
    // Closes 100.00, 100.01, …: 289 candles make 24h (288 steps) of history.
    for (let i = 0; i <= 288; i++) a.update(update(bar(i * FIVE_MIN, 100 + i * 0.01)));
    const s = a.snapshot()!;
    expect(s.symbol).toBe(SYMBOL);
    expect(s.price).toBeCloseTo(102.88, 10);
    expect(s.change_24h_pct).toBeCloseTo(2.88, 10); // (102.88 − 100)/100
    expect(s.updated_at).toBe(123_456);
    expect(s.closes).toHaveLength(48);
    expect(s.closes[0]).toBeCloseTo(100 + 241 * 0.01, 10);
    expect(s.closes[47]).toBeCloseTo(102.88, 10);
    TaResultSchema.parse(s.ta);
    expect(s.ta.symbol).toBe(SYMBOL);
    expect(s.ta.timestamp).toBe(288 * FIVE_MIN);
  });

  test("24h change is null with less than 24h of 5m candles; sparkline shorter", () => {
    const a = analyzer();
    for (let i = 0; i < 288; i++) a.update(update(bar(i * FIVE_MIN, 50)));
    expect(a.snapshot()!.change_24h_pct).toBeNull();
    const b = analyzer();
    for (let i = 0; i < 5; i++) b.update(update(bar(i * FIVE_MIN, 50 + i)));
    expect(b.snapshot()!.closes).toEqual([50, 51, 52, 53, 54]);
  });

  test("volume surge and range position come from the last hour and the last 24h", () => {
    const a = analyzer();
    // 276 candles of volume 1 at 100, then 12 of volume 3 rising to 104.
    for (let i = 0; i < 276; i++) a.update(update(bar(i * FIVE_MIN, 100)));
    for (let j = 1; j <= 12; j++) a.update(update(bar((275 + j) * FIVE_MIN, 100 + j / 3, 3)));
    const c = Object.fromEntries(a.snapshot()!.score.components.map((x) => [x.name, x]));
    // Ratio = 3 ÷ ((276·1 + 12·3)/288) = 2.769…: 15·1.769/2 = 13.27 → 13, to the long side.
    expect(c.volume_surge).toMatchObject({ long: 13, short: 0, detail: "last hour volume 2.77× the 24h average, price up" });
    // Range: low 99.5, high 104.5, price 104 → 90 % of the range: long 2, short 18.
    expect(c.range_position).toMatchObject({ long: 2, short: 18, detail: "at 90% of the 24h range" });
  });

  test("24h traded value in USDT: each 5m candle's volume × close over the last 288, null before that", () => {
    const a = analyzer();
    // 287 candles of volume 2 at 100, then one of volume 5 at 110 (a forming one first, then replaced).
    for (let i = 0; i < 287; i++) a.update(update(bar(i * FIVE_MIN, 100, 2)));
    expect(a.snapshot()!.volume_24h_usdt).toBeNull();
    a.update(update(bar(287 * FIVE_MIN, 105, 1), "5m", false));
    expect(a.snapshot()!.volume_24h_usdt).toBeCloseTo(287 * 200 + 105, 6);
    a.update(update(bar(287 * FIVE_MIN, 110, 5)));
    expect(a.snapshot()!.volume_24h_usdt).toBeCloseTo(287 * 200 + 550, 6);
    // A new day's candle pushes the first one out.
    a.update(update(bar(288 * FIVE_MIN, 100, 1)));
    expect(a.snapshot()!.volume_24h_usdt).toBeCloseTo(286 * 200 + 550 + 100, 6);
  });

  test("1h and 4h feed the trend components", () => {
    const a = analyzer();
    for (let i = 0; i < 60; i++) {
      a.update(update(bar(i * 3_600_000, 100 + i), "1h"));
      a.update(update(bar(i * 14_400_000, 100 + i), "4h"));
    }
    a.update(update(bar(0, 200)));
    const c = Object.fromEntries(a.snapshot()!.score.components.map((x) => [x.name, x]));
    expect(c.trend_1h).toMatchObject({ long: 20, short: 0 });
    expect(c.trend_4h).toMatchObject({ long: 15, short: 0 });
    // Only rises on 1h: RSI 100 → short 15, long 0.
    expect(c.rsi_1h).toMatchObject({ long: 0, short: 15 });
  });

  test("a forming candle that then closes ends where closed candles alone do", () => {
    const closedOnly = analyzer();
    const live = analyzer();
    for (let i = 0; i < 400; i++) {
      const c = bar(i * FIVE_MIN, 100 + Math.sin(i / 7) * 3, 1 + (i % 5));
      closedOnly.update(update(c));
      live.update(update({ ...c, c: c.o, v: 0 }, "5m", false));
      live.update(update({ ...c, c: c.h, v: c.v / 2 }, "5m", false));
      live.update(update(c));
      if (i % 12 === 0) {
        live.update(update(bar(i * FIVE_MIN, c.c), "1h", false));
        closedOnly.update(update(bar(i * FIVE_MIN, c.c), "1h", false));
      }
    }
    expect(live.snapshot()).toEqual(closedOnly.snapshot()!);
  });

  test("a bad candle is refused with where and what", () => {
    const a = analyzer();
    a.update(update(bar(0, 10)));
    expect(() => a.update(update({ ...bar(FIVE_MIN, 10), h: 1, l: 2 }))).toThrow(`SOLUSDT 5m candle ${FIVE_MIN}: high 1 < low 2`);
    expect(a.snapshot()!.closes).toEqual([10]);
  });
});
