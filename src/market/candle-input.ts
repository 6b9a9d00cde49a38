/**
 * Parses a JSON array of candles as the `ta` command reads it: `{t,o,h,l,c,v}`
 * objects, or Binance kline rows `[openTime, "o", "h", "l", "c", "v", closeTime, …]`
 * whose numbers may be strings. Every candle is checked (finite fields, high ≥ low,
 * volume ≥ 0) and open times must strictly increase. The first problem is returned
 * as one line naming the candle by its index in the array, e.g.
 * `candle 17: high 1.2 < low 1.5`.
 *
 * Lenient where the Binance client is strict (kline-rows.ts wants exactly the
 * 12-field rows the API sends): a person's file may hold only the first six
 * fields, or numbers as numbers. The candle rule itself is candle-check.ts's.
 */
import type { Candle } from "./candle.ts";
import { describeCandleProblem } from "./candle-check.ts";

export type CandleInputResult = { ok: true; candles: Candle[] } | { ok: false; error: string };

const FIELDS = ["t", "o", "h", "l", "c", "v"] as const;

/** A number, or a string holding one ("0.0123"); anything else is NaN. Empty strings are not 0. */
function toNumber(x: unknown): number {
  if (typeof x === "number") return x;
  if (typeof x === "string" && x.trim() !== "") return Number(x);
  return NaN;
}

function describe(x: unknown): string {
  return x === undefined ? "missing" : `not a finite number (${JSON.stringify(x) ?? String(x)})`;
}

function parseOne(raw: unknown): Candle | string {
  if (Array.isArray(raw)) {
    if (raw.length < 6) return `kline row has ${raw.length} fields, needs at least 6 [openTime, open, high, low, close, volume]`;
    const values = raw.slice(0, 6).map(toNumber);
    for (let i = 0; i < 6; i++) {
      if (!Number.isFinite(values[i])) return `field ${FIELDS[i]} (position ${i}) is ${describe(raw[i])}`;
    }
    const [t, o, h, l, c, v] = values as [number, number, number, number, number, number];
    return { t, o, h, l, c, v };
  }
  if (typeof raw === "object" && raw !== null) {
    const record = raw as Record<string, unknown>;
    const candle: Record<string, number> = {};
    for (const field of FIELDS) {
      const value = toNumber(record[field]);
      if (!Number.isFinite(value)) return `field ${field} is ${describe(record[field])}`;
      candle[field] = value;
    }
    return candle as unknown as Candle;
  }
  return `expected an object {t,o,h,l,c,v} or a kline array, got ${raw === null ? "null" : typeof raw}`;
}

export function parseCandles(json: unknown): CandleInputResult {
  if (!Array.isArray(json)) return { ok: false, error: `expected a JSON array of candles, got ${json === null ? "null" : typeof json}` };
  const candles: Candle[] = [];
  for (let i = 0; i < json.length; i++) {
    const parsed = parseOne(json[i]);
    if (typeof parsed === "string") return { ok: false, error: `candle ${i}: ${parsed}` };
    const problem = describeCandleProblem(parsed);
    if (problem) return { ok: false, error: `candle ${i}: ${problem}` };
    const previous = candles[i - 1];
    if (previous && parsed.t <= previous.t) {
      return { ok: false, error: `candle ${i}: open time ${parsed.t} is not after candle ${i - 1}'s ${previous.t}` };
    }
    candles.push(parsed);
  }
  return { ok: true, candles };
}
