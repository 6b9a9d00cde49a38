/**
 * Fills the candle history from Binance US klines (`history fetch`).
 *
 * For each symbol × timeframe the period is every candle closed in the last
 * `days` days (closed: its close time at least `SETTLE_MS` in the past, as the
 * live source counts it). Only what is missing from history.db is asked for:
 * each hole in the stored series becomes requests of at most 1000 candles
 * (Binance's maximum), oldest first, each stored in one transaction as it
 * arrives, so an interrupted fetch keeps what it got and the next run asks
 * only for the rest. A fresh history is one hole; a resumed one is the candles
 * since the newest stored time (and any older days newly asked for).
 *
 * Every request goes through the one BinanceUsClient: its weight limiter and
 * its back-off on 429 / 418 / 5xx (Retry-After honoured) apply as for the
 * live source. Gaps that remain (Binance US has no candle there) are
 * reported, never filled.
 */
import type { DataGap } from "../backtest/data.ts";
import type { BinanceUsClient } from "../market/binance-client.ts";
import { BinanceUsError } from "../market/binance-client.ts";
import { TIMEFRAME_MS } from "../market/candle.ts";
import { splitClosed } from "../market/kline-rows.ts";
import { runLimited } from "../market/run-limited.ts";
import type { HistoryDb, HistoryTimeframe, StoredCandle } from "./history-db.ts";

const DAY_MS = 86_400_000;
/** A candle counts as closed once its close time is this far in the past (the live source's margin). */
export const SETTLE_MS = 2000;
/** Binance's largest page. */
export const PAGE_LIMIT = 1000;

export interface Window {
  /** Open times, both inclusive. */
  from: number;
  to: number;
}

/** The closed candles of the last `days` days at `now`: first and last open time. */
export function fetchPeriod(timeframe: HistoryTimeframe, days: number, now: number): Window {
  const step = TIMEFRAME_MS[timeframe];
  return {
    from: Math.ceil((now - days * DAY_MS) / step) * step,
    to: Math.floor((now - SETTLE_MS - step) / step) * step,
  };
}

/** Missing open times in [from, to] given the stored ones (ascending), as ranges. */
export function holes(stored: readonly number[], period: Window, step: number): Window[] {
  const out: Window[] = [];
  let cursor = period.from;
  for (const t of stored) {
    if (t < cursor) continue;
    if (t > period.to) break;
    if (t > cursor) out.push({ from: cursor, to: t - step });
    cursor = t + step;
  }
  if (cursor <= period.to) out.push({ from: cursor, to: period.to });
  return out;
}

/** The requests that fetch `missing`: each hole in pages of at most PAGE_LIMIT candles, never reaching into stored ones. */
export function pages(missing: readonly Window[], step: number): Window[] {
  const out: Window[] = [];
  for (const hole of missing) {
    for (let from = hole.from; from <= hole.to; from += PAGE_LIMIT * step) {
      out.push({ from, to: Math.min(hole.to, from + (PAGE_LIMIT - 1) * step) });
    }
  }
  return out;
}

export interface SeriesResult {
  symbol: string;
  timeframe: HistoryTimeframe;
  period: Window;
  /** Candles stored by this run. */
  fetched: number;
  /** Candles of the period stored now, and the first and last of them (null when none). */
  stored: number;
  first: number | null;
  last: number | null;
  /** Holes after the first stored candle of the period (Binance US has none there). */
  gaps: DataGap[];
}

export interface FetchOptions {
  db: HistoryDb;
  client: BinanceUsClient;
  symbols: readonly string[];
  timeframes: readonly HistoryTimeframe[];
  days: number;
  now: number;
  /** Series fetched at the same time (the weight limiter still paces requests). Default 4. */
  concurrency?: number;
  /** After planning (done 0) and after each request. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Fetches what is missing; stops at the first request that fails for good
 * (after the client's retries) and throws a FetchError saying how much was kept.
 */
export async function fetchHistory(options: FetchOptions): Promise<SeriesResult[]> {
  const { db, client, now } = options;
  const plans = options.symbols.flatMap((symbol) =>
    options.timeframes.map((timeframe) => {
      const step = TIMEFRAME_MS[timeframe];
      const period = fetchPeriod(timeframe, options.days, now);
      const stored = db.times(symbol, timeframe, period.from, period.to);
      return { symbol, timeframe, step, period, requests: pages(holes(stored, period, step), step), fetched: 0 };
    }),
  );
  const total = plans.reduce((sum, p) => sum + p.requests.length, 0);
  let done = 0;
  options.onProgress?.(done, total);
  const abort = new AbortController();
  let failure: Error | null = null;
  await runLimited(plans, options.concurrency ?? 4, async (plan) => {
    for (const page of plan.requests) {
      if (abort.signal.aborted) return;
      try {
        const rows = await client.klines(plan.symbol, plan.timeframe, { startTime: page.from, endTime: page.to + plan.step - 1, limit: PAGE_LIMIT, signal: abort.signal });
        const batch: StoredCandle[] = [];
        for (const candle of splitClosed(rows, now - SETTLE_MS).closed) {
          if (candle.t < page.from || candle.t > page.to) continue;
          if (candle.t % plan.step !== 0) throw new BinanceUsError(`Binance US klines ${plan.symbol} ${plan.timeframe}: open time ${candle.t} is not on the ${plan.timeframe} grid`, "bad-response");
          batch.push({ symbol: plan.symbol, timeframe: plan.timeframe, candle });
        }
        db.put(batch);
        plan.fetched += batch.length;
      } catch (error) {
        if (!failure) failure = error as Error;
        abort.abort();
        return;
      }
      done += 1;
      options.onProgress?.(done, total);
    }
  });
  if (failure) {
    const kept = plans.reduce((sum, p) => sum + p.fetched, 0);
    throw new FetchError(failure as Error, kept);
  }
  return plans.map((plan) => summarize(db, plan.symbol, plan.timeframe, plan.period, plan.fetched));
}

function summarize(db: HistoryDb, symbol: string, timeframe: HistoryTimeframe, period: Window, fetched: number): SeriesResult {
  const step = TIMEFRAME_MS[timeframe];
  const times = db.times(symbol, timeframe, period.from, period.to);
  const first = times[0] ?? null;
  const last = times.at(-1) ?? null;
  const gaps: DataGap[] =
    first === null ? [] : holes(times, { from: first, to: period.to }, step).map((h) => ({ symbol, timeframe, from: h.from, missing: (h.to - h.from) / step + 1 }));
  return { symbol, timeframe, period, fetched, stored: times.length, first, last, gaps };
}

/** A request failed for good; what was stored before it is kept. */
export class FetchError extends Error {
  override name = "FetchError";
  constructor(
    readonly reason: Error,
    /** Candles stored by this run before the failure. */
    readonly kept: number,
  ) {
    super(reason.message);
  }
}
