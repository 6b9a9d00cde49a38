/**
 * Sanity checks for one candle: the one home of the rule, for everything that
 * accepts candles from outside (Binance rows, recorded files, the bus, the
 * store, the `ta` command's input) and for the indicators themselves. A NaN or
 * an inverted bar would otherwise flow into indicators and scores without
 * anyone noticing; spreads and divergence strength divide by price, so prices
 * must be positive.
 *
 * The words are a trader's ("high 1.2 < low 1.5"); callers prefix where the
 * candle came from.
 */
import type { Candle } from "./candle.ts";

const FIELDS = ["t", "o", "h", "l", "c", "v"] as const;
const PRICES = [
  ["o", "open"],
  ["h", "high"],
  ["l", "low"],
  ["c", "close"],
] as const;

/** What is wrong with a candle-shaped value, or null when it is a good candle. */
export function describeCandleProblem(candle: Candle): string | null {
  // Every candle of every stream passes here: the good case is one branch of plain comparisons
  // (NaN fails every one of them; c > 0 and h > 0 follow from l > 0), the wording only when it fails.
  const { t, o, h, l, c, v } = candle;
  if (
    typeof t === "number" && typeof o === "number" && typeof h === "number" && typeof l === "number" && typeof c === "number" && typeof v === "number" &&
    t >= 0 && t <= Number.MAX_SAFE_INTEGER && Math.floor(t) === t &&
    l > 0 && l <= o && o <= h && l <= c && c <= h && h < Infinity && v >= 0 && v < Infinity
  ) return null;
  return describeBadCandle(candle);
}

function describeBadCandle(candle: Candle): string | null {
  for (const field of FIELDS) {
    const value: unknown = candle[field];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      return `${field} is ${value === undefined ? "missing" : `not a finite number (${describe(value)})`}`;
    }
  }
  if (!Number.isInteger(candle.t) || candle.t < 0) return `open time t=${candle.t} is not a whole number of ms`;
  for (const [field, name] of PRICES) {
    if (!(candle[field] > 0)) return `${name} ${candle[field]} is not a positive price`;
  }
  if (candle.h < candle.l) return `high ${candle.h} < low ${candle.l}`;
  if (candle.o < candle.l || candle.o > candle.h) return `open ${candle.o} outside low–high ${candle.l}–${candle.h}`;
  if (candle.c < candle.l || candle.c > candle.h) return `close ${candle.c} outside low–high ${candle.l}–${candle.h}`;
  if (candle.v < 0) return `volume ${candle.v} < 0`;
  return null;
}

/** Throws `${where}: …` describing the first problem found; returns a clean {t,o,h,l,c,v} otherwise. */
export function checkCandle(candle: unknown, where: string): Candle {
  if (typeof candle !== "object" || candle === null || Array.isArray(candle)) {
    throw new Error(`${where}: expected an object {t,o,h,l,c,v}, got ${candle === undefined ? "nothing" : describe(candle)}`);
  }
  const problem = describeCandleProblem(candle as Candle);
  if (problem) throw new Error(`${where}: ${problem}`);
  const { t, o, h, l, c, v } = candle as Candle;
  return { t, o, h, l, c, v };
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? text.slice(0, 57) + "..." : text;
}
