/**
 * What the trader needs from the rest of the program, as small interfaces, so
 * the rules can be tested with real components or fakes and never import the
 * web, bus or SQLite modules directly.
 */
import type { TraderConfig, TraderMode } from "../config/schema.ts";
import type { ClosedPosition, Exchange, OrderResult, Position } from "../exchange/types.ts";
import type { OpeningIntent } from "./opening-intents.ts";
import type { ScoredCoin } from "./signals.ts";

export type LogKind = "trade" | "error" | "signal" | "cycle" | "control";
export type Origin = "page" | "api" | "file" | "system";

/** The lockfile's content (live-trader-lock.json); `at` is an ISO time. */
export interface LockInfo {
  reason: string;
  at: string;
  source: string;
  count?: number;
}

/**
 * The durable record (SQLite): trades, activity logs, equity snapshots.
 * `tradeOpened` / `tradeClosed` also write the "trade" log line (`message`) in
 * the same transaction, so callers never log a trade twice.
 */
export interface OpenTradeRecord {
  symbol: string;
  side: "long" | "short";
  size: number;
  entry_price: number;
  /** Fees recorded so far (the opening fee). */
  fees: number;
  opened_at: number;
  exchange: string;
  /** Why the bot was closing it when it last tried (TraderJournal.noteClosing), if it has. */
  closing_reason?: string | null;
}

export interface TraderJournal {
  log(kind: LogKind, message: string, data?: unknown, origin?: Origin): void;
  /**
   * Runs `work`'s narration lines (signal, cycle, trade, error log lines; nothing else)
   * as one commit where the record can (SQLite: one commit, without its own
   * fsync, as each line alone would be; a cycle's signal lines on 300 coins were
   * most of its time). Without it, each line is written on its own.
   */
  together?(work: () => void): void;
  tradeOpened(message: string, entry: {
    symbol: string;
    side: "long" | "short";
    size: number;
    entry_price: number;
    fee: number;
    margin: number;
    leverage: number;
    client_id: string;
    reason: string;
    exchange: string;
    mode: TraderMode;
    at: number;
    /** The score that opened it: whether the TA bonus decided it (base alone below the threshold). */
    signal?: { base: number; bonus: number; total: number; threshold: number };
  }): void;
  tradeClosed(message: string, entry: {
    symbol: string;
    exit_price: number;
    /** Fee of the closing fill. */
    fee: number;
    /** Funding over the position's life (+ received, − paid). */
    funding: number;
    /** The whole trade's net P&L: price P&L − both fees + funding. */
    pnl: number;
    reason: string;
    at: number;
    exchange: string;
  }): void;
  hasOrderWithClientId(clientId: string): boolean;
  /** Trades recorded as open on `exchange`. */
  openTrades(exchange: string): OpenTradeRecord[];
  /**
   * Notes why the bot is closing the open trade of `symbol` on `exchange`, before the
   * close order goes out, so that a close whose record is cut off (a crash, a lost
   * answer) is recorded with this reason, not as a close from outside. Never throws.
   */
  noteClosing?(exchange: string, symbol: string, reason: string, at: number): void;
  /** When a trade of `symbol` on `exchange` last closed (ms), or null. */
  lastCloseAt(symbol: string, exchange: string): number | null;
  equitySnapshot(entry: { at: number; equity: number; available: number; margin: number; unrealized_pnl: number; mode: TraderMode }): void;
}

/** The lockfile, read from disk each time it guards an order (a corrupt file reads as locked). */
export interface LockPort {
  current(): Promise<LockInfo | null>;
  set(info: { reason: string; source: string; count?: number }): Promise<void>;
}

export type TraderEvent =
  | { type: "trade_open"; at: number; symbol: string; message: string; data?: unknown }
  | { type: "trade_close"; at: number; symbol: string; message: string; data?: unknown }
  | { type: "tp_hit" | "sl_hit" | "liquidation" | "funding"; at: number; symbol: string; message: string; data?: unknown }
  | { type: "error" | "control" | "kill_switch" | "circuit_breaker"; at: number; symbol?: string; message: string; data?: unknown };

export interface CyclePorts {
  /**
   * Why this process must not trade right now although it runs (e.g. another
   * trader process holds the account's lease); null when it may. Checked before
   * any exchange call, like paused.
   */
  standby?(): string | null;
  /**
   * Why no new position may be opened although open ones are still looked after
   * (kill switch, TP/SL run): e.g. Redis is unreachable, so this process cannot
   * confirm it is still the only trader. Null when opening is allowed.
   */
  openingBlocked?(): string | null;
  /** Reads trader_config.json (the last good config if the file is currently invalid). */
  readConfig(): Promise<TraderConfig>;
  /** The exchange to trade on for a mode, or why trading in that mode is impossible now. */
  exchangeFor(mode: "live" | "dry-run"): { exchange: Exchange } | { refused: string };
  startingBalance(exchange: Exchange, equity: number): number;
  /** Coins as scored on closed candles (an owner's scoring module may answer asynchronously). */
  coins(config: TraderConfig): ScoredCoin[] | Promise<ScoredCoin[]>;
  lock: LockPort;
  journal: TraderJournal;
  /**
   * Records what the exchange closed on its own (stops, liquidation) since the
   * journal last looked, given the positions just read. Serialised by the owner
   * with every other reconciliation, so a close is recorded once.
   */
  reconcile(exchange: Exchange, positions: Position[]): Promise<void>;
  /** Positions that could not be closed: the closing duty retries them until they are gone. */
  mustClose(exchange: Exchange, position: Position, reason: string, lastError: string): void;
  /**
   * Opening intents (opening-intents.ts), kept where a restart finds them. `note`
   * throws when the intent cannot be kept (then no order goes out); `drop` never
   * throws; `settle` records what a cut-off open left. Absent (backtests): no notes.
   */
  intents?: {
    note(intent: OpeningIntent): Promise<void>;
    drop(clientId: string): Promise<void>;
    settle(exchange: Exchange, positions: Position[]): Promise<void>;
  };
  /** Sets the mode to paused (kill switch); recorded with origin "system". */
  pause(reason: string): Promise<void>;
  emit(event: TraderEvent): void;
  now(): number;
  /** Waits between close retries; tests pass a no-op. */
  sleep(ms: number): Promise<void>;
}

export type { ClosedPosition, OrderResult, Position };
