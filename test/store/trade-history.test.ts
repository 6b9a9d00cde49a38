/**
 * Reading closed trades back from a real SQLite store (src/store/trade-history.ts):
 * every filter, stable pages (ties on the close time included), totals per
 * mode, the full filtered set for the CSV, one mode's trades and equity for
 * the performance page, and the index of migration 3 doing the work.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { MIGRATIONS, migrate } from "../../src/store/migrations.ts";
import { TradeHistory, type TradeFilter } from "../../src/store/trade-history.ts";
import { DB_FILE_NAME, openStore, type TraderStore } from "../../src/store/trader-store.ts";
import { StoreInputError } from "../../src/store/types.ts";
import { exitCategoryOf } from "../../src/metrics/exit-reasons.ts";
import { sampleTrades, writeEquity, writeTrades, type FixtureTrade } from "../helpers/trade-fixtures.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

const BASE = Date.UTC(2026, 9, 1, 6);
let store: TraderStore;
let history: TradeHistory;
let trades: FixtureTrade[];
let ids: number[];

beforeEach(() => {
  store = openStore(makeTempDir("history"));
  history = new TradeHistory(store.db);
  trades = sampleTrades(BASE);
  ids = writeTrades(store, trades);
});

afterEach(() => {
  store.close();
  removeTempDirs();
});

/** The fixture trades a filter should select, in the history's order (closed newest first, then id). */
function expected(select: (t: FixtureTrade) => boolean): number[] {
  return trades
    .map((t, i) => ({ t, id: ids[i]! }))
    .filter(({ t }) => select(t))
    .sort((a, b) => b.t.closed_at - a.t.closed_at || b.id - a.id)
    .map(({ id }) => id);
}

function idsOf(filter: TradeFilter): number[] {
  return history.all(filter).map((t) => t.id);
}

describe("filters", () => {
  test("none: every closed trade, most recently closed first; an open trade is not history", () => {
    store.recordTradeOpen({ symbol: "BTCUSDT", side: "long", size: 1, entry_price: 1, open_reason: "still open", client_id: "open-1", exchange: "paper", mode: "dry-run" });
    expect(idsOf({})).toEqual(expected(() => true));
  });

  test("each filter alone, and all of them together", () => {
    expect(idsOf({ symbol: "ETHUSDT" })).toEqual(expected((t) => t.symbol === "ETHUSDT"));
    expect(idsOf({ side: "short" })).toEqual(expected((t) => t.side === "short"));
    expect(idsOf({ mode: "live" })).toEqual(expected((t) => t.mode === "live"));
    expect(idsOf({ reason: "stop-loss" })).toEqual(expected((t) => t.reason.startsWith("stop")));
    expect(idsOf({ reason: "stop-loss" }).length).toBeGreaterThan(0);
    const from = BASE + 24 * 3_600_000;
    const to = BASE + 5 * 24 * 3_600_000;
    expect(idsOf({ from, to })).toEqual(expected((t) => t.closed_at >= from && t.closed_at < to));
    const all: TradeFilter = { symbol: "BTCUSDT", side: "long", mode: "dry-run", reason: "take-profit", from: BASE, to: BASE + 30 * 24 * 3_600_000 };
    expect(idsOf(all)).toEqual(
      expected((t) => t.symbol === "BTCUSDT" && t.side === "long" && t.mode === "dry-run" && exitCategoryOf(t.reason).key === "take-profit"),
    );
  });

  test("a filter that matches nothing gives an empty page, not an error", () => {
    expect(history.page({ symbol: "XRPUSDT" }, 1, 50)).toEqual({ trades: [], total: 0, page: 1, per_page: 50, pages: 1 });
    expect(history.totals({ symbol: "XRPUSDT" })).toEqual([]);
  });

  test("bad input is refused with the field's name", () => {
    expect(() => history.all({ side: "sideways" } as never)).toThrow(StoreInputError);
    expect(() => history.all({ reason: "boredom" })).toThrow("reason");
    expect(() => history.page({}, 0, 10)).toThrow("page must be a whole number from 1");
    expect(() => history.page({}, 1, 5000)).toThrow("per_page must be a whole number from 1 to 1000");
    expect(() => history.all({ symbol: "x', 1); DROP TABLE trades; --" })).not.toThrow();
    expect(history.all({}).length).toBe(trades.length);
  });
});

