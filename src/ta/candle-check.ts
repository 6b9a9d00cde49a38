/**
 * Sanity checks for one candle before it reaches an indicator: every field a finite
 * number, prices positive (spreads and divergence strength divide by price), high ≥
 * low, open and close inside low–high, volume ≥ 0. Returns what is wrong in words a
 * trader can act on (e.g. "high 1.2 < low 1.5"), or null when the candle is fine.
 *
 * (src/market/candle-check.ts checks the same for the market side; this one keeps the
 * `ta` command's messages in the form its callers and tests expect.)
 */
import type { Candle } from "../market/candle.ts";

const FIELDS = ["t", "o", "h", "l", "c", "v"] as const;
const PRICES = [
  ["o", "open"],
  ["h", "high"],
  ["l", "low"],
  ["c", "close"],
] as const;

export function describeCandleProblem(candle: Candle): string | null {
  for (const field of FIELDS) {
    const value: unknown = candle[field];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return `${field} is ${value === undefined ? "missing" : `not a finite number (${JSON.stringify(value) ?? String(value)})`}`;
    }
  }
  for (const [field, name] of PRICES) {
    if (!(candle[field] > 0)) return `${name} ${candle[field]} is not a positive price`;
  }
  if (candle.h < candle.l) return `high ${candle.h} < low ${candle.l}`;
  if (candle.o < candle.l || candle.o > candle.h) return `open ${candle.o} outside low–high ${candle.l}–${candle.h}`;
  if (candle.c < candle.l || candle.c > candle.h) return `close ${candle.c} outside low–high ${candle.l}–${candle.h}`;
  if (candle.v < 0) return `volume ${candle.v} < 0`;
  return null;
}
