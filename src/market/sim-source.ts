/**
 * The simulated market: seeded random-walk candles for every coin, used when Binance
 * US cannot be reached (and for demos and tests). Deterministic for a seed and start
 * time: each coin draws from its own generator seeded by (seed, symbol), so adding a
 * coin does not change the others.
 *
 * Consistent timeframes: 1h candles are built from twelve 5m candles and 4h candles
 * from four 1h candles wherever the finer candles exist, live and in history. The far
 * past that only the coarser timeframe shows (1h before the 5m history, 4h before
 * the 1h history) is drawn directly at that timeframe from the same price walk, which
 * keeps start-up cheap (≈1 600 bars per coin instead of 29 000 5m bars for 100 days).
 *
 * Realism knobs: per-coin price level, volatility and volume (coin-profiles.ts), a
 * slowly wandering volatility regime (calm stretches and bursts, so squeezes happen),
 * a slowly wandering drift (trends), a weak pull back to the coin's price level so
 * months of history stay plausible, and a fixed price tick per coin.
 *
 * Live: each tick (`tickMs` of wall time) advances sim time by `simStepMs`; by default
 * a 5m candle forms over five one-second ticks (forming updates, then its close), so
 * movement is visible at once. Sim time therefore runs faster than wall time.
 */
import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";
import { TIMEFRAME_MS } from "./candle.ts";
import type { Clock } from "./clock.ts";
import { systemClock } from "./clock.ts";
import { bucketStart } from "./aggregate.ts";
import { coinProfile, priceRounder, type CoinProfile } from "./coin-profiles.ts";
import { hashString, SeededRandom } from "./seeded-random.ts";
import type { MarketSource, MarketSourceStatus } from "./source.ts";
import { DEFAULT_SYMBOLS, validateSymbols } from "./symbols.ts";
import { logger } from "../log.ts";

export const SIM_BANNER = "Simulated market — prices are not real";

export interface SimSourceOptions {
  symbols?: readonly string[];
  /** Same seed (and start time) → same candles. Default 1. */
  seed?: number | string;
  /** Sim time at start (ms); history ends just before the 5m bar containing it. Default: the clock's now. */
  startTime?: number;
  /** Closed candles per timeframe in history. Default 600 (TA needs ≥ 500). */
  historyCandles?: number;
  /** Wall-clock ms between ticks. Default 1000. */
  tickMs?: number;
  /** Sim-time ms per tick; must divide 5 minutes. Default 60 000 (five ticks per 5m candle). */
  simStepMs?: number;
  clock?: Clock;
  /** Banner override, e.g. to say why the sim was chosen. */
  banner?: string;
}

const FIVE_MIN = TIMEFRAME_MS["5m"];
/** Sub-steps used to draw one 1h or 4h bar of the far past. */
const COARSE_SUBSTEPS = 12;

/** One coin's price process. Time is measured in 5m-bar units so any bar length can be drawn. */
class CoinWalk {
  private readonly rng: SeededRandom;
  private readonly logRef: number;
  private readonly round: (price: number) => number;
  private volState = 0;
  private drift = 0;
  private stepMu = 0;
  private stepSigma = 0;
  private stepVolume = 0;
  private typicalStepSigma = 0;
  price: number;

  constructor(seed: number, private readonly profile: CoinProfile) {
    this.rng = new SeededRandom(seed);
    this.round = priceRounder(profile.price);
    this.price = this.round(profile.price);
    this.logRef = Math.log(profile.price);
  }

