/**
 * Small server-rendered SVG charts (no chart library, no browser script):
 * the coin sparkline and the equity curve. Both stretch to their box; the
 * stroke keeps its width (non-scaling-stroke), so they stay crisp at any size.
 */

/** "x,y x,y …" for a polyline of `values` in a width×height box, oldest at the left. */
export function polylinePoints(values: readonly number[], width: number, height: number, pad = 1, range?: { min: number; max: number }): string {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length < 2) return "";
  const min = range?.min ?? Math.min(...finite);
  const max = range?.max ?? Math.max(...finite);
  const span = max - min || 1;
  const step = (width - 2 * pad) / (finite.length - 1);
  return finite
    .map((v, i) => {
      const x = pad + i * step;
      const y = pad + (height - 2 * pad) * (1 - (v - min) / span);
      return `${round(x)},${round(y)}`;
    })
    .join(" ");
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/**
 * The coin sparkline: the closed candles' closes as one line, and the last
 * step (the last close → the forming candle's price) as a second SVG laid
 * over it (`.spark-tip`). Both are drawn in the closed closes' range and
 * coloured by their trend, so a tick changes only the tip's two points; a
 * forming price beyond the range is drawn at the edge until its candle
 * closes (the card's price says where it is). With an `id` both are parts
 * (src/web/render/fragment-parts.ts): a tick re-sends the tip, a hundred
 * bytes, never the line. The SVGs' fill and stroke are in app.css, and the
 * box's role="img" makes them presentational: nothing per push repeats it.
 */
export function Sparkline(props: { id?: string; closes: readonly number[]; label: string }) {
  const finite = props.closes.filter((v) => Number.isFinite(v));
  const closed = finite.slice(0, -1);
  const part = props.id ? true : undefined;
  if (closed.length < 2) return <svg class="spark" id={props.id} data-part={part} viewBox="0 0 120 28" role="img" aria-label={`${props.label}: not enough data yet`} />;
  const range = { min: Math.min(...closed), max: Math.max(...closed) };
  const forming = finite[finite.length - 1] as number;
  const points = polylinePoints([...closed, Math.min(range.max, Math.max(range.min, forming))], 120, 28, 1, range).split(" ");
  const first = closed[0] as number;
  const last = closed[closed.length - 1] as number;
  const trend = last > first ? "up" : last < first ? "down" : "flat";
  return (
    <div class="spark-box" role="img" aria-label={props.label}>
      <svg class={`spark ${trend}`} id={props.id} data-part={part} viewBox="0 0 120 28" preserveAspectRatio="none">
        <polyline points={points.slice(0, -1).join(" ")} />
      </svg>
      <svg class={`spark spark-tip ${trend}`} id={props.id ? `${props.id}-tip` : undefined} data-part={part} viewBox="0 0 120 28" preserveAspectRatio="none">
        <polyline points={points.slice(-2).join(" ")} />
      </svg>
    </div>
  );
}

export function EquityCurve(props: { points: readonly { at: number; equity: number }[]; baseline: number | null }) {
  const values = props.points.map((p) => p.equity);
  const all = props.baseline !== null ? [...values, props.baseline] : values;
  const range = { min: Math.min(...all), max: Math.max(...all) };
  const points = polylinePoints(values, 600, 120, 2, range);
  if (!points) {
    return (
      <p class="muted" id="equity-curve-empty">
        {values.length === 0 ? "No equity history yet" : "One equity snapshot so far"}: the curve starts after two trader cycles.
      </p>
    );
  }
  const span = range.max - range.min || 1;
  const baseY = props.baseline !== null ? round(2 + 116 * (1 - (props.baseline - range.min) / span)) : null;
  const last = values[values.length - 1] ?? 0;
  const trend = props.baseline === null ? "flat" : last > props.baseline ? "up" : last < props.baseline ? "down" : "flat";
  return (
    <svg class={`equity-curve ${trend}`} viewBox="0 0 600 120" preserveAspectRatio="none" role="img" aria-label={`Equity curve, ${values.length} snapshots`}>
      {baseY !== null ? <line class="baseline" x1="0" x2="600" y1={String(baseY)} y2={String(baseY)} vector-effect="non-scaling-stroke" /> : null}
      <polyline points={points} fill="none" vector-effect="non-scaling-stroke" />
    </svg>
  );
}

