/** Hand-derivable facts about each indicator: small inputs worked out on paper. */
import { describe, expect, test } from "bun:test";
import { Ema } from "../../src/ta/ema.ts";
import { LinRegValue } from "../../src/ta/linreg.ts";
import { RollingMax, RollingMin } from "../../src/ta/rolling-extreme.ts";
import { Rsi } from "../../src/ta/rsi.ts";
import { ShortSma } from "../../src/ta/short-sma.ts";
import { Sma, StdDev } from "../../src/ta/window-stats.ts";
import { StochRsi } from "../../src/ta/stoch-rsi.ts";
import { TrueRange } from "../../src/ta/true-range.ts";
import { ValueRing } from "../../src/ta/value-ring.ts";

function feed<T extends { add(x: number): void; value: number | null }>(ind: T, xs: number[]): (number | null)[] {
  return xs.map((x) => (ind.add(x), ind.value));
}

describe("EMA", () => {
  test("seeds with the SMA of the first n, then α = 2/(n+1)", () => {
    // n = 3: seed (1+2+3)/3 = 2; α = 0.5: 2 + 0.5·(4 − 2) = 3; 3 + 0.5·(7 − 3) = 5.
    expect(feed(new Ema(3), [1, 2, 3, 4, 7])).toEqual([null, null, 2, 3, 5]);
  });
  test("rejects a non-integer period", () => {
    expect(() => new Ema(2.5)).toThrow("EMA period must be a positive integer");
  });
});

