/**
 * Keltner channel as used by pandas-ta's squeeze (kc with mamode = sma):
 * SMA(close, n) ± m · SMA(true range, n), TR of the first bar = high − low.
 * Defaults n = 20, m = 1.5. (trading-signals' KeltnerChannels is EMA ± ATR: not this.)
 */
import type { Bands } from "./bands.ts";
import type { Bar, StreamingIndicator } from "./indicator.ts";
import { RollingWindow } from "./rolling-window.ts";
import { TrueRange } from "./true-range.ts";

export class Keltner implements StreamingIndicator<Bar, Bands> {
  private readonly closes: RollingWindow;
  private readonly ranges: RollingWindow;
  private readonly trueRange = new TrueRange();
  private readonly multiplier: number;

  constructor(period = 20, multiplier = 1.5) {
    this.closes = new RollingWindow(period);
    this.ranges = new RollingWindow(period);
    this.multiplier = multiplier;
  }

  add(bar: Bar): void {
    this.trueRange.add(bar);
    this.closes.add(bar.c);
    this.ranges.add(this.trueRange.raw);
  }

  replace(bar: Bar): void {
    this.trueRange.replace(bar);
    this.closes.replace(bar.c);
    this.ranges.replace(this.trueRange.raw);
  }

  get middle(): number {
    return this.closes.mean;
  }

  get upper(): number {
    return this.closes.mean + this.multiplier * this.ranges.mean;
  }

  get lower(): number {
    return this.closes.mean - this.multiplier * this.ranges.mean;
  }

  get value(): Bands | null {
    if (!this.closes.full) return null;
    const middle = this.closes.mean;
    const width = this.multiplier * this.ranges.mean;
    return { upper: middle + width, middle, lower: middle - width };
  }

  get isStable(): boolean {
    return this.closes.full;
  }
}
