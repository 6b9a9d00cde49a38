/**
 * The backtest views on a hand-made result: numbers for people (money to 2
 * decimals, prices at their precision, percentages with 2 decimals), the
 * charts' axes and dates, the trade list capped with a note, the A/B
 * comparison and the holdout, warnings and assumptions (escaped), and a
 * running and a failed run's panel.
 */
import { describe, expect, test } from "bun:test";
import type { RunSummary } from "../../src/app/backtest-runs.ts";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import type { RunReport, StudyResult } from "../../src/backtest/study.ts";
import type { BacktestTrade } from "../../src/backtest/trades.ts";
import { toHtml } from "../../src/web/render/to-html.ts";
import { RunPanel, TRADE_ROWS } from "../../views/backtest/run.tsx";
import { downsample, niceTicks, TimeChart, timeTicks } from "../../views/svg.tsx";
import { count, elementById } from "./helpers.ts";

type Metrics = RunReport["metrics"];

const DAY = 86_400_000;
const FROM = Date.parse("2022-01-16T00:00:00Z");
const TO = FROM + 3 * DAY;

function metrics(patch: Partial<Metrics> = {}): Metrics {
  return {
    start_balance: 10000,
    end_balance: 10123.456,
    total_return_pct: 1.23456,
    cagr_pct: 321.987,
    max_drawdown: { pct: 2.3456, peak_at: FROM + DAY, trough_at: FROM + DAY + 3 * 3_600_000 },
    sharpe: 1.23456,
    sortino: null,
    calmar: 12.3456,
    profit_factor: 1.5,
    win_rate_pct: 55.5555,
    expectancy: 0.204,
    trades: 600,
    avg_hold_hours: 1.25,
    longest_hold_hours: 10,
    exposure_pct: 40.123,
    fees: 1234.5678,
    funding: -12.3456,
    liquidations: 1,
    days: 3,
    ...patch,
  };
}

function trade(i: number): BacktestTrade {
  return {
    symbol: i % 2 === 0 ? "DOGEUSDT" : "BTCUSDT",
    side: i % 3 === 0 ? "short" : "long",
    entry_time: FROM + i * 300_000,
    entry_price: i % 2 === 0 ? 0.1234567 : 43210.987,
    exit_time: FROM + i * 300_000 + 600_000,
    exit_price: i % 2 === 0 ? 0.1245678 : 43111.1,
    size: 12.5,
    leverage: 10,
    margin: 500,
    fees: 0.456,
    funding: -0.012,
    pnl: i % 2 === 0 ? 1.5 : -2.345,
    exit_reason: i % 2 === 0 ? "take profit" : "stop loss",
    ta_changed: i % 5 === 0,
  };
}

function report(label: string, useTa: boolean, trades: number): RunReport {
  const equity = Array.from({ length: 72 }, (_, h) => ({ t: FROM + (h + 1) * 3_600_000, equity: 10000 + Math.sin(h / 6) * 50 + h }));
  return {
    label,
    use_ta_signals: useTa,
    metrics: metrics({ trades }),
    per_coin: [{ key: "BTCUSDT", trades: 300, win_rate_pct: 40, pnl: -703.5, fees: 136.8 }, { key: "DOGEUSDT", trades: 300, win_rate_pct: 100, pnl: 450, fees: 136.8 }],
    per_exit_reason: [{ key: "stop loss", trades: 300, win_rate_pct: 0, pnl: -703.5, fees: 136.8 }, { key: "take profit", trades: 300, win_rate_pct: 100, pnl: 450, fees: 136.8 }],
    rejected_by_max_positions: 17,
    kill_switch: null,
    in_sample: { from: FROM, to: FROM + 2 * DAY, metrics: metrics({ total_return_pct: 0.5 }) },
    holdout: { from: FROM + 2 * DAY, to: TO, metrics: metrics({ total_return_pct: -0.25 }) },
    trades: Array.from({ length: trades }, (_, i) => trade(i)),
    equity,
    warnings: trades < 30 ? [`Only ${trades} trades (fewer than 30): the statistics are unreliable.`] : [],
  };
}