// ---- time charts with axes (the backtest's equity and drawdown) ----------

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const HOUR_STEPS = [1, 2, 3, 6, 12].map((h) => h * HOUR_MS);
const DAY_STEPS = [1, 2, 3, 7, 14].map((d) => d * DAY_MS);
const MONTH_STEPS = [1, 2, 3, 6, 12];

/**
 * About `count` round values (1, 2 or 5 × 10^k apart) from at or below `min`
 * to at or above `max`: the grid lines of a value axis.
 */
export function niceTicks(min: number, max: number, count: number): number[] {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return [];
  let lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (hi - lo < 1e-12) {
    const pad = Math.abs(lo) > 1e-12 ? Math.abs(lo) * 0.01 : 1;
    lo -= pad;
    hi += pad;
  }
  const rough = (hi - lo) / Math.max(1, count);
  const power = Math.pow(10, Math.floor(Math.log10(rough)));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough - 1e-12) ?? 10 * power);
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  return ticks;
}

/**
 * At most `max` whole UTC hours, days or months between `from` and `to`
 * (inclusive): the dates of a time axis. Periods of two days and more get
 * day (or month) ticks, shorter ones hour ticks.
 */
export function timeTicks(from: number, to: number, max: number): number[] {
  if (!(to > from) || max < 1) return [];
  const span = to - from;
  const steps = span >= 2 * DAY_MS ? DAY_STEPS : [...HOUR_STEPS, ...DAY_STEPS];
  for (const step of steps) {
    const ticks: number[] = [];
    for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
    if (ticks.length <= max) return ticks;
  }
  for (const months of MONTH_STEPS) {
    const ticks: number[] = [];
    const start = new Date(from);
    // Months counted from year 0, on multiples of the step (quarters start in Jan, Apr, …).
    let index = Math.ceil((start.getUTCFullYear() * 12 + start.getUTCMonth()) / months) * months;
    for (;; index += months) {
      const t = Date.UTC(Math.floor(index / 12), index % 12, 1);
      if (t > to) break;
      if (t >= from) ticks.push(t);
    }
    if (ticks.length <= max) return ticks;
  }
  return [from, to];
}

/** The label of a time tick: "01-17" for days, "06:00" for hours (a midnight says its day), "2022-03" for months. */
export function timeTickLabel(t: number, ticks: readonly number[]): string {
  const iso = new Date(t).toISOString();
  const step = ticks.length > 1 ? (ticks[1] ?? t) - (ticks[0] ?? t) : DAY_MS;
  if (step >= 28 * DAY_MS) return iso.slice(0, 7);
  if (step >= DAY_MS || t % DAY_MS === 0) return iso.slice(5, 10);
  return iso.slice(11, 16);
}

export interface TimePoint {
  t: number;
  v: number;
}

/**
 * At most about 2 × `buckets` points of a time series for drawing: the first
 * and the last, and each bucket's lowest and highest in time order, so a
 * drawdown's trough or a spike is never smoothed away.
 */
export function downsample(points: readonly TimePoint[], buckets: number): TimePoint[] {
  if (points.length <= 2 * buckets + 2) return [...points];
  const out: TimePoint[] = [points[0]!];
  const inner = points.length - 2;
  for (let b = 0; b < buckets; b++) {
    const start = 1 + Math.floor((b * inner) / buckets);
    const end = 1 + Math.floor(((b + 1) * inner) / buckets);
    if (end <= start) continue;
    let lo = start;
    let hi = start;
    for (let i = start + 1; i < end; i++) {
      if (points[i]!.v < points[lo]!.v) lo = i;
      if (points[i]!.v > points[hi]!.v) hi = i;
    }
    for (const i of lo === hi ? [lo] : [Math.min(lo, hi), Math.max(lo, hi)]) out.push(points[i]!);
  }
  out.push(points[points.length - 1]!);
  return out;
}

export interface ChartSeries {
  label: string;
  points: readonly TimePoint[];
}

const CHART_HEIGHT = 224;
/** Room above the plot for the top value label, which sits just above its grid line. */
const PLOT_TOP = 18;
const PLOT_HEIGHT = 180;
/** The plot's own x units (it stretches to the chart's width; lines keep their width). */
const PLOT_WIDTH = 1000;
const MAX_DRAWN = 500;

