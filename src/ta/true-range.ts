/**
 * True range: max(high, previous close) − min(low, previous close); the first bar
 * has no previous close and uses high − low (as the Keltner channel of pandas-ta's
 * squeeze does).
 */
import { type Bar, nullIfNaN, type StreamingIndicator } from "./indicator.ts";

export class TrueRange implements StreamingIndicator<Bar, number> {
  private count = 0;
  private lastClose = NaN;
  private closeBefore = NaN;
  private current = NaN;

  add(bar: Bar): void {
    this.closeBefore = this.lastClose;
    this.count++;
    this.apply(bar);
  }

  replace(bar: Bar): void {
    if (this.count === 0) return this.add(bar);
    this.apply(bar);
  }

  private apply(bar: Bar): void {
    const pc = this.closeBefore;
    if (this.count === 1) {
      this.current = bar.h - bar.l;
    } else {
      const hi = bar.h > pc ? bar.h : pc;
      const lo = bar.l < pc ? bar.l : pc;
      this.current = hi - lo;
    }
    this.lastClose = bar.c;
  }

  get raw(): number {
    return this.current;
  }

  get value(): number | null {
    return nullIfNaN(this.current);
  }

  get isStable(): boolean {
    return this.count > 0;
  }
}
