/**
 * Builds higher-timeframe candles from lower ones: open of the first, close of the
 * last, highest high, lowest low, summed volume. Sim and replay use it so that a 1h
 * bar is exactly its twelve 5m bars, as on an exchange.
 */
import type { Candle, Timeframe } from "./candle.ts";
import { TIMEFRAME_MS } from "./candle.ts";

/** Open time of the `timeframe` bar containing instant `t`. */
export function bucketStart(t: number, timeframe: Timeframe): number {
  const size = TIMEFRAME_MS[timeframe];
  return Math.floor(t / size) * size;
}

/** Merges consecutive candles (oldest first) into one; the group must not be empty. */
export function mergeCandles(t: number, group: readonly Candle[]): Candle {
  const first = group[0];
  const last = group[group.length - 1];
  if (!first || !last) throw new Error("mergeCandles: cannot merge an empty group");
  let h = first.h;
  let l = first.l;
  let v = 0;
  for (const candle of group) {
    if (candle.h > h) h = candle.h;
    if (candle.l < l) l = candle.l;
    v += candle.v;
  }
  return { t, o: first.o, h, l, c: last.c, v };
}

/**
 * Aggregates `candles` (oldest first, all of timeframe `from`) into `to` bars.
 * Only complete buckets are returned as `closed`; a trailing incomplete bucket is
 * returned as `forming` (or null). A bucket with a missing lower bar (a gap in the
 * data) is still merged from the bars present, so gaps do not shift later bars.
 */
export function aggregateCandles(
  candles: readonly Candle[],
  from: Timeframe,
  to: Timeframe,
): { closed: Candle[]; forming: Candle | null } {
  const perBucket = TIMEFRAME_MS[to] / TIMEFRAME_MS[from];
  if (!Number.isInteger(perBucket) || perBucket < 1) {
    throw new Error(`aggregateCandles: cannot build ${to} bars from ${from} bars`);
  }
  const closed: Candle[] = [];
  let group: Candle[] = [];
  let groupStart = -1;
  const lastLowerBar = (start: number) => start + TIMEFRAME_MS[to] - TIMEFRAME_MS[from];
  for (const candle of candles) {
    const start = bucketStart(candle.t, to);
    if (start !== groupStart && group.length > 0) {
      closed.push(mergeCandles(groupStart, group));
      group = [];
    }
    groupStart = start;
    group.push(candle);
  }
  let forming: Candle | null = null;
  const tail = group[group.length - 1];
  if (tail) {
    if (tail.t === lastLowerBar(groupStart)) closed.push(mergeCandles(groupStart, group));
    else forming = mergeCandles(groupStart, group);
  }
  return { closed, forming };
}
