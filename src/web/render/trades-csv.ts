/**
 * The trade history as CSV (/history.csv): a header row, then one row per
 * trade in the history's order. Numbers at full precision (JavaScript's
 * shortest exact form, never rounded for display), times ISO 8601 UTC,
 * durations in seconds; text quoted when it holds a comma, a quote or a
 * line break (RFC 4180's quoting; lines end in \n, as the backtest's
 * trades.csv). Empty cells for values the record does not have.
 */
import type { HistoryTrade } from "../../store/trade-history.ts";

export const TRADES_CSV_COLUMNS = [
  "id", "symbol", "side", "mode", "exchange", "quantity", "leverage", "margin_usdt",
  "entry_time", "entry_price", "exit_time", "exit_price", "duration_s",
  "pnl_usdt", "pnl_pct_of_margin", "fees_usdt", "funding_usdt", "exit_category", "close_reason", "open_reason",
] as const;

type Cell = string | number | null;

function cell(value: Cell): string {
  if (value === null) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  return /[",\r\n]/.test(value) || value !== value.trim() ? `"${value.replaceAll('"', '""')}"` : value;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function tradeCsvRow(t: HistoryTrade): string {
  const cells: Cell[] = [
    t.id, t.symbol, t.side, t.mode, t.exchange, t.size, t.leverage, t.margin_used,
    iso(t.opened_at), t.entry_price, iso(t.closed_at), t.exit_price, t.duration_ms === null ? null : t.duration_ms / 1000,
    t.pnl, t.pnl_pct, t.fees, t.funding, t.exit_category, t.close_reason, t.open_reason,
  ];
  return cells.map(cell).join(",");
}

export function tradesCsv(trades: readonly HistoryTrade[]): string {
  return [TRADES_CSV_COLUMNS.join(","), ...trades.map(tradeCsvRow)].join("\n") + "\n";
}
