/**
 * The owner's scoring module through the whole product: the server says which
 * scorer is active and trades on its scores; a module that does not load stops
 * the start with one line (exit 2); the backtester uses the same module.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

const ROOT = join(import.meta.dir, "../..");
const FIXED = join(ROOT, "test/fixtures/scoring/fixed.ts");
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ scoring: FIXED, symbols: ["BTCUSDT", "ETHUSDT", "SOLUSDT"], simTickMs: 50 });
}, 30_000);
afterAll(async () => {
  await server?.close();
});

test("/health, the scanner and /trader name the owner's module; a dry-run cycle trades on its scores", async () => {
  expect((await server.get("/health")).body.scoring).toBe(`${FIXED} (owner)`);
  expect(await (await fetch(`${server.url}/`)).text()).toContain(`scoring: ${FIXED} (owner)`);
  expect(await (await fetch(`${server.url}/trader`)).text()).toContain(`<dd id="trader-scoring">${FIXED} (owner)</dd>`);
  // The module scores BTCUSDT long 99 and every other coin 1 / 1.
  await waitFor("the module to score BTCUSDT", () => server.market.coin("BTCUSDT")?.score.long === 99, 15_000);
  expect((await server.post("/api/trader/config", { long_threshold: 90, short_threshold: 90, max_positions: 3 })).status).toBe(200);
  expect((await server.post("/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
  await server.post("/api/trader/control", { action: "run-cycle" });
  const positions = (await server.get("/api/trader/status")).body.positions as { symbol: string; side: string }[];
  expect(positions.map((p) => `${p.side} ${p.symbol}`)).toEqual(["long BTCUSDT"]);
}, 30_000);

test("a module without score(input) stops the start with one line and exit 2, never a silent fallback", () => {
  const run = Bun.spawnSync([process.execPath, join(ROOT, "src/main.ts"), "serve", "--market", "sim", "--port", "0", "--scoring", join(ROOT, "test/fixtures/scoring/no-export.ts")], {
    env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent", COINEX_BASE_URL: "http://127.0.0.1:9/v2" },
    stdout: "pipe",
    stderr: "pipe",
  });
  expect(run.exitCode).toBe(2);
  expect(run.stderr.toString().trim()).toMatch(/^error: scoring module .*no-export\.ts must export a function score\(input\); it exports scores$/);
});

test("the backtester uses the same module: only its long BTC signal trades", () => {
  const run = Bun.spawnSync(
    [process.execPath, join(ROOT, "src/main.ts"), "backtest", "--data", join(ROOT, "test/fixtures/backtest"), "--scoring", FIXED, "--out", join(server.dataDir, "bt")],
    { env: { PATH: process.env.PATH ?? "", LOG_LEVEL: "silent" }, stdout: "pipe", stderr: "pipe" },
  );
  expect(run.exitCode).toBe(0);
  const out = run.stdout.toString();
  expect(out).toContain(`Scoring: ${FIXED} (owner)`);
  const trades = require("node:fs").readFileSync(join(server.dataDir, "bt/trades.csv"), "utf8").trim().split("\n").slice(1);
  expect(trades.length).toBeGreaterThan(0);
  expect(trades.every((row: string) => row.split(",")[1] === "BTCUSDT" && row.split(",")[2] === "long")).toBe(true);
}, 60_000);
