/** The TA bonus: +10 ribbon aligned, +15 squeeze fired in the side's direction, +20 divergence. */
import { describe, expect, test } from "bun:test";
import { type BonusInputs, taBonus } from "../../src/ta/bonus.ts";

const quiet: BonusInputs = {
  ribbon5m: "mixed",
  ribbon1h: "mixed",
  squeeze: { squeeze: "none", momentum: null, direction: "neutral", bars_in_squeeze: 0, timeframe: "5m" },
  divergence: { divergence: "none", strength: 0, candles_ago: null, stoch_k: null, stoch_d: null },
};

describe("TA bonus", () => {
  test("nothing aligned: no bonus, no reasons", () => {
    expect(taBonus(quiet)).toEqual({ long_bonus: 0, short_bonus: 0, reasoning: [] });
  });

  test("ribbon counts only when 5m and 1h agree", () => {
    expect(taBonus({ ...quiet, ribbon5m: "bullish", ribbon1h: "bullish" })).toEqual({
      long_bonus: 10,
      short_bonus: 0,
      reasoning: ["EMA ribbon bullish on 5m and 1h (+10)"],
    });
    expect(taBonus({ ...quiet, ribbon5m: "bearish", ribbon1h: "bearish" }).short_bonus).toBe(10);
    expect(taBonus({ ...quiet, ribbon5m: "bullish", ribbon1h: "mixed" }).long_bonus).toBe(0);
    expect(taBonus({ ...quiet, ribbon5m: "bullish", ribbon1h: "bearish" })).toEqual({ long_bonus: 0, short_bonus: 0, reasoning: [] });
  });

  test("squeeze counts only on the bar it fires, for the momentum's side", () => {
    const fired = { ...quiet.squeeze, squeeze: "fired" as const, momentum: -0.2, direction: "bearish" as const, bars_in_squeeze: 6 };
    expect(taBonus({ ...quiet, squeeze: fired })).toEqual({
      long_bonus: 0,
      short_bonus: 15,
      reasoning: ["TTM squeeze fired bearish on 5m after 6 bars (+15)"],
    });
    expect(taBonus({ ...quiet, squeeze: { ...fired, squeeze: "on" } }).short_bonus).toBe(0);
    expect(taBonus({ ...quiet, squeeze: { ...fired, momentum: 0, direction: "neutral" } }).short_bonus).toBe(0);
  });

  test("everything bullish adds up to 45 with three reasons", () => {
    const result = taBonus({
      ribbon5m: "bullish",
      ribbon1h: "bullish",
      squeeze: { squeeze: "fired", momentum: 1, direction: "bullish", bars_in_squeeze: 3, timeframe: "5m" },
      divergence: { divergence: "bullish", strength: 70, candles_ago: 4, stoch_k: 20, stoch_d: 15 },
    });
    expect(result.long_bonus).toBe(45);
    expect(result.short_bonus).toBe(0);
    expect(result.reasoning).toEqual([
      "EMA ribbon bullish on 5m and 1h (+10)",
      "TTM squeeze fired bullish on 5m after 3 bars (+15)",
      "Stoch RSI bullish divergence 4 candles ago, strength 70 (+20)",
    ]);
  });
});
