/**
 * Realized P&L per UTC day, ISO week (from Monday 00:00 UTC) or calendar
 * month, counted when a trade closes. Every period from the first close to
 * the last is listed, empty ones at 0, so bars sit on a true time axis.
 */
import type { TradeLike } from "./trade-metrics.ts";

export const PNL_PERIODS = ["day", "week", "month"] as const;
export type PnlPeriod = (typeof PNL_PERIODS)[number];

export interface PeriodPnl {
  /** The period's first instant, ms (UTC). */
  start: number;
  /** Where the next period starts. */
  end: number;
  pnl: number;
  trades: number;
  wins: number;
}

const DAY = 86_400_000;
/** 1970-01-01 was a Thursday: Monday 1970-01-05 starts ISO week counting here. */
const FIRST_MONDAY = 4 * DAY;

export function periodStart(t: number, period: PnlPeriod): number {
  if (period === "day") return Math.floor(t / DAY) * DAY;
  if (period === "week") return Math.floor((t - FIRST_MONDAY) / (7 * DAY)) * 7 * DAY + FIRST_MONDAY;
  const date = new Date(t);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

export function nextPeriodStart(start: number, period: PnlPeriod): number {
  if (period === "day") return start + DAY;
  if (period === "week") return start + 7 * DAY;
  const date = new Date(start);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
}

export function pnlByPeriod(trades: readonly Pick<TradeLike, "exit_time" | "pnl">[], period: PnlPeriod): PeriodPnl[] {
  if (trades.length === 0) return [];
  const byStart = new Map<number, PeriodPnl>();
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const t of trades) {
    const start = periodStart(t.exit_time, period);
    first = Math.min(first, start);
    last = Math.max(last, start);
    const row = byStart.get(start) ?? { start, end: nextPeriodStart(start, period), pnl: 0, trades: 0, wins: 0 };
    row.pnl += t.pnl;
    row.trades += 1;
    if (t.pnl > 0) row.wins += 1;
    byStart.set(start, row);
  }
  const rows: PeriodPnl[] = [];
  for (let start = first; start <= last; start = nextPeriodStart(start, period)) {
    rows.push(byStart.get(start) ?? { start, end: nextPeriodStart(start, period), pnl: 0, trades: 0, wins: 0 });
  }
  return rows;
}
