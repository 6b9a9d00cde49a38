/**
 * A study as a trader reads it (text for the terminal) and as files:
 * result.json (config, data, assumptions, metrics, comparison — no run-time
 * stamps, so the same inputs give the same bytes), trades.csv (one row per
 * trade) and equity.csv (mark-to-market equity, at least hourly). Formatting
 * only: every number comes from study.ts / src/metrics/trade-metrics.ts.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { writeFileAtomicSync } from "../util/atomic-file.ts";
import { formatPrice, formatUsd } from "../util/number-format.ts";
import type { GroupRow, Metrics } from "../metrics/trade-metrics.ts";
import type { RunReport, StudyResult } from "./study.ts";

const pct = (x: number | null, signed = false) => (x === null || !Number.isFinite(x) ? "—" : `${signed && x > 0 ? "+" : ""}${x.toFixed(2)} %`);
const num = (x: number | null, digits = 2) => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(digits));
const usd = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : formatUsd(x));
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");
const when = (t: number | null) => (t === null ? "—" : new Date(t).toISOString().slice(0, 16).replace("T", " "));

const METRIC_ROWS: [string, (m: Metrics) => string][] = [
  ["Start balance", (m) => usd(m.start_balance)],
  ["End balance", (m) => usd(m.end_balance)],
  ["Total return", (m) => pct(m.total_return_pct, true)],
  ["CAGR", (m) => pct(m.cagr_pct, true)],
  ["Max drawdown", (m) => pct(m.max_drawdown.pct)],
  ["  from peak", (m) => when(m.max_drawdown.peak_at)],
  ["  to trough", (m) => when(m.max_drawdown.trough_at)],
  ["Sharpe (daily × √365)", (m) => num(m.sharpe)],
  ["Sortino (daily × √365)", (m) => num(m.sortino)],
  ["Calmar", (m) => num(m.calmar)],
  ["Profit factor", (m) => num(m.profit_factor)],
  ["Win rate", (m) => pct(m.win_rate_pct)],
  ["Expectancy per trade", (m) => usd(m.expectancy)],
  ["Trades", (m) => String(m.trades)],
  ["Average hold", (m) => (m.avg_hold_hours === null ? "—" : `${num(m.avg_hold_hours, 1)} h`)],
  ["Longest hold", (m) => (m.longest_hold_hours === null ? "—" : `${num(m.longest_hold_hours, 1)} h`)],
  ["Exposure", (m) => pct(m.exposure_pct)],
  ["Fees paid", (m) => usd(m.fees)],
  ["Funding (+ received)", (m) => usd(m.funding)],
  ["Liquidations", (m) => String(m.liquidations)],
];

function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

function metricsTable(runs: { label: string; metrics: Metrics }[], extra: [string, string[]][] = []): string {
  const rows = [["", ...runs.map((r) => r.label)], ...METRIC_ROWS.map(([name, show]) => [name, ...runs.map((r) => show(r.metrics))]), ...extra.map(([name, values]) => [name, ...values])];
  return columns(rows);
}

function groupTable(title: string, rows: GroupRow[]): string {
  if (rows.length === 0) return `${title}: no trades`;
  return `${title}\n${columns([["", "trades", "win rate", "P&L", "fees"], ...rows.map((r) => [r.key, String(r.trades), pct(r.win_rate_pct), usd(r.pnl), usd(r.fees)])])}`;
}

export function formatReport(study: StudyResult): string {
  const c = study.config;
  const lines: string[] = [];
  lines.push(`Backtest of ${study.data.symbols.length} coin(s), ${day(study.period.from)} → ${day(study.period.to)} (data ${study.data.dir})`);
  lines.push(
    `Config: ${c.position_size_pct} % of equity per position, at most ${c.max_positions} open, leverage ≤ ${c.max_leverage}×, ` +
      `TP ${c.tp_pct === null ? "off" : `${c.tp_pct} %`}, SL ${c.sl_pct === null ? "off" : `${c.sl_pct} %`} (of margin), thresholds long ${c.long_threshold} / short ${c.short_threshold}, ` +
      `kill switch ${c.kill_switch_drawdown_pct} %, re-entry cooldown ${c.reentry_cooldown_minutes} min, scan every ${c.scan_interval_minutes} min`,
  );
  lines.push(`Scoring: ${study.scoring}`);
  lines.push("");
  lines.push(metricsTable(study.runs, [["Signals refused by max_positions (per cycle)", study.runs.map((r) => String(r.rejected_by_max_positions))]]));
  for (const run of study.runs) {
    lines.push("", groupTable(`Per coin — ${run.label}`, run.per_coin), "", groupTable(`Per exit reason — ${run.label}`, run.per_exit_reason));
  }
  if (study.comparison) {
    const cmp = study.comparison;
    lines.push("", "TA bonus on vs off");
    lines.push(`  Trades the bonus decided (base score alone below the threshold): ${cmp.ta_decided_trades}`);
    lines.push(`  Mean daily return difference (on − off): ${pct(cmp.daily_difference.mean_difference * 100, true)} per day over ${cmp.daily_difference.days} days, p = ${num(cmp.daily_difference.p_value, 3)}`);
    if (cmp.holdout_daily_difference) {
      lines.push(`  Holdout only: ${pct(cmp.holdout_daily_difference.mean_difference * 100, true)} per day over ${cmp.holdout_daily_difference.days} days, p = ${num(cmp.holdout_daily_difference.p_value, 3)}`);
    }
    lines.push(`  Method: ${cmp.daily_difference.method}. A small p (below 0.05) says the difference is unlikely to be luck; it says nothing about the future.`);
  }
  if (study.period.holdout_from) {
    lines.push("", `Held out: the final ${study.period.holdout_pct} % (${day(study.period.holdout_from)} → ${day(study.period.to)}), reported apart from the rest`);
    const segments = study.runs.flatMap((run) => [
      { label: `${run.label}: before`, metrics: run.in_sample!.metrics },
      { label: `${run.label}: holdout`, metrics: run.holdout!.metrics },
    ]);
    lines.push(metricsTable(segments));
  }
  const warnings = study.runs.flatMap((r) => r.warnings.map((w) => `${r.label}: ${w}`));
  if (study.data.gaps.length > 0) warnings.push(`The data has ${study.data.gaps.length} gap(s), not filled (see result.json): ${study.data.gaps.slice(0, 3).map((g) => `${g.symbol} ${g.timeframe} ${g.missing} missing from ${g.from}`).join("; ")}`);
  if (warnings.length > 0) lines.push("", "Warnings", ...warnings.map((w) => `  - ${w}`));
  lines.push("", "Assumptions", ...study.assumptions.map((a) => `  - ${a}`));
  return lines.join("\n") + "\n";
}

/** result.json: everything but the per-trade and per-hour rows (those are the CSVs). */
export function resultJson(study: StudyResult): string {
  const runs = study.runs.map(({ trades: _t, equity: _e, ...rest }) => rest);
  return JSON.stringify({ ...study, runs }, null, 2) + "\n";
}

