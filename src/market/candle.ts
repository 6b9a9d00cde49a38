/**
 * Candle types shared by every market source, the candle store and the TA engine.
 * Times are milliseconds since the epoch (candle open time), prices are numbers.
 */
export type Timeframe = "5m" | "1h" | "4h";

export const TIMEFRAMES: readonly Timeframe[] = ["5m", "1h", "4h"] as const;

export const TIMEFRAME_MS: Record<Timeframe, number> = {
  "5m": 5 * 60_000,
  "1h": 60 * 60_000,
  "4h": 4 * 60 * 60_000,
};

/** One OHLCV bar, keyed by its open time `t`. */
export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/**
 * One candle event from a market source. `closed: false` is the forming candle:
 * consumers `replace` their last value with it; `closed: true` is final and is `add`ed.
 */
export interface CandleUpdate {
  symbol: string;
  timeframe: Timeframe;
  candle: Candle;
  closed: boolean;
}
