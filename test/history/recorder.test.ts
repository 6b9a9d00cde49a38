/**
 * The candle recorder on real SQLite in a temp dir: closed 5m and 1h candles
 * are stored (forming ones, 4h ones and simulated markets are not), a
 * re-delivered candle replaces its row, writes are batched (one transaction
 * per burst), old candles are pruned per series at most every few minutes,
 * and a failing disk is logged once, counted, and never throws into the
 * market pipeline.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { HISTORY_DB_FILE, HistoryDb } from "../../src/history/history-db.ts";
import { HistoryRecorder } from "../../src/history/recorder.ts";
import { recordMarketHistory } from "../../src/history/record-market.ts";
import type { MarketPipeline } from "../../src/app/market-pipeline.ts";
import { parseSettings } from "../../src/settings.ts";
import { captureLogs } from "../helpers/capture-logs.ts";

const DAY = 86_400_000;
const FIVE = 300_000;
const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);

const dirs: string[] = [];
const recorders: HistoryRecorder[] = [];
afterEach(() => {
  for (const r of recorders.splice(0)) r.stop();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "history-rec-"));
  dirs.push(dir);
  return dir;
}

const candle = (t: number, c = 100): Candle => ({ t, o: c, h: c + 2, l: c - 1, c: c + 1, v: 5 });
const update = (symbol: string, timeframe: Timeframe, t: number, closed = true, c = 100): CandleUpdate => ({ symbol, timeframe, candle: candle(t, c), closed });

function recorder(dataDir: string, options: { simulated?: () => boolean; days?: number; now?: () => number; flushMs?: number; maxPending?: number } = {}): HistoryRecorder {
  const r = new HistoryRecorder({ dataDir, days: options.days ?? 90, isSimulated: options.simulated ?? (() => false), now: options.now ?? (() => NOW), flushMs: options.flushMs ?? 60_000, maxPending: options.maxPending });
  recorders.push(r);
  return r;
}

function stored(dataDir: string, symbol: string, timeframe: "5m" | "1h"): Candle[] {
  const db = HistoryDb.open(dataDir, { readonly: true });
  try {
    return db.candles(symbol, timeframe);
  } finally {
    db.close();
  }
}

describe("HistoryRecorder", () => {
  test("stores closed 5m and 1h candles; forming and 4h candles are not stored", () => {
    const dir = tempDir();
    const rec = recorder(dir);
    const t = NOW - 10 * FIVE;
    rec.record(update("BTCUSDT", "5m", t));
    rec.record(update("BTCUSDT", "5m", t + FIVE, false));
    rec.record(update("BTCUSDT", "1h", NOW - 3_600_000 * 2));
    rec.record(update("BTCUSDT", "1h", NOW - 3_600_000, false));
    rec.record(update("BTCUSDT", "4h", NOW - 4 * 3_600_000));
    rec.record(update("ETHUSDT", "5m", t, true, 2000));
    rec.flush();
    expect(stored(dir, "BTCUSDT", "5m")).toEqual([candle(t)]);
    expect(stored(dir, "BTCUSDT", "1h")).toEqual([candle(NOW - 3_600_000 * 2)]);
    expect(stored(dir, "ETHUSDT", "5m")).toEqual([candle(t, 2000)]);
    const db = HistoryDb.open(dir, { readonly: true });
    expect(db.series().map((s) => `${s.symbol} ${s.timeframe} ${s.count}`)).toEqual(["BTCUSDT 1h 1", "BTCUSDT 5m 1", "ETHUSDT 5m 1"]);
    expect(db.journalMode()).toBe("wal");
    db.close();
    expect(rec.stats()).toMatchObject({ recorded: 3, pending: 0, failedWrites: 0 });
  });

  test("a re-delivered candle (same symbol, timeframe and time) replaces the stored row", () => {
    const dir = tempDir();
    const rec = recorder(dir);
    const t = NOW - 2 * FIVE;
    rec.record(update("BTCUSDT", "5m", t, true, 100));
    rec.flush();
    rec.record(update("BTCUSDT", "5m", t, true, 150));
    rec.record(update("BTCUSDT", "5m", t, true, 160)); // twice in one batch: the later one wins
    rec.flush();
    expect(stored(dir, "BTCUSDT", "5m")).toEqual([candle(t, 160)]);
  });

  test("a burst is written in one transaction, after flushMs or at once per 500 rows; stop writes what is queued", async () => {
    const dir = tempDir();
    const rec = recorder(dir, { flushMs: 30 });
    for (let i = 0; i < 29; i++) rec.record(update(`C${i}USDT`, "5m", NOW - FIVE));
    expect(rec.stats()).toMatchObject({ pending: 29, transactions: 0 });
    expect(existsSync(join(dir, HISTORY_DB_FILE))).toBe(false); // nothing written yet
    await Bun.sleep(80);
    expect(rec.stats()).toMatchObject({ pending: 0, transactions: 1, recorded: 29 });

    for (let i = 0; i < 1200; i++) rec.record(update("BTCUSDT", "5m", NOW - (i + 1) * FIVE));
    expect(rec.stats()).toMatchObject({ pending: 200, transactions: 3 });
    rec.stop();
    expect(rec.stats()).toMatchObject({ pending: 0, transactions: 4, recorded: 1229 });
    expect(stored(dir, "BTCUSDT", "5m")).toHaveLength(1200);
  });

  test("nothing is recorded while the market is simulated (sim or replay), and no file is created", () => {
    const dir = tempDir();
    let simulated = true;
    const rec = recorder(dir, { simulated: () => simulated });
    rec.record(update("BTCUSDT", "5m", NOW - FIVE));
    rec.recordClosed("BTCUSDT", "5m", [candle(NOW - 2 * FIVE)]);
    rec.flush();
    expect(existsSync(join(dir, HISTORY_DB_FILE))).toBe(false);
    expect(rec.stats()).toMatchObject({ recorded: 0, skippedSimulated: 2 });
    simulated = false; // e.g. a failover back to real prices
    rec.record(update("BTCUSDT", "5m", NOW - FIVE));
    rec.flush();
    expect(stored(dir, "BTCUSDT", "5m")).toHaveLength(1);
  });

  test("candles older than N days are pruned per series, at most every few minutes, not per write", () => {
    const dir = tempDir();
    let now = NOW;
    const rec = recorder(dir, { days: 2, now: () => now });
    const edge = NOW - 2 * DAY; // kept: not older than 2 days
    rec.recordClosed("BTCUSDT", "5m", [candle(NOW - 3 * DAY), candle(edge), candle(edge + FIVE), candle(NOW - FIVE)]);
    rec.recordClosed("ETHUSDT", "1h", [candle(edge), candle(NOW - 3_600_000)]);
    rec.flush();
    // A candle already older than the window is not written at all.
    expect(stored(dir, "BTCUSDT", "5m").map((c) => c.t)).toEqual([edge, edge + FIVE, NOW - FIVE]);

    now = NOW + 60_000; // `edge` is now older than 2 days, but the last prune was a minute ago
    rec.record(update("BTCUSDT", "5m", NOW));
    rec.flush();
    expect(stored(dir, "BTCUSDT", "5m").map((c) => c.t)).toEqual([edge, edge + FIVE, NOW - FIVE, NOW]);

    now = NOW + 5 * 60_000; // five minutes after the last prune: `edge` goes, `edge + 5 min` is exactly 2 days old and stays
    rec.record(update("BTCUSDT", "5m", NOW + FIVE));
    rec.flush();
    expect(stored(dir, "BTCUSDT", "5m").map((c) => c.t)).toEqual([edge + FIVE, NOW - FIVE, NOW, NOW + FIVE]);
    expect(stored(dir, "ETHUSDT", "1h").map((c) => c.t)).toEqual([NOW - 3_600_000]);
    expect(rec.stats().pruned).toBe(2);
  });

  test("a failing disk is logged once and counted, never throws into the pipeline; recovery is said", async () => {
    const dir = tempDir();
    // A directory where the database file should be: every open fails, as on a broken disk.
    mkdirSync(join(dir, HISTORY_DB_FILE));
    const rec = recorder(dir, { maxPending: 1000 });
    const { lines } = await captureLogs(async () => {
      for (let round = 0; round < 5; round++) {
        for (let i = 0; i < 600; i++) rec.record(update("BTCUSDT", "5m", NOW - (round * 600 + i + 1) * FIVE)); // 500 rows flush at once, inside record()
        rec.flush();
      }
      expect(rec.stats().failedWrites).toBeGreaterThanOrEqual(5);
      // Pending rows are kept for a retry, up to a bound; the rest are counted as dropped.
      expect(rec.stats()).toMatchObject({ pending: 1000, dropped: 2000 });
      rmSync(join(dir, HISTORY_DB_FILE), { recursive: true });
      rec.record(update("BTCUSDT", "5m", NOW));
      rec.flush();
    });
    const errors = lines.filter((line) => line.includes(" ERROR ") && line.includes("history"));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain("could not record");
    expect(errors[0]).toContain("further failures are counted, not repeated");
    expect(lines.filter((line) => /history: recording works again after \d+ failed write\(s\)/.test(line))).toHaveLength(1);
    // The queue stayed within its bound (the oldest row made room for the newest), then all of it was written.
    expect(rec.stats()).toMatchObject({ pending: 0, dropped: 2001, recorded: 1000, lastError: null });
    const rows = stored(dir, "BTCUSDT", "5m");
    expect(rows).toHaveLength(1000);
    expect(rows.at(-1)!.t).toBe(NOW);
  });
});

describe("recordMarketHistory (the server's wiring)", () => {
  /** The part of the market pipeline the recorder uses: closed-candle events, the store's candles, whether prices are real. */
  function fakeMarket(candles: Candle[]) {
    const listeners = new Set<(update: CandleUpdate) => void>();
    const market = {
      symbols: () => ["BTCUSDT"],
      status: () => ({ simulated: false, source: "binance" }),
      recentCandles: (_symbol: string, timeframe: Timeframe) => (timeframe === "5m" ? candles : []),
      onCandle: (listener: (update: CandleUpdate) => void) => {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    } as unknown as MarketPipeline;
    return { market, listeners, emit: (update: CandleUpdate) => listeners.forEach((l) => l(update)) };
  }

  test("stores the closed warm-up candles at once, then every closed candle event; stop unsubscribes and writes the rest", () => {
    const dir = tempDir();
    const forming = candle(NOW - FIVE + 60_000); // its close time is still ahead
    const { market, listeners, emit } = fakeMarket([candle(NOW - 3 * FIVE), candle(NOW - 2 * FIVE), forming]);
    const history = recordMarketHistory(market, { dataDir: dir, days: 90, now: () => NOW })!;
    expect(stored(dir, "BTCUSDT", "5m").map((c) => c.t)).toEqual([NOW - 3 * FIVE, NOW - 2 * FIVE]);
    emit(update("BTCUSDT", "5m", NOW - FIVE, false));
    emit(update("BTCUSDT", "5m", NOW - FIVE, true, 120));
    history.stop();
    expect(listeners.size).toBe(0);
    emit(update("BTCUSDT", "5m", NOW, true));
    expect(stored(dir, "BTCUSDT", "5m")).toEqual([candle(NOW - 3 * FIVE), candle(NOW - 2 * FIVE), candle(NOW - FIVE, 120)]);
  });

  test("--history-days 0 records nothing and subscribes to nothing", () => {
    const dir = tempDir();
    const { market, listeners } = fakeMarket([candle(NOW - 2 * FIVE)]);
    expect(recordMarketHistory(market, { dataDir: dir, days: 0 })).toBeNull();
    expect(listeners.size).toBe(0);
    expect(existsSync(join(dir, HISTORY_DB_FILE))).toBe(false);
  });
});

describe("--history-days", () => {
  test("defaults to 90, reads HISTORY_DAYS, the flag wins, 0 turns recording off, a bad value names the flag", () => {
    expect(parseSettings([], {}).historyDays).toBe(90);
    expect(parseSettings([], { HISTORY_DAYS: "30" }).historyDays).toBe(30);
    expect(parseSettings(["--history-days", "0"], { HISTORY_DAYS: "30" }).historyDays).toBe(0);
    expect(() => parseSettings(["--history-days", "-1"], {})).toThrow(/--history-days/);
    expect(() => parseSettings(["--history-days=1.5"], {})).toThrow(/--history-days/);
  });
});
