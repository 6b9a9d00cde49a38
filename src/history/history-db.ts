/**
 * The candle history: closed 5m and 1h candles in SQLite, `<dataDir>/history.db`
 * (a file of its own, so the trade record in trader.db stays small and a large
 * history can be deleted or copied without touching it).
 *
 * One table keyed by (symbol, timeframe, t), WITHOUT ROWID so the key is the
 * storage order: a series reads back oldest first from one index range, and a
 * prune per series is one range delete. Writing the same key again replaces
 * the row (a re-delivered candle is the exchange's newer word on it).
 *
 * WAL journal, synchronous=NORMAL: this is bulk, re-fetchable market data (a
 * power cut can cost the last transactions, never the file's consistency), and
 * the WAL lets `backtest --data history` read while the server writes.
 */
import { Database, type Statement } from "bun:sqlite";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Candle } from "../market/candle.ts";

export const HISTORY_DB_FILE = "history.db";

/** The timeframes the history keeps (4h is built from 1h wherever it is needed). */
export type HistoryTimeframe = "5m" | "1h";
export const HISTORY_TIMEFRAMES: readonly HistoryTimeframe[] = ["5m", "1h"];

export interface StoredCandle {
  symbol: string;
  timeframe: HistoryTimeframe;
  candle: Candle;
}

export interface SeriesInfo {
  symbol: string;
  timeframe: HistoryTimeframe;
  count: number;
  /** Open time of the oldest and newest stored candle. */
  first: number;
  last: number;
}

/** Bad usage or unusable history, said in one line (the CLI exits 2 with it). */
export class HistoryError extends Error {
  override name = "HistoryError";
}

/** What to say when there is nothing recorded: where it looked and how to fill it. */
export function emptyHistoryMessage(path: string): string {
  return `no recorded candles in ${path}: fill it with \`bun src/main.ts history fetch --days 30\` (or let the server record them on a real market)`;
}

