/**
 * /performance: one mode's closed trades at a glance — the headline figures,
 * cumulative P&L and equity curves, P&L per day / week / month, per coin and
 * per exit reason. One mode at a time (live and dry-run are never added
 * together): the current one unless the owner picks the other, and the page
 * says which it shows. Every figure comes from src/metrics/ (the backtest
 * report's functions); this file only formats.
 */
import { raw } from "hono/html";
import { EXIT_CATEGORIES } from "../../src/metrics/exit-reasons.ts";
import { PNL_PERIODS, type PnlPeriod } from "../../src/metrics/pnl-periods.ts";
import type { PerformanceReport } from "../../src/metrics/performance.ts";
import type { GroupRow } from "../../src/metrics/trade-metrics.ts";
import type { TradeMode } from "../../src/store/types.ts";
import { formatDuration, formatPct, formatSignedUsd, formatTime, formatUsd, signClass } from "../format.ts";
import { Layout } from "../layout.tsx";
import { FlashSlot, type PageShell } from "../pages.tsx";
import { CHART_DATA_ID, chartData, chartDataJson, PerformanceCharts } from "./charts.tsx";

export const MODE_WORDS: Record<TradeMode, string> = { live: "live (CoinEx)", "dry-run": "dry-run (paper account)" };

export interface PerformancePageProps {
  shell: PageShell;
  scripts: { charts: string; theme: string; performance: string };
  mode: TradeMode;
  /** The mode the trader is in now (paused: the one it last traded in). */
  currentMode: TradeMode;
  period: PnlPeriod;
  /** Null where this process has no trade record (a read-only web instance): `unavailable` says so. */
  report: PerformanceReport | null;
  unavailable: string | null;
  asOf: number;
}

const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : x.toFixed(2));

function href(mode: TradeMode, period: PnlPeriod): string {
  return `/performance?mode=${mode}&period=${period}`;
}

/** The switch between the two modes; the shown one is marked as the current page. */
export function ModeSwitch(props: { shown: TradeMode | "all"; current: TradeMode; link: (mode: TradeMode) => string }) {
  return (
    <nav class="segmented mode-switch" aria-label="Which trades">
      {(["dry-run", "live"] as const).map((mode) => (
        <a href={props.link(mode)} class={`mode-${mode}`} data-mode={mode} aria-current={props.shown === mode ? "page" : undefined}>
          {mode === "live" ? "Live" : "Dry-run"}{mode === props.current ? " (current)" : ""}
        </a>
      ))}
    </nav>
  );
}

function Metric(props: { name: string; label: string; value: string; detail?: string | null; sign?: number | null }) {
  return (
    <div class="metric" data-metric={props.name}>
      <dt>{props.label}</dt>
      <dd class={props.sign === undefined ? undefined : signClass(props.sign)}>{props.value}</dd>
      {props.detail ? <dd class="detail">{props.detail}</dd> : null}
    </div>
  );
}

function Headline(props: { report: PerformanceReport }) {
  const r = props.report;
  const m = r.metrics;
  const dd = r.max_drawdown;
  return (
    <dl class="metrics perf-metrics" data-section="headline">
      <Metric name="net_pnl" label="Net P&L (USDT)" value={formatSignedUsd(r.net_pnl)} sign={r.net_pnl} detail="after fees and funding" />
      <Metric name="trades" label="Closed trades" value={String(r.trades)} detail={r.first_close_at === null ? null : `${formatTime(r.first_close_at).slice(0, 10)} → ${formatTime(r.last_close_at ?? r.first_close_at).slice(0, 10)}`} />
      <Metric name="win_rate_pct" label="Win rate" value={m.win_rate_pct === null ? "—" : formatPct(m.win_rate_pct)} detail={r.trades > 0 ? `${r.wins} won, ${r.trades - r.wins} lost or even` : null} />
      <Metric name="profit_factor" label="Profit factor" value={ratio(m.profit_factor)} detail={m.profit_factor === null && r.trades > 0 ? "no losing trade yet" : "won ÷ lost"} />
      <Metric name="expectancy" label="Expectancy (USDT/trade)" value={m.expectancy === null ? "—" : formatSignedUsd(m.expectancy)} sign={m.expectancy} />
      <Metric name="max_drawdown" label="Max drawdown (equity)" value={dd === null ? "—" : formatPct(dd.pct)} detail={dd === null ? "needs two equity snapshots" : dd.peak_at !== null && dd.trough_at !== null ? `${formatTime(dd.peak_at)} → ${formatTime(dd.trough_at)}` : "no fall from a peak"} />
      <Metric name="fees" label="Fees paid (USDT)" value={formatUsd(m.fees)} />
      <Metric name="funding" label="Funding (USDT, + received)" value={formatSignedUsd(m.funding)} sign={m.funding} />
      <Metric name="best_trade" label="Best / worst trade" value={r.best_trade === null ? "—" : `${formatSignedUsd(r.best_trade)} / ${formatSignedUsd(r.worst_trade ?? 0)}`} />
      <Metric name="avg_hold" label="Average hold" value={m.avg_hold_hours === null ? "—" : formatDuration(m.avg_hold_hours * 3_600_000)} detail={m.longest_hold_hours === null ? null : `longest ${formatDuration(m.longest_hold_hours * 3_600_000)}`} />
    </dl>
  );
}

