/**
 * The rolling mean and population standard deviation as streaming indicators
 * (one add/replace contract), both a view of one RollingWindow: SMA(n), and
 * stdev(n) with ddof 0 as pandas `rolling(n).std(ddof=0)`. Null until n inputs.
 * Bollinger, Keltner and the squeeze read RollingWindow directly; these two
 * are the standalone forms the reference tests check.
 */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";
import { RollingWindow } from "./rolling-window.ts";

abstract class WindowStat implements StreamingIndicator<number, number> {
  protected readonly window: RollingWindow;

  constructor(period: number) {
    this.window = new RollingWindow(period);
  }

  abstract get raw(): number;

  add(x: number): void {
    this.window.add(x);
  }

  replace(x: number): void {
    this.window.replace(x);
  }

  get value(): number | null {
    return nullIfNaN(this.raw);
  }

  get isStable(): boolean {
    return this.window.full;
  }
}

/** Simple moving average over n inputs. */
export class Sma extends WindowStat {
  get raw(): number {
    return this.window.mean;
  }
}

/** Population standard deviation (ddof 0) over n inputs. */
export class StdDev extends WindowStat {
  get raw(): number {
    return this.window.stdev;
  }
}
