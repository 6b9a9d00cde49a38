/** The base score, worked out by hand from the table in src/scanner/base-score.ts. */
import { describe, expect, test } from "bun:test";
import { type BaseScoreInputs, baseScore } from "../../src/scanner/base-score.ts";

const empty: BaseScoreInputs = {
  price: 100,
  ema21_1h: null,
  ema55_1h: null,
  ema21_4h: null,
  ema55_4h: null,
  rsi_1h: null,
  change_24h_pct: null,
  volume_ratio: null,
  last_hour_move: null,
  high_24h: null,
  low_24h: null,
};

const byName = (inputs: BaseScoreInputs) => Object.fromEntries(baseScore(inputs).components.map((c) => [c.name, c]));

describe("base score", () => {
  test("no data yet: every component 0/0 and says what it waits for", () => {
    const score = baseScore(empty);
    expect(score.long).toBe(0);
    expect(score.short).toBe(0);
    expect(score.components.map((c) => c.name)).toEqual(["trend_1h", "trend_4h", "rsi_1h", "change_24h", "volume_surge", "range_position"]);
    for (const c of score.components) expect(c.detail).toStartWith("waiting for");
  });

  test("a strong uptrend at the top of its range", () => {
    const inputs: BaseScoreInputs = {
      price: 110,
      ema21_1h: 105, // price above: long +10; EMA21 > EMA55: long +10
      ema55_1h: 100,
      ema21_4h: 104, // long +8 +7
      ema55_4h: 98,
      rsi_1h: 66, // long 15·(70−66)/40 = 1.5 → 2; short 15·(66−30)/40 = 13.5 → 14
      change_24h_pct: 3, // long 15·3/5 = 9
      volume_ratio: 2, // 15·(2−1)/2 = 7.5 → 8, to the long side (last hour rose)
      last_hour_move: 1.5,
      high_24h: 112, // position (110−90)/22 = 0.909…: long 20·0.0909 = 1.8 → 2, short 18.18 → 18
      low_24h: 90,
    };
    const c = byName(inputs);
    expect([c.trend_1h!.long, c.trend_1h!.short]).toEqual([20, 0]);
    expect([c.trend_4h!.long, c.trend_4h!.short]).toEqual([15, 0]);
    expect([c.rsi_1h!.long, c.rsi_1h!.short]).toEqual([2, 14]);
    expect([c.change_24h!.long, c.change_24h!.short]).toEqual([9, 0]);
    expect([c.volume_surge!.long, c.volume_surge!.short]).toEqual([8, 0]);
    expect([c.range_position!.long, c.range_position!.short]).toEqual([2, 18]);
    const score = baseScore(inputs);
    expect(score.long).toBe(20 + 15 + 2 + 9 + 8 + 2);
    expect(score.short).toBe(14 + 18);
    expect(c.trend_1h!.detail).toBe("price > EMA21 > EMA55 on 1h");
    expect(c.change_24h!.detail).toBe("24h change +3.00%");
  });

  test("a crash: short side takes the mirrored points, extremes clamp", () => {
    const c = byName({
      price: 80,
      ema21_1h: 90,
      ema55_1h: 95,
      ema21_4h: 92,
      ema55_4h: 93,
      rsi_1h: 20, // long full 15 (≤ 30), short 0
      change_24h_pct: -12, // short full 15
      volume_ratio: 5, // full 15 to the short side (last hour fell)
      last_hour_move: -2,
      high_24h: 100,
      low_24h: 80, // at the low: long 20, short 0
    });
    expect([c.trend_1h!.long, c.trend_1h!.short]).toEqual([0, 20]);
    expect([c.trend_4h!.long, c.trend_4h!.short]).toEqual([0, 15]);
    expect([c.rsi_1h!.long, c.rsi_1h!.short]).toEqual([15, 0]);
    expect([c.change_24h!.long, c.change_24h!.short]).toEqual([0, 15]);
    expect([c.volume_surge!.long, c.volume_surge!.short]).toEqual([0, 15]);
    expect([c.range_position!.long, c.range_position!.short]).toEqual([20, 0]);
  });

  test("volume below average and a flat hour give no surge points", () => {
    expect(byName({ ...empty, volume_ratio: 0.5, last_hour_move: 3 }).volume_surge).toMatchObject({ long: 0, short: 0 });
    expect(byName({ ...empty, volume_ratio: 4, last_hour_move: 0 }).volume_surge).toMatchObject({ long: 0, short: 0 });
  });

  test("maximum per side is 100", () => {
    const best = baseScore({
      price: 100,
      ema21_1h: 90,
      ema55_1h: 80,
      ema21_4h: 90,
      ema55_4h: 80,
      rsi_1h: 10,
      change_24h_pct: 50,
      volume_ratio: 9,
      last_hour_move: 1,
      high_24h: 200,
      low_24h: 100,
    });
    expect(best.long).toBe(100);
  });

  test("deterministic: same inputs, same output", () => {
    const inputs = { ...empty, rsi_1h: 47.3, change_24h_pct: -1.7 };
    expect(baseScore(inputs)).toEqual(baseScore({ ...inputs }));
  });
});
