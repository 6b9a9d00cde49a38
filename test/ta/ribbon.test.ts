/** EMA ribbon state and spread, on inputs whose answer follows from the definitions. */
import { describe, expect, test } from "bun:test";
import { EmaRibbon, spreadCapPct } from "../../src/ta/ribbon.ts";

function ribbonOf(closes: number[]): EmaRibbon {
  const r = new EmaRibbon();
  for (const c of closes) r.add(c);
  return r;
}

const ramp = (n: number, from: number, step: number) => Array.from({ length: n }, (_, i) => from + i * step);

describe("ribbon state", () => {
  test("mixed while EMA89 warms up, even on a clean trend", () => {
    const r = ribbonOf(ramp(88, 100, 1));
    expect(r.state).toBe("mixed");
    expect(r.value).toBeNull();
    expect(r.values.ema8).not.toBeNull();
    expect(r.values.ema89).toBeNull();
  });
  test("a steady rise stacks fast over slow: bullish", () => {
    // On a linear ramp an EMA lags by (n−1)/2 steps, so shorter EMAs sit higher.
    expect(ribbonOf(ramp(200, 100, 1)).state).toBe("bullish");
  });
  test("a steady fall: bearish", () => {
    expect(ribbonOf(ramp(200, 500, -1)).state).toBe("bearish");
  });
  test("flat: all EMAs equal, neither strictly ordered: mixed, spread 0", () => {
    const r = ribbonOf(Array(120).fill(42));
    expect(r.state).toBe("mixed");
    expect(r.spread("5m")).toBe(0);
  });
  test("a turn after a rise (fast EMAs fall below slow ones first): mixed", () => {
    expect(ribbonOf([...ramp(150, 100, 1), ...ramp(12, 249, -3)]).state).toBe("mixed");
  });
});

describe("ribbon spread", () => {
  test("on a ramp the fan-out is the lag gap of EMA8 vs EMA89: (88−7)/2 = 40.5 steps", () => {
    // After the SMA seed has washed out, EMA(n) on a ramp of slope s trails by s·(n−1)/2.
    const closes = ramp(2000, 1000, 0.01);
    const r = ribbonOf(closes);
    const last = closes.at(-1) as number;
    const pct = (100 * 0.01 * 40.5) / last;
    expect(r.spread("5m")).toBeCloseTo((100 * pct) / spreadCapPct("5m"), 6);
    expect(r.spread("1h")).toBeCloseTo((100 * pct) / spreadCapPct("1h"), 6);
  });
  test("caps: 2 % on 5m, 2 %·√12 on 1h; clamps at 100", () => {
    expect(spreadCapPct("5m")).toBe(2);
    expect(spreadCapPct("1h")).toBeCloseTo(2 * Math.sqrt(12), 12);
    expect(ribbonOf(ramp(200, 100, 5)).spread("5m")).toBe(100);
  });
});
