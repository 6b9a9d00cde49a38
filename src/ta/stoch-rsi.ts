/**
 * Stochastic RSI (rsi n, stoch m, k-smoothing, d-smoothing), default (14, 14, 3, 3):
 * raw = 100·(RSI − min_m RSI)/(max_m RSI − min_m RSI), %K = SMA(raw), %D = SMA(%K)
 * (smoothing windows up to 8 bars, see short-sma.ts).
 *
 * When max == min over the window (RSI did not move for m bars) raw is 50. The
 * reference data never hits this case; pandas-ta would give NaN (and holes in %K/%D
 * for the next bars), TA-Lib 0 and trading-signals 100. 0 or 100 would read as
 * oversold/overbought and could forge divergence pivots out of a flat market, so we
 * take the neutral midpoint.
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";
import { RollingMax, RollingMin } from "./rolling-extreme.ts";
import { Rsi } from "./rsi.ts";
import { ShortSma } from "./short-sma.ts";

export interface StochRsiValue {
  k: number;
  d: number | null;
}

export class StochRsi implements StreamingIndicator<number, StochRsiValue> {
  readonly rsi: Rsi;
  private readonly highest: RollingMax;
  private readonly lowest: RollingMin;
  private readonly kSma: ShortSma;
  private readonly dSma: ShortSma;

  constructor(rsiPeriod = 14, stochPeriod = 14, kSmoothing = 3, dSmoothing = 3) {
    this.rsi = new Rsi(rsiPeriod);
    this.highest = new RollingMax(stochPeriod);
    this.lowest = new RollingMin(stochPeriod);
    this.kSma = new ShortSma(kSmoothing);
    this.dSma = new ShortSma(dSmoothing);
  }

  add(close: number): void {
    this.step(close, false);
  }

  replace(close: number): void {
    this.step(close, true);
  }

  /** Feeds each stage only once its input exists; warm-up is count-based, so add and replace feed the same stages. */
  private step(close: number, replace: boolean): void {
    const rsi = this.rsi;
    if (replace) rsi.replace(close);
    else rsi.add(close);
    if (!rsi.isStable) return;
    const r = rsi.raw;
    if (replace) {
      this.highest.replace(r);
      this.lowest.replace(r);
    } else {
      this.highest.add(r);
      this.lowest.add(r);
    }
    if (!this.highest.isStable) return;
    const hi = this.highest.raw;
    const lo = this.lowest.raw;
    const raw = hi === lo ? 50 : (100 * (r - lo)) / (hi - lo);
    if (replace) this.kSma.replace(raw);
    else this.kSma.add(raw);
    if (!this.kSma.isStable) return;
    if (replace) this.dSma.replace(this.kSma.raw);
    else this.dSma.add(this.kSma.raw);
  }

  /** %K, NaN during warm-up. */
  get k(): number {
    return this.kSma.raw;
  }

  /** %D, NaN during warm-up. */
  get d(): number {
    return this.dSma.raw;
  }

  get value(): StochRsiValue | null {
    if (!this.kSma.isStable) return null;
    return { k: this.kSma.raw, d: nullIfNaN(this.dSma.raw) };
  }

  /** True once %K exists (%D follows two inputs later). */
  get isStable(): boolean {
    return this.kSma.isStable;
  }
}
