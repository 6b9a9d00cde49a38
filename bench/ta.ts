/**
 * TA streaming benchmark: every indicator of the TA engine (EMA 8…89, Bollinger,
 * Keltner, TTM squeeze flags and momentum, RSI, Stoch RSI %K/%D) over the real
 * ETH/BTC 5m candles, candle by candle, all 18 outputs of every bar stored (a
 * row-major Float64Array, the same layout for both contenders).
 *
 * - `ta.stream.full`: our engine (src/ta/candle-indicators.ts).
 * - `ta.stream.trading-signals`: the same definitions composed from trading-signals
 *   8.3.0 classes (SMA-seeded EMA via SMA + EMA, BollingerBands, TR + SMA for Keltner,
 *   DonchianChannels + SMA + LinearRegression read at the newest bar for momentum,
 *   RSI, Period + SMA + SMA for Stoch RSI). Its outputs are checked against ours
 *   (`max_rel_diff`) so the two really do the same work.
 *
 * Both are warmed up, then timed in alternating repetitions; medians are reported
 * (see `race`). The goal: ours ≥ 5× the baseline and ≥ 4M candles/s on one core.
 * Prints one JSON object per line; `benchTa()` returns the same rows.
 */
import { BollingerBands, DonchianChannels, EMA, LinearRegression, Period, RSI, SMA, TR } from "trading-signals";
import type { Candle } from "../src/market/candle.ts";
import { CANDLE_OUTPUTS, CandleIndicators } from "../src/ta/candle-indicators.ts";

const FIXTURE = new URL("../test/fixtures/ETH_BTC-5m.json", import.meta.url);
const SERIES = CANDLE_OUTPUTS.length;
const PERIODS = [8, 13, 21, 34, 55, 89] as const;

/**
 * Every output of every bar, row-major: bar i's outputs at [i·SERIES, (i+1)·SERIES),
 * in CANDLE_OUTPUTS order, NaN during warm-up. Both contenders fill the same layout.
 */
type Outputs = Float64Array;

function newOutputs(n: number): Outputs {
  return new Float64Array(n * SERIES);
}

/** Our engine: one pass over the candles, every output stored (NaN = warm-up). */
function runOurs(candles: Candle[], out: Outputs): void {
  const ind = new CandleIndicators();
  for (let i = 0; i < candles.length; i++) {
    ind.add(candles[i] as Candle);
    ind.writeRow(out, i * SERIES);
  }
}

/** An EMA seeded with the SMA of the first n inputs, from trading-signals parts. */
class SeededEma {
  private readonly seed: SMA;
  private readonly ema: EMA;
  private started = false;
  value = NaN;
  constructor(n: number) {
    this.seed = new SMA(n);
    this.ema = new EMA(n);
  }
  add(x: number): void {
    if (!this.started) {
      const sma = this.seed.add(x);
      if (sma === null) return;
      this.started = true;
      // trading-signals' EMA seeds from its first input: give it the SMA.
      this.value = this.ema.add(sma) as number;
      return;
    }
    this.value = this.ema.add(x) as number;
  }
}

function runTradingSignals(candles: Candle[], out: Outputs): void {
  const emas = PERIODS.map((n) => new SeededEma(n));
  const bb = new BollingerBands(20, 2);
  const tr = new TR();
  const trSma = new SMA(20);
  const donchian = new DonchianChannels(20);
  const closeSma = new SMA(20);
  const regression = new LinearRegression(20);
  const rsi = new RSI(14);
  const rsiRange = new Period(14);
  const kSma = new SMA(3);
  const dSma = new SMA(3);
  for (let i = 0; i < candles.length; i++) {
    const c = candles[i] as Candle;
    const hlc = { high: c.h, low: c.l, close: c.c };
    const row = i * SERIES;
    for (let j = 0; j < 6; j++) {
      const e = emas[j] as SeededEma;
      e.add(c.c);
      out[row + j] = e.value;
    }
    const bands = bb.add(c.c);
    const range = tr.add(hlc) as number;
    const atr = trSma.add(range);
    const channel = donchian.add(hlc);
    const mean = closeSma.add(c.c);
    let bbU = NaN, bbM = NaN, bbL = NaN, kcU = NaN, kcL = NaN, mom = NaN;
    if (bands && atr !== null) {
      bbU = bands.upper;
      bbM = bands.middle;
      bbL = bands.lower;
      kcU = bands.middle + 1.5 * atr;
      kcL = bands.middle - 1.5 * atr;
    }
    if (channel && mean !== null) {
      const fit = regression.add(c.c - (channel.middle + mean) / 2);
      if (fit) mom = fit.intercept + fit.slope * 19;
    }
    out[row + 9] = bbU;
    out[row + 10] = bbM;
    out[row + 11] = bbL;
    out[row + 12] = kcU;
    out[row + 13] = bbM;
    out[row + 14] = kcL;
    out[row + 15] = bbL > kcL && bbU < kcU ? 1 : 0;
    out[row + 16] = bbL < kcL && bbU > kcU ? 1 : 0;
    out[row + 17] = mom;
    const r = rsi.add(c.c);
    let k = NaN, d = NaN;
    if (r !== null) {
      const span = rsiRange.add(r);
      if (span) {
        const raw = span.highest === span.lowest ? 50 : (100 * (r - span.lowest)) / (span.highest - span.lowest);
        const kv = kSma.add(raw);
        if (kv !== null) {
          k = kv;
          d = dSma.add(kv) ?? NaN;
        }
      }
    }
    out[row + 6] = r ?? NaN;
    out[row + 7] = k;
    out[row + 8] = d;
  }
}

