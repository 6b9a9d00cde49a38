/**
 * Bollinger bands as pandas-ta `bbands`: SMA(close, n) ± k · population stdev(close, n)
 * (ddof 0). Defaults n = 20, k = 2.0.
 */
import type { Bands } from "./bands.ts";
import type { StreamingIndicator } from "./indicator.ts";
import { RollingWindow } from "./rolling-window.ts";

export class Bollinger implements StreamingIndicator<number, Bands> {
  private readonly window: RollingWindow;
  private readonly multiplier: number;

  constructor(period = 20, multiplier = 2.0) {
    this.window = new RollingWindow(period);
    this.multiplier = multiplier;
  }

  add(close: number): void {
    this.window.add(close);
  }

  replace(close: number): void {
    this.window.replace(close);
  }

  /** Each line is NaN during warm-up (allocation-free reads). */
  get middle(): number {
    return this.window.mean;
  }

  get upper(): number {
    return this.window.mean + this.multiplier * this.window.stdev;
  }

  get lower(): number {
    return this.window.mean - this.multiplier * this.window.stdev;
  }

  get value(): Bands | null {
    if (!this.window.full) return null;
    const middle = this.window.mean;
    const width = this.multiplier * this.window.stdev;
    return { upper: middle + width, middle, lower: middle - width };
  }

  get isStable(): boolean {
    return this.window.full;
  }
}
