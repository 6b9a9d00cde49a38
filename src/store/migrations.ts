/**
 * The SQLite schema as an ordered list of migrations, applied in one transaction.
 *
 * The schema version is SQLite's `PRAGMA user_version` (0 for a new file), updated
 * inside the same transaction as the migrations, so a crash mid-migration leaves the
 * old schema and the old version. Never edit a shipped migration: append a new one.
 */
import type { Database } from "bun:sqlite";

export const MIGRATIONS: readonly string[] = [
  // 1: trades, activity log, equity snapshots. Times are ms since epoch (UTC).
  `
  CREATE TABLE trades (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    symbol       TEXT    NOT NULL,
    side         TEXT    NOT NULL CHECK (side IN ('long', 'short')),
    size         REAL    NOT NULL CHECK (size > 0),
    entry_price  REAL    NOT NULL CHECK (entry_price > 0),
    exit_price   REAL,
    fees         REAL    NOT NULL DEFAULT 0,
    pnl          REAL,
    opened_at    INTEGER NOT NULL,
    closed_at    INTEGER,
    open_reason  TEXT    NOT NULL,
    close_reason TEXT,
    client_id    TEXT    UNIQUE,
    exchange     TEXT    NOT NULL,
    mode         TEXT    NOT NULL CHECK (mode IN ('live', 'dry-run')),
    CHECK ((closed_at IS NULL) = (exit_price IS NULL))
  );
  CREATE INDEX trades_open ON trades (opened_at) WHERE closed_at IS NULL;
  CREATE INDEX trades_closed ON trades (closed_at) WHERE closed_at IS NOT NULL;

  CREATE TABLE activity_log (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      INTEGER NOT NULL,
    kind    TEXT    NOT NULL CHECK (kind IN ('trade', 'error', 'signal', 'cycle', 'control')),
    message TEXT    NOT NULL,
    data    TEXT    CHECK (data IS NULL OR json_valid(data)),
    origin  TEXT    CHECK (origin IS NULL OR origin IN ('page', 'api', 'file', 'system'))
  );
  CREATE INDEX activity_log_kind ON activity_log (kind, id);

  CREATE TABLE equity_snapshots (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    equity         REAL    NOT NULL,
    available      REAL    NOT NULL,
    margin         REAL    NOT NULL,
    unrealized_pnl REAL    NOT NULL,
    mode           TEXT    NOT NULL
  );
  CREATE INDEX equity_snapshots_at ON equity_snapshots (at, id);
  `,
  // 2: what a trade really cost and earned: the margin and leverage it opened with
  // (the leverage the exchange granted) and the funding over its life.
  `
  ALTER TABLE trades ADD COLUMN margin REAL;
  ALTER TABLE trades ADD COLUMN leverage REAL;
  ALTER TABLE trades ADD COLUMN funding REAL NOT NULL DEFAULT 0;
  CREATE INDEX trades_symbol_closed ON trades (symbol, exchange, closed_at) WHERE closed_at IS NOT NULL;
  `,
  // 3: the trade history and the performance page read one mode's closed trades,
  // newest first (src/store/trade-history.ts): an index that serves both the
  // filter and the order, and counts a mode's trades without reading them.
  `
  CREATE INDEX trades_mode_closed ON trades (mode, closed_at) WHERE closed_at IS NOT NULL;
  `,
  // 4: why the bot is closing an open trade, noted before its close order goes out, so
  // a close whose record a crash cut off is recorded with that reason at the restart
  // (src/trader/reconcile.ts), not as "closed outside the bot". Gone with the close.
  `
  CREATE TABLE closing_notes (
    trade_id INTEGER PRIMARY KEY REFERENCES trades (id),
    reason TEXT NOT NULL,
    at INTEGER NOT NULL
  );
  `,
];

/** Brings the database up to the newest schema; refuses a database written by a newer program. */
export function migrate(db: Database, migrations: readonly string[] = MIGRATIONS): number {
  const apply = db.transaction(() => {
    const row = db.query<{ user_version: number }, []>("PRAGMA user_version").get();
    const version = row?.user_version ?? 0;
    if (version > migrations.length) {
      throw new Error(
        `database ${db.filename} has schema version ${version}, newer than this program's ${migrations.length}; ` +
          `run the newer program or restore a backup`,
      );
    }
    for (let index = version; index < migrations.length; index += 1) {
      db.run(migrations[index]!);
      // PRAGMA takes no bound parameters; the value is our own integer.
      db.run(`PRAGMA user_version = ${index + 1}`);
    }
    return migrations.length;
  });
  // IMMEDIATE takes the write lock up front, so two processes opening at once migrate one after the other.
  return apply.immediate();
}
