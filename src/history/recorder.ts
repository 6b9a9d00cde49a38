/**
 * Records every closed 5m and 1h candle the server receives into the candle
 * history (`<dataDir>/history.db`, history-db.ts), so backtests can run on what
 * the market really did (`backtest --data history`).
 *
 * - Only closed candles of real prices: forming candles, 4h candles (built
 *   from 1h when needed) and anything received while the market source is
 *   simulated (sim, replay, a bus without a real source) are not recorded.
 * - Batched: candles are queued and written in one transaction per burst
 *   (after `flushMs`, or at once when `maxBatch` are queued), never one write
 *   per candle, and never on the market pipeline's own time beyond pushing
 *   onto an array (a size-triggered flush excepted, which is one transaction).
 * - Bounded: candles older than `days` are not written, and each series is
 *   pruned to `days` at most every `pruneEveryMs` (a range delete per series).
 * - A failing disk never throws into the pipeline: the failure is logged once,
 *   then counted; the queue is kept for the next try up to `maxPending` rows
 *   (the oldest beyond that are dropped and counted), and one line says when
 *   writing works again. The file is created on the first write, so a
 *   simulated run leaves no history.db behind.
 */
import { logger } from "../log.ts";
import type { Candle, CandleUpdate, Timeframe } from "../market/candle.ts";
import { HistoryDb, historyDbPath, type HistoryTimeframe, type StoredCandle } from "./history-db.ts";

const log = logger("history");
const DAY_MS = 86_400_000;

export interface HistoryRecorderOptions {
  dataDir: string;
  /** Days kept per series (≥ 1). */
  days: number;
  /** True while the market's prices are not real: nothing is recorded then. */
  isSimulated: () => boolean;
  /** Wait before a queued burst is written. Default 1000 ms. */
  flushMs?: number;
  /** Rows that trigger a write at once. Default 500. */
  maxBatch?: number;
  /** Rows kept for a retry while writes fail. Default 20 000 (about 2 days of 29 coins). */
  maxPending?: number;
  /** Shortest time between two prunes. Default 5 minutes. */
  pruneEveryMs?: number;
  now?: () => number;
}

export interface HistoryRecorderStats {
  /** Candles written since start. */
  recorded: number;
  /** Candles queued, not yet written. */
  pending: number;
  /** Write transactions since start. */
  transactions: number;
  /** Flushes that failed (disk full, file unusable). */
  failedWrites: number;
  /** Queued candles given up while writes failed. */
  dropped: number;
  /** Candles deleted for being older than the window. */
  pruned: number;
  /** Closed candles not recorded because the market was simulated. */
  skippedSimulated: number;
  /** The first error of the current run of failures, null while writing works. */
  lastError: string | null;
}

export class HistoryRecorder {
  readonly path: string;
  private readonly days: number;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly pruneEveryMs: number;
  private readonly now: () => number;
  private db: HistoryDb | null = null;
  private queue: StoredCandle[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private lastPrune = Number.NEGATIVE_INFINITY;
  private failing: { first: string; count: number } | null = null;
  private stopped = false;
  private readonly counts = { recorded: 0, transactions: 0, failedWrites: 0, dropped: 0, pruned: 0, skippedSimulated: 0 };

  constructor(private readonly options: HistoryRecorderOptions) {
    if (!Number.isInteger(options.days) || options.days < 1) throw new Error(`history: days must be a whole number ≥ 1, got ${options.days}`);
    this.path = historyDbPath(options.dataDir);
    this.days = options.days;
    this.flushMs = options.flushMs ?? 1000;
    this.maxBatch = options.maxBatch ?? 500;
    this.maxPending = options.maxPending ?? 20_000;
    this.pruneEveryMs = options.pruneEveryMs ?? 5 * 60_000;
    this.now = options.now ?? Date.now;
  }

  /** A candle event from the market pipeline: queued when it is a closed 5m or 1h candle of real prices. */
  record(update: CandleUpdate): void {
    if (!update.closed || !isHistoryTimeframe(update.timeframe) || this.stopped) return;
    if (this.options.isSimulated()) {
      this.counts.skippedSimulated += 1;
      return;
    }
    this.enqueue([{ symbol: update.symbol, timeframe: update.timeframe, candle: update.candle }]);
  }

  /** Closed candles received some other way (the warm-up history loaded at start). */
  recordClosed(symbol: string, timeframe: Timeframe, candles: readonly Candle[]): void {
    if (!isHistoryTimeframe(timeframe) || this.stopped || candles.length === 0) return;
    if (this.options.isSimulated()) {
      this.counts.skippedSimulated += candles.length;
      return;
    }
    this.enqueue(candles.map((candle) => ({ symbol, timeframe, candle })));
  }

  /** Writes what is queued now, in one transaction, and prunes when it is due. Never throws. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    try {
      this.db ??= HistoryDb.open(this.options.dataDir);
      const now = this.now();
      const cutoff = now - this.days * DAY_MS;
      const rows = batch.filter((row) => row.candle.t >= cutoff);
      this.db.put(rows);
      this.counts.transactions += rows.length > 0 ? 1 : 0;
      this.counts.recorded += rows.length;
      if (now - this.lastPrune >= this.pruneEveryMs) {
        this.counts.pruned += this.db.pruneBefore(cutoff);
        this.lastPrune = now;
      }
      if (this.failing) {
        log.warn(`recording works again after ${this.failing.count} failed write(s) (first: ${this.failing.first})`);
        this.failing = null;
      }
    } catch (error) {
      this.counts.failedWrites += 1;
      this.queue = batch.concat(this.queue);
      this.trim();
      const message = `could not record ${batch.length} candle(s) in ${this.path}: ${(error as Error).message}`;
      if (this.failing) this.failing.count += 1;
      else {
        this.failing = { first: message, count: 1 };
        log.error(`${message} (further failures are counted, not repeated)`);
      }
      if (!this.stopped) this.schedule();
    }
  }

  /** Writes what is queued and closes the file; later candles are ignored. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.flush();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    try {
      this.db?.close();
    } catch {
      // closing a database on a broken disk: nothing more to save
    }
    this.db = null;
  }

  stats(): HistoryRecorderStats {
    return { ...this.counts, pending: this.queue.length, lastError: this.failing?.first ?? null };
  }

  private enqueue(rows: StoredCandle[]): void {
    for (const row of rows) this.queue.push(row);
    this.trim();
    // While writes fail, retries wait for the timer instead of running for every candle.
    if (this.queue.length >= this.maxBatch && !this.failing) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    this.timer = setTimeout(() => this.flush(), this.flushMs);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** Keeps at most `maxPending` queued rows, dropping the oldest. */
  private trim(): void {
    const excess = this.queue.length - this.maxPending;
    if (excess <= 0) return;
    this.queue.splice(0, excess);
    this.counts.dropped += excess;
  }
}

function isHistoryTimeframe(timeframe: Timeframe): timeframe is HistoryTimeframe {
  return timeframe === "5m" || timeframe === "1h";
}
