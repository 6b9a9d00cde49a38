import { describe, expect, test } from "bun:test";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { CandleOrderError, CandleStore } from "../../src/market/candle-store.ts";

const M5 = 300_000;
const bar = (i: number, c = 100 + i): Candle => ({ t: i * M5, o: c, h: c + 1, l: c - 1, c, v: 10 });
const up = (candle: Candle, closed: boolean, symbol = "BTCUSDT", timeframe: Timeframe = "5m"): CandleUpdate => ({
  symbol,
  timeframe,
  candle,
  closed,
});

describe("CandleStore", () => {
  test("keeps at most `capacity` closed candles, dropping the oldest", () => {
    const store = new CandleStore({ capacity: 3 });
    for (let i = 1; i <= 5; i++) store.apply(up(bar(i), true));
    expect(store.candles("BTCUSDT", "5m").map((c) => c.t / M5)).toEqual([3, 4, 5]);
  });

  test("the ring stays in order across many wrap-arounds (default capacity 1000)", () => {
    const store = new CandleStore();
    for (let i = 1; i <= 2500; i++) store.apply(up(bar(i), true));
    const kept = store.candles("BTCUSDT", "5m");
    expect(kept).toHaveLength(1000);
    expect(kept[0]!.t).toBe(1501 * M5);
    expect(kept[999]!.t).toBe(2500 * M5);
    expect(kept.every((c, i) => i === 0 || c.t - kept[i - 1]!.t === M5)).toBe(true);
  });

  test("a forming candle replaces the forming one of the same time; its close replaces it", () => {
    const store = new CandleStore();
    store.apply(up(bar(1), true));
    store.apply(up(bar(2, 200), false));
    store.apply(up(bar(2, 201), false));
    expect(store.candles("BTCUSDT", "5m").map((c) => c.t / M5)).toEqual([1]);
    expect(store.candles("BTCUSDT", "5m", { includeForming: true }).map((c) => c.c)).toEqual([101, 201]);
    expect(store.last("BTCUSDT", "5m")?.c).toBe(201);
    expect(store.lastClosed("BTCUSDT", "5m")?.c).toBe(101);
    expect(store.lastPrice("BTCUSDT")).toBe(201);
    store.apply(up(bar(2, 202), true));
    expect(store.forming("BTCUSDT", "5m")).toBeNull();
    expect(store.candles("BTCUSDT", "5m", { includeForming: true }).map((c) => c.c)).toEqual([101, 202]);
    // A forming candle for the next bar appends as forming.
    store.apply(up(bar(3, 300), false));
    expect(store.forming("BTCUSDT", "5m")?.t).toBe(3 * M5);
    expect(store.lastPrice("BTCUSDT")).toBe(300);
  });

  test("a close for a later bar drops an older forming candle", () => {
    const store = new CandleStore();
    store.apply(up(bar(2), false));
    store.apply(up(bar(3), true));
    expect(store.forming("BTCUSDT", "5m")).toBeNull();
    expect(store.candles("BTCUSDT", "5m", { includeForming: true }).map((c) => c.t / M5)).toEqual([3]);
  });

  test("refuses out-of-order candles with both times in the message", () => {
    const store = new CandleStore();
    store.apply(up(bar(5), true));
    expect(() => store.apply(up(bar(5), true))).toThrow(CandleOrderError);
    expect(() => store.apply(up(bar(4), true))).toThrow(/BTCUSDT 5m closed candle t=1200000 .* out of order: the newest closed candle is already t=1500000/);
    expect(() => store.apply(up(bar(5), false))).toThrow(/forming candle t=1500000 .* out of order/);
    store.apply(up(bar(7), false));
    expect(() => store.apply(up(bar(6), true))).toThrow(/a newer candle t=2100000 .* is already forming/);
    expect(() => store.apply(up(bar(6), false))).toThrow(CandleOrderError);
    // Nothing refused was stored.
    expect(store.candles("BTCUSDT", "5m", { includeForming: true }).map((c) => c.t / M5)).toEqual([5, 7]);
  });

  test("refuses bad candles and updates, naming symbol and timeframe", () => {
    const store = new CandleStore();
    expect(() => store.apply(up({ ...bar(1), c: Number.NaN }, true))).toThrow(/BTCUSDT 5m closed candle: c is not a finite number/);
    expect(() => store.apply(up({ ...bar(1), h: 50 }, true))).toThrow(/high 50 < low 100/);
    expect(() => store.apply(up({ ...bar(1), t: 1 }, true))).toThrow(/not on a 5m boundary/);
    expect(() => store.apply(up(bar(1), true, "BTCUSDT", "2h" as Timeframe))).toThrow(/unknown timeframe "2h"/);
    expect(() => store.apply(up(bar(1), true, ""))).toThrow(/without a symbol/);
    expect(store.candles("BTCUSDT", "5m")).toEqual([]);
  });

  test("series are independent per symbol and timeframe", () => {
    const store = new CandleStore();
    store.apply(up(bar(12), true, "BTCUSDT", "1h"));
    store.apply(up(bar(3), true, "BTCUSDT", "5m"));
    store.apply(up(bar(1), true, "ETHUSDT", "5m"));
    expect(store.candles("BTCUSDT", "1h")).toHaveLength(1);
    expect(store.lastPrice("ETHUSDT")).toBe(101);
    expect(store.lastPrice("XRPUSDT")).toBeUndefined();
    expect(store.symbols().sort()).toEqual(["BTCUSDT", "ETHUSDT"]);
  });

  test("rejects a bad capacity", () => {
    expect(() => new CandleStore({ capacity: 0 })).toThrow(/capacity must be a whole number/);
  });
});
