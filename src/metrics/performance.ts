/**
 * The /performance page's figures for one mode's closed trades and equity
 * snapshots, from the same functions as the backtest report
 * (trade-metrics.ts): win rate, profit factor, expectancy, fees, funding,
 * per coin and per exit reason; the max drawdown of the mark-to-market
 * equity; cumulative realized P&L; realized P&L per day, week and month.
 * Pure: the caller reads the record and picks the mode (live and dry-run are
 * never mixed in one report).
 */
import { exitCategoryOf } from "./exit-reasons.ts";
import { PNL_PERIODS, pnlByPeriod, type PeriodPnl, type PnlPeriod } from "./pnl-periods.ts";
import { groupTrades, maxDrawdown, tradeMetrics, type Drawdown, type EquitySample, type GroupRow, type TradeLike, type TradeMetrics } from "./trade-metrics.ts";

/** A closed trade as the record keeps it (src/store/types.ts TradeRecord has these fields). */
export interface RecordedTrade {
  symbol: string;
  opened_at: number;
  closed_at: number | null;
  pnl: number | null;
  fees: number;
  funding: number;
  close_reason: string | null;
}

export interface PerformanceReport {
  trades: number;
  /** Trades with a P&L above 0 (the win rate's numerator). */
  wins: number;
  /** Σ realized P&L, net of fees and funding. */
  net_pnl: number;
  metrics: TradeMetrics;
  best_trade: number | null;
  worst_trade: number | null;
  /** Of the equity snapshots; null with fewer than two of them. */
  max_drawdown: Drawdown | null;
  first_close_at: number | null;
  last_close_at: number | null;
  /** Realized P&L summed at each close, from 0 at the first trade's open. */
  pnl_curve: { t: number; pnl: number }[];
  /** Mark-to-market equity at the end of each trader cycle, oldest first. */
  equity_curve: EquitySample[];
  pnl_by: Record<PnlPeriod, PeriodPnl[]>;
  per_coin: GroupRow[];
  /** Keyed by the exit category's label ("take profit", "closed by owner", …). */
  per_exit_reason: GroupRow[];
}

/** A recorded closed trade in the metrics' shape; its exit reason is its category's label. Null while it is open. */
export function toTradeLike(trade: RecordedTrade): TradeLike | null {
  if (trade.closed_at === null || trade.pnl === null) return null;
  return {
    symbol: trade.symbol,
    entry_time: trade.opened_at,
    exit_time: trade.closed_at,
    pnl: trade.pnl,
    fees: trade.fees,
    funding: trade.funding,
    exit_reason: exitCategoryOf(trade.close_reason).label,
  };
}

export function buildPerformance(records: readonly RecordedTrade[], equity: readonly EquitySample[]): PerformanceReport {
  const trades = records
    .map(toTradeLike)
    .filter((t): t is TradeLike => t !== null)
    .sort((a, b) => a.exit_time - b.exit_time);
  const pnls = trades.map((t) => t.pnl);
  const curve: { t: number; pnl: number }[] = [];
  if (trades.length > 0) {
    let sum = 0;
    curve.push({ t: Math.min(...trades.map((t) => t.entry_time)), pnl: 0 });
    for (const t of trades) curve.push({ t: t.exit_time, pnl: (sum += t.pnl) });
  }
  const samples = [...equity].sort((a, b) => a.t - b.t);
  return {
    trades: trades.length,
    wins: pnls.filter((p) => p > 0).length,
    net_pnl: pnls.reduce((sum, p) => sum + p, 0),
    metrics: tradeMetrics(trades),
    best_trade: pnls.length > 0 ? Math.max(...pnls) : null,
    worst_trade: pnls.length > 0 ? Math.min(...pnls) : null,
    max_drawdown: samples.length >= 2 ? maxDrawdown(samples) : null,
    first_close_at: trades[0]?.exit_time ?? null,
    last_close_at: trades.at(-1)?.exit_time ?? null,
    pnl_curve: curve,
    equity_curve: samples,
    pnl_by: Object.fromEntries(PNL_PERIODS.map((p) => [p, pnlByPeriod(trades, p)])) as Record<PnlPeriod, PeriodPnl[]>,
    per_coin: groupTrades(trades, (t) => t.symbol),
    per_exit_reason: groupTrades(trades, (t) => t.exit_reason),
  };
}