  /** Starts a bar lasting `bars5m` 5m bars, drawn in `substeps` steps: moves the regime and the drift. */
  beginBar(bars5m: number, substeps: number): void {
    const rng = this.rng;
    // AR(1) per 5m bar, advanced by bars5m at once (exact for a Gaussian AR(1)).
    this.volState = ar1(this.volState, 0.995, 0.035, bars5m, rng.normal());
    this.drift = ar1(this.drift, 0.998, 0.02, bars5m, rng.normal());
    const sigma = this.profile.vol5m;
    const pullBack = -0.0005 * (Math.log(this.price) - this.logRef);
    this.stepMu = ((this.drift * sigma * 0.2 + pullBack) * bars5m) / substeps;
    this.typicalStepSigma = sigma * Math.sqrt(bars5m / substeps);
    this.stepSigma = this.typicalStepSigma * Math.exp(this.volState);
    this.stepVolume = (this.profile.volume5m * bars5m) / substeps;
  }

  /** One sub-step: the new price, the extremes reached on the way, the volume traded. */
  step(): { close: number; high: number; low: number; volume: number } {
    const rng = this.rng;
    const r = this.stepMu + this.stepSigma * rng.normal();
    const from = this.price;
    const close = this.round(from * Math.exp(r));
    const up = Math.min(0.5, -Math.log(1 - rng.next()) * this.stepSigma * 0.4);
    const down = Math.min(0.5, -Math.log(1 - rng.next()) * this.stepSigma * 0.4);
    const high = Math.max(from, close, this.round(Math.max(from, close) * (1 + up)));
    const low = Math.min(from, close, this.round(Math.min(from, close) * (1 - down)));
    // Busier when the price moves: about 1× the typical volume for a typical move.
    const activity = 0.4 + (0.75 * Math.abs(r)) / this.typicalStepSigma;
    const volume = this.stepVolume * Math.exp(0.8 * this.volState + 0.35 * rng.normal()) * activity;
    this.price = close;
    return { close, high, low, volume };
  }
}

function ar1(x: number, phi: number, noise: number, steps: number, z: number): number {
  const phiN = phi ** steps;
  return phiN * x + noise * Math.sqrt((1 - phiN * phiN) / (1 - phi * phi)) * z;
}

interface CoinState {
  walk: CoinWalk;
  history: Record<Timeframe, Candle[]>;
  /** Open time of the 5m bar being formed live. */
  barT: number;
  substep: number;
  bar: Candle | null;
  /** Closed 5m bars of the current hour, and closed 1h bars of the current 4h bucket, merged. */
  partial1h: Candle | null;
  partial4h: Candle | null;
}

export class SimSource implements MarketSource {
  readonly name = "sim" as const;
  private readonly symbols: string[];
  private readonly seed: number;
  private readonly startTime: number;
  private readonly historyCandles: number;
  private readonly tickMs: number;
  private readonly substeps: number;
  private readonly clock: Clock;
  private readonly banner: string;
  private readonly coins = new Map<string, CoinState>();
  private readonly lastUpdate: Record<Timeframe, number | null> = { "5m": null, "1h": null, "4h": null };
  private listener: ((update: CandleUpdate) => void) | null = null;
  private abort: AbortController | null = null;
  private readonly log = logger("market");

  constructor(options: SimSourceOptions = {}) {
    this.symbols = validateSymbols(options.symbols ?? DEFAULT_SYMBOLS, "sim symbols");
    this.seed = typeof options.seed === "string" ? hashString(options.seed) : (options.seed ?? 1);
    this.clock = options.clock ?? systemClock;
    this.startTime = options.startTime ?? this.clock.now();
    this.historyCandles = options.historyCandles ?? 600;
    this.tickMs = options.tickMs ?? 1000;
    const simStepMs = options.simStepMs ?? 60_000;
    this.substeps = FIVE_MIN / simStepMs;
    this.banner = options.banner ?? SIM_BANNER;
    if (!Number.isInteger(this.substeps) || this.substeps < 1) {
      throw new Error(`sim: simStepMs ${simStepMs} must divide 5 minutes (300000 ms) evenly`);
    }
    if (!Number.isInteger(this.historyCandles) || this.historyCandles < 1 || this.historyCandles > 5000) {
      throw new Error(`sim: historyCandles must be a whole number 1–5000, got ${this.historyCandles}`);
    }
    if (!(this.tickMs > 0)) throw new Error(`sim: tickMs must be > 0, got ${this.tickMs}`);
  }

