/**
 * Exponential moving average as pandas-ta defines it: α = 2/(n+1), the first value
 * (at the n-th input) is the simple mean of the first n inputs, then
 * ema = ema_prev + α·(x − ema_prev). (trading-signals seeds from the first input;
 * this one does not.)
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";

export class Ema implements StreamingIndicator<number, number> {
  readonly period: number;
  private readonly alpha: number;
  private count = 0;
  /** Sum of the inputs during warm-up (for the SMA seed). */
  private seedSum = 0;
  private current = NaN;
  // State before the last input, restored by `replace`.
  private seedSumBefore = 0;
  private before = NaN;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`EMA period must be a positive integer, got ${period}`);
    this.period = period;
    this.alpha = 2 / (period + 1);
  }

  add(x: number): void {
    this.before = this.current;
    this.seedSumBefore = this.seedSum;
    this.count++;
    this.apply(x);
  }

  replace(x: number): void {
    if (this.count === 0) return this.add(x);
    this.apply(x);
  }

  private apply(x: number): void {
    const n = this.period;
    if (this.count < n) {
      this.seedSum = this.seedSumBefore + x;
    } else if (this.count === n) {
      this.seedSum = this.seedSumBefore + x;
      this.current = this.seedSum / n;
    } else {
      this.current = this.before + this.alpha * (x - this.before);
    }
  }

  /** The EMA, NaN during warm-up (the allocation-free read for hot loops). */
  get raw(): number {
    return this.current;
  }

  get value(): number | null {
    return nullIfNaN(this.current);
  }

  get isStable(): boolean {
    return this.count >= this.period;
  }
}
