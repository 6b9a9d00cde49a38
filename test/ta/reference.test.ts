/**
 * Known data: our streaming indicators against the pandas-ta reference series for the
 * real ETH/BTC 5m candles (test/fixtures). Each indicator is run on its own, through
 * its public class, and then all together through CandleIndicators.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Candle } from "../../src/market/candle.ts";
import { Bollinger } from "../../src/ta/bollinger.ts";
import { CandleIndicators } from "../../src/ta/candle-indicators.ts";
import { Ema } from "../../src/ta/ema.ts";
import { Keltner } from "../../src/ta/keltner.ts";
import { Rsi } from "../../src/ta/rsi.ts";
import { TtmSqueeze } from "../../src/ta/squeeze.ts";
import { StochRsi } from "../../src/ta/stoch-rsi.ts";
import { compareSeries, FLAG_SERIES, loadCandles, loadReference, NUMERIC_SERIES, type ReferenceSeries } from "./fixtures.ts";

let candles: Candle[];
let ref: ReferenceSeries;

beforeAll(async () => {
  candles = await loadCandles();
  ref = await loadReference();
});

describe("reference fixture", () => {
  test("candles and reference are aligned and long enough", () => {
    expect(candles.length).toBe(5760);
    expect(ref.t).toEqual(candles.map((c) => c.t));
    for (const name of [...NUMERIC_SERIES, ...FLAG_SERIES]) expect(ref[name]?.length).toBe(candles.length);
  });
});

describe("each indicator alone matches pandas-ta", () => {
  for (const period of [8, 13, 21, 34, 55, 89]) {
    test(`EMA ${period}`, () => {
      const ema = new Ema(period);
      const out = candles.map((c) => (ema.add(c.c), ema.value));
      expect(compareSeries(`ema${period}`, out, ref[`ema${period}`]!)).toEqual([]);
      // Warm-up: the first value is at the n-th close.
      expect(out.findIndex((x) => x !== null)).toBe(period - 1);
    });
  }

  test("Bollinger (20, 2.0, ddof 0)", () => {
    const bb = new Bollinger(20, 2);
    const upper: (number | null)[] = [];
    const middle: (number | null)[] = [];
    const lower: (number | null)[] = [];
    for (const c of candles) {
      bb.add(c.c);
      const v = bb.value;
      upper.push(v?.upper ?? null);
      middle.push(v?.middle ?? null);
      lower.push(v?.lower ?? null);
    }
    expect(compareSeries("bb_upper", upper, ref.bb_upper!)).toEqual([]);
    expect(compareSeries("bb_middle", middle, ref.bb_middle!)).toEqual([]);
    expect(compareSeries("bb_lower", lower, ref.bb_lower!)).toEqual([]);
  });

  test("Keltner (SMA close ± 1.5·SMA true range, 20)", () => {
    const kc = new Keltner(20, 1.5);
    const upper: (number | null)[] = [];
    const middle: (number | null)[] = [];
    const lower: (number | null)[] = [];
    for (const c of candles) {
      kc.add(c);
      const v = kc.value;
      upper.push(v?.upper ?? null);
      middle.push(v?.middle ?? null);
      lower.push(v?.lower ?? null);
    }
    expect(compareSeries("kc_upper", upper, ref.kc_upper!)).toEqual([]);
    expect(compareSeries("kc_middle", middle, ref.kc_middle!)).toEqual([]);
    expect(compareSeries("kc_lower", lower, ref.kc_lower!)).toEqual([]);
  });

  test("TTM squeeze flags agree exactly and momentum to 1e-9", () => {
    const sq = new TtmSqueeze();
    const on: boolean[] = [];
    const off: boolean[] = [];
    const momentum: (number | null)[] = [];
    for (const c of candles) {
      sq.add(c);
      on.push(sq.value?.on ?? false);
      off.push(sq.value?.off ?? false);
      momentum.push(sq.value?.momentum ?? null);
    }
    expect(on).toEqual(ref.squeeze_on as boolean[]);
    expect(off).toEqual(ref.squeeze_off as boolean[]);
    expect(compareSeries("squeeze_momentum", momentum, ref.squeeze_momentum!)).toEqual([]);
    // The data has both states, so the comparison is not vacuous.
    expect(on.filter(Boolean).length).toBeGreaterThan(100);
    expect(off.filter(Boolean).length).toBeGreaterThan(100);
  });

  test("TTM squeeze fired / bars_in_squeeze follow the reference ON flags", () => {
    const sq = new TtmSqueeze();
    const refOn = ref.squeeze_on as boolean[];
    let run = 0;
    let fired = 0;
    for (let i = 0; i < candles.length; i++) {
      sq.add(candles[i]!);
      const previousRun = run;
      run = refOn[i] ? run + 1 : 0;
      const expectFired = i > 0 && refOn[i - 1] === true && !refOn[i];
      expect(sq.fired).toBe(expectFired);
      expect(sq.run).toBe(run);
      if (expectFired) {
        fired++;
        expect(sq.previousRun).toBe(previousRun);
      }
    }
    expect(fired).toBeGreaterThan(10);
  });

  test("Wilder RSI 14", () => {
    const rsi = new Rsi(14);
    const out = candles.map((c) => (rsi.add(c.c), rsi.value));
    expect(compareSeries("rsi14", out, ref.rsi14!)).toEqual([]);
    expect(out.findIndex((x) => x !== null)).toBe(14);
  });

  test("Stoch RSI (14,14,3,3)", () => {
    const st = new StochRsi(14, 14, 3, 3);
    const k: (number | null)[] = [];
    const d: (number | null)[] = [];
    for (const c of candles) {
      st.add(c.c);
      k.push(st.value?.k ?? null);
      d.push(st.value?.d ?? null);
    }
    expect(compareSeries("stochrsi_k", k, ref.stochrsi_k!)).toEqual([]);
    expect(compareSeries("stochrsi_d", d, ref.stochrsi_d!)).toEqual([]);
  });
});

describe("all indicators together (CandleIndicators)", () => {
  test("every series matches, add-only and with a forming candle before each close", () => {
    const series = (feed: (ind: CandleIndicators, c: Candle) => void) => {
      const ind = new CandleIndicators();
      const out: Record<string, (number | boolean | null)[]> = {};
      const push = (name: string, x: number | boolean) => (out[name] ??= []).push(typeof x === "number" && Number.isNaN(x) ? null : x);
      for (const c of candles) {
        feed(ind, c);
        const r = ind.ribbon;
        const s = ind.squeeze;
        push("ema8", r.ema8.raw);
        push("ema13", r.ema13.raw);
        push("ema21", r.ema21.raw);
        push("ema34", r.ema34.raw);
        push("ema55", r.ema55.raw);
        push("ema89", r.ema89.raw);
        push("bb_upper", s.bbUpper);
        push("bb_middle", s.bbMiddle);
        push("bb_lower", s.bbLower);
        push("kc_upper", s.kcUpper);
        push("kc_middle", s.kcMiddle);
        push("kc_lower", s.kcLower);
        push("squeeze_on", s.on);
        push("squeeze_off", s.off);
        push("squeeze_momentum", s.momentum);
        push("rsi14", ind.rsi);
        push("stochrsi_k", ind.stochRsi.k);
        push("stochrsi_d", ind.stochRsi.d);
      }
      return out;
    };
    const addOnly = series((ind, c) => ind.add(c));
    // A forming candle first (open price everywhere), two ticks, then the close.
    const live = series((ind, c) => {
      ind.add({ h: c.o, l: c.o, c: c.o });
      ind.replace({ h: c.h, l: c.o < c.l ? c.o : c.l, c: c.h });
      ind.replace(c);
    });
    for (const name of [...NUMERIC_SERIES, ...FLAG_SERIES]) {
      expect(compareSeries(name, addOnly[name]!, ref[name]!)).toEqual([]);
      expect(live[name]).toEqual(addOnly[name]!);
    }
  });
});
