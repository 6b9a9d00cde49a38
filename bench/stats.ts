/** Small statistics for benchmark samples: nearest-rank percentiles, medians, rounding. */

/** Nearest-rank percentile (p in 0–100) of the samples; NaN when there are none. */
export function percentile(samples: ArrayLike<number>, p: number): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function median(samples: ArrayLike<number>): number {
  if (samples.length === 0) return NaN;
  const sorted = Float64Array.from(samples).sort();
  const m = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[m] as number) : ((sorted[m - 1] as number) + (sorted[m] as number)) / 2;
}

/** Rounds to `digits` decimals for printing (JSON keeps it short and readable). */
export function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
