/**
 * TTM squeeze as pandas-ta `squeeze(lazybear=True)`, with its Bollinger and Keltner
 * lines, on one stream of candles:
 *
 * - BB = SMA(close,20) ± 2.0·stdev(close,20) (population); KC = SMA(close,20) ±
 *   1.5·SMA(true range,20). One SMA of close serves both (it is the same number).
 * - on  = bb_lower > kc_lower and bb_upper < kc_upper; off = bb_lower < kc_lower and
 *   bb_upper > kc_upper; both false during warm-up (as pandas' NaN comparisons).
 * - momentum = linear-regression value at the newest bar, over 20 bars, of
 *   close − ((HH20 + LL20)/2 + SMA20)/2. First value at bar 39 (index 38).
 * - fired = on at the previous bar and not on now. `run` counts consecutive ON bars
 *   ending now; when fired, `previousRun` is the length of the squeeze that ended.
 */
import type { Bar, StreamingIndicator } from "./indicator.ts";
import { LinRegValue } from "./linreg.ts";
import { RollingMax, RollingMin } from "./rolling-extreme.ts";
import { RollingWindow } from "./rolling-window.ts";
import { TrueRange } from "./true-range.ts";

export interface SqueezeValue {
  on: boolean;
  off: boolean;
  fired: boolean;
  /** Consecutive ON bars ending at the newest bar (0 when not on). */
  run: number;
  /** Consecutive ON bars ending at the bar before the newest. */
  previousRun: number;
  momentum: number | null;
}

export interface SqueezeOptions {
  period?: number;
  bbMultiplier?: number;
  kcMultiplier?: number;
}

export class TtmSqueeze implements StreamingIndicator<Bar, SqueezeValue> {
  private readonly closes: RollingWindow;
  private readonly ranges: RollingWindow;
  private readonly trueRange = new TrueRange();
  private readonly highs: RollingMax;
  private readonly lows: RollingMin;
  private readonly regression: LinRegValue;
  private readonly bbMultiplier: number;
  private readonly kcMultiplier: number;
  private count = 0;
  // Lines of the newest bar, computed once per update (NaN during warm-up).
  private middleNow = NaN;
  private bbUpperNow = NaN;
  private bbLowerNow = NaN;
  private kcUpperNow = NaN;
  private kcLowerNow = NaN;
  private onNow = false;
  private offNow = false;
  private runNow = 0;
  private runBefore = 0;

  constructor({ period = 20, bbMultiplier = 2.0, kcMultiplier = 1.5 }: SqueezeOptions = {}) {
    this.closes = new RollingWindow(period);
    this.ranges = new RollingWindow(period);
    this.highs = new RollingMax(period);
    this.lows = new RollingMin(period);
    this.regression = new LinRegValue(period);
    this.bbMultiplier = bbMultiplier;
    this.kcMultiplier = kcMultiplier;
  }

  add(bar: Bar): void {
    this.runBefore = this.runNow;
    this.count++;
    this.trueRange.add(bar);
    this.closes.add(bar.c);
    this.ranges.add(this.trueRange.raw);
    this.highs.add(bar.h);
    this.lows.add(bar.l);
    this.finishUpdate(bar.c, false);
  }

  replace(bar: Bar): void {
    if (this.count === 0) return this.add(bar);
    this.trueRange.replace(bar);
    this.closes.replace(bar.c);
    this.ranges.replace(this.trueRange.raw);
    this.highs.replace(bar.h);
    this.lows.replace(bar.l);
    this.finishUpdate(bar.c, true);
  }

  /** Momentum input, bands and flags of the newest bar, from the updated windows. */
  private finishUpdate(close: number, replace: boolean): void {
    if (!this.closes.full) {
      this.onNow = false;
      this.offNow = false;
      this.runNow = 0;
      return;
    }
    const mean = (this.middleNow = this.closes.mean);
    // ×0.5 is exactly /2.
    const momentumInput = close - ((this.highs.raw + this.lows.raw) * 0.5 + mean) * 0.5;
    if (replace) this.regression.replace(momentumInput);
    else this.regression.add(momentumInput);
    const bbWidth = this.bbMultiplier * this.closes.stdev;
    const kcWidth = this.kcMultiplier * this.ranges.mean;
    const bbLower = (this.bbLowerNow = mean - bbWidth);
    const bbUpper = (this.bbUpperNow = mean + bbWidth);
    const kcLower = (this.kcLowerNow = mean - kcWidth);
    const kcUpper = (this.kcUpperNow = mean + kcWidth);
    this.onNow = bbLower > kcLower && bbUpper < kcUpper;
    this.offNow = bbLower < kcLower && bbUpper > kcUpper;
    this.runNow = this.onNow ? this.runBefore + 1 : 0;
  }

  // Allocation-free reads; NaN during warm-up.
  get bbMiddle(): number {
    return this.middleNow;
  }
  get bbUpper(): number {
    return this.bbUpperNow;
  }
  get bbLower(): number {
    return this.bbLowerNow;
  }
  get kcMiddle(): number {
    return this.middleNow;
  }
  get kcUpper(): number {
    return this.kcUpperNow;
  }
  get kcLower(): number {
    return this.kcLowerNow;
  }
  get momentum(): number {
    return this.regression.raw;
  }
  get on(): boolean {
    return this.onNow;
  }
  get off(): boolean {
    return this.offNow;
  }
  get fired(): boolean {
    return !this.onNow && this.runBefore > 0;
  }
  get run(): number {
    return this.runNow;
  }
  get previousRun(): number {
    return this.runBefore;
  }

  get value(): SqueezeValue | null {
    if (!this.closes.full) return null;
    const m = this.regression.raw;
    return {
      on: this.onNow,
      off: this.offNow,
      fired: this.fired,
      run: this.runNow,
      previousRun: this.runBefore,
      momentum: Number.isNaN(m) ? null : m,
    };
  }

  /** True once the bands exist (momentum needs 19 more bars, see `momentum`). */
  get isStable(): boolean {
    return this.closes.full;
  }
}