export function tradesCsv(study: StudyResult): string {
  const header = "run,symbol,side,entry_time,entry_price,exit_time,exit_price,size,leverage,fees,funding,pnl,exit_reason,ta_changed_decision";
  const rows = study.runs.flatMap((run) =>
    run.trades.map((t) =>
      [run.label, t.symbol, t.side, iso(t.entry_time), formatPrice(t.entry_price).replaceAll(",", ""), iso(t.exit_time), formatPrice(t.exit_price).replaceAll(",", ""), t.size, t.leverage, t.fees.toFixed(2), t.funding.toFixed(2), t.pnl.toFixed(2), t.exit_reason, t.ta_changed ? "yes" : "no"].join(","),
    ),
  );
  return [header, ...rows].join("\n") + "\n";
}

export function equityCsv(study: StudyResult): string {
  const rows = study.runs.flatMap((run) => run.equity.map((p) => `${run.label},${iso(p.t)},${p.equity.toFixed(2)}`));
  return ["run,time,equity", ...rows].join("\n") + "\n";
}

/** Writes the three files into `dir` (created if needed), each atomically. */
export function writeStudyFiles(study: StudyResult, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: [string, string][] = [["result.json", resultJson(study)], ["trades.csv", tradesCsv(study)], ["equity.csv", equityCsv(study)]];
  for (const [name, text] of files) writeFileAtomicSync(join(dir, name), text);
  return files.map(([name]) => join(dir, name));
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
