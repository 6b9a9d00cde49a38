/**
 * What the owner asks of a backtest: one run of their config, or (`compare`)
 * the same run with the TA bonus off and on, side by side, with the difference
 * in daily returns tested by a paired block bootstrap, and (`holdoutPct`) the
 * final part of the period reported on its own, so an edge can be checked on
 * data it was not judged on. The result is plain data: the same inputs give a
 * byte-identical result.json.
 */
import type { TraderConfig } from "../config/schema.ts";
import { pairedBlockBootstrap, type BootstrapResult } from "./bootstrap.ts";
import type { Scorer } from "../scanner/scoring.ts";
import type { BacktestData, DataGap } from "./data.ts";
import { runBacktest, type BacktestRun, type EquityPoint } from "./engine.ts";
import { computeMetrics, dailyReturns, groupTrades, type GroupRow, type Metrics } from "../metrics/trade-metrics.ts";
import type { BacktestTrade } from "./trades.ts";

const DAY = 86_400_000;
export const FEW_TRADES = 30;

export interface StudyOptions {
  data: BacktestData;
  config: TraderConfig;
  from?: number;
  to?: number;
  compare?: boolean;
  /** 1–90: the final share of the period reported separately. */
  holdoutPct?: number | null;
  startingBalance?: number;
  /** See BacktestOptions.yieldEveryMs. */
  yieldEveryMs?: number;
  /** An owner's scorer; the built-in base score when absent. */
  scorer?: Scorer;
  onProgress?: (label: string, done: number, total: number) => void;
}

export interface Segment {
  from: number;
  to: number;
  metrics: Metrics;
}

export interface RunReport {
  label: string;
  use_ta_signals: boolean;
  metrics: Metrics;
  per_coin: GroupRow[];
  per_exit_reason: GroupRow[];
  rejected_by_max_positions: number;
  kill_switch: BacktestRun["killSwitch"];
  /** With a holdout: the two parts of the period apart. */
  in_sample: Segment | null;
  holdout: Segment | null;
  trades: BacktestTrade[];
  equity: EquityPoint[];
  warnings: string[];
}

export interface Comparison {
  /** Trades of the TA-on run that the bonus decided (the base score alone was below the threshold). */
  ta_decided_trades: number;
  daily_difference: BootstrapResult;
  holdout_daily_difference: BootstrapResult | null;
}

export interface StudyResult {
  version: 1;
  data: { dir: string; symbols: string[]; first: string; last: string; gaps: (Omit<DataGap, "from"> & { from: string })[] };
  period: { from: string; to: string; holdout_from: string | null; holdout_pct: number | null };
  config: TraderConfig;
  /** What scored the coins. */
  scoring: string;
  assumptions: string[];
  runs: RunReport[];
  comparison: Comparison | null;
}

export async function runStudy(options: StudyOptions): Promise<StudyResult> {
  const labels: [string, boolean][] = options.compare
    ? [["TA bonus off", false], ["TA bonus on", true]]
    : [[options.config.use_ta_signals ? "TA bonus on" : "TA bonus off", options.config.use_ta_signals]];
  const runs: BacktestRun[] = [];
  for (const [label, useTa] of labels) {
    runs.push(
      await runBacktest({
        data: options.data,
        config: { ...options.config, use_ta_signals: useTa },
        from: options.from,
        to: options.to,
        startingBalance: options.startingBalance,
        yieldEveryMs: options.yieldEveryMs,
        scorer: options.scorer,
        onProgress: (done, total) => options.onProgress?.(label, done, total),
      }),
    );
  }
  const first = runs[0]!;
  const holdoutFrom = options.holdoutPct ? splitAt(first.from, first.to, options.holdoutPct) : null;
  const reports = runs.map((run, i) => report(labels[i]![0], run, holdoutFrom));
  let comparison: Comparison | null = null;
  if (runs.length === 2) {
    const [a, b] = runs as [BacktestRun, BacktestRun];
    const daily = (run: BacktestRun, from: number, to: number, start: number) => dailyReturns(run.equity, start, from, to);
    comparison = {
      ta_decided_trades: b.trades.filter((t) => t.ta_changed).length,
      daily_difference: pairedBlockBootstrap(daily(a, a.from, a.to, a.startingBalance), daily(b, b.from, b.to, b.startingBalance)),
      holdout_daily_difference:
        holdoutFrom === null
          ? null
          : pairedBlockBootstrap(
              daily(a, holdoutFrom, a.to, equityAt(a, holdoutFrom)),
              daily(b, holdoutFrom, b.to, equityAt(b, holdoutFrom)),
            ),
    };
  }
  return {
    version: 1,
    data: {
      dir: options.data.dir,
      symbols: options.data.symbols,
      first: iso(options.data.first),
      last: iso(options.data.last),
      gaps: options.data.gaps.map((g) => ({ ...g, from: iso(g.from) })),
    },
    period: { from: iso(first.from), to: iso(first.to), holdout_from: holdoutFrom === null ? null : iso(holdoutFrom), holdout_pct: options.holdoutPct ?? null },
    config: first.config,
    scoring: options.scorer?.label ?? "built-in base score",
    assumptions: first.assumptions,
    runs: reports,
    comparison,
  };
}

function report(label: string, run: BacktestRun, holdoutFrom: number | null): RunReport {
  const metrics = computeMetrics(run.trades, run.equity, run.startingBalance, run.endBalance, run.from, run.to);
  const segment = (from: number, to: number): Segment => {
    const trades = run.trades.filter((t) => t.entry_time >= from && t.entry_time < to);
    const equity = run.equity.filter((p) => p.t > from && p.t <= to);
    const start = equityAt(run, from);
    const end = to >= run.to ? run.endBalance : equityAt(run, to);
    return { from, to, metrics: computeMetrics(trades, equity, start, end, from, to) };
  };
  const warnings: string[] = [];
  if (run.trades.length < FEW_TRADES) warnings.push(`Only ${run.trades.length} trades (fewer than ${FEW_TRADES}): the statistics are unreliable.`);
  if (run.killSwitch) warnings.push(`The kill switch tripped at ${iso(run.killSwitch.at)}: nothing was opened after it (${run.killSwitch.reason}).`);
  return {
    label,
    use_ta_signals: run.config.use_ta_signals,
    metrics,
    per_coin: groupTrades(run.trades, (t) => t.symbol),
    per_exit_reason: groupTrades(run.trades, (t) => t.exit_reason),
    rejected_by_max_positions: run.rejectedByMaxPositions,
    kill_switch: run.killSwitch,
    in_sample: holdoutFrom === null ? null : segment(run.from, holdoutFrom),
    holdout: holdoutFrom === null ? null : segment(holdoutFrom, run.to),
    trades: run.trades,
    equity: run.equity,
    warnings,
  };
}

/** The holdout's start: the final `pct` % of the period, on a UTC day boundary. */
export function splitAt(from: number, to: number, pct: number): number {
  const raw = to - ((to - from) * pct) / 100;
  return Math.max(from, Math.min(to, Math.round(raw / DAY) * DAY));
}

/** Mark-to-market equity at `t`: the last sample at or before it, else the start balance. */
function equityAt(run: BacktestRun, t: number): number {
  let value = run.startingBalance;
  for (const point of run.equity) {
    if (point.t > t) break;
    value = point.equity;
  }
  return value;
}

function iso(t: number): string {
  return new Date(t).toISOString();
}
