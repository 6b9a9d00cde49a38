/**
 * The coin page's indicator series: the same numbers as the pandas-ta reference
 * for the real ETH/BTC 5m candles, and divergences where the live engine
 * (SymbolTa, bar by bar) reports them.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Candle } from "../../src/market/candle.ts";
import { chartSeries, seriesTail, type ChartSeries } from "../../src/ta/chart-series.ts";
import { SymbolTa } from "../../src/ta/symbol-ta.ts";
import { compareSeries, loadCandles, loadReference, type ReferenceSeries } from "./fixtures.ts";

let candles: Candle[];
let ref: ReferenceSeries;
let series: ChartSeries;

beforeAll(async () => {
  candles = await loadCandles();
  ref = await loadReference();
  series = chartSeries(candles);
});

describe("chart series", () => {
  test("candles pass through unchanged, one bar per candle", () => {
    expect(series.t).toEqual(candles.map((c) => c.t));
    expect(series.o).toEqual(candles.map((c) => c.o));
    expect(series.h).toEqual(candles.map((c) => c.h));
    expect(series.l).toEqual(candles.map((c) => c.l));
    expect(series.c).toEqual(candles.map((c) => c.c));
  });

  test("ribbon, momentum and Stoch RSI follow the pandas-ta reference", () => {
    for (const name of ["ema8", "ema13", "ema21", "ema34", "ema55", "ema89"] as const) {
      expect(compareSeries(name, series[name], ref[name]!)).toEqual([]);
    }
    expect(compareSeries("squeeze_momentum", series.momentum, ref.squeeze_momentum!)).toEqual([]);
    expect(compareSeries("stochrsi_k", series.stoch_k, ref.stochrsi_k!)).toEqual([]);
    expect(compareSeries("stochrsi_d", series.stoch_d, ref.stochrsi_d!)).toEqual([]);
  });

  test("the squeeze state per bar is the reference's on/off flags", () => {
    const expected = ref.t.map((_, i) => (ref.squeeze_on![i] ? "on" : ref.squeeze_off![i] ? "off" : "none"));
    expect(series.squeeze).toEqual(expected);
    // The data has all three states, so a constant answer could not pass.
    expect(new Set(series.squeeze)).toEqual(new Set(["on", "off", "none"]));
  });

  test("divergences are marked at the newer pivot, once each, where the live engine reports them", () => {
    const ta = new SymbolTa("ETHBTC");
    const expected = new Map<string, { t: number; kind: "bullish" | "bearish"; seen_t: number }>();
    candles.forEach((candle, i) => {
      ta.update({ symbol: "ETHBTC", timeframe: "5m", candle, closed: true });
      const d = ta.result()!.stoch_rsi_divergence;
      if (d.divergence === "none" || d.candles_ago === null) return;
      const t = candles[i - d.candles_ago]!.t;
      const key = `${d.divergence}:${t}`;
      if (!expected.has(key)) expected.set(key, { t, kind: d.divergence, seen_t: candle.t });
    });
    expect(expected.size).toBeGreaterThan(10);
    expect(series.divergences.map(({ t, kind, seen_t }) => ({ t, kind, seen_t }))).toEqual([...expected.values()]);
    for (const mark of series.divergences) {
      expect(mark.strength).toBeGreaterThanOrEqual(0);
      expect(mark.strength).toBeLessThanOrEqual(100);
      expect(mark.seen_t).toBeGreaterThan(mark.t);
    }
  });

  test("keep: the last bars only, computed over the whole window (the earlier bars warm up the indicators)", () => {
    const last = chartSeries(candles, 300);
    expect(last.t).toEqual(series.t.slice(-300));
    expect(last.ema89).toEqual(series.ema89.slice(-300));
    expect(last.stoch_k).toEqual(series.stoch_k.slice(-300));
    expect(last.ema89[0]).not.toBeNull();
    expect(last.divergences.every((d) => d.t >= last.t[0]!)).toBe(true);
    expect(last.divergences).toEqual(series.divergences.filter((d) => d.t >= last.t[0]!));
    expect(chartSeries(candles, 0).t).toEqual([]);
    expect(chartSeries([], 100).t).toEqual([]);
  });

  test("a tail is the last bars of every column", () => {
    const tail = seriesTail(series, 3);
    expect(tail.t).toEqual(series.t.slice(-3));
    expect(tail.squeeze).toEqual(series.squeeze.slice(-3));
    expect(tail.momentum).toEqual(series.momentum.slice(-3));
    expect(tail.divergences).toBe(series.divergences);
  });
});
