/**
 * A backtest's trades as the report and trades.csv show them: one row per
 * position from open to close, with its exit reason in the report's words and
 * whether the TA bonus made the decision (the base score alone was below the
 * threshold).
 */
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

/** The report's exit reason for the close reason the trader recorded. */
export function exitReasonOf(reason: string): ExitReason {
  const text = reason.toLowerCase();
  if (text.startsWith("take profit") || text.startsWith("take-profit")) return "take profit";
  if (text.startsWith("stop loss") || text.startsWith("stop-loss")) return "stop loss";
  if (text.startsWith("kill switch")) return "kill switch";
  if (text.startsWith("liquidated")) return "liquidation";
  if (text === "end of test") return "end of test";
  return "other";
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
