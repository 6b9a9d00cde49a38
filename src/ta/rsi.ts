/**
 * Wilder RSI: gains and losses of close-to-close changes; the first averages are the
 * simple means of the first n changes (value at input n+1), then
 * avg = (avg_prev·(n−1) + change)/n. RSI = 100·avgGain/(avgGain + avgLoss).
 * When both averages are 0 (a perfectly flat market) RSI is 50: neither side has
 * shown any strength, and a value keeps Stoch RSI free of holes.
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";

export class Rsi implements StreamingIndicator<number, number> {
  readonly period: number;
  private count = 0;
  private lastClose = NaN;
  private gain = 0;
  private loss = 0;
  private current = NaN;
  // State before the last input.
  private closeBefore = NaN;
  private gainBefore = 0;
  private lossBefore = 0;

  constructor(period = 14) {
    if (!Number.isInteger(period) || period < 1) throw new Error(`RSI period must be a positive integer, got ${period}`);
    this.period = period;
  }

  add(close: number): void {
    this.closeBefore = this.lastClose;
    this.gainBefore = this.gain;
    this.lossBefore = this.loss;
    this.count++;
    this.apply(close);
  }

  replace(close: number): void {
    if (this.count === 0) return this.add(close);
    this.apply(close);
  }

  private apply(close: number): void {
    this.lastClose = close;
    const changes = this.count - 1;
    if (changes === 0) return;
    const n = this.period;
    const change = close - this.closeBefore;
    const up = change > 0 ? change : 0;
    const down = change < 0 ? -change : 0;
    if (changes < n) {
      // Warm-up: gain/loss hold the sums of the changes so far.
      this.gain = this.gainBefore + up;
      this.loss = this.lossBefore + down;
      return;
    }
    if (changes === n) {
      this.gain = (this.gainBefore + up) / n;
      this.loss = (this.lossBefore + down) / n;
    } else {
      this.gain = (this.gainBefore * (n - 1) + up) / n;
      this.loss = (this.lossBefore * (n - 1) + down) / n;
    }
    const total = this.gain + this.loss;
    this.current = total > 0 ? (100 * this.gain) / total : 50;
  }

  get raw(): number {
    return this.current;
  }

  get value(): number | null {
    return nullIfNaN(this.current);
  }

  get isStable(): boolean {
    return this.count > this.period;
  }
}
