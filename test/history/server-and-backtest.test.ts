/**
 * End to end: the real server on the loopback Binance US stand-in records the
 * closed candles it receives into <dataDir>/history.db (not on a simulated
 * market, not with --history-days 0); `history fetch` tops the record up
 * without fetching those candles again; `backtest --data history` runs on it,
 * and the recorded history loads exactly as its export does from a folder.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadBacktestData } from "../../src/backtest/data.ts";
import { runHistoryCommand } from "../../src/cli/history-command.ts";
import { HISTORY_DB_FILE, HistoryDb } from "../../src/history/history-db.ts";
import { loadHistoryData } from "../../src/history/load.ts";
import { TIMEFRAME_MS } from "../../src/market/candle.ts";
import { setQuiet } from "../../src/log.ts";
import { fakeCandle, startFakeBinance, type FakeBinance } from "../helpers/fake-binance.ts";
import { startTestServer, waitFor } from "../helpers/server.ts";

const ROOT = join(import.meta.dir, "../..");
const FIVE = TIMEFRAME_MS["5m"];
const SYMBOLS = ["BTCUSDT", "ETHUSDT"];

let binance: FakeBinance;
const dirs: string[] = [];
beforeAll(() => {
  setQuiet(true);
  binance = startFakeBinance();
});
afterAll(() => {
  binance.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Runs the CLI in a child process without blocking this one (the fake Binance answers from here). */
async function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([process.execPath, join(ROOT, "src/main.ts"), ...args], {
    cwd,
    stdout: "pipe",
    stderr: "pipe",
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", BINANCE_BASE_URL: binance.url },
  });
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { code, stdout, stderr };
}

describe("the server's recorder", () => {
  test("records nothing while the market is simulated, and nothing with --history-days 0", async () => {
    const sim = await startTestServer({ symbols: SYMBOLS });
    let closed = 0;
    sim.market.onCandle((update) => (closed += update.closed ? 1 : 0));
    await waitFor("a closed simulated candle", () => closed > 0, 10_000);
    await sim.close(true);
    expect(existsSync(join(sim.dataDir, HISTORY_DB_FILE))).toBe(false);
    rmSync(sim.dataDir, { recursive: true, force: true });

    const off = await startTestServer({ symbols: SYMBOLS, market: "binance", binanceBaseUrl: binance.url, historyDays: 0 });
    await off.close(true);
    expect(existsSync(join(off.dataDir, HISTORY_DB_FILE))).toBe(false);
    rmSync(off.dataDir, { recursive: true, force: true });
  }, 20_000);

  test("records real candles; fetch tops them up without asking for them again; backtest --data history runs on the result", async () => {
    const dataDir = tempDir("history-e2e-");
    const server = await startTestServer({ dataDir, symbols: SYMBOLS, market: "binance", binanceBaseUrl: binance.url });
    await server.close(true);

    // The closed candles the server received from Binance US at start are in history.db; the forming one is not.
    const db = HistoryDb.open(dataDir, { readonly: true });
    const recorded = db.candles("BTCUSDT", "5m");
    db.close();
    expect(recorded.length).toBeGreaterThanOrEqual(999);
    expect(recorded.at(-1)!.t + FIVE).toBeLessThanOrEqual(Date.now());
    for (const candle of [recorded[0]!, recorded.at(-1)!]) expect(candle).toEqual(fakeCandle("5m", candle.t));
    const oldestRecorded = recorded[0]!.t;

    binance.requests.length = 0;
    const fetched = await cli(["history", "fetch", "--days", "5", "--symbols", SYMBOLS.join(","), "--data-dir", dataDir], dataDir);
    expect(fetched.stderr).toContain("100%");
    expect(fetched.code).toBe(0);
    const fivePages = binance.requestsFor("BTCUSDT", "5m").filter((r) => r.params.limit === "1000");
    // The older days: one request ending before the first recorded candle (plus, at most, the candle that closed since).
    expect(Number(fivePages[0]!.params.endTime)).toBeLessThan(oldestRecorded);
    expect(fivePages.length).toBeLessThanOrEqual(2);

    const backtest = await cli(["backtest", "--data", "history", "--data-dir", dataDir, "--out", "out"], dataDir);
    expect(backtest.stderr.trim().split("\n").at(-1)).toContain("100%");
    expect(backtest.code).toBe(0);
    expect(backtest.stdout).toContain("Backtest of 2 coin(s)");
    expect(backtest.stdout).toContain(join(dataDir, HISTORY_DB_FILE));
    const result = JSON.parse(readFileSync(join(dataDir, "out/result.json"), "utf8"));
    expect(result.data.symbols).toEqual(SYMBOLS);
    expect(result.data.gaps).toEqual([]);

    // The recorded history loads exactly as its export does through the folder loader.
    let err = "";
    const exported = join(dataDir, "export");
    expect(await runHistoryCommand(["export", "--out", exported, "--data-dir", dataDir], { env: {}, out: () => {}, err: (t) => (err += t) })).toBe(0);
    const fromHistory = loadHistoryData(dataDir);
    const fromFolder = loadBacktestData(exported);
    expect({ ...fromHistory, dir: "" }).toEqual({ ...fromFolder, dir: "" });
    expect(fromHistory.series[0]!.hour!.length).toBeGreaterThan(100);
  }, 30_000);

  test("backtest --data history on an empty history exits 2 saying how to fill it", async () => {
    const empty = tempDir("history-empty-");
    const run = await cli(["backtest", "--data", "history", "--data-dir", empty, "--out", "out"], empty);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/^error: no recorded candles in .*history\.db: fill it with `bun src\/main\.ts history fetch --days 30`/);
    expect(existsSync(join(empty, "out"))).toBe(false);
  });
});
