import { afterEach, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { MIGRATIONS, migrate } from "../../src/store/migrations.ts";
import { DB_FILE_NAME, openStore, TraderStore, type StoreOptions } from "../../src/store/trader-store.ts";
import { StoreInputError, type TradeOpenInput } from "../../src/store/types.ts";
import { makeTempDir, removeTempDirs } from "../util/temp-dir.ts";

const open: TraderStore[] = [];
afterEach(() => {
  for (const store of open.splice(0)) store.close();
  removeTempDirs();
});

function freshStore(options: StoreOptions = {}): { store: TraderStore; dataDir: string } {
  const dataDir = makeTempDir("store");
  const store = openStore(dataDir, options);
  open.push(store);
  return { store, dataDir };
}

function btcLong(overrides: Partial<TradeOpenInput> = {}): TradeOpenInput {
  return {
    symbol: "BTCUSDT",
    side: "long",
    size: 0.02,
    entry_price: 50_000,
    fees: 0.5,
    margin: 200,
    leverage: 5,
    opened_at: 1_700_000_000_000,
    open_reason: "long score 62 ≥ 45",
    client_id: "open-btc-1",
    exchange: "paper",
    mode: "dry-run",
    ...overrides,
  };
}

function count(store: TraderStore, table: string, where = "1"): number {
  return store.db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).get()?.n ?? -1;
}

