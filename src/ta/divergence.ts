/**
 * Stoch RSI divergence on one candle stream: close vs %K over the last 50 candles.
 *
 * Pivot rule (k = 3): bar i is a pivot low when its close is strictly lower than the
 * closes of the k bars before and the k bars after it; a pivot high when strictly
 * higher. It is confirmed k bars later (when bar i+k arrives), so nothing is redrawn
 * after the fact. The pivot's %K is the lowest (for a low) or highest (for a high)
 * %K among bars i−k … i+k, since the oscillator's swing rarely lands on the very same
 * bar as price's. A pivot whose neighbourhood has no %K yet is ignored.
 *
 * Divergence: the two newest pivot lows, both inside the last 50 candles, form a
 * bullish divergence when price made a lower low and %K a higher low; the two newest
 * pivot highs a bearish one when price made a higher high and %K a lower high. When
 * both exist, the one whose newer pivot is more recent wins. `candles_ago` counts bars
 * from the newer pivot to the newest bar.
 *
 * Strength (0–100) = 60·min(1, |Δ%K|/40) + 40·min(1, |Δprice|/price / 1 %), rounded:
 * a 40-point disagreement of the oscillator and a 1 % price swing between the pivots
 * each count as full marks.
 *
 * O(1) per candle: a 2k+1 ring for the pivot test and the two newest pivots per kind.
 */
import type { StreamingIndicator } from "./indicator.ts";

export interface DivergenceInput {
  close: number;
  /** %K of this bar, NaN while Stoch RSI warms up. */
  k: number;
}

export interface DivergenceValue {
  divergence: "bullish" | "bearish" | "none";
  strength: number;
  candles_ago: number | null;
}

export const DIVERGENCE_LOOKBACK = 50;
export const PIVOT_SIDE = 3;

// Pivot slots in `pivots`: [lowOlder, lowNewer, highOlder, highNewer] × (index, price, k).
const LOW_OLDER = 0;
const LOW_NEWER = 3;
const HIGH_OLDER = 6;
const HIGH_NEWER = 9;

export class StochDivergence implements StreamingIndicator<DivergenceInput, DivergenceValue> {
  private readonly side: number;
  private readonly lookback: number;
  private readonly span: number;
  private readonly closes: Float64Array;
  private readonly ks: Float64Array;
  private count = 0;
  private last = -1;
  /** Index −1 marks an empty slot. */
  private readonly pivots = new Float64Array(12).fill(-1);
  private readonly pivotsBefore = new Float64Array(12).fill(-1);

  constructor(lookback = DIVERGENCE_LOOKBACK, pivotSide = PIVOT_SIDE) {
    this.side = pivotSide;
    this.lookback = lookback;
    this.span = 2 * pivotSide + 1;
    this.closes = new Float64Array(this.span);
    this.ks = new Float64Array(this.span);
  }

  add(input: DivergenceInput): void {
    this.pivotsBefore.set(this.pivots);
    this.last = this.last + 1 === this.span ? 0 : this.last + 1;
    this.count++;
    this.apply(input);
  }

  replace(input: DivergenceInput): void {
    if (this.count === 0) return this.add(input);
    this.pivots.set(this.pivotsBefore);
    this.apply(input);
  }

  private apply({ close, k }: DivergenceInput): void {
    this.closes[this.last] = close;
    this.ks[this.last] = k;
    if (this.count < this.span) return;
    // The candidate is the middle of the ring: k bars before the newest.
    let mid = this.last - this.side;
    if (mid < 0) mid += this.span;
    const c = this.closes[mid] as number;
    let lower = true;
    let higher = true;
    let kMin = Infinity;
    let kMax = -Infinity;
    let kMissing = false;
    for (let i = 0; i < this.span; i++) {
      const ki = this.ks[i] as number;
      if (Number.isNaN(ki)) kMissing = true;
      if (ki < kMin) kMin = ki;
      if (ki > kMax) kMax = ki;
      if (i === mid) continue;
      const ci = this.closes[i] as number;
      if (!(c < ci)) lower = false;
      if (!(c > ci)) higher = false;
    }
    if (kMissing) return;
    const index = this.count - 1 - this.side;
    if (lower) this.pushPivot(LOW_OLDER, LOW_NEWER, index, c, kMin);
    if (higher) this.pushPivot(HIGH_OLDER, HIGH_NEWER, index, c, kMax);
  }

  private pushPivot(older: number, newer: number, index: number, price: number, k: number): void {
    const p = this.pivots;
    p[older] = p[newer] as number;
    p[older + 1] = p[newer + 1] as number;
    p[older + 2] = p[newer + 2] as number;
    p[newer] = index;
    p[newer + 1] = price;
    p[newer + 2] = k;
  }

  /** null until the first pivot can be tested (2k+1 bars). */
  get value(): DivergenceValue | null {
    if (this.count < this.span) return null;
    const p = this.pivots;
    const newest = this.count - 1;
    const oldestAllowed = newest - (this.lookback - 1);
    let bullishAt = -1;
    let bearishAt = -1;
    const lowOlder = p[LOW_OLDER] as number;
    if (lowOlder >= 0 && lowOlder >= oldestAllowed) {
      if ((p[LOW_NEWER + 1] as number) < (p[LOW_OLDER + 1] as number) && (p[LOW_NEWER + 2] as number) > (p[LOW_OLDER + 2] as number)) {
        bullishAt = p[LOW_NEWER] as number;
      }
    }
    const highOlder = p[HIGH_OLDER] as number;
    if (highOlder >= 0 && highOlder >= oldestAllowed) {
      if ((p[HIGH_NEWER + 1] as number) > (p[HIGH_OLDER + 1] as number) && (p[HIGH_NEWER + 2] as number) < (p[HIGH_OLDER + 2] as number)) {
        bearishAt = p[HIGH_NEWER] as number;
      }
    }
    if (bullishAt < 0 && bearishAt < 0) return { divergence: "none", strength: 0, candles_ago: null };
    const bullish = bullishAt > bearishAt;
    const base = bullish ? LOW_OLDER : HIGH_OLDER;
    const newer = base + 3;
    const olderPrice = p[base + 1] as number;
    const priceMove = Math.abs((p[newer + 1] as number) - olderPrice) / Math.abs(olderPrice);
    const kMove = Math.abs((p[newer + 2] as number) - (p[base + 2] as number));
    const strength = Math.round(60 * Math.min(1, kMove / 40) + 40 * Math.min(1, priceMove / 0.01));
    return {
      divergence: bullish ? "bullish" : "bearish",
      strength,
      candles_ago: newest - (p[newer] as number),
    };
  }

  get isStable(): boolean {
    return this.count >= this.span;
  }
}
