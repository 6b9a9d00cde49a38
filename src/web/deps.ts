/**
 * What the web layer is given by main.ts. The web layer renders and routes;
 * every action goes through the one TraderController, every reading through
 * these views. It never talks to an exchange itself.
 */
import type { BacktestRuns } from "../app/backtest-runs.ts";
import type { MarketSourceStatus } from "../market/source.ts";
import type { CoinSnapshot } from "../scanner/analyzer.ts";
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
  /** GET /health body. */
  health(): Record<string, unknown>;
  /** Security settings; the token itself is never rendered. */
  security: { dashboardToken: string | null; host: string };
  version: string;
}
