/**
 * Remembers, per symbol × timeframe, the newest closed candle and the forming
 * candle already handed to a candle store, and admits only updates the store
 * would take as new (series-order.ts: the rule CandleStore.apply enforces).
 *
 * Why: sources that re-read a cache after an outage, or two sources taking
 * turns (bus and Binance US in failover), deliver overlapping candles. The
 * store would refuse the old ones, but each refusal is an error line and a
 * counted rejection; the gate drops them quietly instead, so a refusal in the
 * log still means something is really wrong.
 */
import type { CandleUpdate, Timeframe } from "./candle.ts";
import { outOfOrder, seriesKey } from "./series-order.ts";

export { seriesKey };

interface Seen {
  /** Open time of the newest closed candle passed on, or null. */
  lastClosed: number | null;
  /** Open time of the forming candle passed on since that one, or null. */
  forming: number | null;
}

export class SeriesGate {
  private readonly series = new Map<string, Seen>();

  /** True when `update` is new for its series (and records it); false when the store already has it or something newer. */
  admit(update: CandleUpdate): boolean {
    const seen = this.seen(update.symbol, update.timeframe);
    const t = update.candle.t;
    if (outOfOrder(t, seen.lastClosed, seen.forming)) return false;
    if (update.closed) {
      seen.lastClosed = t;
      seen.forming = null;
    } else {
      seen.forming = t;
    }
    return true;
  }

  /** Records a closed candle delivered by another path (history loaded by the market feed). */
  noteClosed(symbol: string, timeframe: Timeframe, t: number): void {
    const seen = this.seen(symbol, timeframe);
    if (seen.lastClosed !== null && t <= seen.lastClosed) return;
    seen.lastClosed = t;
    if (seen.forming !== null && seen.forming <= t) seen.forming = null;
  }

  /** Open time of the newest closed candle passed on for the series, or null. */
  lastClosed(symbol: string, timeframe: Timeframe): number | null {
    return this.series.get(seriesKey(symbol, timeframe))?.lastClosed ?? null;
  }

  private seen(symbol: string, timeframe: Timeframe): Seen {
    const key = seriesKey(symbol, timeframe);
    let seen = this.series.get(key);
    if (!seen) {
      seen = { lastClosed: null, forming: null };
      this.series.set(key, seen);
    }
    return seen;
  }
}