describe("opening the store", () => {
  test("creates trader.db in WAL mode with synchronous=FULL, a busy timeout and the newest schema version", () => {
    const { store, dataDir } = freshStore();
    expect(store.path).toBe(join(dataDir, DB_FILE_NAME));
    const pragma = (name: string) => Object.values(store.db.query(`PRAGMA ${name}`).get() as object)[0];
    expect(pragma("journal_mode")).toBe("wal");
    expect(pragma("synchronous")).toBe(2); // 2 = FULL in SQLite's numbering
    expect(pragma("busy_timeout")).toBe(5000);
    expect(pragma("user_version")).toBe(MIGRATIONS.length);
    expect(MIGRATIONS.length).toBe(4);
  });

  test("an owner's version-3 file (before closing notes) opens at version 4 with its trades, and notes work", () => {
    const dataDir = makeTempDir("store");
    const old = new Database(join(dataDir, DB_FILE_NAME));
    migrate(old, MIGRATIONS.slice(0, 3));
    old.run(`INSERT INTO trades (symbol, side, size, entry_price, fees, margin, leverage, opened_at, open_reason, client_id, exchange, mode)
             VALUES ('BTCUSDT', 'long', 0.02, 50000, 0.5, 200, 5, 1700000000000, 'long score 62', 'open-btc-1', 'paper', 'dry-run')`);
    old.close();
    const store = openStore(dataDir);
    open.push(store);
    expect(Object.values(store.db.query("PRAGMA user_version").get() as object)[0]).toBe(4);
    const [trade] = store.openTrades();
    expect(trade?.client_id).toBe("open-btc-1");
    store.noteClosing(trade!.id, "closed by owner (page)", 1_700_000_100_000);
    expect(store.closingReason(trade!.id)).toBe("closed by owner (page)");
  });

  test("reopening keeps the data and does not migrate again", () => {
    const { store, dataDir } = freshStore();
    store.recordTradeOpen(btcLong());
    store.close();
    const again = openStore(dataDir);
    open.push(again);
    expect(again.openTrades().map((trade) => trade.client_id)).toEqual(["open-btc-1"]);
  });

  test("a version-1 database (before margin, leverage and funding) migrates with its trades intact", () => {
    const dataDir = makeTempDir("store");
    const db = new Database(join(dataDir, DB_FILE_NAME));
    migrate(db, MIGRATIONS.slice(0, 1));
    db.run(`INSERT INTO trades (symbol, side, size, entry_price, fees, opened_at, open_reason, client_id, exchange, mode)
            VALUES ('BTCUSDT', 'long', 0.1, 60000, 3, 1, 'old', 'o-1', 'paper', 'dry-run')`);
    db.close();
    const store = openStore(dataDir);
    open.push(store);
    expect(store.openTrades()).toEqual([expect.objectContaining({ client_id: "o-1", fees: 3, margin: null, leverage: null, funding: 0 })]);
    expect(store.lastCloseAt("BTCUSDT", "paper")).toBeNull();
  });

  test("refuses a database written by a newer schema", () => {
    const dataDir = makeTempDir("store");
    const db = new Database(join(dataDir, DB_FILE_NAME));
    db.run("PRAGMA user_version = 99");
    db.close();
    expect(() => openStore(dataDir)).toThrow(`schema version 99, newer than this program's ${MIGRATIONS.length}`);
  });

  test("a failing migration leaves no part of itself and the old version", () => {
    const db = new Database(":memory:");
    expect(() => migrate(db, ["CREATE TABLE first (x)", "CREATE TABLE second (oops"])).toThrow();
    expect(db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([]);
    expect(db.query("PRAGMA user_version").get()).toEqual({ user_version: 0 });
    db.close();
  });
});

describe("trades", () => {
  test("an open then a close round-trip every field", () => {
    const { store } = freshStore();
    const { trade, created } = store.recordTradeOpen(btcLong());
    expect(created).toBe(true);
    expect(trade).toEqual({
      id: 1,
      symbol: "BTCUSDT",
      side: "long",
      size: 0.02,
      entry_price: 50_000,
      exit_price: null,
      fees: 0.5,
      margin: 200,
      leverage: 5,
      funding: 0,
      pnl: null,
      opened_at: 1_700_000_000_000,
      closed_at: null,
      open_reason: "long score 62 ≥ 45",
      close_reason: null,
      client_id: "open-btc-1",
      exchange: "paper",
      mode: "dry-run",
    });
    expect(store.openTrades()).toEqual([trade]);
    expect(store.recentClosedTrades(10)).toEqual([]);

    const closed = store.recordTradeClose({
      trade_id: trade.id,
      exit_price: 51_000,
      close_fees: 0.25,
      pnl: 19.25,
      funding: -0.5,
      closed_at: 1_700_000_600_000,
      close_reason: "take profit",
    });
    const expectedClosed = {
      ...trade,
      exit_price: 51_000,
      fees: 0.75,
      funding: -0.5,
      pnl: 19.25,
      closed_at: 1_700_000_600_000,
      close_reason: "take profit",
    };
    expect(closed).toEqual({ ok: true, trade: expectedClosed });
    expect(store.openTrades()).toEqual([]);
    expect(store.recentClosedTrades(10)).toEqual([expectedClosed]);
    expect(store.trade(trade.id)).toEqual(expectedClosed);
  });

  test("each open and close writes its trade log entry with the trade id", () => {
    const { store } = freshStore();
    const { trade } = store.recordTradeOpen(btcLong());
    store.recordTradeClose({ trade_id: trade.id, exit_price: 49_000, pnl: -20.5, close_reason: "stop loss" });
    const entries = store.logs({ kind: "trade", limit: 10 });
    expect(entries.map((entry) => entry.data)).toEqual([
      { trade_id: 1, event: "close", pnl: -20.5, fees: 0.5 },
      { trade_id: 1, event: "open", client_id: "open-btc-1" },
    ]);
    expect(entries[1]?.message).toContain("BTCUSDT");
  });

  test("a repeated open with the same client_id records nothing new", () => {
    const { store } = freshStore();
    const first = store.recordTradeOpen(btcLong());
    const retry = store.recordTradeOpen(btcLong({ entry_price: 50_010 }));
    expect(retry).toEqual({ trade: first.trade, created: false });
    expect(count(store, "trades")).toBe(1);
    expect(count(store, "activity_log", "kind = 'trade'")).toBe(1);
    expect(store.tradeByClientId("open-btc-1")?.id).toBe(first.trade.id);
  });

  test("closing an unknown or already closed trade is an error value and changes nothing", () => {
    const { store } = freshStore();
    const { trade } = store.recordTradeOpen(btcLong());
    const close = { trade_id: trade.id, exit_price: 50_500, pnl: 9.5, close_reason: "signal flipped" };
    expect(store.recordTradeClose(close).ok).toBe(true);
    const afterFirst = store.trade(trade.id);
    expect(store.recordTradeClose({ ...close, exit_price: 1 })).toEqual({
      ok: false,
      error: "trade 1 (BTCUSDT) is already closed",
    });
    expect(store.recordTradeClose({ ...close, trade_id: 42 })).toEqual({ ok: false, error: "there is no trade 42" });
    expect(store.trade(trade.id)).toEqual(afterFirst);
    expect(count(store, "activity_log", "kind = 'trade'")).toBe(2);
  });

  test("bad trade input is refused by field name and writes nothing", () => {
    const { store } = freshStore();
    expect(() => store.recordTradeOpen(btcLong({ size: -1 }))).toThrow(StoreInputError);
    expect(() => store.recordTradeOpen(btcLong({ size: Number.NaN }))).toThrow("recordTradeOpen: size");
    expect(() => store.recordTradeOpen(btcLong({ side: "up" as never }))).toThrow("side");
    expect(() => store.recordTradeOpen(btcLong({ mode: "paused" as never }))).toThrow("mode");
    expect(() =>
      store.recordTradeClose({ trade_id: 1, exit_price: 0, pnl: 0, close_reason: "x" }),
    ).toThrow("recordTradeClose: exit_price");
    expect(count(store, "trades")).toBe(0);
    expect(count(store, "activity_log")).toBe(0);
  });

  test("open trades oldest first; closed trades most recently closed first, limited", () => {
    const { store } = freshStore();
    const ids = [3, 1, 2].map(
      (minute) => store.recordTradeOpen(btcLong({ client_id: `c${minute}`, opened_at: minute * 60_000 })).trade.id,
    );
    expect(store.openTrades().map((trade) => trade.opened_at)).toEqual([60_000, 120_000, 180_000]);
    for (const [index, id] of ids.entries()) {
      store.recordTradeClose({ trade_id: id, exit_price: 50_000, pnl: 0, closed_at: 1_000_000 + index, close_reason: "test" });
    }
    expect(store.recentClosedTrades(2).map((trade) => trade.id)).toEqual(ids.slice(1).reverse());
    expect(() => store.recentClosedTrades(0)).toThrow("limit must be an integer from 1 to 1000");
  });
});

describe("activity log", () => {
  test("narration (signal, cycle, trade, error lines) commits without an fsync; records and control lines keep theirs, and FULL is back after every line", () => {
    const { store } = freshStore();
    // The store's connection, to see the durability each commit ran at (module comment of trader-store.ts).
    const db = (store as unknown as { db: Database }).db;
    const level = () => db.query<{ synchronous: number }, []>("PRAGMA synchronous").get()?.synchronous;
    const atCommit: string[] = [];
    const run = db.run.bind(db);
    db.run = ((sql: string, ...rest: unknown[]) => {
      atCommit.push(sql);
      return (run as (sql: string, ...rest: unknown[]) => unknown)(sql, ...rest);
    }) as typeof db.run;
    store.log("signal", "ETHUSDT long 58 not acted", { symbol: "ETHUSDT", direction: "long", score: 58, acted: false, skip_reason: "max positions reached (3)" });
    expect(atCommit).toEqual(["PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"]);
    expect(level()).toBe(2); // FULL
    atCommit.length = 0;
    store.log("error", "CoinEx timeout", { endpoint: "/futures/order" });
    expect(atCommit).toEqual(["PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"]);
    atCommit.length = 0;
    store.log("control", "emergency stop", { action: "emergency_stop", ok: true, result: "closed 2 of 2" }, "page");
    store.recordTradeOpen(btcLong());
    expect(atCommit).toEqual([]);
    expect(level()).toBe(2);
    // A narration line inside a record's transaction commits with it, at FULL.
    store.batch(() => store.log("trade", "stops set", { symbol: "BTCUSDT" }));
    expect(atCommit).toEqual([]);
    // A line that fails still leaves the connection at FULL.
    expect(() => store.log("cycle", "cycle done", { scanned: "many" } as never)).toThrow();
    db.run("CREATE TRIGGER refuse BEFORE INSERT ON activity_log BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    expect(() => store.log("trade", "stops set", { symbol: "BTCUSDT" })).toThrow("disk says no");
    expect(level()).toBe(2);
  });

  test("a narration batch is one commit without its own fsync; a record or an error line inside it is refused and the batch kept out", () => {
    const { store } = freshStore();
    const db = store.db;
    const pragmas: string[] = [];
    const run = db.run.bind(db);
    db.run = ((sql: string, ...rest: unknown[]) => {
      if (sql.startsWith("PRAGMA synchronous")) pragmas.push(sql);
      return (run as (sql: string, ...rest: unknown[]) => unknown)(sql, ...rest);
    }) as typeof db.run;
    const line = (coin: string) => store.log("signal", `${coin} long 58 not acted`, { symbol: coin, direction: "long", score: 58, acted: false, skip_reason: "lockfile set" });
    store.narrationBatch(() => {
      line("ETHUSDT");
      line("SOLUSDT");
    });
    expect(pragmas).toEqual(["PRAGMA synchronous = NORMAL", "PRAGMA synchronous = FULL"]); // once for the batch, not per line
    expect(store.logs({ kind: "signal", limit: 10 }).map((e) => e.message)).toEqual(["SOLUSDT long 58 not acted", "ETHUSDT long 58 not acted"]);
    for (const intruder of [() => store.recordTradeOpen(btcLong()), () => store.log("control", "stop", { action: "stop", ok: true, result: "stopped" }, "page"), () => store.snapshotEquity({ equity: 1, available: 1, margin: 0, unrealized_pnl: 0, mode: "dry-run" })]) {
      expect(() => store.narrationBatch(() => {
        line("XRPUSDT");
        intruder();
      })).toThrow("cannot be written inside a narration batch");
    }
    expect(store.logs({ kind: "signal", limit: 10 })).toHaveLength(2); // no XRPUSDT line: each refused batch rolled back
    expect(count(store, "trades")).toBe(0);
    expect(Object.values(db.query("PRAGMA synchronous").get() as object)[0]).toBe(2);
    // And outside a batch the same writes go through as before.
    store.recordTradeOpen(btcLong());
    expect(count(store, "trades")).toBe(1);
  });

  test("entries come back newest first with their data and origin; kind filters; before_id pages", () => {
    const { store } = freshStore();
    const signal = store.log("signal", "ETHUSDT long 58 skipped", {
      symbol: "ETHUSDT",
      direction: "long",
      score: 58,
      acted: false,
      skip_reason: "max_positions reached (3/3)",
    });
    const cycle = store.log("cycle", "cycle done", { scanned: 29, signals: 1, actions: 0, duration_ms: 812 });
    const control = store.log("control", "emergency stop", { action: "emergency_stop", ok: true, result: "closed 2 of 2" }, "page");
    const error = store.log("error", "CoinEx timeout", { endpoint: "/futures/order" });

    expect(store.logs({ limit: 10 }).map((entry) => entry.id)).toEqual([error.id, control.id, cycle.id, signal.id]);
    expect(store.logs({ kind: "control", limit: 10 })).toEqual([
      {
        id: control.id,
        at: control.at,
        kind: "control",
        message: "emergency stop",
        data: { action: "emergency_stop", ok: true, result: "closed 2 of 2" },
        origin: "page",
      },
    ]);
    expect(store.logs({ kind: "signal", limit: 1 })[0]?.data).toEqual({
      symbol: "ETHUSDT",
      direction: "long",
      score: 58,
      acted: false,
      skip_reason: "max_positions reached (3/3)",
    });
    expect(store.logs({ limit: 2, before_id: control.id }).map((entry) => entry.id)).toEqual([cycle.id, signal.id]);
    expect(store.logs({ limit: 10, kind: "trade" })).toEqual([]);
  });

  test("one signal line may stand for several coins (max positions reached, folded per cycle): each coin carries its fields", () => {
    const { store } = freshStore();
    const coins = [
      { symbol: "XRPUSDT", direction: "long" as const, score: 70, base: 70, bonus: 0, threshold: 45, price: 0.5 },
      { symbol: "DOGEUSDT", direction: "short" as const, score: 58, base: 58, bonus: 20, threshold: 50, price: 0.1 },
    ];
    const folded = store.log("signal", "2 signals not acted — max positions reached (3): long XRPUSDT 70, short DOGEUSDT 58 (+20 TA, not used)", { acted: false, skip_reason: "max positions reached (3)", coins });
    expect(store.logs({ kind: "signal", limit: 1 })[0]).toMatchObject({ id: folded.id, data: { coins } });
    expect(() => store.log("signal", "x", { acted: false, skip_reason: "max positions reached (3)", coins: [] } as never)).toThrow(/log\(signal\): data/);
    expect(() => store.log("signal", "x", { acted: false, skip_reason: "max positions reached (3)", coins: [{ symbol: "XRPUSDT" }] } as never)).toThrow(/log\(signal\): data/);
  });

  test("structured kinds must carry their fields; bad calls name what is wrong", () => {
    const { store } = freshStore();
    expect(() => store.log("signal", "x", { symbol: "BTCUSDT", direction: "long", score: 50 } as never)).toThrow(
      /log\(signal\): data: acted.*skip_reason/,
    );
    expect(() => store.log("cycle", "x", { scanned: 29, signals: 0, actions: 0 } as never)).toThrow("duration_ms");
    expect(() => store.log("control", "x", { action: "start", ok: true, result: "started" }, undefined as never)).toThrow(
      "log(control): origin",
    );
    expect(() => store.log("error", "x", null, "browser" as never)).toThrow("log(error): origin");
    expect(() => store.log("nonsense" as never, "x")).toThrow("kind must be one of");
    expect(() => store.logs({ limit: 5000 })).toThrow("limit");
    expect(count(store, "activity_log")).toBe(0);
  });
});

describe("equity snapshots", () => {
  test("the curve is the newest snapshots, oldest first", () => {
    const { store } = freshStore();
    for (const at of [4000, 1000, 3000, 2000]) {
      store.snapshotEquity({ at, equity: at / 10, available: 90, margin: 10, unrealized_pnl: -1.5, mode: "dry-run" });
    }
    const curve = store.equityCurve(3);
    expect(curve.map((point) => [point.at, point.equity])).toEqual([
      [2000, 200],
      [3000, 300],
      [4000, 400],
    ]);
    expect(curve[0]).toMatchObject({ available: 90, margin: 10, unrealized_pnl: -1.5, mode: "dry-run" });
    expect(() => store.snapshotEquity({ equity: Number.POSITIVE_INFINITY, available: 0, margin: 0, unrealized_pnl: 0, mode: "live" })).toThrow(
      "snapshotEquity: equity",
    );
  });
});

describe("retention", () => {
  test("prune keeps exactly the newest N entries of each kind", () => {
    const { store } = freshStore({ maxLogsPerKind: 10, pruneEvery: 1000 });
    for (let index = 0; index < 250; index += 1) store.log("error", `error ${index}`);
    for (let index = 0; index < 5; index += 1) store.log("cycle", `cycle ${index}`, { scanned: 1, signals: 0, actions: 0, duration_ms: 1 });
    store.prune();
    const errors = store.logs({ kind: "error", limit: 1000 });
    expect(errors.map((entry) => entry.message)).toEqual(
      Array.from({ length: 10 }, (_, index) => `error ${249 - index}`),
    );
    expect(store.logs({ kind: "cycle", limit: 1000 }).length).toBe(5);
  });

  test("pruning runs by itself every pruneEvery inserts", () => {
    const { store } = freshStore({ maxLogsPerKind: 10, maxEquitySnapshots: 20, pruneEvery: 100 });
    for (let index = 0; index < 99; index += 1) store.log("error", `error ${index}`);
    expect(count(store, "activity_log")).toBe(99);
    store.log("error", "the 100th");
    expect(count(store, "activity_log")).toBe(10);

    const snapshot = { equity: 1, available: 1, margin: 0, unrealized_pnl: 0, mode: "paused" as const };
    for (let index = 0; index < 99; index += 1) store.snapshotEquity(snapshot);
    expect(count(store, "equity_snapshots")).toBe(99);
    store.snapshotEquity(snapshot);
    expect(count(store, "equity_snapshots")).toBe(20);
  });

  test("opening the store applies the bound to an oversized database", () => {
    const { store, dataDir } = freshStore({ maxLogsPerKind: 5000, pruneEvery: 1000 });
    for (let index = 0; index < 30; index += 1) store.log("error", `error ${index}`);
    store.close();
    const smaller = openStore(dataDir, { maxLogsPerKind: 7 });
    open.push(smaller);
    expect(count(smaller, "activity_log")).toBe(7);
  });
});

describe("transactions", () => {
  test("a batch that throws leaves none of its rows", () => {
    const { store } = freshStore();
    expect(() =>
      store.batch(() => {
        store.recordTradeOpen(btcLong({ client_id: "a" }));
        store.log("error", "first");
        store.snapshotEquity({ equity: 1, available: 1, margin: 0, unrealized_pnl: 0, mode: "live" });
        throw new Error("exchange said no halfway through");
      }),
    ).toThrow("halfway");
    expect(count(store, "trades") + count(store, "activity_log") + count(store, "equity_snapshots")).toBe(0);

    store.batch(() => {
      store.recordTradeOpen(btcLong({ client_id: "b" }));
      store.log("error", "second");
    });
    expect(count(store, "trades")).toBe(1);
    expect(count(store, "activity_log")).toBe(2);
  });

  test("a trade open whose log entry fails to insert leaves no trade", () => {
    const { store, dataDir } = freshStore();
    // Another connection installs a trigger that makes the second row of the open fail.
    const other = new Database(join(dataDir, DB_FILE_NAME));
    other.run(`CREATE TRIGGER fail_trade_log BEFORE INSERT ON activity_log WHEN NEW.kind = 'trade'
               BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    other.close();
    expect(() => store.recordTradeOpen(btcLong())).toThrow("injected failure");
    expect(count(store, "trades")).toBe(0);
    expect(store.openTrades()).toEqual([]);
  });

  test("a trade close whose log entry fails leaves the trade open", () => {
    const { store } = freshStore();
    const { trade } = store.recordTradeOpen(btcLong());
    store.db.run(`CREATE TRIGGER fail_close_log BEFORE INSERT ON activity_log WHEN NEW.kind = 'trade'
                  BEGIN SELECT RAISE(ABORT, 'injected failure'); END`);
    expect(() =>
      store.recordTradeClose({ trade_id: trade.id, exit_price: 50_100, pnl: 1, close_reason: "tp" }),
    ).toThrow("injected failure");
    expect(store.openTrades()).toEqual([trade]);
  });
});
