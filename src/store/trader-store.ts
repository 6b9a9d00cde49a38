/**
 * The trader's permanent record in SQLite (`<dataDir>/trader.db`, bun:sqlite): trades,
 * the activity log, equity snapshots.
 *
 * Durability: WAL journal with `synchronous=FULL` by default.
 * - Process crash (kill -9, OOM, panic): WAL with NORMAL would already lose nothing
 *   committed, because a commit has reached the OS (the WAL file) before COMMIT returns.
 * - Power loss / kernel crash: with NORMAL the WAL is fsynced only at checkpoints, so
 *   the last transactions before the outage can roll back (the file stays consistent,
 *   but a recorded trade could vanish). FULL fsyncs the WAL at every commit, so a
 *   commit survives power loss too, provided the disk honours fsync.
 * We write a few rows per trader cycle (minutes apart), so one fsync per commit costs
 * nothing that matters, and the trade record must agree with the exchange. Choose
 * NORMAL only for bulk writers such as backtests.
 * One exception, the cycle's own narration: a "signal", "cycle", "trade" or "error"
 * log line written on its own (not inside a transaction with a record) commits
 * without its fsync (NORMAL for that one commit). It survives a process crash as any
 * commit does, and the next FULL commit (a trade record, an equity snapshot, an
 * owner's action) makes it power-safe too: the WAL is one file, fsynced whole. Power
 * lost in between can drop such lines, never a trade, a snapshot or a control entry
 * (the owner's actions). A busy cycle (ten opens, ten closes, their stops) wrote
 * about sixty lines, each an fsync; they were a fifth of its time.
 *
 * Every multi-row change runs in one transaction. Log entries and equity snapshots are
 * bounded: the newest N per log kind and the newest M snapshots are kept, pruned every
 * `pruneEvery` inserts (an indexed delete, cheap).
 *
 * @example
 *   const store = openStore(dataDir);
 *   const { trade } = store.recordTradeOpen({ symbol: "BTCUSDT", side: "long", size: 0.01,
 *     entry_price: 50000, fees: 0.25, open_reason: "score 62", client_id: "t-1",
 *     exchange: "paper", mode: "dry-run" });
 *   store.log("cycle", "cycle done", { scanned: 29, signals: 2, actions: 1, duration_ms: 840 });
 */
import { Database, type Statement } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { formatAmount, formatPrice, formatSignedUsd } from "../util/number-format.ts";
import { migrate } from "./migrations.ts";
import {
  ActivityOriginSchema,
  ControlLogDataSchema,
  CycleLogDataSchema,
  EquitySnapshotInputSchema,
  LOG_KINDS,
  signalLogDataSchema,
  StoreInputError,
  TradeCloseInputSchema,
  TradeOpenInputSchema,
  parseInput,
  type ActivityOrigin,
  type ControlLogData,
  type CycleLogData,
  type EquitySnapshot,
  type EquitySnapshotInput,
  type JsonObject,
  type LogEntry,
  type LogKind,
  type SignalLogData,
  type TradeCloseInput,
  type TradeOpenInput,
  type TradeRecord,
} from "./types.ts";

export const DB_FILE_NAME = "trader.db";

export interface StoreOptions {
  /** Newest log entries kept per kind. */
  maxLogsPerKind?: number;
  /** Newest equity snapshots kept. */
  maxEquitySnapshots?: number;
  /** Prune after this many inserts into a bounded table. */
  pruneEvery?: number;
  /** See the module comment; FULL unless you know why not. */
  synchronous?: "FULL" | "NORMAL";
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
}

/** Log kinds that narrate what happened; written alone they commit without an fsync (module comment). */
const NARRATION: ReadonlySet<LogKind> = new Set<LogKind>(["signal", "cycle", "trade", "error"]);

const DEFAULT_OPTIONS: Required<StoreOptions> = {
  maxLogsPerKind: 5000,
  maxEquitySnapshots: 10000,
  pruneEvery: 100,
  synchronous: "FULL",
  busyTimeoutMs: 5000,
};

export type TradeCloseResult = { ok: true; trade: TradeRecord } | { ok: false; error: string };

interface LogRow {
  id: number;
  at: number;
  kind: LogKind;
  message: string;
  data: string | null;
  origin: ActivityOrigin | null;
}

const MAX_PAGE = 1000;