/**
 * A time chart with a value axis and a date axis, one line per series (class
 * s0, s1 … for their colours), optional dashed baseline and marked times.
 * The outer SVG has no viewBox, so its text and grid are in CSS pixels and
 * stay readable at any width; the lines are drawn in a nested, stretched SVG
 * with non-scaling strokes. `area` fills between each line and zero (a
 * drawdown). Times are UTC. On a narrow screen every other date label of a
 * crowded axis is hidden (CSS: .xtick.odd).
 */
export function TimeChart(props: {
  name: string;
  label: string;
  series: readonly ChartSeries[];
  from: number;
  to: number;
  format: (value: number) => string;
  baseline?: number | null;
  markers?: readonly { t: number; label: string }[];
  area?: boolean;
}) {
  const drawn = props.series.map((s) => downsample(s.points.filter((p) => Number.isFinite(p.v) && Number.isFinite(p.t)), MAX_DRAWN));
  if (!drawn.some((points) => points.length >= 2) || !(props.to > props.from)) {
    return <p class="muted chart-empty" data-chart={props.name}>{props.label}: not enough points to draw.</p>;
  }
  const values = drawn.flat().map((p) => p.v);
  if (props.baseline !== undefined && props.baseline !== null) values.push(props.baseline);
  if (props.area) values.push(0);
  const yTicks = niceTicks(Math.min(...values), Math.max(...values), 4);
  const lo = yTicks[0] ?? 0;
  const hi = yTicks[yTicks.length - 1] ?? 1;
  const span = hi - lo || 1;
  const plotY = (v: number) => round(PLOT_HEIGHT * (1 - (v - lo) / span));
  const outerY = (v: number) => round(PLOT_TOP + PLOT_HEIGHT * (1 - (v - lo) / span));
  const plotX = (t: number) => round((PLOT_WIDTH * (t - props.from)) / (props.to - props.from));
  const pct = (t: number) => `${round((100 * (t - props.from)) / (props.to - props.from))}%`;
  const xTicks = timeTicks(props.from, props.to, 6);
  const anchor = (t: number) => {
    const share = (t - props.from) / (props.to - props.from);
    return share < 0.06 ? "start" : share > 0.94 ? "end" : "middle";
  };
  return (
    <svg class={`chart ${props.name}`} data-chart={props.name} width="100%" height={String(CHART_HEIGHT)} role="img" aria-label={props.label}>
      {yTicks.map((v) => (
        <g>
          <line class="grid" x1="0" x2="100%" y1={String(outerY(v))} y2={String(outerY(v))} />
          <text class="ytick" x="4" y={String(outerY(v) - 3)}>{props.format(v)}</text>
        </g>
      ))}
      {xTicks.map((t, i) => (
        <g>
          <line class="grid v" x1={pct(t)} x2={pct(t)} y1={String(PLOT_TOP)} y2={String(PLOT_TOP + PLOT_HEIGHT)} />
          <text class={i % 2 === 1 && xTicks.length > 3 ? "xtick odd" : "xtick"} x={pct(t)} y={String(CHART_HEIGHT - 8)} text-anchor={anchor(t)}>{timeTickLabel(t, xTicks)}</text>
        </g>
      ))}
      {props.baseline !== undefined && props.baseline !== null ? (
        <line class="baseline" x1="0" x2="100%" y1={String(outerY(props.baseline))} y2={String(outerY(props.baseline))} />
      ) : null}
      {(props.markers ?? []).map((m) => (
        <g class="marker">
          <line x1={pct(m.t)} x2={pct(m.t)} y1={String(PLOT_TOP)} y2={String(PLOT_TOP + PLOT_HEIGHT)} />
          <text x={pct(m.t)} y={String(PLOT_TOP + 12)} dx="4">{m.label}</text>
        </g>
      ))}
      <svg class="plot" x="0" y={String(PLOT_TOP)} width="100%" height={String(PLOT_HEIGHT)} viewBox={`0 0 ${PLOT_WIDTH} ${PLOT_HEIGHT}`} preserveAspectRatio="none">
        {drawn.map((points, i) => {
          if (points.length < 2) return null;
          const line = points.map((p) => `${plotX(p.t)},${plotY(p.v)}`).join(" ");
          const zero = plotY(0);
          return (
            <g>
              {props.area ? <polygon class={`area s${i}`} points={`${plotX(points[0]!.t)},${zero} ${line} ${plotX(points[points.length - 1]!.t)},${zero}`} /> : null}
              <polyline class={`series s${i}`} points={line} fill="none" vector-effect="non-scaling-stroke" />
            </g>
          );
        })}
      </svg>
    </svg>
  );
}
