/**
 * Binance US kline rows → candles. Each row is a 12-element array (exchange-api.md
 * §4): open time and close time are JSON numbers, prices and volumes are decimal
 * strings. Anything else is rejected with the row and field named, because a
 * silently misread price is worse than a missing one.
 */
import type { Candle } from "./candle.ts";
import { checkCandle } from "./candle-check.ts";

/** A parsed kline: the candle plus its close time (last ms of the bar). */
export interface KlineRow {
  candle: Candle;
  closeTime: number;
}

const NUMBER_FIELDS: Record<number, string> = { 0: "open time", 6: "close time", 8: "number of trades" };
const DECIMAL_FIELDS: Record<number, string> = {
  1: "open",
  2: "high",
  3: "low",
  4: "close",
  5: "volume",
  7: "quote asset volume",
  9: "taker buy base volume",
  10: "taker buy quote volume",
};
const DECIMAL_STRING = /^\d+(\.\d+)?$/;

/** Parses a decoded `/api/v3/klines` body; `where` names the request in errors. */
export function parseKlineRows(body: unknown, where: string): KlineRow[] {
  if (!Array.isArray(body)) {
    throw new Error(`${where}: expected a JSON array of kline rows, got ${preview(body)}`);
  }
  const rows = body.map((row, index) => parseKlineRow(row, `${where}: row ${index}`));
  for (let i = 1; i < rows.length; i++) {
    if (rows[i]!.candle.t <= rows[i - 1]!.candle.t) {
      throw new Error(`${where}: row ${i} open time ${rows[i]!.candle.t} is not after row ${i - 1}'s`);
    }
  }
  return rows;
}

function parseKlineRow(row: unknown, where: string): KlineRow {
  if (!Array.isArray(row) || row.length !== 12) {
    throw new Error(`${where}: expected a 12-element array, got ${preview(row)}`);
  }
  for (const [index, name] of Object.entries(NUMBER_FIELDS)) {
    const value: unknown = row[Number(index)];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
      throw new Error(`${where}: field ${index} (${name}) must be a whole JSON number, got ${preview(value)}`);
    }
  }
  for (const [index, name] of Object.entries(DECIMAL_FIELDS)) {
    const value: unknown = row[Number(index)];
    if (typeof value !== "string" || !DECIMAL_STRING.test(value)) {
      throw new Error(`${where}: field ${index} (${name}) must be a decimal string like "1.23", got ${preview(value)}`);
    }
  }
  const openTime = row[0] as number;
  const closeTime = row[6] as number;
  if (closeTime <= openTime) {
    throw new Error(`${where}: close time ${closeTime} is not after open time ${openTime}`);
  }
  const candle = checkCandle(
    {
      t: openTime,
      o: Number(row[1]),
      h: Number(row[2]),
      l: Number(row[3]),
      c: Number(row[4]),
      v: Number(row[5]),
    },
    where,
  );
  return { candle, closeTime };
}

/**
 * Splits rows (oldest first) into closed candles and the forming one. The newest row
 * is forming while its close time is at or after `now`; an older row is always
 * closed, since the exchange has already opened a newer bar (this also holds when the
 * local clock runs behind the exchange's).
 */
export function splitClosed(rows: readonly KlineRow[], now: number): { closed: Candle[]; forming: Candle | null } {
  const closed: Candle[] = [];
  let forming: Candle | null = null;
  rows.forEach((row, index) => {
    if (index < rows.length - 1 || row.closeTime < now) closed.push(row.candle);
    else forming = row.candle;
  });
  return { closed, forming };
}

function preview(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? text.slice(0, 77) + "..." : text;
}
