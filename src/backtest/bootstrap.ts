/**
 * Is the difference between two runs over the same days more than luck? A
 * paired circular block bootstrap of the daily return differences d = b − a
 * (Politis & Romano's circular blocks, which keep the serial dependence of
 * returns within a block):
 *   1. centre d on zero (the null hypothesis: no difference in mean);
 *   2. draw `resamples` series of the same length from blocks of `block` days
 *      (default ⌈n^(1/3)⌉) starting at uniformly random days, wrapping around;
 *   3. p = share of resampled means at least as far from 0 as the observed mean
 *      (two-sided).
 * Seeded, so the same inputs give the same p-value in every report.
 */
import { mean } from "../metrics/trade-metrics.ts";

export interface BootstrapResult {
  method: string;
  days: number;
  block_days: number;
  resamples: number;
  /** Mean daily return difference (b − a), as a fraction. */
  mean_difference: number;
  p_value: number | null;
}

export function pairedBlockBootstrap(a: readonly number[], b: readonly number[], options: { resamples?: number; block?: number; seed?: number } = {}): BootstrapResult {
  const n = Math.min(a.length, b.length);
  const resamples = options.resamples ?? 5000;
  const block = options.block ?? Math.max(1, Math.ceil(Math.cbrt(n)));
  const method = `paired circular block bootstrap of daily return differences, ${resamples} resamples, blocks of ${block} day(s), two-sided, seed ${options.seed ?? 1}`;
  const d = Array.from({ length: n }, (_, i) => b[i]! - a[i]!);
  const observed = mean(d);
  if (n < 2) return { method, days: n, block_days: block, resamples, mean_difference: observed, p_value: null };
  const centred = d.map((x) => x - observed);
  const random = mulberry32(options.seed ?? 1);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let filled = 0;
    while (filled < n) {
      const start = Math.floor(random() * n);
      for (let k = 0; k < block && filled < n; k++, filled++) sum += centred[(start + k) % n]!;
    }
    if (Math.abs(sum / n) >= Math.abs(observed) - 1e-15) extreme += 1;
  }
  return { method, days: n, block_days: block, resamples, mean_difference: observed, p_value: extreme / resamples };
}

/** A small, fast, seeded PRNG (uniform in [0, 1)). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
