/** The per-symbol TA engine: CandleUpdate in, schema-valid TaResult out. */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { TaResultSchema } from "../../src/ta/result.ts";
import { SymbolTa } from "../../src/ta/symbol-ta.ts";
import { compareSeries, loadCandles, loadReference, type ReferenceSeries } from "./fixtures.ts";

let candles: Candle[];
let ref: ReferenceSeries;

beforeAll(async () => {
  candles = await loadCandles();
  ref = await loadReference();
});

const SYMBOL = "ETHBTC";
const update = (candle: Candle, timeframe: Timeframe = "5m", closed = true): CandleUpdate => ({ symbol: SYMBOL, timeframe, candle, closed });

describe("SymbolTa", () => {
  test("no result before the first 5m candle", () => {
    const ta = new SymbolTa(SYMBOL);
    expect(ta.result()).toBeNull();
    expect(ta.update(update(candles[0]!, "1h"))).toBe("add");
    expect(ta.result()).toBeNull();
    expect(ta.update(update(candles[0]!, "4h"))).toBe("ignored");
  });

  test("every result fits the schema and follows the reference series", () => {
    const ta = new SymbolTa(SYMBOL);
    const k: (number | null)[] = [];
    const d: (number | null)[] = [];
    const momentum: (number | null)[] = [];
    const ema21: (number | null)[] = [];
    const refOn = ref.squeeze_on as boolean[];
    for (let i = 0; i < candles.length; i++) {
      expect(ta.update(update(candles[i]!))).toBe("add");
      const result = ta.result()!;
      if (i % 97 === 0 || i === candles.length - 1) TaResultSchema.parse(result);
      expect(result.timestamp).toBe(candles[i]!.t);
      k.push(result.stoch_rsi_divergence.stoch_k);
      d.push(result.stoch_rsi_divergence.stoch_d);
      momentum.push(result.ttm_squeeze.momentum);
      ema21.push(result.ema_ribbon.values["5m"].ema21);
      const expected = refOn[i] ? "on" : i > 0 && refOn[i - 1] ? "fired" : "none";
      expect(result.ttm_squeeze.squeeze).toBe(expected);
    }
    expect(compareSeries("stochrsi_k", k, ref.stochrsi_k!)).toEqual([]);
    expect(compareSeries("stochrsi_d", d, ref.stochrsi_d!)).toEqual([]);
    expect(compareSeries("squeeze_momentum", momentum, ref.squeeze_momentum!)).toEqual([]);
    expect(compareSeries("ema21", ema21, ref.ema21!)).toEqual([]);
  });

  test("forming ticks then the close give the same results as closed candles only", () => {
    const closedOnly = new SymbolTa(SYMBOL);
    const live = new SymbolTa(SYMBOL);
    for (const c of candles.slice(0, 800)) {
      closedOnly.update(update(c));
      expect(live.update(update({ ...c, h: c.o, l: c.o, c: c.o, v: 0 }, "5m", false))).toBe("add");
      expect(live.update(update({ ...c, c: c.h, l: Math.min(c.l, c.o) }, "5m", false))).toBe("replace");
      expect(live.update(update(c, "5m", true))).toBe("replace");
      expect(live.result()).toEqual(closedOnly.result()!);
    }
  });

  test("a stale candle is dropped and changes nothing", () => {
    const ta = new SymbolTa(SYMBOL);
    for (const c of candles.slice(0, 200)) ta.update(update(c));
    const before = ta.result();
    expect(ta.update(update({ ...candles[150]!, c: candles[150]!.h }))).toBe("stale");
    expect(ta.result()).toEqual(before!);
  });

  test("refuses another symbol's candle and malformed candles, naming the fault", () => {
    const ta = new SymbolTa(SYMBOL);
    ta.update(update(candles[0]!));
    const before = ta.result();
    expect(() => ta.update({ ...update(candles[1]!), symbol: "BTCUSDT" })).toThrow("TA for ETHBTC got a candle for BTCUSDT");
    expect(() => ta.update(update({ ...candles[1]!, h: 1.2, l: 1.5 }))).toThrow(`ETHBTC 5m candle ${candles[1]!.t}: high 1.2 < low 1.5`);
    expect(() => ta.update(update({ ...candles[1]!, c: Number.NaN }))).toThrow("c is not a finite number");
    expect(ta.result()).toEqual(before!);
  });

  test("rising 5m and 1h closes: both ribbons bullish and the +10 bonus with its reason", () => {
    const ta = new SymbolTa(SYMBOL);
    for (let i = 0; i < 120; i++) {
      const price = 100 + i;
      const candle = { t: i * 3_600_000, o: price, h: price + 0.5, l: price - 0.5, c: price, v: 1 };
      ta.update(update(candle, "1h"));
      ta.update(update({ ...candle, t: i * 300_000 }, "5m"));
    }
    const result = TaResultSchema.parse(ta.result());
    expect(result.ema_ribbon.state_5m).toBe("bullish");
    expect(result.ema_ribbon.state_1h).toBe("bullish");
    expect(result.composite_score_adjustment.long_bonus).toBeGreaterThanOrEqual(10);
    expect(result.composite_score_adjustment.reasoning).toContain("EMA ribbon bullish on 5m and 1h (+10)");
    expect(result.composite_score_adjustment.short_bonus).toBe(0);
  });
});
