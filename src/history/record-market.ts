/**
 * Wires a HistoryRecorder to the server's market pipeline: every closed 5m
 * and 1h candle event is recorded, and so are the closed candles already in
 * the pipeline's store when it starts (the warm-up history loaded from
 * Binance US), which closes the hole a restart would otherwise leave. A
 * warm-up candle that turns out to have been caught before its final tick is
 * replaced when its closed event arrives (same key).
 */
import type { MarketPipeline } from "../app/market-pipeline.ts";
import { logger } from "../log.ts";
import { TIMEFRAME_MS } from "../market/candle.ts";
import { HISTORY_TIMEFRAMES } from "./history-db.ts";
import { HistoryRecorder } from "./recorder.ts";

const log = logger("history");

export interface MarketHistory {
  recorder: HistoryRecorder;
  /** Unsubscribes, writes what is queued and closes history.db. */
  stop(): void;
}

/** Starts recording `market` into `<dataDir>/history.db`; null when `days` is 0 (off). */
export function recordMarketHistory(market: MarketPipeline, options: { dataDir: string; days: number; now?: () => number }): MarketHistory | null {
  if (options.days === 0) return null;
  const now = options.now ?? Date.now;
  const recorder = new HistoryRecorder({ dataDir: options.dataDir, days: options.days, isSimulated: () => market.status().simulated, now });
  const unsubscribe = market.onCandle((update) => recorder.record(update));
  if (market.status().simulated) {
    log.info(`not recording candles while the market is simulated (${market.status().source})`);
  } else {
    const at = now();
    for (const symbol of market.symbols()) {
      for (const timeframe of HISTORY_TIMEFRAMES) {
        const closed = market.recentCandles(symbol, timeframe, Number.MAX_SAFE_INTEGER).filter((c) => c.t + TIMEFRAME_MS[timeframe] <= at);
        recorder.recordClosed(symbol, timeframe, closed);
      }
    }
    recorder.flush();
    log.info(`recording closed 5m and 1h candles in ${recorder.path}, keeping ${options.days} day(s)`, { warmUpCandles: recorder.stats().recorded });
  }
  return {
    recorder,
    stop: () => {
      unsubscribe();
      recorder.stop();
    },
  };
}
