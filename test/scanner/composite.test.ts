/** Composite = base + TA bonus (capped at 30), applied to `total` only with use_ta_signals. */
import { describe, expect, test } from "bun:test";
import type { BaseScore } from "../../src/scanner/base-score.ts";
import { compositeScore } from "../../src/scanner/composite.ts";
import type { TaResult } from "../../src/ta/result.ts";

const ribbonValues = { ema8: null, ema13: null, ema21: null, ema34: null, ema55: null, ema89: null };
function taWithBonus(long: number, short: number): TaResult {
  return {
    symbol: "BTCUSDT",
    timestamp: 0,
    ema_ribbon: { state_5m: "mixed", state_1h: "mixed", spread_5m: 0, spread_1h: 0, values: { "5m": ribbonValues, "1h": ribbonValues } },
    ttm_squeeze: { squeeze: "none", momentum: null, direction: "neutral", bars_in_squeeze: 0, timeframe: "5m" },
    stoch_rsi_divergence: { divergence: "none", strength: 0, candles_ago: null, stoch_k: null, stoch_d: null },
    composite_score_adjustment: { long_bonus: long, short_bonus: short, reasoning: [] },
  };
}
const score: BaseScore = { long: 45, short: 20, components: [] };

describe("composite score", () => {
  test("display-only by default: the bonus is shown beside the base, which stays the total", () => {
    const c = compositeScore(score, taWithBonus(25, 0), false);
    // Not "45 + 25 = 70": the trader compares 45, and the text must add up to what counts.
    expect(c.long).toEqual({ base: 45, bonus: 25, total: 45, text: "45 (+25 TA, not used)", applied: false });
    expect(c.short).toEqual({ base: 20, bonus: 0, total: 20, text: "20", applied: false });
  });

  test("with TA signals the total adds the bonus", () => {
    const c = compositeScore(score, taWithBonus(25, 10), true);
    expect(c.long.total).toBe(70);
    expect(c.short.total).toBe(30);
    expect(c.short.text).toBe("20 + 10 = 30");
  });

  test("the bonus is capped at +30 (a full 45 counts as 30)", () => {
    const c = compositeScore({ long: 90, short: 0, components: [] }, taWithBonus(45, 35), true);
    expect(c.long).toEqual({ base: 90, bonus: 30, total: 120, text: "90 + 30 = 120", applied: true });
    expect(c.short.bonus).toBe(30);
  });
});