/** Largest |a − b| relative to the series' scale, over all series; Infinity if warm-up differs. */
function maxRelativeDiff(a: Outputs, b: Outputs): number {
  const bars = a.length / SERIES;
  let worst = 0;
  for (let s = 0; s < SERIES; s++) {
    let scale = 0;
    for (let i = 0; i < bars; i++) {
      const x = a[i * SERIES + s] as number;
      if (!Number.isNaN(x)) scale = Math.max(scale, Math.abs(x));
    }
    for (let i = 0; i < bars; i++) {
      const x = a[i * SERIES + s] as number;
      const y = b[i * SERIES + s] as number;
      if (Number.isNaN(x) !== Number.isNaN(y)) return Infinity;
      if (!Number.isNaN(x)) worst = Math.max(worst, Math.abs(x - y) / (scale || 1));
    }
  }
  return worst;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

interface Contender {
  run: (candles: Candle[], out: Outputs) => void;
  /** Passes over the candles per timed repetition (the baseline is slower: fewer). */
  passes: number;
  out: Outputs;
  cpu: number[];
  wall: number[];
}

function timeOnce(c: Contender, candles: Candle[]): void {
  const start = Bun.nanoseconds();
  const cpuStart = process.cpuUsage();
  for (let p = 0; p < c.passes; p++) c.run(candles, c.out);
  const used = process.cpuUsage(cpuStart);
  c.wall.push((Bun.nanoseconds() - start) / 1e9);
  c.cpu.push((used.user + used.system) / 1e6);
}

function summary(c: Contender, candles: Candle[]) {
  const work = c.passes * candles.length;
  return {
    candles_per_s: Math.round(work / median(c.cpu)),
    candles_per_s_wall: Math.round(work / median(c.wall)),
    median_cpu_ms: +(median(c.cpu) * 1000).toFixed(3),
    median_wall_ms: +(median(c.wall) * 1000).toFixed(3),
    candles_per_rep: work,
    reps: c.cpu.length,
  };
}

/**
 * Warms both up, then alternates timed repetitions (ours, baseline, ours, …) so that
 * both meet the same machine load; each figure is a median over the repetitions, and
 * the ratio is the median of the per-repetition ratios. Rates use process CPU time
 * (user + system: "on one core", steadier on a shared machine); wall-clock rates are
 * reported beside them.
 */
function race(candles: Candle[], reps: number) {
  const ours: Contender = { run: runOurs, passes: 20, out: newOutputs(candles.length), cpu: [], wall: [] };
  const theirs: Contender = { run: runTradingSignals, passes: 2, out: newOutputs(candles.length), cpu: [], wall: [] };
  for (let w = 0; w < 40; w++) runOurs(candles, ours.out);
  for (let w = 0; w < 6; w++) runTradingSignals(candles, theirs.out);
  const ratios: number[] = [];
  for (let r = 0; r < reps; r++) {
    timeOnce(ours, candles);
    timeOnce(theirs, candles);
    const oursRate = ours.passes / (ours.cpu.at(-1) as number);
    const theirRate = theirs.passes / (theirs.cpu.at(-1) as number);
    ratios.push(oursRate / theirRate);
  }
  return { full: summary(ours, candles), baseline: summary(theirs, candles), ratio: +median(ratios).toFixed(2) };
}

export async function benchTa(): Promise<object[]> {
  const candles = (await Bun.file(FIXTURE).json()) as Candle[];
  const ours = newOutputs(candles.length);
  const theirs = newOutputs(candles.length);
  runOurs(candles, ours);
  runTradingSignals(candles, theirs);
  const agreement = maxRelativeDiff(ours, theirs);
  const { full, baseline, ratio } = race(candles, 15);
  return [
    { name: "ta.stream.full", ...full, ratio_vs_trading_signals: ratio },
    { name: "ta.stream.trading-signals", ...baseline, max_rel_diff: agreement },
    { name: "ta.stream.ratio", ratio, goal_ratio: 5, goal_candles_per_s: 4_000_000 },
  ];
}

if (import.meta.main) {
  for (const row of await benchTa()) console.log(JSON.stringify(row));
}
