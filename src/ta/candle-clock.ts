/**
 * Turns a stream of candle events (forming ticks, then the closed candle, keyed by
 * open time) into the streaming contract's calls: a candle with a newer open time
 * is an `add`, the same open time again (a tick of the forming candle, or its close)
 * is a `replace`, an older one is stale and must be ignored.
 */
export type CandleAction = "add" | "replace" | "stale";

export class CandleClock {
  private lastOpenTime = -Infinity;

  /** Decides what to do with a candle opened at `t` and records it. */
  next(t: number): CandleAction {
    if (t > this.lastOpenTime) {
      this.lastOpenTime = t;
      return "add";
    }
    return t === this.lastOpenTime ? "replace" : "stale";
  }

  /** Open time of the newest candle seen, null before the first. */
  get last(): number | null {
    return this.lastOpenTime === -Infinity ? null : this.lastOpenTime;
  }
}
