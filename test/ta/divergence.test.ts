/**
 * Stoch RSI divergence on hand-made (close, %K) sequences whose pivots are known:
 * see src/ta/divergence.ts for the pivot rule (strict, 3 bars each side) and strength.
 */
import { describe, expect, test } from "bun:test";
import { StochDivergence } from "../../src/ta/divergence.ts";

/** A V around `low` at bar index 3 of the segment: 3 bars down into it, 3 bars up. */
function vee(top: number, low: number, k: number): [number, number][] {
  const step = (top - low) / 4;
  return [
    [top, k + 30],
    [top - step, k + 20],
    [top - 2 * step, k + 10],
    [low, k],
    [top - 2 * step, k + 10],
    [top - step, k + 20],
    [top, k + 30],
  ];
}
const hat = (bottom: number, high: number, k: number): [number, number][] =>
  vee(-bottom, -high, -k).map(([c, kk]) => [-c, -kk]);

function run(bars: [number, number][]): StochDivergence {
  const d = new StochDivergence();
  for (const [close, k] of bars) d.add({ close, k });
  return d;
}

describe("divergence", () => {
  test("bullish: lower low in price, higher low in %K", () => {
    // Pivot lows at bars 3 (close 90, %K 10) and 10 (close 85, %K 30).
    const d = run([...vee(100, 90, 10), ...vee(100, 85, 30)]);
    // Strength: 60·min(1, 20/40) + 40·min(1, (5/90)/1 %) = 30 + 40 = 70.
    expect(d.value).toEqual({ divergence: "bullish", strength: 70, candles_ago: 3 });
  });

  test("no divergence when %K confirms the lower low", () => {
    expect(run([...vee(100, 90, 30), ...vee(100, 85, 10)]).value?.divergence).toBe("none");
  });

  test("bearish: higher high in price, lower high in %K", () => {
    // Pivot highs at bars 3 (close 110, %K 90) and 10 (close 110.55, %K 80).
    const d = run([...hat(100, 110, 90), ...hat(100, 110.55, 80)]);
    // Strength: 60·(10/40) + 40·min(1, 0.5 % / 1 %) = 15 + 20 = 35.
    expect(d.value).toEqual({ divergence: "bearish", strength: 35, candles_ago: 3 });
  });

  test("a pivot is confirmed only once 3 later bars are strictly higher", () => {
    const bars = [...vee(100, 90, 10), ...vee(100, 85, 30)];
    // Without the last two bars, bar 10 has only one bar after it: not a pivot yet.
    expect(run(bars.slice(0, 12)).value?.divergence).toBe("none");
    // An equal close next to the low breaks strictness.
    const flat = bars.map((b, i) => (i === 11 ? ([85, 40] as [number, number]) : b));
    expect(run(flat).value?.divergence).toBe("none");
  });

  test("the older pivot must be inside the last 50 candles", () => {
    const bars = [...vee(100, 90, 10), ...vee(100, 85, 30)];
    // Pad with a flat 100 (no pivots): the older low at bar 3 is inside while 53 − 3 < 50.
    const pad = (n: number) => Array.from({ length: n }, () => [100, 50] as [number, number]);
    expect(run([...bars, ...pad(39)]).value).toEqual({ divergence: "bullish", strength: 70, candles_ago: 42 });
    expect(run([...bars, ...pad(40)]).value?.divergence).toBe("none");
  });

  test("pivots without %K (Stoch RSI warming up) are ignored", () => {
    const bars: [number, number][] = [...vee(100, 90, 10), ...vee(100, 85, 30)];
    bars[1] = [bars[1]![0], NaN];
    expect(run(bars).value?.divergence).toBe("none");
  });

  test("when both kinds exist the more recent one wins", () => {
    const bars = [...vee(100, 90, 10), ...vee(100, 85, 30), ...hat(100, 110, 90), ...hat(100, 111, 80)];
    const v = run(bars).value;
    expect(v?.divergence).toBe("bearish");
    expect(v?.candles_ago).toBe(3);
  });

  test("null until the first pivot can be tested (7 bars)", () => {
    const d = run(vee(100, 90, 10).slice(0, 6));
    expect(d.value).toBeNull();
    d.add({ close: 100, k: 40 });
    expect(d.value).toEqual({ divergence: "none", strength: 0, candles_ago: null });
  });
});
