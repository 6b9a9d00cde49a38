/**
 * A coin as the trader compares it with its thresholds: the composite score
 * (base + TA bonus, the bonus counted only with use_ta_signals) of a snapshot
 * taken on CLOSED candles, with when its newest closed 5m candle ended and
 * arrived. One function for live (src/app/market-pipeline.ts) and the
 * backtester (src/backtest/engine.ts): they cannot score differently.
 */
import type { TraderConfig } from "../config/schema.ts";
import type { ScoredCoin } from "../trader/signals.ts";
import type { CoinSnapshot } from "./analyzer.ts";
import { compositeScore } from "./composite.ts";

export interface ScoredCoinContext {
  /** The latest price (the forming bar's close live; the next fill's open in a backtest). */
  price: number;
  closed_at: number | null;
  received_at: number | null;
  simulated: boolean;
}

export function scoredCoin(decided: CoinSnapshot, config: Pick<TraderConfig, "use_ta_signals">, context: ScoredCoinContext): ScoredCoin {
  const score = compositeScore(decided.score, decided.ta, config.use_ta_signals);
  return {
    symbol: decided.symbol,
    price: context.price,
    long: { base: score.long.base, bonus: score.long.bonus, total: score.long.total },
    short: { base: score.short.base, bonus: score.short.bonus, total: score.short.total },
    simulated: context.simulated,
    closed_at: context.closed_at,
    received_at: context.received_at,
  };
}
