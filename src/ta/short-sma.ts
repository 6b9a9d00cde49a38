/**
 * SMA for short windows (the 3-bar %K/%D smoothing): sums the ring on every update.
 * For n this small that costs no more than running-sum bookkeeping, never drifts, and
 * makes `replace` a plain overwrite of the newest slot.
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";

export const SHORT_SMA_MAX = 8;

export class ShortSma implements StreamingIndicator<number, number> {
  readonly period: number;
  private readonly inversePeriod: number;
  private readonly ring: Float64Array;
  private last = -1;
  private count = 0;
  private current = NaN;

  constructor(period: number) {
    if (!Number.isInteger(period) || period < 1 || period > SHORT_SMA_MAX) {
      throw new Error(`short SMA period must be an integer 1–${SHORT_SMA_MAX}, got ${period}`);
    }
    this.period = period;
    this.inversePeriod = 1 / period;
    this.ring = new Float64Array(period);
  }

  add(x: number): void {
    this.last = this.last + 1 === this.period ? 0 : this.last + 1;
    this.count++;
    this.apply(x);
  }

  replace(x: number): void {
    if (this.count === 0) return this.add(x);
    this.apply(x);
  }

  private apply(x: number): void {
    const ring = this.ring;
    ring[this.last] = x;
    if (this.count < this.period) return;
    let sum = 0;
    for (let i = 0; i < this.period; i++) sum += ring[i] as number;
    this.current = sum * this.inversePeriod;
  }

  /** The mean, NaN during warm-up. */
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
