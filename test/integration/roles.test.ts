/**
 * The split roles against one real redis-server, in one test process: a `ta`
 * (sim market) publishes, a `trader` trades on the market data it reads from
 * Redis, a `web` mirrors both read-only. Checks that the web calls no exchange,
 * refuses controls, follows the trader; that a ta standby takes over when the
 * holder goes; and that with Redis down the web falls back to Binance US (a
 * local fake) and says so, then stops fetching when Redis is back.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, settingsFrom, type RunningServer } from "../../src/app/start-server.ts";
import { CLOSED_LOOPBACK_COINEX } from "../helpers/server.ts";
import { startTaRole, type RunningTa } from "../../src/app/start-ta.ts";
import { startWebRole, type RunningWeb } from "../../src/app/start-web.ts";
import { setQuiet } from "../../src/log.ts";
import { DEFAULT_SYMBOLS } from "../../src/market/symbols.ts";
import { startFakeBinance, type FakeBinance } from "../helpers/fake-binance.ts";
import { jsonClient } from "../helpers/http.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/server.ts";

const LEASE_TTL_MS = 3000;
let redis: Awaited<ReturnType<typeof startRedisServer>>;
let binance: FakeBinance;
let ta: RunningTa;
let trader: RunningServer;
let web: RunningWeb;
let dataDir: string;

const call = (base: string, method: "GET" | "POST", path: string, body?: unknown) => jsonClient(base)(method, path, body);

beforeAll(async () => {
  setQuiet(true);
  redis = await startRedisServer({ db: 4 });
  binance = startFakeBinance();
  dataDir = mkdtempSync(join(tmpdir(), "roles-it-"));
  const common = { redisUrl: redis.url, port: 0, host: "127.0.0.1", leaseTtlMs: LEASE_TTL_MS, binanceBaseUrl: binance.url, coinexBaseUrl: CLOSED_LOOPBACK_COINEX };
  ta = await startTaRole(settingsFrom({ ...common, role: "ta", market: "sim", simTickMs: 200 }));
  await waitFor("the ta process to publish every coin", () => ta.market()?.coins().length === 29, 15_000);
  trader = await startServer({
    ...common,
    role: "trader",
    exchange: "paper",
    dataDir,
    configPath: join(dataDir, "trader_config.json"),
    cycleIntervalMs: 300,
  });
  web = await startWebRole(settingsFrom({ ...common, role: "web" }));
}, 60_000);

afterAll(async () => {
  await web?.stop();
  await trader?.stop();
  await ta?.stop();
  binance?.stop();
  await redis?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("web role", () => {
  test("shows all 29 coins from Redis, with the ta's source, and calls no exchange", async () => {
    await waitFor("29 coins on the web instance", () => web.market.coins().length === 29, 15_000);
    const page = await call(web.url, "GET", "/");
    expect(page.status).toBe(200);
    for (const symbol of DEFAULT_SYMBOLS) expect(page.body).toContain(symbol);
    // The sim's prices reach the web through Redis: same coin, same newest 5m close.
    const price = (symbol: string) => web.market.coin(symbol)?.price;
    await waitFor("BTC price to match the ta's", () => price("BTCUSDT") === ta.market()?.coin("BTCUSDT")?.price, 5000);
    // TA is the ta process's own (computed on its full history), not a recomputation from the ~300 cached candles.
    const taOf = (coin: { ta: unknown } | null | undefined) => JSON.stringify(coin?.ta ?? null);
    await waitFor("the web's BTC TA to equal the ta's", () => taOf(web.market.coin("BTCUSDT")) === taOf(ta.market()?.coin("BTCUSDT")), 5000, 5);
    const health = await call(web.url, "GET", "/health");
    expect(health.body).toMatchObject({ role: "web", redis_connected: true, market_source: "sim", simulated: true });
    expect(binance.requests).toEqual([]);
  });

  test("mirrors the trader's state and refuses every control with a reason", async () => {
    expect((await call(trader.url, "POST", "/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
    expect((await call(trader.url, "POST", "/api/trader/control", { action: "start" })).status).toBe(200);
    await waitFor("the web to show the trader ON in dry-run", async () => {
      const status = (await call(web.url, "GET", "/api/trader/status")).body;
      return status.running === true && status.mode === "dry-run";
    }, 10_000);

    for (const [path, body] of [
      ["/api/trader/control", { action: "stop" }],
      ["/api/trader/mode", { mode: "paused" }],
      ["/api/trader/config", { max_positions: 1 }],
      ["/api/trader/close-all", {}],
    ] as const) {
      const refused = await call(web.url, "POST", path, body);
      expect(refused.status).toBe(503);
      expect(refused.body.error).toContain("read-only web instance");
    }
    const form = await fetch(web.url + "/trader/control", { method: "POST", headers: { origin: web.url, "hx-request": "true", "content-type": "application/x-www-form-urlencoded" }, body: "action=stop" });
    expect(form.status).toBe(503);
    expect(await form.text()).toContain("read-only web instance");
    expect(trader.controller.status().running).toBe(true);
  });

  test("the trader trades on market data it reads from Redis, and the web shows the positions", async () => {
    expect((await call(trader.url, "POST", "/api/trader/config", { long_threshold: 0, short_threshold: 0 })).status).toBe(200);
    // Up to max_positions (the previous test's cycles may already have opened some at the default thresholds).
    await waitFor("paper positions", () => trader.controller.status().positions.length > 0, 15_000);
    const held = trader.controller.status().positions.map((p) => p.symbol).sort();
    await waitFor("the web to list the same positions", async () => {
      const status = (await call(web.url, "GET", "/api/trader/status")).body;
      return JSON.stringify(status.positions.map((p: { symbol: string }) => p.symbol).sort()) === JSON.stringify(held);
    }, 10_000);
    const page = await call(web.url, "GET", "/trader");
    for (const symbol of held) expect(page.body).toContain(symbol);
    expect(binance.requests).toEqual([]);
  });
});

describe("ta role lease", () => {
  test("a second ta stays standby and fetches nothing; it takes over when the holder goes", async () => {
    const standby = await startTaRole(settingsFrom({ redisUrl: redis.url, port: 0, host: "127.0.0.1", leaseTtlMs: LEASE_TTL_MS, role: "ta", market: "sim", simTickMs: 200 }));
    try {
      expect(standby.holdsLease()).toBe(false);
      expect(standby.market()).toBeNull();
      expect((await call(standby.url, "GET", "/health")).body.leases).toEqual({ "lease:ta": false });

      await ta.stop();
      await waitFor("the standby to hold lease:ta and publish", () => standby.holdsLease() && standby.market()?.coins().length === 29, LEASE_TTL_MS * 3);
      // The web keeps receiving candles, now from the new holder.
      const before = web.market.status().lastUpdate["5m"] ?? 0;
      await waitFor("a newer 5m update on the web", () => (web.market.status().lastUpdate["5m"] ?? 0) > before, 10_000);
    } finally {
      ta = standby;
    }
  });
});

describe("Redis outage", () => {
  test("the web falls back to Binance US and says so; when Redis is back it stops fetching", async () => {
    await redis.kill();
    const banner = () => web.market.status().banner ?? "";
    await waitFor("the fallback banner", () => banner().includes("Binance US"), 15_000);
    await waitFor("requests to Binance US", () => binance.requests.length > 0, 15_000);
    const health = await call(web.url, "GET", "/health");
    expect(health.status).toBe(200);
    expect(health.body.redis_connected).toBe(false);
    expect((await call(trader.url, "GET", "/health")).status).toBe(200);
    const status = (await call(web.url, "GET", "/api/trader/status")).body;
    expect(status.account_error).toContain("Redis");

    // The trader, ON in dry-run, loses its lease to the outage: it keeps managing what is open
    // (its cycles still run) but opens nothing, since it cannot prove it is the only trader.
    const skipped = () => String(trader.controller.status().last_cycle?.skipped ?? "");
    await waitFor("the trader in protect-only cycles", () => skipped().startsWith("no new positions: Redis unreachable"), LEASE_TTL_MS * 3);

    await redis.restart();
    await waitFor("the web back on Redis", () => !banner().includes("Binance US") && web.bus.isConnected(), 20_000);
    await waitFor("the trader to hold its lease again", async () => {
      const leases = (await call(trader.url, "GET", "/health")).body.leases as Record<string, boolean>;
      return Object.values(leases).every(Boolean);
    }, LEASE_TTL_MS * 4);
    await waitFor("a full trader cycle again", () => trader.controller.status().last_cycle?.skipped === null, 10_000);
    const fetched = binance.requests.length;
    // Market data flows from Redis again, and no Binance request is made meanwhile.
    const before = web.market.status().lastUpdate["5m"] ?? 0;
    await waitFor("a 5m update from Redis", () => (web.market.status().lastUpdate["5m"] ?? 0) > before, 15_000);
    await waitFor("a second one", () => (web.market.status().lastUpdate["5m"] ?? 0) > before + 200, 15_000);
    expect(binance.requests.length).toBe(fetched);
  }, 90_000);
});