describe("SMA and population stdev", () => {
  test("SMA(3)", () => {
    expect(feed(new Sma(3), [3, 6, 9, 12])).toEqual([null, null, 6, 9]);
  });
  test("short SMA(3) and its limits", () => {
    expect(feed(new ShortSma(3), [3, 6, 9, 12])).toEqual([null, null, 6, 9]);
    expect(() => new ShortSma(9)).toThrow("short SMA period must be an integer 1–8, got 9");
  });
  test("population stdev of 2,4,4,4,5,5,7,9 is 2", () => {
    const values = feed(new StdDev(8), [2, 4, 4, 4, 5, 5, 7, 9]);
    expect(values[7]).toBeCloseTo(2, 14);
  });
  test("re-basing keeps a tiny spread exact at a huge price level over many steps", () => {
    // Price ~1e6 moving in steps of 1e-3: naive running Σx and Σx² lose every digit of
    // the variance; the shifted, re-based sums must track a two-pass computation.
    const n = 20;
    const sd = new StdDev(n);
    const sma = new Sma(n);
    const window: number[] = [];
    let worstSd = 0;
    let worstMean = 0;
    for (let i = 0; i < 100_000; i++) {
      const x = 1e6 + 100 * Math.sin(i / 5000) + 1e-3 * ((i * 7919) % 13);
      sd.add(x);
      sma.add(x);
      window.push(x);
      if (window.length > n) window.shift();
      if (window.length < n) continue;
      const mean = window.reduce((a, b) => a + b, 0) / n;
      const exactSd = Math.sqrt(window.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
      worstSd = Math.max(worstSd, Math.abs((sd.value as number) - exactSd) / exactSd);
      worstMean = Math.max(worstMean, Math.abs((sma.value as number) - mean) / mean);
    }
    expect(worstSd).toBeLessThan(1e-12);
    expect(worstMean).toBeLessThan(1e-14);
  });
});

describe("rolling max / min", () => {
  test("windows of 3 over 5 1 3 2 0 4", () => {
    expect(feed(new RollingMax(3), [5, 1, 3, 2, 0, 4])).toEqual([null, null, 5, 3, 3, 4]);
    expect(feed(new RollingMin(3), [5, 1, 3, 2, 0, 4])).toEqual([null, null, 1, 1, 0, 0]);
  });
  test("replace can lower the extreme it had raised", () => {
    const max = new RollingMax(3);
    feed(max, [1, 2, 3]);
    max.replace(10);
    expect(max.value).toBe(10);
    max.replace(0);
    expect(max.value).toBe(2);
  });
});

describe("linear regression value at the newest bar", () => {
  test("points on a line return the newest point", () => {
    expect(feed(new LinRegValue(4), [1, 3, 5, 7, 9])).toEqual([null, null, null, 7, 9]);
  });
  test("1 3 2 fits slope 0.5 through mean 2: value 2.5", () => {
    expect(feed(new LinRegValue(3), [1, 3, 2])[2]).toBeCloseTo(2.5, 14);
  });
});

describe("Wilder RSI", () => {
  test("RSI(2) over 10 11 10 12", () => {
    // Changes +1, −1: averages 0.5/0.5 → 50. Then +2: gain (0.5+2)/2 = 1.25,
    // loss (0.5+0)/2 = 0.25 → 100·1.25/1.5 = 83.33…
    const values = feed(new Rsi(2), [10, 11, 10, 12]);
    expect(values.slice(0, 2)).toEqual([null, null]);
    expect(values[2]).toBe(50);
    expect(values[3]).toBeCloseTo(250 / 3, 12);
  });
  test("only rises → 100; only falls → 0; perfectly flat → 50", () => {
    expect(feed(new Rsi(3), [1, 2, 3, 4, 5]).at(-1)).toBe(100);
    expect(feed(new Rsi(3), [5, 4, 3, 2, 1]).at(-1)).toBe(0);
    expect(feed(new Rsi(3), [2, 2, 2, 2, 2]).at(-1)).toBe(50);
  });
});

describe("Stoch RSI", () => {
  test("warm-up: %K at close 30 (index 29), %D at index 31", () => {
    const st = new StochRsi();
    const ks: (number | null)[] = [];
    const ds: (number | null)[] = [];
    for (let i = 0; i < 40; i++) {
      st.add(100 + 10 * Math.sin(i));
      ks.push(st.value?.k ?? null);
      ds.push(st.value?.d ?? null);
    }
    expect(ks.findIndex((x) => x !== null)).toBe(29);
    expect(ds.findIndex((x) => x !== null)).toBe(31);
  });
  test("raw is 50 when RSI did not move over the window (max == min)", () => {
    const st = new StochRsi(2, 3, 1, 1);
    // A flat market: RSI(2) is 50 from the 3rd close on, so min == max.
    for (let i = 0; i < 10; i++) st.add(7);
    expect(st.value).toEqual({ k: 50, d: 50 });
  });
  test("RSI at the top of its range reads 100, at the bottom 0", () => {
    const up = new StochRsi(2, 3, 1, 1);
    // Accelerating rise after a dip: each RSI(2) is the highest of the last 3.
    for (const c of [10, 9, 8, 9, 11, 14, 18]) up.add(c);
    expect(up.value?.k).toBe(100);
    const down = new StochRsi(2, 3, 1, 1);
    for (const c of [10, 11, 12, 11, 9, 6, 2]) down.add(c);
    expect(down.value?.k).toBe(0);
  });
});

describe("true range", () => {
  test("first bar is high − low; then gaps count", () => {
    const tr = new TrueRange();
    tr.add({ h: 10, l: 8, c: 9 });
    expect(tr.value).toBe(2);
    tr.add({ h: 13, l: 12, c: 12.5 }); // gap up from 9: 13 − 9
    expect(tr.value).toBe(4);
    tr.add({ h: 12, l: 11, c: 11.5 }); // inside prev close 12.5: 12.5 − 11
    expect(tr.value).toBe(1.5);
  });
});

describe("value ring", () => {
  test("reads back, replaces the newest, keeps the last n", () => {
    const ring = new ValueRing(3);
    expect(ring.at(0)).toBeNaN();
    for (const x of [1, 2, 3, 4]) ring.add(x);
    ring.replace(5);
    expect(ring.latest(10)).toEqual([2, 3, 5]);
    expect(ring.at(2)).toBe(2);
    expect(ring.at(3)).toBeNaN();
  });
});
