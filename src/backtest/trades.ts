/**
 * A backtest's trades as the report and trades.csv show them: one row per
 * position from open to close, with its exit reason in the report's words and
 * whether the TA bonus made the decision (the base score alone was below the
 * threshold).
 */
import { exitCategoryOf } from "../metrics/exit-reasons.ts";
import type { JournalTrade } from "./journal.ts";

export type ExitReason = "take profit" | "stop loss" | "kill switch" | "liquidation" | "end of test" | "other";
export const EXIT_REASONS: readonly ExitReason[] = ["take profit", "stop loss", "kill switch", "liquidation", "end of test", "other"];

export interface BacktestTrade {
  symbol: string;
  side: "long" | "short";
  entry_time: number;
  entry_price: number;
  exit_time: number;
  exit_price: number;
  size: number;
  leverage: number;
  margin: number;
  /** Opening plus closing fee, USDT. */
  fees: number;
  /** + received, − paid. */
  funding: number;
  /** Net: price P&L − fees + funding. */
  pnl: number;
  exit_reason: ExitReason;
  /** The TA bonus lifted a base score below the threshold to the trade. */
  ta_changed: boolean;
}

/**
 * The report's exit reason for the close reason the trader recorded: its
 * category (src/metrics/exit-reasons.ts, as /performance groups live trades),
 * "other" for the categories a backtest has no word for.
 */
export function exitReasonOf(reason: string): ExitReason {
  const label = exitCategoryOf(reason).label;
  return (EXIT_REASONS as readonly string[]).includes(label) ? (label as ExitReason) : "other";
}

export function toTrades(journal: readonly JournalTrade[]): BacktestTrade[] {
  const out: BacktestTrade[] = [];
  for (const { open, close } of journal) {
    if (!close) continue;
    const signal = open.signal;
    out.push({
      symbol: open.symbol,
      side: open.side,
      entry_time: open.at,
      entry_price: open.entry_price,
      exit_time: close.at,
      exit_price: close.exit_price,
      size: open.size,
      leverage: open.leverage,
      margin: open.margin,
      fees: open.fee + close.fee,
      funding: close.funding,
      pnl: close.pnl,
      exit_reason: exitReasonOf(close.reason),
      ta_changed: signal !== undefined && signal.bonus > 0 && signal.base < signal.threshold && signal.total >= signal.threshold,
    });
  }
  return out;
}
