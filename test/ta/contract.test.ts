/**
 * The streaming contract, for every indicator: `add(a); replace(b)` must leave exactly
 * the state `add(b)` would (every later value equal, bit for bit), a forming candle
 * may tick any number of times, replacing the last input with itself changes nothing,
 * and `isStable` is `value !== null`. Inputs are the real ETH/BTC candles; the wrong
 * values are far off (×1.5 / ×0.6) so that a replace that forgot to undo window
 * evictions, deque pops or re-basing would show.
 */
import { beforeAll, describe, expect, test } from "bun:test";
import type { Candle } from "../../src/market/candle.ts";
import { Bollinger } from "../../src/ta/bollinger.ts";
import { StochDivergence, type DivergenceInput } from "../../src/ta/divergence.ts";
import { Ema } from "../../src/ta/ema.ts";
import type { Bar, StreamingIndicator } from "../../src/ta/indicator.ts";
import { Keltner } from "../../src/ta/keltner.ts";
import { LinRegValue } from "../../src/ta/linreg.ts";
import { EmaRibbon } from "../../src/ta/ribbon.ts";
import { RollingMax, RollingMin } from "../../src/ta/rolling-extreme.ts";
import { Rsi } from "../../src/ta/rsi.ts";
import { ShortSma } from "../../src/ta/short-sma.ts";
import { Sma, StdDev } from "../../src/ta/window-stats.ts";
import { TtmSqueeze } from "../../src/ta/squeeze.ts";
import { StochRsi } from "../../src/ta/stoch-rsi.ts";
import { TrueRange } from "../../src/ta/true-range.ts";
import { loadCandles } from "./fixtures.ts";

/** Long enough for every warm-up (89), many re-bases and deque turnovers. */
const STEPS = 1500;

let candles: Candle[];
let closes: number[];
let divergenceInputs: DivergenceInput[];

beforeAll(async () => {
  candles = (await loadCandles()).slice(0, STEPS);
  closes = candles.map((c) => c.c);
  const st = new StochRsi();
  divergenceInputs = closes.map((c) => (st.add(c), { close: c, k: st.k }));
});

const factor = (i: number, j: number): number => ((i + j) % 2 === 0 ? 1.5 : 0.6);
const wrongNumber = (x: number, i: number, j: number): number => x * factor(i, j);
const wrongBar = (b: Bar, i: number, j: number): Bar => {
  const f = factor(i, j);
  return { h: b.h * f, l: b.l * f, c: b.c * f };
};
const wrongDivergence = (d: DivergenceInput, i: number, j: number): DivergenceInput => ({
  close: d.close * factor(i, j),
  k: Number.isNaN(d.k) ? d.k : 100 - d.k,
});

interface Case<I> {
  name: string;
  make: () => StreamingIndicator<I, unknown>;
  inputs: () => I[];
  wrong: (x: I, i: number, j: number) => I;
}

function values<I>(c: Case<I>, feed: (ind: StreamingIndicator<I, unknown>, x: I, i: number) => void): unknown[] {
  const ind = c.make();
  return c.inputs().map((x, i) => {
    feed(ind, x, i);
    expect(ind.isStable).toBe(ind.value !== null);
    return ind.value;
  });
}

function contract<I>(c: Case<I>): void {
  describe(c.name, () => {
    test("add(wrong) then replace(true) equals add(true), at every step", () => {
      const addOnly = values(c, (ind, x) => ind.add(x));
      const replaced = values(c, (ind, x, i) => {
        ind.add(c.wrong(x, i, 0));
        ind.replace(x);
      });
      expect(replaced).toEqual(addOnly);
      expect(addOnly.some((v) => v !== null)).toBe(true);
    });

    test("a forming input may tick several times before it settles", () => {
      const addOnly = values(c, (ind, x) => ind.add(x));
      const ticked = values(c, (ind, x, i) => {
        ind.add(c.wrong(x, i, 0));
        ind.replace(c.wrong(x, i, 1));
        ind.replace(c.wrong(x, i, 0));
        ind.replace(x);
      });
      expect(ticked).toEqual(addOnly);
    });

    test("replacing the last input with itself changes nothing", () => {
      const addOnly = values(c, (ind, x) => ind.add(x));
      const same = values(c, (ind, x) => {
        ind.add(x);
        const before = ind.value;
        ind.replace(x);
        expect(ind.value).toEqual(before);
      });
      expect(same).toEqual(addOnly);
    });

    test("replace before any add acts as add", () => {
      const a = c.make();
      const b = c.make();
      const first = c.inputs()[0] as I;
      a.add(first);
      b.replace(first);
      expect(b.value).toEqual(a.value);
      expect(b.isStable).toBe(a.isStable);
    });
  });
}

const numbers = () => closes;
const bars = () => candles;

contract({ name: "Ema(8)", make: () => new Ema(8), inputs: numbers, wrong: wrongNumber });
contract({ name: "Ema(89)", make: () => new Ema(89), inputs: numbers, wrong: wrongNumber });
contract({ name: "Sma(20)", make: () => new Sma(20), inputs: numbers, wrong: wrongNumber });
contract({ name: "ShortSma(3)", make: () => new ShortSma(3), inputs: numbers, wrong: wrongNumber });
contract({ name: "StdDev(20)", make: () => new StdDev(20), inputs: numbers, wrong: wrongNumber });
contract({ name: "RollingMax(14)", make: () => new RollingMax(14), inputs: numbers, wrong: wrongNumber });
contract({ name: "RollingMin(14)", make: () => new RollingMin(14), inputs: numbers, wrong: wrongNumber });
contract({ name: "LinRegValue(20)", make: () => new LinRegValue(20), inputs: numbers, wrong: wrongNumber });
contract({ name: "Rsi(14)", make: () => new Rsi(14), inputs: numbers, wrong: wrongNumber });
contract({ name: "StochRsi(14,14,3,3)", make: () => new StochRsi(), inputs: numbers, wrong: wrongNumber });
contract({ name: "EmaRibbon", make: () => new EmaRibbon(), inputs: numbers, wrong: wrongNumber });
contract({ name: "Bollinger(20,2)", make: () => new Bollinger(), inputs: numbers, wrong: wrongNumber });
contract({ name: "TrueRange", make: () => new TrueRange(), inputs: bars, wrong: wrongBar });
contract({ name: "Keltner(20,1.5)", make: () => new Keltner(), inputs: bars, wrong: wrongBar });
contract({ name: "TtmSqueeze", make: () => new TtmSqueeze(), inputs: bars, wrong: wrongBar });
contract({ name: "StochDivergence", make: () => new StochDivergence(), inputs: () => divergenceInputs, wrong: wrongDivergence });
