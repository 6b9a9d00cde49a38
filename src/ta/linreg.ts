/**
 * Least-squares line over the last n inputs, read at the newest input (pandas-ta
 * `linreg`; trading-signals' `prediction` is one bar further ahead).
 *
 * Closed form with sliding sums, x = 0 (oldest) … n−1 (newest):
 *   S = Σy, W = Σx·y, x̄ = (n−1)/2, slope = (W − x̄·S) / (n(n²−1)/12),
 *   value = S/n + slope·x̄.
 * Sliding one step drops y_old at x = 0 and shifts every other x down by one:
 *   W' = W − (S − y_old) + (n−1)·y_new, S' = S − y_old + y_new.
 * Every n additions S and W are recomputed from the ring so rounding cannot build up.
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";

export class LinRegValue implements StreamingIndicator<number, number> {
  readonly period: number;
  private readonly ring: Float64Array;
  private readonly xMean: number;
  /** 1/Σ(x − x̄)² and 1/n, precomputed (multiplies instead of divides). */
  private readonly inverseXVar: number;
  private readonly inversePeriod: number;
  private count = 0;
  private last = -1;
  private sum = 0;
  private weighted = 0;
  private addsSinceRebase = 0;
  private sumBefore = 0;
  private weightedBefore = 0;
  private evicted = 0;
  private hadEvicted = false;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 2) throw new Error(`regression period must be an integer ≥ 2, got ${period}`);
    this.period = period;
    this.ring = new Float64Array(period);
    this.xMean = (period - 1) / 2;
    this.inverseXVar = 12 / (period * (period * period - 1));
    this.inversePeriod = 1 / period;
  }

  add(y: number): void {
    if (this.addsSinceRebase >= this.period) this.rebase();
    this.addsSinceRebase++;
    this.sumBefore = this.sum;
    this.weightedBefore = this.weighted;
    this.last = this.last + 1 === this.period ? 0 : this.last + 1;
    this.hadEvicted = this.count >= this.period;
    this.evicted = this.hadEvicted ? (this.ring[this.last] as number) : 0;
    this.count++;
    this.apply(y);
  }

  replace(y: number): void {
    if (this.count === 0) return this.add(y);
    this.apply(y);
  }

  private apply(y: number): void {
    this.ring[this.last] = y;
    if (this.hadEvicted) {
      const kept = this.sumBefore - this.evicted;
      this.sum = kept + y;
      this.weighted = this.weightedBefore - kept + (this.period - 1) * y;
    } else {
      this.sum = this.sumBefore + y;
      this.weighted = this.weightedBefore + (this.count - 1) * y;
    }
  }

  /** Recomputes S and W from the ring (oldest first). */
  private rebase(): void {
    const n = this.period;
    const filled = Math.min(this.count, n);
    let slot = filled < n ? 0 : this.last + 1 === n ? 0 : this.last + 1;
    let s = 0;
    let w = 0;
    for (let x = 0; x < filled; x++) {
      const y = this.ring[slot] as number;
      s += y;
      w += x * y;
      slot = slot + 1 === n ? 0 : slot + 1;
    }
    this.sum = s;
    this.weighted = w;
    this.addsSinceRebase = 0;
  }

  get raw(): number {
    if (this.count < this.period) return NaN;
    const slope = (this.weighted - this.xMean * this.sum) * this.inverseXVar;
    return this.sum * this.inversePeriod + slope * this.xMean;
  }

  get value(): number | null {
    return nullIfNaN(this.raw);
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }
}