describe("pages", () => {
  test("pages of 7 cover every trade once, in order, ties on the close time included", () => {
    const seen: number[] = [];
    const first = history.page({}, 1, 7);
    expect(first.total).toBe(trades.length);
    expect(first.pages).toBe(Math.ceil(trades.length / 7));
    for (let page = 1; page <= first.pages; page++) seen.push(...history.page({}, page, 7).trades.map((t) => t.id));
    expect(seen).toEqual(expected(() => true));
    // Trades 5 and 6 closed in the same millisecond: the newer id first.
    const tie = seen.indexOf(ids[6]!);
    expect(seen[tie + 1]).toBe(ids[5]!);
    expect(history.page({}, first.pages + 1, 7).trades).toEqual([]);
  });

  test("rows carry P&L % of the margin, the duration and the exit category", () => {
    const row = history.page({ mode: "live" }, 1, 1).trades[0]!;
    const t = trades[trades.length - 1]!; // the newest live trade
    expect(row.pnl).toBe(t.pnl);
    expect(row.pnl_pct).toBeCloseTo((t.pnl / t.margin) * 100, 10);
    expect(row.duration_ms).toBe(t.closed_at - t.opened_at);
    expect(row.exit_category).toBe(exitCategoryOf(t.reason).key);
    expect(row.fees).toBeCloseTo(t.open_fee + t.close_fee, 12);
  });
});

describe("totals", () => {
  test("one row per mode, never added together", () => {
    const sum = (mode: string, pick: (t: FixtureTrade) => number) => trades.filter((t) => t.mode === mode).reduce((s, t) => s + pick(t), 0);
    const totals = history.totals({});
    expect(totals.map((t) => t.mode)).toEqual(["dry-run", "live"]);
    for (const row of totals) {
      expect(row.trades).toBe(trades.filter((t) => t.mode === row.mode).length);
      expect(row.wins).toBe(trades.filter((t) => t.mode === row.mode && t.pnl > 0).length);
      expect(row.pnl).toBeCloseTo(sum(row.mode, (t) => t.pnl), 9);
      expect(row.fees).toBeCloseTo(sum(row.mode, (t) => t.open_fee + t.close_fee), 9);
      expect(row.funding).toBeCloseTo(sum(row.mode, (t) => t.funding), 9);
    }
  });
});

describe("what /performance reads", () => {
  test("one mode's closed trades, oldest close first, and its equity snapshots only", () => {
    const points = writeEquity(store, trades, "dry-run");
    store.snapshotEquity({ at: BASE, equity: 99_999, available: 0, margin: 0, unrealized_pnl: 0, mode: "live" });
    expect(history.closedTrades("live").map((t) => t.id)).toEqual(expected((t) => t.mode === "live").reverse());
    expect(history.equity("dry-run")).toEqual(points.map((p) => ({ t: p.at, equity: p.equity })));
    expect(history.equity("live")).toEqual([{ t: BASE, equity: 99_999 }]);
    expect(history.symbols()).toEqual(["BTCUSDT", "DOGEUSDT", "ETHUSDT", "SOLUSDT"]);
    expect(() => history.equity("paused" as never)).toThrow(StoreInputError);
  });
});

describe("migration 3", () => {
  test("a mode's newest trades are read through trades_mode_closed, without a sort", () => {
    const plan = store.db
      .query<{ detail: string }, []>(`EXPLAIN QUERY PLAN SELECT * FROM trades WHERE closed_at IS NOT NULL AND mode = 'dry-run' ORDER BY closed_at DESC, id DESC LIMIT 50`)
      .all()
      .map((r) => r.detail)
      .join("; ");
    expect(plan).toContain("trades_mode_closed");
    expect(plan).not.toContain("TEMP B-TREE");
  });

  test("a version-2 database gains the index with its trades intact", () => {
    const dataDir = makeTempDir("history-v2");
    const db = new Database(join(dataDir, DB_FILE_NAME));
    migrate(db, MIGRATIONS.slice(0, 2));
    db.run(`INSERT INTO trades (symbol, side, size, entry_price, exit_price, fees, pnl, opened_at, closed_at, open_reason, close_reason, client_id, exchange, mode)
            VALUES ('BTCUSDT', 'long', 0.1, 60000, 61000, 3, 97, 1, 2, 'old', 'liquidated', 'o-1', 'paper', 'dry-run')`);
    db.close();
    const again = openStore(dataDir);
    try {
      expect(again.db.query("PRAGMA user_version").get()).toEqual({ user_version: MIGRATIONS.length });
      const rows = new TradeHistory(again.db).all({ mode: "dry-run", reason: "liquidation" });
      expect(rows.map((r) => [r.client_id, r.pnl, r.margin_used, r.pnl_pct])).toEqual([["o-1", 97, null, null]]);
    } finally {
      again.close();
    }
  });
});