/** Opens (creating and migrating as needed) `<dataDir>/trader.db`. */
export function openStore(dataDir: string, options: StoreOptions = {}): TraderStore {
  mkdirSync(dataDir, { recursive: true });
  return new TraderStore(join(dataDir, DB_FILE_NAME), options);
}

export class TraderStore {
  readonly db: Database;
  private readonly options: Required<StoreOptions>;
  private logInsertsSincePrune = 0;
  private equityInsertsSincePrune = 0;

  private readonly insertTrade: Statement<TradeRecord>;
  private readonly tradeById: Statement<TradeRecord>;
  private readonly tradeByClient: Statement<TradeRecord>;
  private readonly closeTrade: Statement<TradeRecord>;
  private readonly selectOpenTrades: Statement<TradeRecord>;
  /** Inside narrationBatch: only narration lines may be written. */
  private narrating = false;
  private readonly upsertClosingNote: Statement;
  private readonly selectClosingNote: Statement<{ reason: string }>;
  private readonly deleteClosingNote: Statement;
  private readonly selectLastClose: Statement<{ closed_at: number | null }>;
  private readonly selectClosedTrades: Statement<TradeRecord>;
  private readonly insertLog: Statement<LogRow>;
  private readonly selectLogs: Statement<LogRow>;
  private readonly selectLogsOfKind: Statement<LogRow>;
  private readonly pruneLogKind: Statement;
  private readonly insertEquity: Statement<EquitySnapshot>;
  private readonly selectEquity: Statement<EquitySnapshot>;
  private readonly pruneEquity: Statement;

  constructor(readonly path: string, options: StoreOptions = {}) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
    for (const key of ["maxLogsPerKind", "maxEquitySnapshots", "pruneEvery"] as const) {
      const value = this.options[key];
      if (!Number.isInteger(value) || value < 1) throw new StoreInputError(`openStore: ${key} must be a positive integer, got ${value}`);
    }
    this.db = new Database(path, { create: true, readwrite: true, strict: true });
    try {
      this.configure();
      migrate(this.db);
    } catch (error) {
      this.db.close();
      throw error;
    }