export function historyDbPath(dataDir: string): string {
  return join(dataDir, HISTORY_DB_FILE);
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS candles (
  symbol    TEXT    NOT NULL,
  timeframe TEXT    NOT NULL,
  t         INTEGER NOT NULL,
  o REAL NOT NULL, h REAL NOT NULL, l REAL NOT NULL, c REAL NOT NULL, v REAL NOT NULL,
  PRIMARY KEY (symbol, timeframe, t)
) WITHOUT ROWID;
`;

interface Row {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

export class HistoryDb {
  private readonly insert: Statement | null;
  private readonly putMany: ((rows: readonly StoredCandle[]) => void) | null;

  private constructor(
    private readonly db: Database,
    readonly path: string,
    readonly readonly: boolean,
  ) {
    if (readonly) {
      this.insert = null;
      this.putMany = null;
      return;
    }
    this.insert = db.prepare("INSERT OR REPLACE INTO candles (symbol, timeframe, t, o, h, l, c, v) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const insert = this.insert;
    this.putMany = db.transaction((rows: readonly StoredCandle[]) => {
      for (const { symbol, timeframe, candle: k } of rows) insert.run(symbol, timeframe, k.t, k.o, k.h, k.l, k.c, k.v);
    });
  }

  /**
   * Opens (creating when writable) `<dataDir>/history.db`. Read-only opens fail
   * when the file does not exist; callers check `historyExists` first.
   */
  static open(dataDir: string, options: { readonly?: boolean } = {}): HistoryDb {
    const path = historyDbPath(dataDir);
    if (options.readonly) {
      const db = new Database(path, { readonly: true });
      try {
        db.exec("PRAGMA busy_timeout = 5000");
        return new HistoryDb(db, path, true);
      } catch (error) {
        db.close();
        throw error;
      }
    }
    mkdirSync(dataDir, { recursive: true });
    const db = new Database(path, { create: true });
    try {
      db.exec("PRAGMA busy_timeout = 5000");
      db.exec("PRAGMA journal_mode = WAL");
      db.exec("PRAGMA synchronous = NORMAL");
      db.exec(SCHEMA);
      return new HistoryDb(db, path, false);
    } catch (error) {
      db.close();
      throw error;
    }
  }

  /** Writes the rows in one transaction; a key already stored is replaced. */
  put(rows: readonly StoredCandle[]): void {
    if (!this.putMany) throw new Error(`history: ${this.path} is open read-only`);
    if (rows.length > 0) this.putMany(rows);
  }

  /** Deletes, series by series, the candles opening before `cutoff`; returns how many. */
  pruneBefore(cutoff: number): number {
    let deleted = 0;
    const remove = this.db.prepare("DELETE FROM candles WHERE symbol = ? AND timeframe = ? AND t < ?");
    this.db.transaction(() => {
      for (const { symbol, timeframe } of this.seriesKeys()) deleted += remove.run(symbol, timeframe, cutoff).changes;
    })();
    return deleted;
  }

  /** Every stored series with its size and time span, by symbol then timeframe. */
  series(): SeriesInfo[] {
    const stats = this.db.prepare("SELECT count(*) AS count, min(t) AS first, max(t) AS last FROM candles WHERE symbol = ? AND timeframe = ?");
    return this.seriesKeys().map(({ symbol, timeframe }) => {
      const row = stats.get(symbol, timeframe) as { count: number; first: number; last: number };
      return { symbol, timeframe, count: row.count, first: row.first, last: row.last };
    });
  }

  /** One series, oldest first; `from` inclusive, `to` exclusive. */
  candles(symbol: string, timeframe: HistoryTimeframe, range: { from?: number; to?: number } = {}): Candle[] {
    const rows = this.db
      .prepare("SELECT t, o, h, l, c, v FROM candles WHERE symbol = ? AND timeframe = ? AND t >= ? AND t < ? ORDER BY t")
      .all(symbol, timeframe, range.from ?? Number.MIN_SAFE_INTEGER, range.to ?? Number.MAX_SAFE_INTEGER) as Row[];
    return rows.map((r) => ({ t: r.t, o: r.o, h: r.h, l: r.l, c: r.c, v: r.v }));
  }

  /** Open times stored for one series between `from` and `to` (both inclusive), ascending. */
  times(symbol: string, timeframe: HistoryTimeframe, from: number, to: number): number[] {
    const rows = this.db.prepare("SELECT t FROM candles WHERE symbol = ? AND timeframe = ? AND t >= ? AND t <= ? ORDER BY t").values(symbol, timeframe, from, to);
    return rows.map((r) => r[0] as number);
  }

  journalMode(): string {
    return String((this.db.prepare("PRAGMA journal_mode").get() as { journal_mode: string }).journal_mode);
  }

  close(): void {
    this.db.close();
  }

  /**
   * The distinct (symbol, timeframe) pairs, found by skipping through the
   * primary key (one index seek per series, not a scan of every candle).
   */
  private seriesKeys(): { symbol: string; timeframe: HistoryTimeframe }[] {
    // Past the largest possible t of the previous series: an exact seek (a (symbol, timeframe) bound alone scans that series).
    const next = this.db.prepare(`SELECT symbol, timeframe FROM candles WHERE (symbol, timeframe, t) > (?, ?, ${Number.MAX_SAFE_INTEGER}) ORDER BY symbol, timeframe, t LIMIT 1`);
    const keys: { symbol: string; timeframe: HistoryTimeframe }[] = [];
    let after = { symbol: "", timeframe: "" };
    for (;;) {
      const row = next.get(after.symbol, after.timeframe) as { symbol: string; timeframe: HistoryTimeframe } | null;
      if (!row) return keys;
      keys.push(row);
      after = row;
    }
  }
}

/** True when `<dataDir>/history.db` exists (a read-only open would fail otherwise). */
export function historyExists(dataDir: string): boolean {
  const path = historyDbPath(dataDir);
  return existsSync(path) && statSync(path).isFile();
}
