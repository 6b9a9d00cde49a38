/**
 * Reasons not to open a position on a coin even though its score qualifies:
 * the coin was closed moments ago, or its candles have stopped coming. Pure
 * functions of times, so they are tested alone and read the same in a cycle,
 * a backtest and a test.
 */
import { TIMEFRAME_MS } from "../../market/candle.ts";

/** A closed 5m candle older than this many intervals means the feed for the coin stalled. */
export const STALE_AFTER_INTERVALS = 2;
const FIVE_MIN = TIMEFRAME_MS["5m"];

/**
 * After any close a symbol is not reopened for `cooldownMinutes` (0 = off), so a
 * manual close or a Close all is not undone by the next cycle.
 */
export function reentryBlocked(lastCloseAt: number | null, now: number, cooldownMinutes: number): string | null {
  if (cooldownMinutes <= 0 || lastCloseAt === null) return null;
  const until = lastCloseAt + cooldownMinutes * 60_000;
  if (now >= until) return null;
  return `closed ${Math.floor((now - lastCloseAt) / 60_000)} min ago (re-entry cooldown ${cooldownMinutes} min)`;
}

export interface CandleFreshness {
  /** Close time (ms, market time) of the coin's newest closed 5m candle; null before any. */
  closed_at: number | null;
  /** When that candle reached this process (ms, our clock); null before any. */
  received_at: number | null;
  /** Sim or replay: the market's clock is not ours, so only arrival time counts. */
  simulated: boolean;
}

/**
 * Why the coin's data is too old to open on, or null. Stale when no closed 5m
 * candle arrived for two intervals (the feed stalled) or, on a real market,
 * when the newest closed candle itself ended more than two intervals ago.
 */
export function staleData(freshness: CandleFreshness, now: number): string | null {
  const limit = STALE_AFTER_INTERVALS * FIVE_MIN;
  if (freshness.closed_at === null || freshness.received_at === null) return "no closed 5m candle yet";
  const waited = now - freshness.received_at;
  if (waited > limit) return `no new closed 5m candle for ${Math.floor(waited / 60_000)} min (the feed stalled)`;
  const age = now - freshness.closed_at;
  if (!freshness.simulated && age > limit) return `the newest closed 5m candle ended ${Math.floor(age / 60_000)} min ago (the feed stalled)`;
  return null;
}
