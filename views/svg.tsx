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

export function Sparkline(props: { closes: readonly number[]; label: string }) {
  const points = polylinePoints(props.closes, 120, 28);
  if (!points) return <svg class="spark" viewBox="0 0 120 28" role="img" aria-label={`${props.label}: not enough data yet`} />;
  const first = props.closes[0] ?? 0;
  const last = props.closes[props.closes.length - 1] ?? 0;
  const trend = last > first ? "up" : last < first ? "down" : "flat";
  return (
    <svg class={`spark ${trend}`} viewBox="0 0 120 28" preserveAspectRatio="none" role="img" aria-label={props.label}>
      <polyline points={points} fill="none" vector-effect="non-scaling-stroke" />
    </svg>
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