function study(compare: boolean): StudyResult {
  return {
    version: 1,
    data: { dir: "/data/fixtures", symbols: ["BTCUSDT", "DOGEUSDT"], first: "2022-01-12T00:00:00.000Z", last: new Date(TO).toISOString(), gaps: [] },
    period: { from: new Date(FROM).toISOString(), to: new Date(TO).toISOString(), holdout_from: new Date(FROM + 2 * DAY).toISOString(), holdout_pct: 30 },
    config: { ...DEFAULT_TRADER_CONFIG, tp_pct: 12, sl_pct: 8 },
    scoring: "built-in base score",
    assumptions: ["Fills at the next open <plus> slippage", "Funding every 8 h"],
    runs: compare ? [report("TA bonus off", false, 600), report("TA bonus on", true, 12)] : [report("TA bonus off", false, 600)],
    comparison: compare
      ? {
          ta_decided_trades: 7,
          daily_difference: { method: "paired circular block bootstrap of daily return differences, 5000 resamples", days: 3, block_days: 2, resamples: 5000, mean_difference: -0.0023456, p_value: 0.4452 },
          holdout_daily_difference: { method: "paired circular block bootstrap", days: 1, block_days: 1, resamples: 5000, mean_difference: 0.0142, p_value: null },
        }
      : null,
  };
}

function summary(patch: Partial<RunSummary> = {}): RunSummary {
  return {
    id: 7,
    created_at: FROM,
    status: "done",
    request: { data_set: "fixtures", compare: true, holdout_pct: 30, config: { long_threshold: 40 } },
    error: null,
    progress: 1,
    headline: [],
    ...patch,
  };
}

describe("a finished run's panel", () => {
  const html = toHtml(RunPanel({ summary: summary(), result: study(true) }));
  const section = (name: string) => elementById(html.replace(`data-section="${name}"`, `id="section-${name}" data-section="${name}"`), `section-${name}`);

  test("the metric table is side by side with numbers for people", () => {
    const table = section("metrics");
    expect(table).toContain('<th scope="col">TA bonus off</th><th scope="col">TA bonus on</th>');
    const row = (metric: string) => elementById(table.replace(`data-metric="${metric}"`, `id="m-${metric}" data-metric="${metric}"`), `m-${metric}`);
    expect(row("end_balance")).toContain("<td>10,123.46</td>");
    expect(row("total_return_pct")).toContain("+1.23%");
    expect(row("max_drawdown")).toContain("2.35%");
    expect(row("max_drawdown")).toContain("2022-01-17 00:00");
    expect(row("sharpe")).toContain("1.23");
    expect(row("sortino")).toContain("—");
    expect(row("win_rate_pct")).toContain("55.56%");
    expect(row("expectancy")).toContain("+0.20");
    expect(row("fees")).toContain("1,234.57");
    expect(row("funding")).toContain("−12.35");
    expect(row("rejected_by_max_positions")).toContain("17");
  });

  test("the comparison states the decided trades, the mean daily difference, the p-value and the method", () => {
    const comparison = section("comparison");
    expect(comparison).toContain("7");
    expect(comparison).toContain("−0.23%");
    expect(comparison).toContain("0.445");
    expect(comparison).toContain("paired circular block bootstrap of daily return differences, 5000 resamples");
    // The holdout's own difference, without a p-value (one day).
    expect(comparison).toContain("+1.42%");
    expect(comparison).toContain("too few days");
  });

  test("the holdout is a table of its own: each run before and in the holdout", () => {
    const holdout = section("holdout");
    expect(holdout).toContain("final 30%");
    expect(holdout).toContain("2022-01-18");
    expect(holdout).toContain("TA bonus off: before");
    expect(holdout).toContain("TA bonus on: holdout");
    expect(holdout).toContain("+0.50%");
    expect(holdout).toContain("−0.25%");
  });

  test("per coin and per exit reason, for each run", () => {
    expect(count(section("per-coin"), "<table")).toBe(2);
    expect(section("per-coin")).toContain("−703.50");
    expect(section("exit-reasons")).toContain("take profit");
    expect(section("exit-reasons")).toContain("100.00%");
  });

  test("the trade list is capped with a note; prices at their precision, money to 2 decimals", () => {
    const trades = section("trades");
    expect(count(trades, "<tr data-trade")).toBe(TRADE_ROWS + 12);
    expect(trades).toContain(`first ${TRADE_ROWS} of 600 trades`);
    expect(trades).toContain('href="/backtest/7/trades.csv"');
    expect(trades).toContain("<td data-label=\"Entry\">0.12346</td>");
    expect(trades).toContain("<td data-label=\"Entry\">43,210.99</td>");
    expect(trades).toContain('class="down">−2.35<');
    expect(trades).toContain('class="up">+1.50<');
    expect(trades).toContain("2022-01-16 00:00:00Z");
  });

  test("warnings and assumptions are shown, escaped", () => {
    expect(section("warnings")).toContain("TA bonus on: Only 12 trades (fewer than 30)");
    expect(section("assumptions")).toContain("Fills at the next open &lt;plus&gt; slippage");
    expect(html).not.toContain("<plus>");
  });

  test("the equity and drawdown charts have both runs, axes with dates, and the holdout marked", () => {
    const charts = section("charts");
    expect(count(charts, 'class="series s0"')).toBe(2);
    expect(count(charts, 'class="series s1"')).toBe(2);
    expect(charts).toContain('class="xtick"');
    expect(charts).toContain(">01-17<");
    expect(charts).toContain('class="ytick"');
    expect(charts).toContain("holdout");
    expect(charts).toContain("2022-01-16 → 2022-01-19");
  });

  test("the downloads link the three files", () => {
    for (const file of ["result.json", "trades.csv", "equity.csv"]) expect(section("downloads")).toContain(`href="/backtest/7/${file}" download`);
  });
});

