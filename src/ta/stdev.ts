/** Population standard deviation (ddof 0) over n inputs, as pandas `rolling(n).std(ddof=0)`. */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";
import { RollingWindow } from "./rolling-window.ts";

export class StdDev implements StreamingIndicator<number, number> {
  private readonly window: RollingWindow;

  constructor(period: number) {
    this.window = new RollingWindow(period);
  }

  add(x: number): void {
    this.window.add(x);
  }

  replace(x: number): void {
    this.window.replace(x);
  }

  get raw(): number {
    return this.window.stdev;
  }

  get value(): number | null {
    return nullIfNaN(this.window.stdev);
  }

  get isStable(): boolean {
    return this.window.full;
  }
}
