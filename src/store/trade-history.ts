/**
 * Reading the closed trades back: the trade history (filtered, paged, as
 * CSV) and what the performance page needs (one mode's closed trades and
 * equity snapshots). Read-only, over the store's own connection.
 *
 * Order: most recently closed first, ties by id, so a page never shows a
 * trade twice or skips one while nothing new closes. The mode filter and
 * the order use the index of migration 3 (trades_mode_closed).
 *
 * The filter's values are bound as parameters; the only SQL built from text
 * is the exit-category expression, made from a constant table
 * (src/metrics/exit-reasons.ts).
 *
 * @example
 *   const history = new TradeHistory(store.db);
 *   const page = history.page({ mode: "dry-run", symbol: "BTCUSDT" }, 1, 50);
 *   // page.trades[0].pnl_pct — P&L in % of the margin it took
 */
import type { Database } from "bun:sqlite";
import { z } from "zod";
import { EXIT_CATEGORY_KEYS, exitCategoryOf, exitCategorySql } from "../metrics/exit-reasons.ts";
import type { EquitySample } from "../metrics/trade-metrics.ts";
import { parseInput, StoreInputError, TradeModeSchema, type TradeMode, type TradeRecord } from "./types.ts";

export const MAX_HISTORY_PAGE = 1000;

export const TradeFilterSchema = z
  .object({
    symbol: z.string().min(1).optional(),
    side: z.enum(["long", "short"]).optional(),
    /** An exit category key (take-profit, stop-loss, …). */
    reason: z.enum(EXIT_CATEGORY_KEYS as [string, ...string[]]).optional(),
    mode: TradeModeSchema.optional(),
    /** Closed at or after this time, ms. */
    from: z.number().int().nonnegative().optional(),
    /** Closed before this time, ms. */
    to: z.number().int().nonnegative().optional(),
  })
  .strict();
export type TradeFilter = z.infer<typeof TradeFilterSchema>;

/** A closed trade with what the history shows beside the record. */
export interface HistoryTrade extends TradeRecord {
  /** The margin it opened with (derived from entry × size / leverage for trades recorded before margin was kept). */
  margin_used: number | null;
  /** Net P&L in % of that margin. */
  pnl_pct: number | null;
  duration_ms: number | null;
  /** The exit category's key and label (src/metrics/exit-reasons.ts). */
  exit_category: string;
  exit_category_label: string;
}

export interface TradePage {
  trades: HistoryTrade[];
  total: number;
  page: number;
  per_page: number;
  /** At least 1 (an empty result is one empty page). */
  pages: number;
}

/** Sums over the filtered trades, one row per mode (they are never added together). */
export interface ModeTotals {
  mode: TradeMode;
  trades: number;
  wins: number;
  pnl: number;
  fees: number;
  funding: number;
}

/** What the web layer reads (WebDeps.trades). */
export interface TradeRecordPort {
  page(filter: TradeFilter, page: number, perPage: number): TradePage;
  totals(filter: TradeFilter): ModeTotals[];
  /** Every trade the filter selects, in the history's order. */
  all(filter: TradeFilter): HistoryTrade[];
  /** One mode's closed trades, oldest close first. */
  closedTrades(mode: TradeMode): TradeRecord[];
  /** One mode's equity snapshots, oldest first. */
  equity(mode: TradeMode): EquitySample[];
  /** The symbols that have a closed trade. */
  symbols(): string[];
}

const ORDER = "ORDER BY closed_at DESC, id DESC";
const CATEGORY = exitCategorySql("close_reason");

export class TradeHistory implements TradeRecordPort {
  constructor(private readonly db: Database) {}