describe("a run that is not done", () => {
  test("running: a progress bar with its percentage, no result", () => {
    const html = toHtml(RunPanel({ summary: summary({ status: "running", progress: 0.4321 }), result: null }));
    expect(html).toContain('data-status="running"');
    expect(html).toContain('data-progress="43"');
    expect(html).toContain('<progress max="100" value="43"');
    expect(html).not.toContain("data-section=");
  });

  test("failed: its error, said as an alert", () => {
    const html = toHtml(RunPanel({ summary: summary({ status: "failed", error: "no data to trade between <a> and <b>" }), result: null }));
    expect(html).toContain('data-status="failed"');
    expect(html).toContain('role="alert"');
    expect(html).toContain("no data to trade between &lt;a&gt; and &lt;b&gt;");
  });
});

describe("chart helpers", () => {
  test("nice ticks cover the range in steps of 1, 2 or 5 × 10^k", () => {
    expect(niceTicks(9950, 10070, 4)).toEqual([9950, 10000, 10050, 10100]);
    expect(niceTicks(-2.3, 0, 4)).toEqual([-3, -2, -1, 0]);
    expect(niceTicks(5, 5, 4).length).toBeGreaterThanOrEqual(2);
  });

  test("time ticks fall on whole UTC days or hours, at most `max` of them", () => {
    const days = timeTicks(FROM + 3_600_000, TO, 6);
    expect(days.map((t) => new Date(t).toISOString())).toEqual(["2022-01-17T00:00:00.000Z", "2022-01-18T00:00:00.000Z", "2022-01-19T00:00:00.000Z"]);
    const hours = timeTicks(FROM, FROM + 10 * 3_600_000, 6);
    expect(hours.length).toBeLessThanOrEqual(6);
    expect(hours.every((t) => t % 3_600_000 === 0)).toBe(true);
    expect(timeTicks(FROM, FROM + 100 * DAY, 6).length).toBeLessThanOrEqual(6);
  });

  test("downsampling keeps the first, the last and every bucket's extremes", () => {
    const points = Array.from({ length: 10_000 }, (_, i) => ({ t: i, v: i === 4321 ? -50 : i === 8765 ? 99 : Math.sin(i) }));
    const small = downsample(points, 200);
    expect(small.length).toBeLessThanOrEqual(402);
    expect(small[0]).toEqual(points[0]!);
    expect(small.at(-1)).toEqual(points.at(-1)!);
    expect(small.some((p) => p.v === -50)).toBe(true);
    expect(small.some((p) => p.v === 99)).toBe(true);
    expect(small.every((p, i) => i === 0 || p.t > small[i - 1]!.t)).toBe(true);
    expect(downsample(points.slice(0, 50), 200)).toEqual(points.slice(0, 50));
  });

  test("a chart with fewer than two points says so instead of drawing", () => {
    const html = toHtml(TimeChart({ name: "equity", label: "Equity", series: [{ label: "A", points: [{ t: FROM, v: 1 }] }], from: FROM, to: TO, format: (v) => String(v) }));
    expect(html).toContain("not enough");
    expect(html).not.toContain("<polyline");
  });
});
