/**
 * The trader engine's "done when", through the JSON API alone, on the real
 * server (sim market, paper exchange, SQLite, trader_config.json on disk).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
}, 30_000);
afterAll(() => s?.close());

const status = async () => (await s.get("/api/trader/status")).body;

describe("trader through the API (sim market, paper exchange)", () => {
  test("a fresh data dir starts paused and OFF with the default config written", async () => {
    const st = await status();
    expect(st).toMatchObject({ mode: "paused", running: false, lock: null, exchange: "paper", positions: [] });
    expect(st.market_source).toMatchObject({ name: "sim", simulated: true });
    expect(st.account).toMatchObject({ equity: 10000, starting_balance: 10000, drawdown_pct: 0, kill_switch_distance_pct: 50 });
    expect(JSON.parse(readFileSync(s.configPath, "utf8")).mode).toBe("paused");
  });

  test("paused: run-cycle makes no trade", async () => {
    const res = await s.post("/api/trader/control", { action: "run-cycle" });
    expect(res.status).toBe(200);
    expect(res.body.message).toBe("Cycle skipped: mode is paused");
    expect((await status()).positions).toEqual([]);
  });

  test("bad config is refused by field name and never written", async () => {
    const before = readFileSync(s.configPath, "utf8");
    const res = await s.post("/api/trader/config", { max_leverage: 1000, position_size_pct: "5" });
    expect(res.status).toBe(400);
    expect(res.body.issues.map((i: any) => i.path).sort()).toEqual(["max_leverage", "position_size_pct"]);
    expect(res.body.error).toContain("max_leverage");
    expect(readFileSync(s.configPath, "utf8")).toBe(before);
    const unknown = await s.post("/api/trader/config", { max_levrage: 5 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toContain("max_levrage");
    const notJson = await s.post("/api/trader/config", "{nope");
    expect(notJson.status).toBe(400);
    expect(notJson.body.error).toContain("not valid JSON");
  });

  test("live is refused with the reason on a simulated market, even with the confirmation", async () => {
    const res = await s.post("/api/trader/config", { mode: "live", confirm: "LIVE" });
    expect(res.status).toBe(400);
    expect(res.body.error).toContain("live trading is not possible");
    expect(res.body.issues[0].path).toBe("mode");
    expect((await status()).mode).toBe("paused");
  });

  test("lowered thresholds and dry-run open positions within max_positions", async () => {
    const res = await s.post("/api/trader/config", { mode: "dry-run", long_threshold: 0, short_threshold: 0, max_positions: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ mode: "dry-run", long_threshold: 0, max_positions: 2, position_size_pct: 5 });
    const cycle = await s.post("/api/trader/control", { action: "run-cycle" });
    expect(cycle.status).toBe(200);
    const st = await status();
    expect(st.positions.length).toBe(2);
    for (const p of st.positions) {
      expect(p.leverage).toBe(10);
      // 5 % of 10 000 as margin, less the rounding of the amount.
      expect(p.margin).toBeGreaterThan(480);
      expect(p.margin).toBeLessThanOrEqual(501);
    }
    // A second cycle keeps max_positions.
    await s.post("/api/trader/control", { action: "run-cycle" });
    expect((await status()).positions.length).toBe(2);
    const signals = (await s.get("/api/trader/logs?kind=signal&limit=200")).body.entries;
    expect(signals.some((e: any) => e.message.includes("max positions reached (2)"))).toBe(true);
  });

  test("a broken hand edit leaves the config in force and logs an error", async () => {
    const before = (await status()).config;
    writeFileSync(s.configPath, '{"mode": "dry-run", "max_leverage": "lots"');
    await waitFor("the rejected edit in the error log", async () =>
      (await s.get("/api/trader/logs?kind=error&limit=20")).body.entries.find((e: any) => e.message.includes("trader_config.json edit rejected")),
    );
    expect((await status()).config).toEqual(before);
    // A valid hand edit is picked up.
    writeFileSync(s.configPath, JSON.stringify({ ...before, max_positions: 3 }, null, 2));
    await waitFor("the hand edit in force", async () => (await status()).config.max_positions === 3);
  });

  test("close-position closes one, 404 for a symbol without a position, 400 for a bad symbol", async () => {
    const [first] = (await status()).positions;
    const res = await s.post("/api/trader/close-position", { symbol: first.symbol });
    expect(res.status).toBe(200);
    expect((await status()).positions.map((p: any) => p.symbol)).not.toContain(first.symbol);
    const missing = await s.post("/api/trader/close-position", { symbol: first.symbol });
    expect(missing.status).toBe(404);
    expect(missing.body.message).toContain(`No open position for ${first.symbol}`);
    const bad = await s.post("/api/trader/close-position", { symbol: "btc" });
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe("symbol");
  });

  test("close-all leaves no position", async () => {
    await s.post("/api/trader/control", { action: "run-cycle" });
    const res = await s.post("/api/trader/close-all", {});
    expect(res.status).toBe(200);
    expect((await status()).positions).toEqual([]);
  });

  test("emergency stop leaves zero positions, a lock, paused and OFF; nothing trades while locked", async () => {
    await s.post("/api/trader/config", { mode: "dry-run", max_positions: 3 });
    await s.post("/api/trader/control", { action: "start" });
    await waitFor("positions opened by the loop", async () => (await status()).positions.length > 0, 10_000);
    const res = await s.post("/api/trader/control", { action: "emergency-stop" });
    expect(res.status).toBe(200);
    const st = await status();
    expect(st.positions).toEqual([]);
    expect(st).toMatchObject({ mode: "paused", running: false });
    expect(st.lock).toMatchObject({ source: "emergency_stop" });
    expect(existsSync(join(s.dataDir, "live-trader-lock.json"))).toBe(true);

    await s.post("/api/trader/config", { mode: "dry-run" });
    await s.post("/api/trader/control", { action: "run-cycle" });
    expect((await status()).positions).toEqual([]);
    const signals = (await s.get("/api/trader/logs?kind=signal&limit=50")).body.entries;
    expect(signals[0].message).toContain("lockfile set");
  });

  test("clear-lockfile lets trading resume", async () => {
    const res = await s.post("/api/trader/control", { action: "clear-lockfile" });
    expect(res.status).toBe(200);
    expect((await status()).lock).toBeNull();
    await s.post("/api/trader/control", { action: "run-cycle" });
    expect((await status()).positions.length).toBeGreaterThan(0);
  });

  test("every log kind has entries, with origins on controls", async () => {
    for (const kind of ["trade", "error", "signal", "cycle", "control"]) {
      const res = await s.get(`/api/trader/logs?kind=${kind}&limit=5`);
      expect(res.status).toBe(200);
      expect(res.body.entries.length).toBeGreaterThan(0);
      expect(res.body.entries[0]).toMatchObject({ kind });
    }
    const controls = (await s.get("/api/trader/logs?kind=control&limit=100")).body.entries;
    expect(controls.some((e: any) => e.origin === "api" && e.message.startsWith("emergency-stop"))).toBe(true);
    expect(controls.some((e: any) => e.origin === "file")).toBe(true);
    const bad = await s.get("/api/trader/logs?kind=trades");
    expect(bad.status).toBe(400);
    expect(bad.body.issues[0].path).toBe("kind");
  });

  test("unknown control action is refused naming the field", async () => {
    const res = await s.post("/api/trader/control", { action: "launch" });
    expect(res.status).toBe(400);
    expect(res.body.issues[0].path).toBe("action");
  });
});

describe("restart keeps what the owner left", () => {
  test("ON survives a restart, OFF stays OFF, and a lock still blocks", async () => {
    let server = await startTestServer();
    const dataDir = server.dataDir;
    await server.post("/api/trader/config", { mode: "dry-run", long_threshold: 0, short_threshold: 0 });
    await server.post("/api/trader/control", { action: "start" });
    await server.close(true);

    server = await startTestServer({ dataDir });
    expect((await server.get("/api/trader/status")).body).toMatchObject({ running: true, mode: "dry-run" });
    await server.post("/api/trader/control", { action: "emergency-stop" });
    await server.close(true);

    server = await startTestServer({ dataDir });
    const st = (await server.get("/api/trader/status")).body;
    expect(st).toMatchObject({ running: false, mode: "paused", positions: [] });
    expect(st.lock).toMatchObject({ source: "emergency_stop" });
    await server.post("/api/trader/config", { mode: "dry-run" });
    await server.post("/api/trader/control", { action: "run-cycle" });
    expect((await server.get("/api/trader/status")).body.positions).toEqual([]);
    await server.close();
  }, 60_000);
});
