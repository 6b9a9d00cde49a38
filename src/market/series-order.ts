/**
 * The order a candle series keeps, in one place: closed candles strictly
 * ascending by open time, a forming candle never older than the newest closed
 * one nor than the forming one before it. CandleStore.apply refuses what breaks
 * it (an error: something upstream is wrong); SeriesGate drops it quietly (an
 * overlap it expects after a re-read or a failover).
 */
import type { Timeframe } from "./candle.ts";

/** Which rule a candle opened at `t` breaks, or null when the series may take it. */
export function outOfOrder(t: number, lastClosed: number | null, forming: number | null): "behind-closed" | "behind-forming" | null {
  if (lastClosed !== null && t <= lastClosed) return "behind-closed";
  if (forming !== null && t < forming) return "behind-forming";
  return null;
}

/** "SYMBOL tf": the map key of one series, as every market module writes it. */
export function seriesKey(symbol: string, timeframe: Timeframe): string {
  return `${symbol} ${timeframe}`;
}
