import type { Candle, CandleUpdate, Timeframe } from "./candle.ts";

/** The market sources the CLI can select; `auto` resolves to binance or, failing that, sim. */
export type MarketSourceName = "binance" | "replay" | "sim";

export interface MarketSourceStatus {
  source: MarketSourceName;
  /** True when prices are not real live prices (sim or replay): live trading is refused. */
  simulated: boolean;
  /** Human-readable reason shown in the dashboard banner, e.g. "Binance US unreachable at start". */
  banner: string | null;
  /** Last successful update per timeframe (ms), null before the first one. */
  lastUpdate: Record<Timeframe, number | null>;
  /** Last fetch error, if the most recent attempt failed. */
  lastError: string | null;
  symbols: string[];
}

/**
 * A source of candles. `history` returns closed candles for warm-up (oldest first);
 * `start` begins the loops and calls `onUpdate` for every closed or forming candle.
 */
export interface MarketSource {
  readonly name: MarketSourceName;
  history(symbol: string, timeframe: Timeframe): Promise<Candle[]>;
  start(onUpdate: (update: CandleUpdate) => void): void;
  stop(): void;
  status(): MarketSourceStatus;
}
