/**
 * The metric functions the backtest report and /performance share
 * (src/metrics/): trade metrics, the drawdown, P&L per day / week / month,
 * exit-reason categories (the classifier and its SQL twin agree), and the
 * performance report built from recorded trades. Expected values are worked
 * out by hand from the inputs.
 */
import { describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { EXIT_REASONS, exitReasonOf } from "../../src/backtest/trades.ts";
import { EXIT_CATEGORIES, exitCategoryOf, exitCategorySql } from "../../src/metrics/exit-reasons.ts";
import { buildPerformance, type RecordedTrade } from "../../src/metrics/performance.ts";
import { periodStart, pnlByPeriod } from "../../src/metrics/pnl-periods.ts";
import { computeMetrics, maxDrawdown, tradeMetrics, type TradeLike } from "../../src/metrics/trade-metrics.ts";

const H = 3_600_000;
const T0 = Date.UTC(2026, 2, 1, 22); // Sunday 2026-03-01 22:00 UTC

function trade(pnl: number, exitHour: number, extra: Partial<TradeLike> = {}): TradeLike {
  return { symbol: "BTCUSDT", entry_time: T0 + (exitHour - 2) * H, exit_time: T0 + exitHour * H, pnl, fees: 1.5, funding: -0.25, exit_reason: "take profit", ...extra };
}

describe("trade metrics", () => {
  const trades = [trade(10, 1), trade(-5, 3, { exit_reason: "liquidation" }), trade(0, 4), trade(20, 30, { symbol: "ETHUSDT", entry_time: T0 })];

  test("win rate, profit factor, expectancy, holds, fees, funding and liquidations from the trades alone", () => {
    const m = tradeMetrics(trades);
    expect(m.trades).toBe(4);
    expect(m.win_rate_pct).toBe(50); // 10 and 20 won; 0 is not a win
    expect(m.profit_factor).toBe(30 / 5);
    expect(m.expectancy).toBe(25 / 4);
    expect(m.avg_hold_hours).toBe((2 + 2 + 2 + 30) / 4);
    expect(m.longest_hold_hours).toBe(30);
    expect(m.fees).toBe(6);
    expect(m.funding).toBe(-1);
    expect(m.liquidations).toBe(1);
  });

  test("no trades: nothing to divide, so null rather than 0", () => {
    expect(tradeMetrics([])).toEqual({ profit_factor: null, win_rate_pct: null, expectancy: null, trades: 0, avg_hold_hours: null, longest_hold_hours: null, fees: 0, funding: 0, liquidations: 0 });
    expect(tradeMetrics([trade(3, 1)]).profit_factor).toBeNull(); // no losing trade
  });

  test("computeMetrics carries the same trade figures, its keys in result.json's order", () => {
    const m = computeMetrics(trades, [{ t: T0 + H, equity: 10_010 }, { t: T0 + 3 * H, equity: 10_005 }], 10_000, 10_025, T0 - H, T0 + 31 * H);
    expect(Object.keys(m)).toEqual([
      "start_balance", "end_balance", "total_return_pct", "cagr_pct", "max_drawdown", "sharpe", "sortino", "calmar", "profit_factor", "win_rate_pct",
      "expectancy", "trades", "avg_hold_hours", "longest_hold_hours", "exposure_pct", "fees", "funding", "liquidations", "days",
    ]);
    expect({ ...m }).toMatchObject(tradeMetrics(trades));
  });

  test("max drawdown: the largest fall from a running peak, with its times", () => {
    const dd = maxDrawdown([{ t: 1, equity: 100 }, { t: 2, equity: 120 }, { t: 3, equity: 90 }, { t: 4, equity: 130 }, { t: 5, equity: 117 }]);
    expect(dd).toEqual({ pct: 25, peak_at: 2, trough_at: 3 });
  });
});

describe("P&L per period (UTC, by close time)", () => {
  const trades = [trade(10, 1), trade(-4, 3), trade(5, 26), trade(7, 24 * 9)];

  test("days: each close in its UTC day, empty days listed at 0", () => {
    const days = pnlByPeriod(trades, "day");
    expect(days.map((d) => new Date(d.start).toISOString().slice(0, 10))).toEqual([
      "2026-03-01", "2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06", "2026-03-07", "2026-03-08", "2026-03-09", "2026-03-10",
    ]);
    // 23:00 on the 1st; 01:00 on the 2nd; 00:00 on the 3rd; 22:00 on the 10th.
    expect(days.map((d) => d.pnl)).toEqual([10, -4, 5, 0, 0, 0, 0, 0, 0, 7]);
    expect(days[1]).toMatchObject({ trades: 1, wins: 0, end: Date.UTC(2026, 2, 3) });
  });

  test("weeks start on Monday 00:00 UTC", () => {
    expect(new Date(periodStart(Date.UTC(2026, 2, 1, 23), "week")).toISOString()).toBe("2026-02-23T00:00:00.000Z");
    expect(new Date(periodStart(Date.UTC(2026, 2, 2, 0), "week")).toISOString()).toBe("2026-03-02T00:00:00.000Z");
    const weeks = pnlByPeriod(trades, "week");
    expect(weeks.map((w) => [new Date(w.start).toISOString().slice(0, 10), w.pnl, w.trades])).toEqual([["2026-02-23", 10, 1], ["2026-03-02", 1, 2], ["2026-03-09", 7, 1]]);
  });

  test("months are calendar months, a year boundary included", () => {
    const months = pnlByPeriod([trade(1, 0, { exit_time: Date.UTC(2025, 11, 31, 23, 59) }), trade(2, 0, { exit_time: Date.UTC(2026, 1, 1) })], "month");
    expect(months.map((m) => [new Date(m.start).toISOString().slice(0, 7), m.pnl])).toEqual([["2025-12", 1], ["2026-01", 0], ["2026-02", 2]]);
    expect(pnlByPeriod([], "month")).toEqual([]);
  });
});

describe("exit reasons", () => {
  const cases: [string | null, string][] = [
    ["take profit 21.40 % ≥ 20 %", "take-profit"],
    ["take-profit on the exchange", "take-profit"],
    ["stop loss -5.20 % ≤ −5 %", "stop-loss"],
    ["stop-loss on the exchange", "stop-loss"],
    ["liquidated", "liquidation"],
    ["kill switch: equity 4,900.00 is 51.00 % below the baseline", "kill-switch"],
    ["emergency stop (page)", "emergency-stop"],
    ["closed by owner (api)", "owner"],
    ["close all by owner (page)", "owner"],
    ["closed outside the bot", "exchange"],
    ["auto-deleveraged by the exchange", "exchange"],
    ["closed by the exchange", "exchange"],
    ["end of test", "end-of-test"],
    ["  Take Profit 3 %", "take-profit"],
    ["something new", "other"],
    ["", "other"],
    [null, "other"],
  ];

  test("each recorded reason falls in its category, and SQLite's expression says the same", () => {
    const db = new Database(":memory:");
    const sql = db.query<{ key: string }, { reason: string | null }>(`SELECT ${exitCategorySql("$reason")} AS key`);
    for (const [reason, key] of cases) {
      expect(exitCategoryOf(reason).key).toBe(key);
      expect(sql.get({ reason })?.key).toBe(key);
    }
    db.close();
  });

  test("the backtest's exit reasons are the same categories, with \"other\" for what a backtest has no word for", () => {
    const labels = EXIT_CATEGORIES.map((c) => c.label);
    for (const word of EXIT_REASONS) expect(labels).toContain(word);
    expect(cases.map(([reason]) => exitReasonOf(reason ?? ""))).toEqual([
      "take profit", "take profit", "stop loss", "stop loss", "liquidation", "kill switch",
      "other", "other", "other", "other", "other", "other", "end of test", "take profit", "other", "other", "other",
    ]);
  });
});

describe("the performance report", () => {
  const records: RecordedTrade[] = [
    { symbol: "ETHUSDT", opened_at: T0 + 5 * H, closed_at: T0 + 8 * H, pnl: -12.5, fees: 2, funding: 0.5, close_reason: "stop-loss on the exchange" },
    { symbol: "BTCUSDT", opened_at: T0, closed_at: T0 + 2 * H, pnl: 30, fees: 1, funding: -1, close_reason: "take profit 21 % ≥ 20 %" },
    { symbol: "BTCUSDT", opened_at: T0 + H, closed_at: null, pnl: null, fees: 0.5, funding: 0, close_reason: null },
    { symbol: "BTCUSDT", opened_at: T0 + 9 * H, closed_at: T0 + 30 * H, pnl: 2.5, fees: 1, funding: 0, close_reason: "closed by owner (page)" },
  ];

  test("closed trades only, in close order: the curve from 0 at the first open, sums, wins, best and worst", () => {
    const r = buildPerformance(records, []);
    expect(r.trades).toBe(3);
    expect(r.wins).toBe(2);
    expect(r.net_pnl).toBe(20);
    expect([r.best_trade, r.worst_trade]).toEqual([30, -12.5]);
    expect(r.pnl_curve).toEqual([{ t: T0, pnl: 0 }, { t: T0 + 2 * H, pnl: 30 }, { t: T0 + 8 * H, pnl: 17.5 }, { t: T0 + 30 * H, pnl: 20 }]);
    expect(r.metrics.fees).toBe(4);
    expect(r.metrics.funding).toBe(-0.5);
    expect([r.first_close_at, r.last_close_at]).toEqual([T0 + 2 * H, T0 + 30 * H]);
    expect(r.per_coin.map((g) => [g.key, g.trades, g.pnl])).toEqual([["BTCUSDT", 2, 32.5], ["ETHUSDT", 1, -12.5]]);
    expect(r.per_exit_reason.map((g) => g.key)).toEqual(["closed by owner", "stop loss", "take profit"]);
    expect(r.pnl_by.day.map((d) => d.pnl)).toEqual([17.5, 2.5]);
    expect(r.pnl_by.month.map((d) => d.pnl)).toEqual([20]);
  });

  test("the drawdown comes from the equity snapshots, and needs two of them", () => {
    expect(buildPerformance(records, [{ t: 1, equity: 100 }]).max_drawdown).toBeNull();
    const r = buildPerformance(records, [{ t: 3, equity: 90 }, { t: 1, equity: 100 }, { t: 2, equity: 120 }]);
    expect(r.equity_curve.map((p) => p.t)).toEqual([1, 2, 3]);
    expect(r.max_drawdown).toEqual({ pct: 25, peak_at: 2, trough_at: 3 });
  });

  test("no trades: an empty report, not a crash", () => {
    const r = buildPerformance([], []);
    expect([r.trades, r.net_pnl, r.best_trade, r.pnl_curve.length, r.pnl_by.week.length]).toEqual([0, 0, null, 0, 0]);
  });
});
