/**
 * A server-rendered bar chart over time (P&L per day, week or month), drawn
 * like TimeChart in svg.tsx so the two read alike: the same value axis
 * (niceTicks, with 0 always on it), date axis (timeTicks) and CSS classes.
 * One bar per period, from its start to its end; green above zero, red
 * below. Each bar's <title> says its period and value on hover. On
 * /performance this is what shows without JavaScript (static/
 * performance-charts.js draws the interactive chart over it).
 */
import { niceTicks, timeTickLabel, timeTicks } from "./svg.tsx";

export interface Bar {
  start: number;
  end: number;
  value: number;
  /** The bar's text: "2026-03-02 · +12.34 USDT · 3 trades". */
  tip: string;
}

const HEIGHT = 224;
const PLOT_TOP = 18;
const PLOT_HEIGHT = 180;
const PLOT_WIDTH = 1000;

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

export function BarChart(props: { name: string; label: string; bars: readonly Bar[]; format: (value: number) => string }) {
  const bars = props.bars.filter((b) => Number.isFinite(b.value) && b.end > b.start);
  if (bars.length === 0) return <p class="muted chart-empty" data-chart={props.name}>{props.label}: nothing to draw yet.</p>;
  const from = Math.min(...bars.map((b) => b.start));
  const to = Math.max(...bars.map((b) => b.end));
  const values = [0, ...bars.map((b) => b.value)];
  const yTicks = niceTicks(Math.min(...values), Math.max(...values), 4);
  const lo = yTicks[0] ?? 0;
  const hi = yTicks[yTicks.length - 1] ?? 1;
  const span = hi - lo || 1;
  const plotY = (v: number) => round(PLOT_HEIGHT * (1 - (v - lo) / span));
  const outerY = (v: number) => round(PLOT_TOP + plotY(v));
  const plotX = (t: number) => round((PLOT_WIDTH * (t - from)) / (to - from));
  const pct = (t: number) => `${round((100 * (t - from)) / (to - from))}%`;
  const xTicks = timeTicks(from, to, 6);
  const anchor = (t: number) => {
    const share = (t - from) / (to - from);
    return share < 0.06 ? "start" : share > 0.94 ? "end" : "middle";
  };
  // A gap between bars of a tenth of a bar, none when bars are thinner than a unit.
  const gap = (b: Bar) => Math.min(0.1 * (plotX(b.end) - plotX(b.start)), 4);
  const zero = plotY(0);
  return (
    <svg class={`chart bars ${props.name}`} data-chart={props.name} width="100%" height={String(HEIGHT)} role="img" aria-label={props.label}>
      {yTicks.map((v) => (
        <g>
          <line class={v === 0 ? "grid zero" : "grid"} x1="0" x2="100%" y1={String(outerY(v))} y2={String(outerY(v))} />
          <text class="ytick" x="4" y={String(outerY(v) - 3)}>{props.format(v)}</text>
        </g>
      ))}
      {xTicks.map((t, i) => (
        <text class={i % 2 === 1 && xTicks.length > 3 ? "xtick odd" : "xtick"} x={pct(t)} y={String(HEIGHT - 8)} text-anchor={anchor(t)}>{timeTickLabel(t, xTicks)}</text>
      ))}
      <svg class="plot" x="0" y={String(PLOT_TOP)} width="100%" height={String(PLOT_HEIGHT)} viewBox={`0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}`} preserveAspectRatio="none">
        {bars.map((b) => {
          const top = Math.min(plotY(b.value), zero);
          // A zero bar is a hairline, so its period can still be hovered.
          const height = Math.max(Math.abs(plotY(b.value) - zero), 0.5);
          return (
            <rect
              class={b.value > 0 ? "bar up" : b.value < 0 ? "bar down" : "bar flat"}
              x={String(round(plotX(b.start) + gap(b) / 2))}
              y={String(top)}
              width={String(Math.max(round(plotX(b.end) - plotX(b.start) - gap(b)), 0.5))}
              height={String(round(height))}
            >
              <title>{b.tip}</title>
            </rect>
          );
        })}
      </svg>
    </svg>
  );
}
