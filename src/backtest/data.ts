/**
 * Recorded candles for a backtest, from a folder in the shared format
 * (../shared/data/backtest/*, PROVENANCE.md there): `SYMBOL-5m.json` (needed),
 * `SYMBOL-1h.json` (optional: else 1h is built from 5m, as live aggregates),
 * `SYMBOL-8h-funding.json` (optional: `[{t, rate}]`, rate per 8 h). Each may
 * also be gzip-compressed (`.json.gz`). Every file is checked candle by candle
 * (readCandleFile: the error names the file, the index and the line); gaps are
 * reported, never filled.
 *
 * The candle history the server records (`backtest --data history`) loads into
 * the same BacktestData shape through src/history/load.ts.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Candle, Timeframe } from "../market/candle.ts";
import { TIMEFRAME_MS } from "../market/candle.ts";
import { readCandleFile } from "../market/replay-source.ts";
import { SAMPLE_DATA_DIR, SAMPLE_FILES } from "./sample.ts";

export interface FundingPoint {
  /** The funding time (ms, on the 8 h grid). */
  t: number;
  /** Per 8 h, as a fraction (0.0001 = 0.01 %). */
  rate: number;
}

export interface SymbolSeries {
  symbol: string;
  five: Candle[];
  /** From a file, or null: built from 5m. */
  hour: Candle[] | null;
  funding: FundingPoint[] | null;
}

export interface DataGap {
  symbol: string;
  timeframe: Timeframe;
  /** Open time of the first missing candle. */
  from: number;
  missing: number;
}

export interface BacktestData {
  dir: string;
  symbols: string[];
  series: SymbolSeries[];
  gaps: DataGap[];
  /** Open time of the first and last 5m candle over all symbols. */
  first: number;
  last: number;
}

export class BacktestDataError extends Error {
  override name = "BacktestDataError";
}

const LABEL = "backtest data";

/** The file for a symbol and kind, plain or gzip; null when neither exists. */
function fileFor(dir: string, symbol: string, kind: "5m" | "1h" | "8h-funding"): string | null {
  // The shipped sample is embedded in the binary: its files are not in a folder there.
  if (dir === SAMPLE_DATA_DIR) return kind === "5m" ? (SAMPLE_FILES[symbol] ?? null) : null;
  for (const name of [`${symbol}-${kind}.json`, `${symbol}-${kind}.json.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  return null;
}

/** Symbols with a 5m file in `dir`, sorted. */
export function symbolsIn(dir: string): string[] {
  if (dir === SAMPLE_DATA_DIR) return Object.keys(SAMPLE_FILES).sort();
  if (!existsSync(dir)) throw new BacktestDataError(`${LABEL}: folder ${dir} does not exist`);
  const symbols = new Set<string>();
  for (const name of readdirSync(dir)) {
    const match = /^([A-Z0-9]{1,20}USDT)-5m\.json(\.gz)?$/.exec(name);
    if (match?.[1]) symbols.add(match[1]);
  }
  return [...symbols].sort();
}

export interface LoadOptions {
  /** Only these symbols (each must have a 5m file). Default: every symbol with one. */
  symbols?: readonly string[];
}

export function loadBacktestData(dir: string, options: LoadOptions = {}): BacktestData {
  const available = symbolsIn(dir);
  const symbols = options.symbols ? [...options.symbols] : available;
  if (symbols.length === 0) throw new BacktestDataError(`${LABEL}: no SYMBOL-5m.json file in ${dir}`);
  const series: SymbolSeries[] = [];
  const gaps: DataGap[] = [];
  for (const symbol of symbols) {
    const fivePath = fileFor(dir, symbol, "5m");
    if (!fivePath) throw new BacktestDataError(`${LABEL}: no data for ${symbol}: expected ${join(dir, `${symbol}-5m.json`)} (symbols with data: ${available.join(", ") || "none"})`);
    const five = readCandles(fivePath, "5m");
    const hourPath = fileFor(dir, symbol, "1h");
    const hour = hourPath ? readCandles(hourPath, "1h") : null;
    const fundingPath = fileFor(dir, symbol, "8h-funding");
    const funding = fundingPath ? readFunding(fundingPath) : null;
    gaps.push(...findGaps(symbol, "5m", five));
    if (hour) gaps.push(...findGaps(symbol, "1h", hour));
    series.push({ symbol, five, hour, funding });
  }
  const first = Math.min(...series.map((s) => s.five[0]!.t));
  const last = Math.max(...series.map((s) => s.five.at(-1)!.t));
  return { dir, symbols, series, gaps, first, last };
}

function readCandles(path: string, timeframe: Timeframe): Candle[] {
  try {
    return readCandleFile(path, timeframe, LABEL);
  } catch (error) {
    throw new BacktestDataError((error as Error).message);
  }
}

function readFunding(path: string): FundingPoint[] {
  let data: unknown;
  try {
    const bytes = readFileSync(path);
    data = JSON.parse(path.endsWith(".gz") ? new TextDecoder().decode(Bun.gunzipSync(bytes)) : bytes.toString("utf8"));
  } catch (error) {
    throw new BacktestDataError(`${LABEL}: cannot read ${path}: ${(error as Error).message}`);
  }
  if (!Array.isArray(data)) throw new BacktestDataError(`${LABEL}: ${path} must hold a JSON array of {t, rate}`);
  const points: FundingPoint[] = [];
  data.forEach((item: unknown, index) => {
    const at = `${LABEL}: ${path}[${index}] (line ${index + 2})`;
    const record = item as { t?: unknown; rate?: unknown } | null;
    if (typeof record !== "object" || record === null || typeof record.t !== "number" || !Number.isInteger(record.t) || typeof record.rate !== "number" || !Number.isFinite(record.rate)) {
      throw new BacktestDataError(`${at}: expected {"t": ms, "rate": number}, got ${JSON.stringify(item)?.slice(0, 60)}`);
    }
    if (Math.abs(record.rate) > 0.05) throw new BacktestDataError(`${at}: funding rate ${record.rate} is not a per-8h fraction (|rate| ≤ 0.05)`);
    const previous = points.at(-1);
    if (previous && record.t <= previous.t) throw new BacktestDataError(`${at}: t=${record.t} is not after the previous funding time (t=${previous.t})`);
    points.push({ t: record.t, rate: record.rate });
  });
  return points;
}

/** Every place where consecutive candles are more than one step apart (shared with the recorded history's loader). */
export function findGaps(symbol: string, timeframe: Timeframe, candles: readonly Candle[]): DataGap[] {
  const step = TIMEFRAME_MS[timeframe];
  const gaps: DataGap[] = [];
  for (let i = 1; i < candles.length; i++) {
    const missing = (candles[i]!.t - candles[i - 1]!.t) / step - 1;
    if (missing > 0) gaps.push({ symbol, timeframe, from: candles[i - 1]!.t + step, missing });
  }
  return gaps;
}