    const db = this.db;
    this.insertTrade = db.prepare(
      `INSERT INTO trades (symbol, side, size, entry_price, fees, margin, leverage, opened_at, open_reason, client_id, exchange, mode)
       VALUES ($symbol, $side, $size, $entry_price, $fees, $margin, $leverage, $opened_at, $open_reason, $client_id, $exchange, $mode)
       RETURNING *`,
    );
    this.tradeById = db.prepare(`SELECT * FROM trades WHERE id = ?`);
    this.tradeByClient = db.prepare(`SELECT * FROM trades WHERE client_id = ?`);
    this.closeTrade = db.prepare(
      `UPDATE trades SET exit_price = $exit_price, fees = fees + $close_fees, pnl = $pnl, funding = $funding,
         closed_at = $closed_at, close_reason = $close_reason
       WHERE id = $trade_id AND closed_at IS NULL
       RETURNING *`,
    );
    this.selectOpenTrades = db.prepare(`SELECT * FROM trades WHERE closed_at IS NULL ORDER BY opened_at, id`);
    this.upsertClosingNote = db.prepare(`INSERT OR REPLACE INTO closing_notes (trade_id, reason, at) SELECT id, $reason, $at FROM trades WHERE id = $trade_id AND closed_at IS NULL`);
    this.selectClosingNote = db.prepare(`SELECT reason FROM closing_notes WHERE trade_id = ?`);
    this.deleteClosingNote = db.prepare(`DELETE FROM closing_notes WHERE trade_id = ?`);
    this.selectLastClose = db.prepare(`SELECT MAX(closed_at) AS closed_at FROM trades WHERE symbol = $symbol AND exchange = $exchange AND closed_at IS NOT NULL`);
    this.selectClosedTrades = db.prepare(
      `SELECT * FROM trades WHERE closed_at IS NOT NULL ORDER BY closed_at DESC, id DESC LIMIT ?`,
    );
    this.insertLog = db.prepare(
      `INSERT INTO activity_log (at, kind, message, data, origin) VALUES ($at, $kind, $message, $data, $origin) RETURNING *`,
    );
    this.selectLogs = db.prepare(`SELECT * FROM activity_log WHERE id < $before ORDER BY id DESC LIMIT $limit`);
    this.selectLogsOfKind = db.prepare(
      `SELECT * FROM activity_log WHERE kind = $kind AND id < $before ORDER BY id DESC LIMIT $limit`,
    );
    // Deletes everything older than the keep-th newest entry of that kind (nothing when there are fewer).
    this.pruneLogKind = db.prepare(
      `DELETE FROM activity_log WHERE kind = $kind AND id < (
         SELECT id FROM activity_log WHERE kind = $kind ORDER BY id DESC LIMIT 1 OFFSET $keep - 1)`,
    );
    this.insertEquity = db.prepare(
      `INSERT INTO equity_snapshots (at, equity, available, margin, unrealized_pnl, mode)
       VALUES ($at, $equity, $available, $margin, $unrealized_pnl, $mode) RETURNING *`,
    );
    this.selectEquity = db.prepare(
      `SELECT * FROM (SELECT * FROM equity_snapshots ORDER BY at DESC, id DESC LIMIT ?) ORDER BY at, id`,
    );
    this.pruneEquity = db.prepare(
      `DELETE FROM equity_snapshots WHERE id < (
         SELECT id FROM equity_snapshots ORDER BY id DESC LIMIT 1 OFFSET $keep - 1)`,
    );
    this.prune();
  }

  private configure(): void {
    const mode = this.db.query<{ journal_mode: string }, []>("PRAGMA journal_mode = WAL").get();
    if (mode?.journal_mode.toLowerCase() !== "wal") {
      throw new Error(`${this.path}: SQLite refused WAL mode (got ${mode?.journal_mode}); is the data dir on a network filesystem?`);
    }
    this.db.run(`PRAGMA synchronous = ${this.options.synchronous === "NORMAL" ? "NORMAL" : "FULL"}`);
    this.db.run(`PRAGMA busy_timeout = ${Math.trunc(this.options.busyTimeoutMs)}`);
  }

  /**
   * Records a newly opened position and its "trade" log entry in one transaction
   * (do not log the open again). If a trade with the same client_id exists, nothing is
   * written and that trade is returned with `created: false`, so a retried cycle
   * cannot record a position twice. `message` is the trader's own line for it (the
   * same text as its trade_open event, prices at the market's precision); without
   * one the store writes a plain line.
   */
  recordTradeOpen(input: TradeOpenInput, message?: string): { trade: TradeRecord; created: boolean } {
    this.needsOwnCommit("a trade open");
    const open = parseInput(TradeOpenInputSchema, input, "recordTradeOpen");
    const write = this.db.transaction(() => {
      if (open.client_id !== null) {
        const existing = this.tradeByClient.get(open.client_id);
        if (existing) return { trade: existing, created: false };
      }
      const trade = this.insertTrade.get({ ...open, opened_at: open.opened_at ?? Date.now() });
      if (!trade) throw new Error("recordTradeOpen: INSERT returned no row");
      this.insertLogRow(
        "trade",
        message || `opened ${trade.side} ${trade.symbol} ${formatAmount(trade.size)} @ ${formatPrice(trade.entry_price)} (${trade.mode}): ${trade.open_reason}`,
        { trade_id: trade.id, event: "open", client_id: trade.client_id },
        "system",
        trade.opened_at,
      );
      return { trade, created: true };
    });
    const result = write.immediate();
    if (result.created) this.countLogInsert();
    return result;
  }

  /**
   * Records the close of an open trade and its "trade" log entry in one transaction.
   * Returns an error value (and writes nothing) for an unknown or already closed trade.
   * `message`: the trader's line for it, as for recordTradeOpen.
   */
  recordTradeClose(input: TradeCloseInput, message?: string): TradeCloseResult {
    this.needsOwnCommit("a trade close");
    const close = parseInput(TradeCloseInputSchema, input, "recordTradeClose");
    const write = this.db.transaction((): TradeCloseResult => {
      const trade = this.closeTrade.get({ ...close, closed_at: close.closed_at ?? Date.now() });
      if (!trade) {
        const existing = this.tradeById.get(close.trade_id);
        const error = existing
          ? `trade ${close.trade_id} (${existing.symbol}) is already closed`
          : `there is no trade ${close.trade_id}`;
        return { ok: false, error };
      }
      this.deleteClosingNote.run(trade.id);
      this.insertLogRow(
        "trade",
        message || `closed ${trade.side} ${trade.symbol} ${formatAmount(trade.size)} @ ${formatPrice(trade.exit_price ?? Number.NaN)}, P&L ${formatSignedUsd(trade.pnl ?? Number.NaN)} USDT: ${trade.close_reason}`,
        { trade_id: trade.id, event: "close", pnl: trade.pnl, fees: trade.fees },
        "system",
        trade.closed_at ?? Date.now(),
      );
      return { ok: true, trade };
    });
    const result = write.immediate();
    if (result.ok) this.countLogInsert();
    return result;
  }

  /** Open trades, oldest first. */
  openTrades(): TradeRecord[] {
    return this.selectOpenTrades.all();
  }

  /**
   * Notes why the bot is closing open trade `tradeId`, before its close order goes out
   * (migration 4). Written like the cycle's narration, without its own fsync: it is
   * there after a process crash, the case it exists for, and a power cut costs only
   * the label. Nothing is noted for a trade that is not open.
   */
  noteClosing(tradeId: number, reason: string, at: number): void {
    if (!Number.isSafeInteger(tradeId)) throw new StoreInputError(`noteClosing: trade id must be an integer, got ${tradeId}`);
    if (typeof reason !== "string" || reason === "") throw new StoreInputError("noteClosing: reason must be a non-empty string");
    const write = () => void this.upsertClosingNote.run({ trade_id: tradeId, reason, at });
    if (this.db.inTransaction || this.options.synchronous !== "FULL") write();
    else this.withoutFsync(write);
  }

  /** Why the bot was closing open trade `tradeId` (noteClosing), or null. */
  closingReason(tradeId: number): string | null {
    return this.selectClosingNote.get(tradeId)?.reason ?? null;
  }

  /** When a trade of `symbol` on `exchange` last closed (ms), or null. */
  lastCloseAt(symbol: string, exchange: string): number | null {
    return this.selectLastClose.get({ symbol, exchange })?.closed_at ?? null;
  }

  /** Closed trades, most recently closed first. */
  recentClosedTrades(limit: number): TradeRecord[] {
    return this.selectClosedTrades.all(checkLimit(limit, "recentClosedTrades"));
  }

  trade(id: number): TradeRecord | null {
    return this.tradeById.get(id);
  }

  tradeByClientId(clientId: string): TradeRecord | null {
    return this.tradeByClient.get(clientId);
  }

  /**
   * Appends an activity entry and returns it. Signal, cycle and control entries must
   * carry their structured data (checked); control entries say who asked.
   */
  log(kind: "signal", message: string, data: SignalLogData, origin?: ActivityOrigin | null): LogEntry;
  log(kind: "cycle", message: string, data: CycleLogData, origin?: ActivityOrigin | null): LogEntry;
  log(kind: "control", message: string, data: ControlLogData, origin: ActivityOrigin): LogEntry;
  log(kind: "trade" | "error", message: string, data?: JsonObject | null, origin?: ActivityOrigin | null): LogEntry;
  log(kind: LogKind, message: string, data?: JsonObject | null, origin?: ActivityOrigin | null): LogEntry {
    if (!LOG_KINDS.includes(kind)) throw new StoreInputError(`log: kind must be one of ${LOG_KINDS.join(", ")}, got ${String(kind)}`);
    if (typeof message !== "string" || message === "") throw new StoreInputError(`log(${kind}): message must be a non-empty string`);
    if (!NARRATION.has(kind)) this.needsOwnCommit(`a ${kind} log line`);
    if (kind === "signal") parseInput(signalLogDataSchema(data), data, "log(signal): data");
    if (kind === "cycle") parseInput(CycleLogDataSchema, data, "log(cycle): data");
    if (kind === "control") {
      parseInput(ControlLogDataSchema, data, "log(control): data");
      parseInput(ActivityOriginSchema, origin, "log(control): origin");
    } else if (origin !== undefined && origin !== null) {
      parseInput(ActivityOriginSchema, origin, `log(${kind}): origin`);
    }
    const entry = NARRATION.has(kind) && !this.db.inTransaction && this.options.synchronous === "FULL"
      ? this.withoutFsync(() => this.insertLogRow(kind, message, data ?? null, origin ?? null, Date.now()))
      : this.insertLogRow(kind, message, data ?? null, origin ?? null, Date.now());
    this.countLogInsert();
    return entry;
  }

  /** Runs one commit at synchronous=NORMAL (see the module comment), FULL again after it whatever happens. */
  private withoutFsync<T>(write: () => T): T {
    this.db.run("PRAGMA synchronous = NORMAL");
    try {
      return write();
    } finally {
      this.db.run("PRAGMA synchronous = FULL");
    }
  }

  /** Activity entries newest first; `before_id` pages further back. */
  logs(query: { kind?: LogKind; limit: number; before_id?: number }): LogEntry[] {
    const limit = checkLimit(query.limit, "logs");
    const before = query.before_id ?? Number.MAX_SAFE_INTEGER;
    if (!Number.isSafeInteger(before)) throw new StoreInputError(`logs: before_id must be an integer, got ${before}`);
    if (query.kind !== undefined && !LOG_KINDS.includes(query.kind)) {
      throw new StoreInputError(`logs: kind must be one of ${LOG_KINDS.join(", ")}, got ${String(query.kind)}`);
    }
    const rows =
      query.kind === undefined
        ? this.selectLogs.all({ before, limit })
        : this.selectLogsOfKind.all({ kind: query.kind, before, limit });
    return rows.map(toLogEntry);
  }

  snapshotEquity(input: EquitySnapshotInput): EquitySnapshot {
    this.needsOwnCommit("an equity snapshot");
    const snapshot = parseInput(EquitySnapshotInputSchema, input, "snapshotEquity");
    const row = this.insertEquity.get({ ...snapshot, at: snapshot.at ?? Date.now() });
    if (!row) throw new Error("snapshotEquity: INSERT returned no row");
    this.equityInsertsSincePrune += 1;
    if (this.equityInsertsSincePrune >= this.options.pruneEvery && !this.db.inTransaction) this.prune();
    return row;
  }

  /** The newest `limit` snapshots, oldest first (ready to plot). */
  equityCurve(limit: number): EquitySnapshot[] {
    return this.selectEquity.all(checkLimit(limit, "equityCurve", this.options.maxEquitySnapshots));
  }

  /**
   * Runs `work` in one transaction: every store write inside commits together or, if
   * `work` throws, not at all. `work` must be synchronous.
   */
  batch<T>(work: () => T): T {
    return this.db.transaction(work).immediate();
  }

  /**
   * `batch` for narration only (signal, cycle, trade and error log lines): one
   * commit, without its own fsync, as each of those lines alone would be (module
   * comment). Anything else written inside throws and nothing of the batch is kept:
   * a record must never ride on a commit that skips its fsync.
   */
  narrationBatch(work: () => void): void {
    if (this.narrating) throw new StoreInputError("narrationBatch: already inside one");
    const run = () => {
      this.narrating = true;
      try {
        this.batch(work);
      } finally {
        this.narrating = false;
      }
    };
    if (this.db.inTransaction || this.options.synchronous !== "FULL") run();
    else this.withoutFsync(run);
  }

  /** Refuses a write that needs its fsync while a narration batch is open. */
  private needsOwnCommit(what: string): void {
    if (this.narrating) throw new StoreInputError(`${what} cannot be written inside a narration batch (it would skip its fsync)`);
  }

  /** Deletes log entries beyond the newest N per kind and snapshots beyond the newest M. */
  prune(): void {
    this.db
      .transaction(() => {
        for (const kind of LOG_KINDS) this.pruneLogKind.run({ kind, keep: this.options.maxLogsPerKind });
        this.pruneEquity.run({ keep: this.options.maxEquitySnapshots });
      })
      .immediate();
    this.logInsertsSincePrune = 0;
    this.equityInsertsSincePrune = 0;
  }

  close(): void {
    this.db.close(false);
  }

  private insertLogRow(
    kind: LogKind,
    message: string,
    data: JsonObject | null,
    origin: ActivityOrigin | null,
    at: number,
  ): LogEntry {
    const row = this.insertLog.get({ at, kind, message, data: data === null ? null : JSON.stringify(data), origin });
    if (!row) throw new Error("log: INSERT returned no row");
    return toLogEntry(row);
  }

  private countLogInsert(): void {
    this.logInsertsSincePrune += 1;
    // Not inside a caller's batch: pruning there would be rolled back with it, harmlessly, but wastefully.
    if (this.logInsertsSincePrune >= this.options.pruneEvery && !this.db.inTransaction) this.prune();
  }
}

function toLogEntry(row: LogRow): LogEntry {
  return { ...row, data: row.data === null ? null : (JSON.parse(row.data) as unknown) };
}

function checkLimit(limit: number, call: string, max = MAX_PAGE): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new StoreInputError(`${call}: limit must be an integer from 1 to ${max}, got ${limit}`);
  }
  return limit;
}
