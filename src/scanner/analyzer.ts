/**
 * Everything the scanner knows about one coin, kept current candle by candle: the TA
 * engine (src/ta/symbol-ta.ts) plus the few rolling figures the base score reads
 * (24h change, 24h range, volume surge, 1h RSI, 4h EMAs). `update` is O(1) per
 * candle event; `snapshot` reads the state and builds a small object.
 */
import type { CandleUpdate } from "../market/candle.ts";
import { CandleClock } from "../ta/candle-clock.ts";
import { Ema } from "../ta/ema.ts";
import { nullIfNaN } from "../ta/indicator.ts";
import type { TaResult } from "../ta/result.ts";
import { RollingMax, RollingMin } from "../ta/rolling-extreme.ts";
import { RollingWindow } from "../ta/rolling-window.ts";
import { Rsi } from "../ta/rsi.ts";
import { SymbolTa } from "../ta/symbol-ta.ts";
import { ValueRing } from "../ta/value-ring.ts";
import { type BaseScore, baseScore } from "./base-score.ts";

export type { BaseScore } from "./base-score.ts";

/** 5m candles in 24h and in one hour. */
const DAY_5M = 288;
const HOUR_5M = 12;
/** Closes kept for the dashboard sparkline. */
export const SPARKLINE_CLOSES = 48;

export interface CoinSnapshot {
  symbol: string;
  /** Close of the newest 5m candle (forming or closed). */
  price: number;
  /** Close now vs the close 288 5m candles ago, in %; null before 24h of data. */
  change_24h_pct: number | null;
  /**
   * Traded value of the last 288 5m candles in USDT (each candle's volume ×
   * its close, an estimate of the quote volume); null before 24h of data.
   * The scanner sorts on it: base volumes of different coins do not compare.
   */
  volume_24h_usdt: number | null;
  /** Wall-clock ms of the last candle event applied. */
  updated_at: number;
  /** Last 48 5m closes for a sparkline, oldest first. */
  closes: number[];
  ta: TaResult;
  score: BaseScore;
  /**
   * Set when an owner's scoring module gave this coin no score for its latest
   * closed candle (it threw, timed out, returned nonsense, or has not answered
   * yet): why. The coin is then shown without a score and not traded.
   */
  unscored?: string;
}

export interface CoinAnalyzerOptions {
  /** Clock for `updated_at` (tests pass a fixed one). */
  now?: () => number;
}

export class CoinAnalyzer {
  readonly symbol: string;
  private readonly now: () => number;
  private readonly ta: SymbolTa;
  private updatedAt = 0;
  // 5m
  private readonly closes5m = new ValueRing(DAY_5M + 1);
  private readonly volumeHour = new RollingWindow(HOUR_5M);
  private readonly volumeDay = new RollingWindow(DAY_5M);
  private readonly quoteVolumeDay = new RollingWindow(DAY_5M);
  private readonly highDay = new RollingMax(DAY_5M);
  private readonly lowDay = new RollingMin(DAY_5M);
  // 1h (its EMAs come from the TA ribbon)
  private readonly rsi1h = new Rsi(14);
  // 4h
  private readonly clock4h = new CandleClock();
  private readonly ema21_4h = new Ema(21);
  private readonly ema55_4h = new Ema(55);

  constructor(symbol: string, options: CoinAnalyzerOptions = {}) {
    this.symbol = symbol;
    this.now = options.now ?? Date.now;
    this.ta = new SymbolTa(symbol);
  }

  /** Applies one candle event; throws (with symbol, timeframe, time and fault) on a bad candle. */
  update(u: CandleUpdate): void {
    const { candle } = u;
    // SymbolTa validates the candle and decides add/replace for 5m and 1h.
    const outcome = this.ta.update(u);
    if (u.timeframe === "5m") {
      if (outcome === "add") {
        this.closes5m.add(candle.c);
        this.volumeHour.add(candle.v);
        this.volumeDay.add(candle.v);
        this.quoteVolumeDay.add(candle.v * candle.c);
        this.highDay.add(candle.h);
        this.lowDay.add(candle.l);
      } else if (outcome === "replace") {
        this.closes5m.replace(candle.c);
        this.volumeHour.replace(candle.v);
        this.volumeDay.replace(candle.v);
        this.quoteVolumeDay.replace(candle.v * candle.c);
        this.highDay.replace(candle.h);
        this.lowDay.replace(candle.l);
      } else return;
    } else if (u.timeframe === "1h") {
      if (outcome === "add") this.rsi1h.add(candle.c);
      else if (outcome === "replace") this.rsi1h.replace(candle.c);
      else return;
    } else {
      const action = this.clock4h.next(candle.t);
      if (action === "add") {
        this.ema21_4h.add(candle.c);
        this.ema55_4h.add(candle.c);
      } else if (action === "replace") {
        this.ema21_4h.replace(candle.c);
        this.ema55_4h.replace(candle.c);
      } else return;
    }
    this.updatedAt = this.now();
  }

  /** The coin's current picture; null before its first 5m candle. */
  snapshot(): CoinSnapshot | null {
    const ta = this.ta.result();
    if (ta === null) return null;
    const price = this.closes5m.at(0);
    const dayAgo = this.closes5m.at(DAY_5M);
    const change = Number.isNaN(dayAgo) || dayAgo === 0 ? null : (100 * (price - dayAgo)) / dayAgo;
    const hourAgo = this.closes5m.at(HOUR_5M);
    const dayVolume = this.volumeDay.mean;
    const volumeRatio = this.volumeDay.full && dayVolume > 0 ? this.volumeHour.mean / dayVolume : null;
    const oneHour = ta.ema_ribbon.values["1h"];
    const score = baseScore({
      price,
      ema21_1h: oneHour.ema21,
      ema55_1h: oneHour.ema55,
      ema21_4h: this.ema21_4h.value,
      ema55_4h: this.ema55_4h.value,
      rsi_1h: this.rsi1h.value,
      change_24h_pct: change,
      volume_ratio: volumeRatio,
      last_hour_move: Number.isNaN(hourAgo) ? null : price - hourAgo,
      high_24h: nullIfNaN(this.highDay.raw),
      low_24h: nullIfNaN(this.lowDay.raw),
    });
    return {
      symbol: this.symbol,
      price,
      change_24h_pct: change,
      volume_24h_usdt: this.quoteVolumeDay.full ? this.quoteVolumeDay.mean * DAY_5M : null,
      updated_at: this.updatedAt,
      closes: this.closes5m.latest(SPARKLINE_CLOSES),
      ta,
      score,
    };
  }
}
