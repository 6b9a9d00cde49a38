/**
 * Indicator series over a window of candles of any one timeframe, for drawing
 * a chart: the EMA ribbon, the TTM squeeze state and momentum, Stoch RSI %K/%D,
 * and where Stoch RSI divergences were found.
 *
 * The same streaming classes as the live engine (CandleIndicators, read through
 * its `writeRow`, the `ta` command's columns; StochDivergence fed exactly as
 * SymbolTa feeds it), run once over the window: the chart shows what the engine
 * computes, never a second implementation. Every candle is `add`ed; the last
 * one may be the forming candle (an add of it equals the engine's replace).
 *
 * Divergences are marked at the newer pivot of each pivot pair the detector
 * reported, once per pair, with the bar on which it became known (k bars after
 * the pivot: nothing is redrawn after the fact).
 */
import type { Candle } from "../market/candle.ts";
import { CANDLE_OUTPUTS, CandleIndicators } from "./candle-indicators.ts";
import { StochDivergence } from "./divergence.ts";

export type SqueezeState = "on" | "off" | "none";

export interface DivergenceMark {
  /** Open time of the newer pivot's bar. */
  t: number;
  kind: "bullish" | "bearish";
  /** 0–100, see divergence.ts. */
  strength: number;
  /** Open time of the bar on which the divergence was first reported. */
  seen_t: number;
}

export interface ChartSeries {
  /** Open times (ms), oldest first; every other column is aligned with it. */
  t: number[];
  o: number[];
  h: number[];
  l: number[];
  c: number[];
  ema8: (number | null)[];
  ema13: (number | null)[];
  ema21: (number | null)[];
  ema34: (number | null)[];
  ema55: (number | null)[];
  ema89: (number | null)[];
  /** on: Bollinger inside Keltner (compression); off: outside; none: neither, or warming up. */
  squeeze: SqueezeState[];
  momentum: (number | null)[];
  stoch_k: (number | null)[];
  stoch_d: (number | null)[];
  /** Oldest first; only those whose pivot lies inside the returned bars. */
  divergences: DivergenceMark[];
}

export const RIBBON_KEYS = ["ema8", "ema13", "ema21", "ema34", "ema55", "ema89"] as const;

const column = (name: (typeof CANDLE_OUTPUTS)[number]): number => CANDLE_OUTPUTS.indexOf(name);
const RIBBON_COLUMNS = RIBBON_KEYS.map(column);
const K = column("stochrsi_k");
const D = column("stochrsi_d");
const ON = column("squeeze_on");
const OFF = column("squeeze_off");
const MOMENTUM = column("squeeze_momentum");

const valueOrNull = (x: number): number | null => (Number.isNaN(x) ? null : x);

/**
 * Runs the indicators over `candles` (one timeframe, strictly increasing open
 * times, already validated by the candle store) and returns the last `keep`
 * bars of every series: the bars before them only warm the indicators up.
 */
export function chartSeries(candles: readonly Candle[], keep: number = candles.length): ChartSeries {
  const from = Math.max(0, candles.length - Math.max(0, Math.floor(keep)));
  const out: ChartSeries = {
    t: [], o: [], h: [], l: [], c: [],
    ema8: [], ema13: [], ema21: [], ema34: [], ema55: [], ema89: [],
    squeeze: [], momentum: [], stoch_k: [], stoch_d: [], divergences: [],
  };
  const indicators = new CandleIndicators();
  const divergence = new StochDivergence();
  const row = new Float64Array(CANDLE_OUTPUTS.length);
  const reported = new Set<string>();
  for (let i = 0; i < candles.length; i++) {
    const candle = candles[i] as Candle;
    indicators.add(candle);
    divergence.add({ close: candle.c, k: indicators.stochRsi.k });
    const found = divergence.value;
    if (found && found.divergence !== "none" && found.candles_ago !== null) {
      const pivot = i - found.candles_ago;
      const key = `${found.divergence}:${pivot}`;
      if (!reported.has(key) && pivot >= from) {
        out.divergences.push({ t: (candles[pivot] as Candle).t, kind: found.divergence, strength: found.strength, seen_t: candle.t });
      }
      reported.add(key);
    }
    if (i < from) continue;
    indicators.writeRow(row, 0);
    out.t.push(candle.t);
    out.o.push(candle.o);
    out.h.push(candle.h);
    out.l.push(candle.l);
    out.c.push(candle.c);
    RIBBON_KEYS.forEach((key, j) => out[key].push(valueOrNull(row[RIBBON_COLUMNS[j] as number] as number)));
    out.squeeze.push(row[ON] === 1 ? "on" : row[OFF] === 1 ? "off" : "none");
    out.momentum.push(valueOrNull(row[MOMENTUM] as number));
    out.stoch_k.push(valueOrNull(row[K] as number));
    out.stoch_d.push(valueOrNull(row[D] as number));
  }
  return out;
}

/** The last `count` bars of `series` (divergences kept whole: they are few and may lie further back). */
export function seriesTail(series: ChartSeries, count: number): ChartSeries {
  const n = Math.max(0, series.t.length - count);
  const slice = <T>(values: T[]): T[] => values.slice(n);
  return {
    t: slice(series.t), o: slice(series.o), h: slice(series.h), l: slice(series.l), c: slice(series.c),
    ema8: slice(series.ema8), ema13: slice(series.ema13), ema21: slice(series.ema21),
    ema34: slice(series.ema34), ema55: slice(series.ema55), ema89: slice(series.ema89),
    squeeze: slice(series.squeeze), momentum: slice(series.momentum),
    stoch_k: slice(series.stoch_k), stoch_d: slice(series.stoch_d),
    divergences: series.divergences,
  };
}