  page(filter: TradeFilter, page: number, perPage: number): TradePage {
    const where = whereOf(filter, "page");
    if (!Number.isSafeInteger(page) || page < 1) throw new StoreInputError(`page: page must be a whole number from 1, got ${page}`);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_HISTORY_PAGE) {
      throw new StoreInputError(`page: per_page must be a whole number from 1 to ${MAX_HISTORY_PAGE}, got ${perPage}`);
    }
    const total = this.db.query<{ n: number }, Record<string, string | number>>(`SELECT COUNT(*) AS n FROM trades WHERE ${where.sql}`).get(where.params)?.n ?? 0;
    const rows = this.db
      .query<TradeRecord, Record<string, string | number>>(`SELECT * FROM trades WHERE ${where.sql} ${ORDER} LIMIT $limit OFFSET $offset`)
      .all({ ...where.params, limit: perPage, offset: (page - 1) * perPage });
    return { trades: rows.map(describe), total, page, per_page: perPage, pages: Math.max(1, Math.ceil(total / perPage)) };
  }

  totals(filter: TradeFilter): ModeTotals[] {
    const where = whereOf(filter, "totals");
    return this.db
      .query<ModeTotals, Record<string, string | number>>(
        `SELECT mode, COUNT(*) AS trades, SUM(pnl > 0) AS wins, TOTAL(pnl) AS pnl, TOTAL(fees) AS fees, TOTAL(funding) AS funding
         FROM trades WHERE ${where.sql} GROUP BY mode ORDER BY mode`,
      )
      .all(where.params);
  }

  all(filter: TradeFilter): HistoryTrade[] {
    const where = whereOf(filter, "all");
    return this.db.query<TradeRecord, Record<string, string | number>>(`SELECT * FROM trades WHERE ${where.sql} ${ORDER}`).all(where.params).map(describe);
  }

  closedTrades(mode: TradeMode): TradeRecord[] {
    parseInput(TradeModeSchema, mode, "closedTrades: mode");
    return this.db.query<TradeRecord, { mode: string }>(`SELECT * FROM trades WHERE closed_at IS NOT NULL AND mode = $mode ORDER BY closed_at, id`).all({ mode });
  }

  equity(mode: TradeMode): EquitySample[] {
    parseInput(TradeModeSchema, mode, "equity: mode");
    return this.db.query<EquitySample, { mode: string }>(`SELECT at AS t, equity FROM equity_snapshots WHERE mode = $mode ORDER BY at, id`).all({ mode });
  }

  symbols(): string[] {
    return this.db.query<{ symbol: string }, []>(`SELECT DISTINCT symbol FROM trades WHERE closed_at IS NOT NULL ORDER BY symbol`).all().map((r) => r.symbol);
  }
}

/** The WHERE clause of a filter: fixed fragments, values bound by name. */
function whereOf(input: TradeFilter, call: string): { sql: string; params: Record<string, string | number> } {
  const filter = parseInput(TradeFilterSchema, input, `${call}: filter`);
  const parts = ["closed_at IS NOT NULL"];
  const params: Record<string, string | number> = {};
  const add = (condition: string, name: string, value: string | number | undefined) => {
    if (value === undefined) return;
    parts.push(condition);
    params[name] = value;
  };
  add("symbol = $symbol", "symbol", filter.symbol);
  add("side = $side", "side", filter.side);
  add("mode = $mode", "mode", filter.mode);
  add("closed_at >= $from", "from", filter.from);
  add("closed_at < $to", "to", filter.to);
  add(`${CATEGORY} = $reason`, "reason", filter.reason);
  return { sql: parts.join(" AND "), params };
}

export function describe(trade: TradeRecord): HistoryTrade {
  const margin = trade.margin ?? (trade.leverage ? (trade.entry_price * trade.size) / trade.leverage : null);
  const category = exitCategoryOf(trade.close_reason);
  return {
    ...trade,
    margin_used: margin,
    pnl_pct: trade.pnl !== null && margin !== null && margin > 0 ? (trade.pnl / margin) * 100 : null,
    duration_ms: trade.closed_at === null ? null : trade.closed_at - trade.opened_at,
    exit_category: category.key,
    exit_category_label: category.label,
  };
}