function GroupTable(props: { name: string; title: string; keyLabel: string; rows: GroupRow[]; link: (key: string) => string }) {
  return (
    <section class="panel group" data-section={props.name}>
      <h2>{props.title}</h2>
      {props.rows.length === 0 ? (
        <p class="muted">No closed trades.</p>
      ) : (
        <div class="table-scroll">
          <table class="group-table">
            <thead>
              <tr><th scope="col">{props.keyLabel}</th><th scope="col">Trades</th><th scope="col">Win rate</th><th scope="col">P&L (USDT)</th><th scope="col" class="wide-only">Avg / trade</th><th scope="col" class="wide-only">Fees</th></tr>
            </thead>
            <tbody>
              {[...props.rows].sort((a, b) => b.pnl - a.pnl).map((r) => (
                <tr data-key={r.key}>
                  <th scope="row"><a href={props.link(r.key)}>{r.key}</a></th>
                  <td>{String(r.trades)}</td>
                  <td>{formatPct(r.win_rate_pct)}</td>
                  <td class={signClass(r.pnl)}>{formatSignedUsd(r.pnl)}</td>
                  <td class={`wide-only ${signClass(r.pnl)}`}>{formatSignedUsd(r.pnl / r.trades)}</td>
                  <td class="wide-only">{formatUsd(r.fees)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function PeriodLinks(props: { mode: TradeMode; period: PnlPeriod }) {
  return (
    <span class="segmented period-switch">
      {PNL_PERIODS.map((p) => (
        <a href={href(props.mode, p)} data-period={p} aria-current={p === props.period ? "page" : undefined}>{p === "day" ? "Day" : p === "week" ? "Week" : "Month"}</a>
      ))}
    </span>
  );
}

export function PerformancePage(props: PerformancePageProps) {
  const { mode, report, period } = props;
  const historyHref = (extra: string) => `/history?mode=${mode}${extra}`;
  const reasonKey = (label: string) => EXIT_CATEGORIES.find((c) => c.label === label)?.key ?? "other";
  const data = report ? chartData(report, period) : null;
  return (
    <Layout title="Performance" active="performance" assets={props.shell.assets} wsUrl={null} authEnabled={props.shell.authEnabled}>
      <FlashSlot />
      <main class="performance" data-mode={mode}>
        <div class="page-head">
          <h1>Performance</h1>
          <ModeSwitch shown={mode} current={props.currentMode} link={(m) => href(m, period)} />
        </div>
        <p class="mode-note" id="mode-note">
          Showing <b class={`mode-${mode}`}>{MODE_WORDS[mode]}</b> trades only{mode === props.currentMode ? ", the trader's current mode" : ""}. Live and dry-run are never added together.{" "}
          <small class="muted">As of {formatTime(props.asOf)} · reload for newer trades · <a href={historyHref("")}>every trade in the history</a></small>
        </p>
        {props.unavailable ? (
          <section class="panel" id="performance-unavailable"><p>{props.unavailable}</p></section>
        ) : report && report.trades === 0 && report.equity_curve.length === 0 ? (
          <section class="panel" id="performance-empty"><p>No closed {mode} trades yet. The figures appear here after the first trade closes.</p></section>
        ) : report && data ? (
          <>
            <Headline report={report} />
            <PerformanceCharts report={report} data={data} period={period} periodLinks={<PeriodLinks mode={mode} period={period} />} />
            <div class="ab-grid">
              <GroupTable name="per-coin" title="Per coin" keyLabel="Coin" rows={report.per_coin} link={(key) => historyHref(`&symbol=${encodeURIComponent(key)}`)} />
              <GroupTable name="per-exit-reason" title="Per exit reason" keyLabel="Exit reason" rows={report.per_exit_reason} link={(label) => historyHref(`&reason=${reasonKey(label)}`)} />
            </div>
            <p class="attribution muted">
              Interactive charts: <a href="https://www.tradingview.com/" rel="noopener noreferrer">TradingView Lightweight Charts™</a>, Copyright © TradingView, Inc.
            </p>
            <script type="application/json" id={CHART_DATA_ID}>{raw(chartDataJson(data))}</script>
            <script src={props.scripts.charts} defer />
            <script src={props.scripts.theme} defer />
            <script src={props.scripts.performance} defer />
          </>
        ) : null}
      </main>
    </Layout>
  );
}