  async history(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const coin = this.coin(symbol);
    this.lastUpdate[timeframe] = this.clock.now();
    return coin.history[timeframe].slice(-this.historyCandles);
  }

  start(onUpdate: (update: CandleUpdate) => void): void {
    if (this.abort) throw new Error("sim: already started");
    for (const symbol of this.symbols) this.coin(symbol);
    this.listener = onUpdate;
    const abort = new AbortController();
    this.abort = abort;
    this.log.info("simulated market started", { symbols: this.symbols.length, seed: this.seed, tickMs: this.tickMs });
    void (async () => {
      while (!abort.signal.aborted) {
        await this.clock.sleep(this.tickMs, abort.signal);
        if (abort.signal.aborted) break;
        this.tick();
      }
    })();
  }

  stop(): void {
    this.abort?.abort();
    this.abort = null;
    this.listener = null;
  }

  /** Advances every coin by one sub-step and emits its 5m, 1h and 4h updates (what each timer tick does). */
  tick(): void {
    for (const symbol of this.symbols) {
      for (const update of this.advance(symbol, this.coin(symbol))) this.emit(update);
    }
  }

  status(): MarketSourceStatus {
    return {
      source: "sim",
      simulated: true,
      banner: this.banner,
      lastUpdate: { ...this.lastUpdate },
      lastError: null,
      symbols: [...this.symbols],
    };
  }

  private emit(update: CandleUpdate): void {
    this.lastUpdate[update.timeframe] = this.clock.now();
    try {
      this.listener?.(update);
    } catch (error) {
      this.log.error("sim: update listener failed", { error: (error as Error).message });
    }
  }

  /** The coin's state, generating its history on first use. */
  private coin(symbol: string): CoinState {
    const existing = this.coins.get(symbol);
    if (existing) return existing;
    if (!this.symbols.includes(symbol)) throw new Error(`sim: ${symbol} is not one of the simulated symbols`);
    const H = this.historyCandles;
    const firstLiveBar = bucketStart(this.startTime, "5m");
    // Each window is aligned to the next coarser timeframe, so coarse bars are either
    // drawn whole or built entirely from finer ones.
    const start5m = bucketStart(firstLiveBar - H * FIVE_MIN, "1h");
    const start1h = bucketStart(Math.min(firstLiveBar - H * TIMEFRAME_MS["1h"], start5m), "4h");
    const start4h = Math.min(bucketStart(firstLiveBar, "4h") - H * TIMEFRAME_MS["4h"], start1h);
    const coin: CoinState = {
      walk: new CoinWalk(hashString(`${this.seed}:${symbol}`), coinProfile(symbol)),
      history: { "5m": [], "1h": [], "4h": [] },
      barT: firstLiveBar,
      substep: 0,
      bar: null,
      partial1h: null,
      partial4h: null,
    };
    for (let t = start4h; t < start1h; t += TIMEFRAME_MS["4h"]) this.close4h(coin, this.drawBar(coin.walk, t, "4h"));
    for (let t = start1h; t < start5m; t += TIMEFRAME_MS["1h"]) this.close1h(coin, this.drawBar(coin.walk, t, "1h"), null);
    for (let t = start5m; t < firstLiveBar; t += FIVE_MIN) this.close5m(coin, this.drawBar(coin.walk, t, "5m"), null, "");
    this.coins.set(symbol, coin);
    return coin;
  }

  /** A whole bar of the far past, drawn in one go. */
  private drawBar(walk: CoinWalk, t: number, timeframe: Timeframe): Candle {
    const substeps = timeframe === "5m" ? this.substeps : COARSE_SUBSTEPS;
    walk.beginBar(TIMEFRAME_MS[timeframe] / FIVE_MIN, substeps);
    const o = walk.price;
    let h = o;
    let l = o;
    let v = 0;
    for (let i = 0; i < substeps; i++) {
      const step = walk.step();
      if (step.high > h) h = step.high;
      if (step.low < l) l = step.low;
      v += step.volume;
    }
    return { t, o, h, l, c: walk.price, v: round3(v) };
  }

