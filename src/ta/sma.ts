/** Simple moving average over n inputs (null until n inputs). */
import { nullIfNaN, type StreamingIndicator } from "./indicator.ts";
import { RollingWindow } from "./rolling-window.ts";

export class Sma implements StreamingIndicator<number, number> {
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
    return this.window.mean;
  }

  get value(): number | null {
    return nullIfNaN(this.window.mean);
  }

  get isStable(): boolean {
    return this.window.full;
  }
}
