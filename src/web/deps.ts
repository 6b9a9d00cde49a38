/**
 * What the web layer is given by main.ts. The web layer renders and routes;
 * every action goes through the one TraderController, every reading through
 * these views. It never talks to an exchange itself.
 */
import type { BacktestRuns } from "../app/backtest-runs.ts";
import type { Candle, Timeframe } from "../market/candle.ts";
import type { MarketSourceStatus } from "../market/source.ts";
import type { Notifier } from "../notify/notifier.ts";
import type { CoinSnapshot } from "../scanner/analyzer.ts";
import type { TradeRecordPort } from "../store/trade-history.ts";
import type { TraderController } from "../trader/controller.ts";
import type { LogKind } from "../trader/ports.ts";

export interface LogEntry {
  id?: number;
  at: number;
  kind: LogKind;
  message: string;
  data: unknown;
  origin?: string | null;
}

export interface ClosedTradeView {
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  exit_price: number | null;
  pnl: number | null;
  fees: number;
  opened_at: number;
  closed_at: number | null;
  close_reason: string | null;
  /** Where the record knows it (SQLite does; the bus mirror does not). */
  mode?: "live" | "dry-run";
}

export interface EquityPoint {
  at: number;
  equity: number;
}

/** The market side as the dashboard sees it: latest coin snapshots and the source's status. */
export interface MarketView {
  symbols(): string[];
  coins(): CoinSnapshot[];
  coin(symbol: string): CoinSnapshot | null;
  status(): MarketSourceStatus;
  /** Called with the symbols whose snapshot changed (throttled by the producer). */
  onChange(listener: (symbols: string[]) => void): () => void;
  /** What scores the coins ("built-in base score", or an owner's module). */
  scorerLabel?(): string;
  /** The newest `limit` candles of one timeframe, the forming one last, oldest first (the coin page's chart). */
  recentCandles?(symbol: string, timeframe: Timeframe, limit: number): Candle[];
}

export interface RecordView {
  logs(query: { kind?: LogKind; limit: number }): LogEntry[];
  closedTrades(limit: number): ClosedTradeView[];
  equityCurve(limit: number): EquityPoint[];
}

/**
 * What the web layer calls on the trader: the TraderController itself in the
 * processes that trade, or a read-only mirror of its state from Redis in a
 * `web` instance (src/app/remote-trader.ts).
 */
export type TraderPort = Pick<
  TraderController,
  | "status"
  | "onChange"
  | "start"
  | "stop"
  | "pause"
  | "setMode"
  | "updateConfig"
  | "emergencyStop"
  | "clearLock"
  | "closePosition"
  | "closeAllPositions"
  | "runCycleNow"
  | "resetBaseline"
  | "cancelClosing"
>;

/** Notifications this process sends (src/notify/); absent in a `web` instance. No credential passes here. */
export type NotificationsPort = Pick<Notifier, "status" | "sendTest" | "onChange">;

/** Backtests run from the dashboard (src/app/backtest-runs.ts); absent in a `web` instance. */
export type BacktestsPort = Pick<BacktestRuns, "sets" | "start" | "list" | "get" | "file" | "onChange">;

export interface WebDeps {
  /** Absent where this process runs no backtests (a read-only `web` instance). */
  backtests?: BacktestsPort;
  controller: TraderPort;
  /**
   * Set in a `web` instance: every control is refused with this message (503),
   * because the controls belong to the one trader process. Pages stay readable.
   */
  readOnly?: string | null;
  market: MarketView;
  record: RecordView;
  /**
   * The SQLite trade record, read for /performance, /history and their API;
   * absent in a `web` instance (it has no SQLite: those pages say so).
   */
  trades?: TradeRecordPort;
  /** The channels, their state and the test message; absent in a `web` instance (the trader process sends). */
  notifications?: NotificationsPort;
  /** GET /health body. */
  health(): Record<string, unknown>;
  /** Security settings; the token itself is never rendered. */
  security: { dashboardToken: string | null; host: string };
  version: string;
}
