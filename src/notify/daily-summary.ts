/**
 * The daily summary: at a whole UTC hour (daily_summary_hour_utc), the 24
 * hours just ended — realized P&L and closed trades, positions still open —
 * and the account now: equity, drawdown from the kill switch's baseline and
 * how far the kill switch is.
 */
import type { TraderMode } from "../config/schema.ts";
import type { ClosedTradeView } from "../web/deps.ts";
import { formatSignedUsd, formatUsd } from "../util/number-format.ts";
import type { Notice } from "./messages.ts";

const DAY_MS = 24 * 60 * 60_000;

/** The first `hour`:00:00 UTC strictly after `now`. */
export function nextSummaryAt(now: number, hour: number): number {
  const date = new Date(now);
  const today = Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate(), hour);
  return today > now ? today : today + DAY_MS;
}

export interface SummaryInput {
  at: number;
  hour: number;
  mode: TraderMode;
  /** Closed trades, any order; those closed in the 24 hours before `at` count. */
  trades: ClosedTradeView[];
  openPositions: number;
  account: { equity: number; starting_balance: number; drawdown_pct: number; kill_switch_distance_pct: number } | null;
  accountError?: string | null;
  killSwitchPct: number;
}

export function dailySummary(input: SummaryInput): Notice {
  const day = input.trades.filter((t) => t.closed_at !== null && t.closed_at > input.at - DAY_MS && t.closed_at <= input.at);
  const pnl = day.reduce((sum, t) => sum + (t.pnl ?? 0), 0);
  const won = day.filter((t) => (t.pnl ?? 0) > 0).length;
  const trades = day.length === 0 ? "no closed trades" : `P&L ${formatSignedUsd(pnl)} USDT from ${day.length} closed trade(s) (${won} won, ${day.length - won} lost)`;
  const open = input.openPositions === 0 ? "no position open" : `${input.openPositions} position(s) open`;
  const a = input.account;
  const account = a
    ? `Equity ${formatUsd(a.equity)} USDT, drawdown ${a.drawdown_pct.toFixed(2)} % from the baseline ${formatUsd(a.starting_balance)}; the kill switch (${input.killSwitchPct} %) is ${a.kill_switch_distance_pct.toFixed(2)} % away.`
    : `Account not read${input.accountError ? ` (${input.accountError})` : ""}.`;
  const hour = `${String(input.hour).padStart(2, "0")}:00 UTC`;
  return { event: "daily_summary", mode: input.mode, priority: "low", at: input.at, text: `Daily summary, 24 h to ${hour}: ${trades}; ${open}. ${account}` };
}
