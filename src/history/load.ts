/**
 * The recorded candle history (`<dataDir>/history.db`) as backtest data: the
 * same BacktestData the folder loader (src/backtest/data.ts) returns, so the
 * engine, the report and the gap warnings cannot tell the two apart. Symbols
 * are those with recorded 5m candles; a symbol's recorded 1h candles are used
 * when there are any (else 1h is built from 5m, as for a folder without a 1h
 * file); there is no funding history (the engine's stated default rate
 * applies). Gaps are reported, never filled.
 */
import { BacktestDataError, findGaps, type BacktestData, type DataGap, type SymbolSeries } from "../backtest/data.ts";
import { emptyHistoryMessage, HistoryDb, historyDbPath, historyExists } from "./history-db.ts";

export interface LoadHistoryOptions {
  /** Only these symbols (each must have recorded 5m candles). Default: every symbol that has. */
  symbols?: readonly string[];
}

export function loadHistoryData(dataDir: string, options: LoadHistoryOptions = {}): BacktestData {
  const path = historyDbPath(dataDir);
  if (!historyExists(dataDir)) throw new BacktestDataError(emptyHistoryMessage(path));
  let db: HistoryDb;
  try {
    db = HistoryDb.open(dataDir, { readonly: true });
  } catch (error) {
    throw new BacktestDataError(`backtest data: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    const available = [...new Set(db.series().filter((s) => s.timeframe === "5m").map((s) => s.symbol))].sort();
    if (available.length === 0) throw new BacktestDataError(emptyHistoryMessage(path));
    const symbols = options.symbols ? [...options.symbols] : available;
    const series: SymbolSeries[] = [];
    const gaps: DataGap[] = [];
    for (const symbol of symbols) {
      if (!available.includes(symbol)) {
        throw new BacktestDataError(`backtest data: no recorded 5m candles for ${symbol} in ${path} (symbols with data: ${available.join(", ")}); \`history fetch --days 30 --symbols ${symbol}\` fetches them`);
      }
      const five = db.candles(symbol, "5m");
      const recordedHour = db.candles(symbol, "1h");
      const hour = recordedHour.length > 0 ? recordedHour : null;
      gaps.push(...findGaps(symbol, "5m", five));
      if (hour) gaps.push(...findGaps(symbol, "1h", hour));
      series.push({ symbol, five, hour, funding: null });
    }
    const first = Math.min(...series.map((s) => s.five[0]!.t));
    const last = Math.max(...series.map((s) => s.five.at(-1)!.t));
    return { dir: path, symbols, series, gaps, first, last };
  } catch (error) {
    if (error instanceof BacktestDataError) throw error;
    throw new BacktestDataError(`backtest data: cannot read ${path}: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}
