/**
 * The performance page's three charts: cumulative realized P&L, equity, and
 * realized P&L per day / week / month. Each figure holds
 *  - the server-rendered SVG chart (svg.tsx, bar-chart.tsx: the backtest
 *    page's look), which is what shows without JavaScript;
 *  - an empty holder where static/performance-charts.js draws the same data
 *    with TradingView Lightweight Charts (zoom, crosshair) and then hides the SVG;
 *  - a readout line: the latest value, and while the pointer is over the
 *    chart the value under it. Every readout text is written here (money to
 *    2 decimals, UTC times); the script only picks the one for the time
 *    under the crosshair.
 * The data for the script is one JSON block (#perf-chart-data).
 */
import type { Child } from "hono/jsx";
import type { PeriodPnl, PnlPeriod } from "../../src/metrics/pnl-periods.ts";
import type { PerformanceReport } from "../../src/metrics/performance.ts";
import { BarChart } from "../bar-chart.tsx";
import { formatSignedUsd, formatTime, formatUsd } from "../format.ts";
import { TimeChart } from "../svg.tsx";

export const CHART_DATA_ID = "perf-chart-data";

/** [time in seconds (Lightweight Charts' UTCTimestamp), value, readout text]. */
export type ChartPoint = [number, number, string];

export interface ChartSpec {
  /** baseline: a line coloured above / below 0; line; histogram: bars coloured by sign. */
  type: "baseline" | "line" | "histogram";
  points: ChartPoint[];
}

export type ChartName = "pnl" | "equity" | "bars";

const PERIOD_WORDS: Record<PnlPeriod, string> = { day: "day", week: "week", month: "month" };

export function periodLabel(row: Pick<PeriodPnl, "start">, period: PnlPeriod): string {
  const iso = new Date(row.start).toISOString();
  if (period === "month") return iso.slice(0, 7);
  if (period === "week") return `week of ${iso.slice(0, 10)}`;
  return iso.slice(0, 10);
}

function barTip(row: PeriodPnl, period: PnlPeriod): string {
  const trades = row.trades === 0 ? "no trades" : `${row.trades} trade${row.trades === 1 ? "" : "s"} (${row.wins} won)`;
  return `${periodLabel(row, period)} · P&L ${formatSignedUsd(row.pnl)} USDT · ${trades}`;
}

/**
 * Points for the script, one per second at most (its time scale needs
 * strictly increasing times): of several in the same second the last counts,
 * as it is the state after all of them.
 */
function perSecond(points: readonly { t: number; v: number; tip: string }[]): ChartPoint[] {
  const out: ChartPoint[] = [];
  for (const p of [...points].sort((a, b) => a.t - b.t)) {
    const second = Math.floor(p.t / 1000);
    if (out.length > 0 && out[out.length - 1]![0] === second) out.pop();
    out.push([second, p.v, p.tip]);
  }
  return out;
}

export function chartData(report: PerformanceReport, period: PnlPeriod): Record<ChartName, ChartSpec> {
  return {
    pnl: { type: "baseline", points: perSecond(report.pnl_curve.map((p) => ({ t: p.t, v: p.pnl, tip: `${formatTime(p.t)} · total realized P&L ${formatSignedUsd(p.pnl)} USDT` }))) },
    equity: { type: "line", points: perSecond(report.equity_curve.map((p) => ({ t: p.t, v: p.equity, tip: `${formatTime(p.t)} · equity ${formatUsd(p.equity)} USDT` }))) },
    bars: { type: "histogram", points: perSecond(report.pnl_by[period].map((row) => ({ t: row.start, v: row.pnl, tip: barTip(row, period) }))) },
  };
}

/** The JSON block's text, safe inside <script type="application/json"> (no "<" survives). */
export function chartDataJson(data: Record<ChartName, ChartSpec>): string {
  return JSON.stringify(data).replace(/</g, "\\u003c");
}

function ChartFigure(props: { name: ChartName; caption: string; spec: ChartSpec; controls?: Child; children?: Child }) {
  const last = props.spec.points[props.spec.points.length - 1];
  const latest = last ? `Latest: ${last[2]}` : "";
  return (
    <figure class="chart-box perf-chart" data-lc-chart={props.name}>
      <figcaption>{props.caption}{props.controls}</figcaption>
      <div class="lc-holder" hidden />
      {props.children}
      <p class="chart-readout" data-latest={latest}>{latest}</p>
    </figure>
  );
}

export function PerformanceCharts(props: { report: PerformanceReport; data: Record<ChartName, ChartSpec>; period: PnlPeriod; periodLinks: Child }) {
  const { report, data } = props;
  const pnl = report.pnl_curve.map((p) => ({ t: p.t, v: p.pnl }));
  const equity = report.equity_curve.map((p) => ({ t: p.t, v: p.equity }));
  const bars = report.pnl_by[props.period];
  const span = (points: { t: number }[]) => ({ from: points[0]?.t ?? 0, to: points[points.length - 1]?.t ?? 0 });
  const first = report.equity_curve[0];
  return (
    <section class="charts perf-charts" data-section="charts">
      <ChartFigure name="pnl" caption="Cumulative realized P&L (USDT, net of fees and funding) · UTC" spec={data.pnl}>
        <TimeChart name="pnl" label={`Cumulative realized P&L: ${formatSignedUsd(report.net_pnl)} USDT over ${report.trades} trades`} series={[{ label: "P&L", points: pnl }]} {...span(pnl)} format={formatSignedUsd} baseline={0} />
      </ChartFigure>
      <ChartFigure name="equity" caption="Equity, mark-to-market at each trader cycle (USDT) · UTC" spec={data.equity}>
        {equity.length >= 2 ? (
          <TimeChart name="equity" label={`Equity from ${formatUsd(first?.equity ?? 0)} to ${formatUsd(equity[equity.length - 1]?.v ?? 0)} USDT`} series={[{ label: "Equity", points: equity }]} {...span(equity)} format={formatUsd} baseline={first?.equity ?? null} />
        ) : (
          <p class="muted chart-empty" data-chart="equity">No equity snapshots in this mode yet: the trader records one at the end of every cycle.</p>
        )}
      </ChartFigure>
      <ChartFigure name="bars" caption={`Realized P&L per ${PERIOD_WORDS[props.period]} (USDT, by close time) · UTC`} spec={data.bars} controls={props.periodLinks}>
        <BarChart name="bars" label={`Realized P&L per ${PERIOD_WORDS[props.period]}, ${bars.length} ${PERIOD_WORDS[props.period]}s`} bars={bars.map((row) => ({ start: row.start, end: row.end, value: row.pnl, tip: barTip(row, props.period) }))} format={formatSignedUsd} />
      </ChartFigure>
    </section>
  );
}
