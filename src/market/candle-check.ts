/**
 * Sanity checks for one candle, shared by everything that accepts candles from
 * outside (recorded files, the store). A NaN or an inverted bar would otherwise
 * flow into indicators and scores without anyone noticing.
 */
import type { Candle } from "./candle.ts";

const FIELDS = ["t", "o", "h", "l", "c", "v"] as const;

/** Throws `${where}: …` describing the first problem found; returns the candle otherwise. */
export function checkCandle(candle: unknown, where: string): Candle {
  if (typeof candle !== "object" || candle === null || Array.isArray(candle)) {
    throw new Error(`${where}: expected an object {t,o,h,l,c,v}, got ${describe(candle)}`);
  }
  const record = candle as Record<string, unknown>;
  for (const field of FIELDS) {
    const value = record[field];
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new Error(`${where}: field "${field}" must be a finite number, got ${describe(value)}`);
    }
  }
  const { t, o, h, l, c, v } = record as unknown as Candle;
  if (!Number.isInteger(t) || t < 0) throw new Error(`${where}: open time t=${t} is not a whole number of ms`);
  if (o <= 0 || h <= 0 || l <= 0 || c <= 0) {
    throw new Error(`${where}: prices must be positive (o=${o} h=${h} l=${l} c=${c})`);
  }
  if (v < 0) throw new Error(`${where}: volume v=${v} is negative`);
  if (h < Math.max(o, c) || l > Math.min(o, c)) {
    throw new Error(`${where}: high/low do not contain open/close (o=${o} h=${h} l=${l} c=${c})`);
  }
  return { t, o, h, l, c, v };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? text.slice(0, 57) + "..." : text;
}
