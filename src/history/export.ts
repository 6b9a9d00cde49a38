/**
 * Writes the recorded history as `SYMBOL-5m.json` / `SYMBOL-1h.json` in the
 * shared format (../shared/data/backtest/*\/PROVENANCE.md), so the backtester
 * (`--data DIR`), the replay source and other tools read it:
 *
 *   [
 *   {"t":1641427200000,"o":3.037e-05,"h":3.039e-05,"l":3.022e-05,"c":3.033e-05,"v":37211239624.0},
 *   …
 *   {"t":…,"o":…,"h":…,"l":…,"c":…,"v":…}
 *   ]
 *
 * One object per line, oldest first, keys in that order, no spaces; `t` an
 * integer, prices and volume as Python writes a float (the shared files were
 * made with Python's json): the shortest text that reads back as the same
 * double, with `.0` on whole numbers and an exponent below 1e-4 and from 1e16
 * (`3.037e-05`, `1e+16`). Each file is written beside its final name and then
 * renamed, so a reader never sees half a file.
 */
import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findGaps, type DataGap } from "../backtest/data.ts";
import type { Candle } from "../market/candle.ts";
import { emptyHistoryMessage, HistoryDb, HistoryError, historyDbPath, historyExists, type HistoryTimeframe, HISTORY_TIMEFRAMES } from "./history-db.ts";

/** A number as Python's repr() writes a float. */
export function pythonFloat(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`cannot write ${value} in the shared candle format`);
  if (value === 0) return Object.is(value, -0) ? "-0.0" : "0.0";
  // toExponential() without digits gives the shortest round-trip digits, as repr() does.
  const [mantissa, exponentText] = value.toExponential().split("e") as [string, string];
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const text = String(value); // positional in this range, same digits
    return text.includes(".") ? text : `${text}.0`;
  }
  const sign = exponent < 0 ? "-" : "+";
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, "0")}`;
}

function candleLine(c: Candle): string {
  return `{"t":${c.t},"o":${pythonFloat(c.o)},"h":${pythonFloat(c.h)},"l":${pythonFloat(c.l)},"c":${pythonFloat(c.c)},"v":${pythonFloat(c.v)}}`;
}

/** A whole candle file in the shared format. */
export function formatCandleFile(candles: readonly Candle[]): string {
  return `[\n${candles.map(candleLine).join(",\n")}\n]\n`;
}

export interface ExportOptions {
  symbols?: readonly string[];
  timeframes?: readonly HistoryTimeframe[];
  /** Open time from (inclusive) and to (exclusive), ms. */
  from?: number;
  to?: number;
}

export interface ExportedFile {
  name: string;
  symbol: string;
  timeframe: HistoryTimeframe;
  rows: number;
  first: number;
  last: number;
}

export interface ExportResult {
  files: ExportedFile[];
  gaps: DataGap[];
}

/** Writes the chosen series of `<dataDir>/history.db` into `outDir`; throws HistoryError before writing anything when there is nothing to write. */
export function exportHistory(dataDir: string, outDir: string, options: ExportOptions = {}): ExportResult {
  const path = historyDbPath(dataDir);
  if (!historyExists(dataDir)) throw new HistoryError(emptyHistoryMessage(path));
  const db = HistoryDb.open(dataDir, { readonly: true });
  try {
    const all = db.series();
    if (all.length === 0) throw new HistoryError(emptyHistoryMessage(path));
    const available = [...new Set(all.map((s) => s.symbol))].sort();
    for (const symbol of options.symbols ?? []) {
      if (!available.includes(symbol)) throw new HistoryError(`no recorded candles for ${symbol} in ${path} (symbols with data: ${available.join(", ")})`);
    }
    const timeframes = options.timeframes ?? HISTORY_TIMEFRAMES;
    const chosen = all.filter((s) => (!options.symbols || options.symbols.includes(s.symbol)) && timeframes.includes(s.timeframe));
    const range = { from: options.from, to: options.to };
    const series = chosen.map((s) => ({ ...s, candles: db.candles(s.symbol, s.timeframe, range) })).filter((s) => s.candles.length > 0);
    if (series.length === 0) {
      const when = options.from !== undefined || options.to !== undefined ? ` between ${iso(options.from, "the start")} and ${iso(options.to, "the end")}` : "";
      throw new HistoryError(`no recorded ${timeframes.join("/")} candles${when} for the chosen symbols in ${path}`);
    }
    mkdirSync(outDir, { recursive: true });
    const files: ExportedFile[] = [];
    const gaps: DataGap[] = [];
    for (const s of series) {
      const name = `${s.symbol}-${s.timeframe}.json`;
      const target = join(outDir, name);
      const temporary = `${target}.${process.pid}.tmp`;
      writeFileSync(temporary, formatCandleFile(s.candles));
      renameSync(temporary, target);
      files.push({ name, symbol: s.symbol, timeframe: s.timeframe, rows: s.candles.length, first: s.candles[0]!.t, last: s.candles.at(-1)!.t });
      gaps.push(...findGaps(s.symbol, s.timeframe, s.candles));
    }
    return { files, gaps };
  } finally {
    db.close();
  }
}

function iso(t: number | undefined, otherwise: string): string {
  return t === undefined ? otherwise : new Date(t).toISOString();
}
