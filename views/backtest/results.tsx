/**
 * A finished backtest as a trader reads it (the dashboard's twin of the CLI
 * report, src/backtest/report.ts): warnings first, the files, equity and
 * drawdown curves, the metric table with one column per run (A/B side by
 * side), the TA comparison and the holdout when asked for, per coin and per
 * exit reason, the trades (capped: the CSV has them all) and the assumptions.
 * Formatting only: every number comes from the study (src/backtest/study.ts).
 * Money has 2 decimals, prices their precision, percentages 2 decimals,
 * times are UTC.
 */
import type { RunReport, StudyResult } from "../../src/backtest/study.ts";
import type { BacktestTrade } from "../../src/backtest/trades.ts";
import { formatPct, formatPrice, formatSignedPct, formatSignedUsd, formatTime, formatUsd, signClass } from "../format.ts";
import { TimeChart, type ChartSeries } from "../svg.tsx";

/** Trades listed per run; the rest are in trades.csv. */
export const TRADE_ROWS = 200;

export const BACKTEST_FILES = ["result.json", "trades.csv", "equity.csv"] as const;

type Metrics = RunReport["metrics"];
type GroupRow = RunReport["per_coin"][number];

const ratio = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : `${x < 0 && x.toFixed(2) !== "-0.00" ? "−" : ""}${Math.abs(x).toFixed(2)}`);
const hours = (x: number | null) => (x === null || !Number.isFinite(x) ? "—" : `${x.toFixed(1)} h`);
const pctOrDash = (x: number | null) => (x === null ? "—" : formatPct(x));
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : "—");

interface MetricRow {
  key: string;
  label: string;
  show: (m: Metrics) => string;
  /** A second, smaller line under the value. */
  detail?: (m: Metrics) => string | null;
  sign?: (m: Metrics) => number | null;
}

const METRIC_ROWS: MetricRow[] = [
  { key: "start_balance", label: "Start balance", show: (m) => formatUsd(m.start_balance) },
  { key: "end_balance", label: "End balance", show: (m) => formatUsd(m.end_balance) },
  { key: "total_return_pct", label: "Total return", show: (m) => formatSignedPct(m.total_return_pct), sign: (m) => m.total_return_pct },
  { key: "cagr_pct", label: "CAGR", show: (m) => formatSignedPct(m.cagr_pct), sign: (m) => m.cagr_pct },
  {
    key: "max_drawdown",
    label: "Max drawdown",
    show: (m) => formatPct(m.max_drawdown.pct),
    detail: (m) => (m.max_drawdown.peak_at === null || m.max_drawdown.trough_at === null ? null : `${formatTime(m.max_drawdown.peak_at)} → ${formatTime(m.max_drawdown.trough_at)}`),
  },
  { key: "sharpe", label: "Sharpe (daily × √365)", show: (m) => ratio(m.sharpe) },
  { key: "sortino", label: "Sortino (daily × √365)", show: (m) => ratio(m.sortino) },
  { key: "calmar", label: "Calmar", show: (m) => ratio(m.calmar) },
  { key: "profit_factor", label: "Profit factor", show: (m) => ratio(m.profit_factor) },
  { key: "win_rate_pct", label: "Win rate", show: (m) => pctOrDash(m.win_rate_pct) },
  { key: "expectancy", label: "Expectancy per trade", show: (m) => (m.expectancy === null ? "—" : formatSignedUsd(m.expectancy)), sign: (m) => m.expectancy },
  { key: "trades", label: "Trades", show: (m) => String(m.trades) },
  { key: "avg_hold_hours", label: "Average hold", show: (m) => hours(m.avg_hold_hours) },
  { key: "longest_hold_hours", label: "Longest hold", show: (m) => hours(m.longest_hold_hours) },
  { key: "exposure_pct", label: "Exposure (time with a position)", show: (m) => formatPct(m.exposure_pct) },
  { key: "fees", label: "Fees paid", show: (m) => formatUsd(m.fees) },
  { key: "funding", label: "Funding (+ received)", show: (m) => formatSignedUsd(m.funding), sign: (m) => m.funding },
  { key: "liquidations", label: "Liquidations", show: (m) => String(m.liquidations) },
  { key: "days", label: "Days", show: (m) => String(m.days) },
];