  /** One live sub-step of one coin: the 5m, 1h and 4h updates it produces. */
  private advance(symbol: string, coin: CoinState): CandleUpdate[] {
    const walk = coin.walk;
    if (coin.substep === 0) walk.beginBar(1, this.substeps);
    const open = coin.bar?.o ?? walk.price;
    const step = walk.step();
    const previous = coin.bar;
    const bar: Candle = {
      t: coin.barT,
      o: open,
      h: Math.max(previous?.h ?? open, step.high),
      l: Math.min(previous?.l ?? open, step.low),
      c: step.close,
      v: round3((previous?.v ?? 0) + step.volume),
    };
    coin.substep++;
    if (coin.substep < this.substeps) {
      coin.bar = bar;
      const hour = merge(coin.partial1h, bar, bucketStart(bar.t, "1h"));
      return [
        { symbol, timeframe: "5m", candle: bar, closed: false },
        { symbol, timeframe: "1h", candle: hour, closed: false },
        { symbol, timeframe: "4h", candle: merge(coin.partial4h, hour, bucketStart(bar.t, "4h")), closed: false },
      ];
    }
    coin.bar = null;
    coin.substep = 0;
    coin.barT += FIVE_MIN;
    const updates: CandleUpdate[] = [];
    this.close5m(coin, bar, updates, symbol);
    return updates;
  }

  /** Records a closed 5m bar and rolls it into the hour (closing that too at the hour's end). */
  private close5m(coin: CoinState, bar: Candle, updates: CandleUpdate[] | null, symbol: string): void {
    this.remember(coin.history["5m"], bar);
    updates?.push({ symbol, timeframe: "5m", candle: bar, closed: true });
    const hour = merge(coin.partial1h, bar, bucketStart(bar.t, "1h"));
    if (bar.t + FIVE_MIN === hour.t + TIMEFRAME_MS["1h"]) {
      coin.partial1h = null;
      this.close1h(coin, hour, updates, symbol);
    } else {
      coin.partial1h = hour;
      updates?.push({ symbol, timeframe: "1h", candle: hour, closed: false });
      const block = merge(coin.partial4h, hour, bucketStart(bar.t, "4h"));
      updates?.push({ symbol, timeframe: "4h", candle: block, closed: false });
    }
  }

  private close1h(coin: CoinState, hour: Candle, updates: CandleUpdate[] | null, symbol = ""): void {
    this.remember(coin.history["1h"], hour);
    updates?.push({ symbol, timeframe: "1h", candle: hour, closed: true });
    const block = merge(coin.partial4h, hour, bucketStart(hour.t, "4h"));
    if (hour.t + TIMEFRAME_MS["1h"] === block.t + TIMEFRAME_MS["4h"]) {
      coin.partial4h = null;
      this.close4h(coin, block);
      updates?.push({ symbol, timeframe: "4h", candle: block, closed: true });
    } else {
      coin.partial4h = block;
      updates?.push({ symbol, timeframe: "4h", candle: block, closed: false });
    }
  }

  private close4h(coin: CoinState, block: Candle): void {
    this.remember(coin.history["4h"], block);
  }

  private remember(list: Candle[], candle: Candle): void {
    list.push(candle);
    if (list.length > 2 * this.historyCandles) list.splice(0, list.length - this.historyCandles);
  }
}

/** `bar` rolled into the running aggregate `partial` of the bucket opening at `t`. */
function merge(partial: Candle | null, bar: Candle, t: number): Candle {
  if (!partial) return { t, o: bar.o, h: bar.h, l: bar.l, c: bar.c, v: bar.v };
  return {
    t,
    o: partial.o,
    h: Math.max(partial.h, bar.h),
    l: Math.min(partial.l, bar.l),
    c: bar.c,
    v: round3(partial.v + bar.v),
  };
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
