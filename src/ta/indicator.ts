/**
 * The one streaming contract every indicator in src/ta follows.
 *
 * - `add(input)`: a new input (a new candle) becomes the last one. O(1) amortised.
 * - `replace(input)`: the last input changes (the forming candle ticked). O(1), never
 *   a recomputation of the window. Replacing before any `add` behaves as `add`.
 * - `value`: the output for the inputs so far, `null` during warm-up.
 * - `isStable`: true once warm-up is over (`value !== null`).
 *
 * Exactness rule: `add(a); replace(b)` leaves the indicator bit-for-bit in the state
 * `add(b)` would have. Each indicator gets there the same way: `add` first saves the
 * few scalars the new input will change, and `replace` restores them and redoes the
 * same arithmetic with the new input. Warm-up depends only on how many inputs were
 * added, never on their values, so composites feed their parts identically on both paths.
 */
export interface StreamingIndicator<In, Out> {
  add(input: In): void;
  replace(input: In): void;
  readonly value: Out | null;
  readonly isStable: boolean;
}

/** The OHLC part of a candle the volatility indicators read. */
export interface Bar {
  h: number;
  l: number;
  c: number;
}

/** NaN is the internal "no value yet"; the public face is null. */
export function nullIfNaN(x: number): number | null {
  return Number.isNaN(x) ? null : x;
}