interface MetricColumn {
  label: string;
  metrics: Metrics;
  run?: RunReport;
}

function MetricTable(props: { columns: MetricColumn[]; caption: string }) {
  const withRuns = props.columns.every((c) => c.run !== undefined);
  return (
    <div class="table-scroll">
      <table class="metrics-table">
        <caption class="sr-only">{props.caption}</caption>
        <thead>
          <tr><th scope="col"><span class="sr-only">Metric</span></th>{props.columns.map((c) => <th scope="col">{c.label}</th>)}</tr>
        </thead>
        <tbody>
          {METRIC_ROWS.map((row) => (
            <tr data-metric={row.key}>
              <th scope="row">{row.label}</th>
              {props.columns.map((c) => {
                const detail = row.detail?.(c.metrics) ?? null;
                return (
                  <td class={row.sign ? signClass(row.sign(c.metrics)) : undefined}>
                    {row.show(c.metrics)}
                    {detail ? <small class="detail">{detail}</small> : null}
                  </td>
                );
              })}
            </tr>
          ))}
          {withRuns ? (
            <tr data-metric="rejected_by_max_positions">
              <th scope="row">Signals refused by max_positions</th>
              {props.columns.map((c) => <td>{String(c.run?.rejected_by_max_positions ?? 0)}</td>)}
            </tr>
          ) : null}
          {withRuns ? (
            <tr data-metric="kill_switch">
              <th scope="row">Kill switch</th>
              {props.columns.map((c) => <td class={c.run?.kill_switch ? "down" : undefined}>{c.run?.kill_switch ? `tripped ${formatTime(c.run.kill_switch.at)}` : "not tripped"}</td>)}
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

function GroupTable(props: { title: string; keyLabel: string; rows: GroupRow[] }) {
  return (
    <div class="group">
      <h3>{props.title}</h3>
      {props.rows.length === 0 ? (
        <p class="muted">No trades.</p>
      ) : (
        <div class="table-scroll">
          <table class="group-table">
            <thead><tr><th scope="col">{props.keyLabel}</th><th scope="col">Trades</th><th scope="col">Win rate</th><th scope="col">P&L</th><th scope="col">Fees</th></tr></thead>
            <tbody>
              {props.rows.map((r) => (
                <tr data-key={r.key}>
                  <th scope="row">{r.key}</th>
                  <td>{String(r.trades)}</td>
                  <td>{formatPct(r.win_rate_pct)}</td>
                  <td class={signClass(r.pnl)}>{formatSignedUsd(r.pnl)}</td>
                  <td>{formatUsd(r.fees)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}

function TradeTable(props: { id: number; run: RunReport }) {
  const trades = props.run.trades;
  const shown: BacktestTrade[] = trades.slice(0, TRADE_ROWS);
  return (
    <details class="trades" open={trades.length <= 20 ? true : undefined}>
      <summary>{props.run.label}: {trades.length} trade{trades.length === 1 ? "" : "s"}</summary>
      {trades.length > shown.length ? (
        <p class="muted" data-note="trades-capped">
          Showing the first {TRADE_ROWS} of {trades.length} trades; all of them are in <a href={`/backtest/${props.id}/trades.csv`} download>trades.csv</a>.
        </p>
      ) : null}
      {shown.length === 0 ? (
        <p class="muted">No trades.</p>
      ) : (
        <table class="stack trade-table">
          <thead>
            <tr>
              <th>Symbol</th><th>Side</th><th>Entry time</th><th>Entry</th><th>Exit time</th><th>Exit</th><th>Size</th><th>Lev.</th>
              <th>Fees</th><th>Funding</th><th>P&L</th><th>Exit reason</th><th>TA decided</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((t) => (
              <tr data-trade={t.symbol}>
                <td data-label="Symbol"><b>{t.symbol}</b></td>
                <td data-label="Side" class={t.side}>{t.side}</td>
                <td data-label="Entry time">{formatTime(t.entry_time)}</td>
                <td data-label="Entry">{formatPrice(t.entry_price)}</td>
                <td data-label="Exit time">{formatTime(t.exit_time)}</td>
                <td data-label="Exit">{formatPrice(t.exit_price)}</td>
                <td data-label="Size">{String(t.size)}</td>
                <td data-label="Leverage">{`${t.leverage}×`}</td>
                <td data-label="Fees">{formatUsd(t.fees)}</td>
                <td data-label="Funding" class={signClass(t.funding)}>{formatSignedUsd(t.funding)}</td>
                <td data-label="P&L" class={signClass(t.pnl)}>{formatSignedUsd(t.pnl)}</td>
                <td data-label="Exit reason">{t.exit_reason}</td>
                <td data-label="TA decided">{t.ta_changed ? "yes" : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </details>
  );
}

/** Equity per run, from the start balance at the period's start; and its fall from the running peak, in %. */
function curves(study: StudyResult): { equity: ChartSeries[]; drawdown: ChartSeries[] } {
  const from = Date.parse(study.period.from);
  const equity = study.runs.map((run) => ({
    label: run.label,
    points: [{ t: from, v: run.metrics.start_balance }, ...run.equity.filter((p) => p.t > from).map((p) => ({ t: p.t, v: p.equity }))],
  }));
  const drawdown = equity.map((series) => {
    let peak = Number.NEGATIVE_INFINITY;
    return {
      label: series.label,
      points: series.points.map((p) => {
        peak = Math.max(peak, p.v);
        return { t: p.t, v: peak > 0 ? (p.v / peak - 1) * 100 : 0 };
      }),
    };
  });
  return { equity, drawdown };
}

function Legend(props: { labels: string[] }) {
  if (props.labels.length < 2) return null;
  return <ul class="legend">{props.labels.map((label, i) => <li class={`key s${i}`}>{label}</li>)}</ul>;
}

export function Results(props: { id: number; study: StudyResult }) {
  const { id, study } = props;
  const from = Date.parse(study.period.from);
  const to = Date.parse(study.period.to);
  const period = `${day(study.period.from)} → ${day(study.period.to)}`;
  const { equity, drawdown } = curves(study);
  const holdoutAt = study.period.holdout_from ? Date.parse(study.period.holdout_from) : null;
  const markers = holdoutAt === null ? [] : [{ t: holdoutAt, label: "holdout →" }];
  const labels = study.runs.map((r) => r.label);
  const c = study.config;
  const warnings = study.runs.flatMap((r) => r.warnings.map((w) => `${r.label}: ${w}`));
  if (study.data.gaps.length > 0) {
    warnings.push(`The data has ${study.data.gaps.length} gap(s), not filled: ${study.data.gaps.slice(0, 3).map((g) => `${g.symbol} ${g.timeframe} ${g.missing} missing from ${g.from}`).join("; ")}${study.data.gaps.length > 3 ? " (all of them in result.json)" : ""}.`);
  }
  const cmp = study.comparison;
  return (
    <div class="results">
      <p class="run-summary">
        {study.data.symbols.length} coin{study.data.symbols.length === 1 ? "" : "s"} ({study.data.symbols.join(", ")}) · traded {formatTime(from)} → {formatTime(to)} · data {day(study.data.first)} → {day(study.data.last)}
      </p>
      <p class="run-config muted">
        {study.scoring ? `Scoring: ${study.scoring}. ` : ""}{c.position_size_pct}% of equity per position, at most {c.max_positions} open, leverage ≤ {c.max_leverage}×, TP {c.tp_pct === null ? "off" : `${c.tp_pct}%`}, SL {c.sl_pct === null ? "off" : `${c.sl_pct}%`} (of margin), thresholds long {c.long_threshold} / short {c.short_threshold}, kill switch {c.kill_switch_drawdown_pct}%, re-entry cooldown {c.reentry_cooldown_minutes} min, a cycle every {c.scan_interval_minutes} min
      </p>
      {warnings.length > 0 ? (
        <section class="warnings" data-section="warnings" role="note">
          <h2>Warnings</h2>
          <ul>{warnings.map((w) => <li>{w}</li>)}</ul>
        </section>
      ) : null}
      <p class="downloads" data-section="downloads">
        Files: {BACKTEST_FILES.map((file) => <a href={`/backtest/${id}/${file}`} download>{file}</a>)}
      </p>

      <section class="charts" data-section="charts">
        <figure class="chart-box">
          <figcaption>Equity, mark-to-market (USDT) · {period} UTC</figcaption>
          <TimeChart
            name="equity"
            label={`Equity of ${labels.join(" and ")} from ${day(study.period.from)} to ${day(study.period.to)}: ${study.runs.map((r) => `${r.label} ${formatUsd(r.metrics.start_balance)} to ${formatUsd(r.metrics.end_balance)}`).join("; ")}`}
            series={equity}
            from={from}
            to={to}
            format={formatUsd}
            baseline={study.runs[0]?.metrics.start_balance ?? null}
            markers={markers}
          />
          <Legend labels={labels} />
        </figure>
        <figure class="chart-box">
          <figcaption>Drawdown from the running peak (%) · {period} UTC</figcaption>
          <TimeChart
            name="drawdown"
            label={`Drawdown of ${labels.join(" and ")}: at most ${study.runs.map((r) => `${formatPct(r.metrics.max_drawdown.pct)} (${r.label})`).join(", ")}`}
            series={drawdown}
            from={from}
            to={to}
            format={formatSignedPct}
            markers={markers}
            area
          />
          <Legend labels={labels} />
        </figure>
      </section>

      <section data-section="metrics">
        <h2>Metrics</h2>
        <MetricTable caption="Metrics per run" columns={study.runs.map((run) => ({ label: run.label, metrics: run.metrics, run }))} />
      </section>

      {cmp ? (
        <section data-section="comparison">
          <h2>TA bonus on vs off</h2>
          <dl class="facts compare">
            <dt>Trades the TA bonus decided</dt>
            <dd>{String(cmp.ta_decided_trades)} <small class="muted">(the base score alone was below the threshold)</small></dd>
            <dt>Mean daily return difference (on − off)</dt>
            <dd class={signClass(cmp.daily_difference.mean_difference)}>{formatSignedPct(cmp.daily_difference.mean_difference * 100)} per day over {cmp.daily_difference.days} day{cmp.daily_difference.days === 1 ? "" : "s"}</dd>
            <dt>p-value</dt>
            <dd>{pValue(cmp.daily_difference.p_value)}</dd>
            {cmp.holdout_daily_difference ? <dt>Holdout only</dt> : null}
            {cmp.holdout_daily_difference ? (
              <dd>
                {formatSignedPct(cmp.holdout_daily_difference.mean_difference * 100)} per day over {cmp.holdout_daily_difference.days} day{cmp.holdout_daily_difference.days === 1 ? "" : "s"}, p = {pValue(cmp.holdout_daily_difference.p_value)}
              </dd>
            ) : null}
            <dt>Method</dt>
            <dd>{cmp.daily_difference.method}</dd>
          </dl>
          <p class="muted">A small p (below 0.05) says the difference is unlikely to be luck; it says nothing about the future.</p>
        </section>
      ) : null}

      {study.period.holdout_from ? (
        <section data-section="holdout">
          <h2>Holdout</h2>
          <p>
            Held out: the final {study.period.holdout_pct}% ({day(study.period.holdout_from)} → {day(study.period.to)}), reported apart from the rest, so an edge can be checked on data it was not judged on.
          </p>
          <MetricTable
            caption="Each run before and in the holdout"
            columns={study.runs.flatMap((run) => [
              ...(run.in_sample ? [{ label: `${run.label}: before`, metrics: run.in_sample.metrics }] : []),
              ...(run.holdout ? [{ label: `${run.label}: holdout`, metrics: run.holdout.metrics }] : []),
            ])}
          />
        </section>
      ) : null}

      <section data-section="per-coin">
        <h2>Per coin</h2>
        <div class="ab-grid">{study.runs.map((run) => <GroupTable title={run.label} keyLabel="Coin" rows={run.per_coin} />)}</div>
      </section>
      <section data-section="exit-reasons">
        <h2>Per exit reason</h2>
        <div class="ab-grid">{study.runs.map((run) => <GroupTable title={run.label} keyLabel="Exit reason" rows={run.per_exit_reason} />)}</div>
      </section>

      <section data-section="trades">
        <h2>Trades</h2>
        {study.runs.map((run) => <TradeTable id={id} run={run} />)}
      </section>

      <section data-section="assumptions">
        <h2>Assumptions</h2>
        <ul class="assumptions">{study.assumptions.map((a) => <li>{a}</li>)}</ul>
      </section>
    </div>
  );
}

function pValue(p: number | null): string {
  if (p === null) return "— (too few days to test)";
  return p < 0.001 ? "< 0.001" : p.toFixed(3);
}
