/**
 * The server with REDIS_URL against a real redis-server: every key of the
 * spec with its TTL for all 29 coins, signals:ta reaches a subscriber, an
 * outage leaves the API answering and all state comes back, and a second
 * server on the same account stays on standby.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Redis from "ioredis";
import { DEFAULT_SYMBOLS } from "../../src/market/symbols.ts";
import { TaPayloadSchema } from "../../src/bus/ta-payload.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

let redis: Awaited<ReturnType<typeof startRedisServer>>;
let server: TestServer;
let raw: Redis;

beforeAll(async () => {
  redis = await startRedisServer({ db: 3 });
  server = await startTestServer({ redisUrl: redis.url });
  raw = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: (n) => Math.min(n * 50, 200) });
  await raw.connect();
}, 30_000);

afterAll(async () => {
  raw?.disconnect();
  await server?.close();
  await redis?.stop();
});

describe("Redis schema with the real server", () => {
  test("every key for all 29 coins with the spec's TTLs", async () => {
    const ttl: Record<string, [number, number]> = { "": [1, 60], ":1h": [61, 300], ":4h": [301, 600] };
    await waitFor("ta:latest for every coin", async () => (await raw.keys("ta:latest:*")).length === 29, 10_000);
    for (const symbol of DEFAULT_SYMBOLS) {
      for (const [suffix, [low, high]] of Object.entries(ttl)) {
        const key = `cache:candles:${symbol}${suffix}`;
        const seconds = await raw.ttl(key);
        expect(seconds).toBeGreaterThanOrEqual(suffix === "" ? low : 1);
        expect(seconds).toBeLessThanOrEqual(high);
        const candles = JSON.parse((await raw.get(key))!);
        expect(candles.length).toBeGreaterThan(0);
        expect(Object.keys(candles[0]).sort()).toEqual(["c", "h", "l", "o", "t", "v"]);
      }
      const taTtl = await raw.ttl(`ta:latest:${symbol}`);
      expect(taTtl).toBeGreaterThan(0);
      expect(taTtl).toBeLessThanOrEqual(120);
      expect(TaPayloadSchema.safeParse(JSON.parse((await raw.get(`ta:latest:${symbol}`))!)).success).toBe(true);
    }
    await waitFor("trader state keys", async () => (await raw.exists("state:positions", "state:balance", "state:trader:config", "state:trader:status")) === 4);
    for (const key of ["state:positions", "state:balance", "state:trader:config", "state:trader:status"]) expect(await raw.ttl(key)).toBe(-1);
    expect(JSON.parse((await raw.get("state:trader:config"))!).mode).toBe("paused");
    expect(JSON.parse((await raw.get("state:balance"))!).equity).toBe(10000);
  });

  test("a subscriber to signals:ta:BTCUSDT receives TA results", async () => {
    const sub = new Redis(redis.url);
    try {
      const received = new Promise<string>((resolve) => sub.on("message", (_channel, message) => resolve(message)));
      await sub.subscribe("signals:ta:BTCUSDT");
      const message = JSON.parse(await received);
      expect(message.symbol).toBe("BTCUSDT");
      expect(TaPayloadSchema.safeParse(message).success).toBe(true);
    } finally {
      sub.disconnect();
    }
  });

  test("trade events reach trader:events and state:positions follows", async () => {
    const sub = new Redis(redis.url);
    try {
      const events: any[] = [];
      sub.on("message", (_c, m) => events.push(JSON.parse(m)));
      await sub.subscribe("trader:events");
      await server.post("/api/trader/config", { mode: "dry-run", long_threshold: 0, short_threshold: 0, max_positions: 2 });
      await server.post("/api/trader/control", { action: "run-cycle" });
      await waitFor("trade_open events", () => events.filter((e) => e.type === "trade_open").length === 2);
      await waitFor("state:positions with two positions", async () => JSON.parse((await raw.get("state:positions")) ?? "[]").length === 2);
    } finally {
      sub.disconnect();
    }
  });

  test("Redis killed: /health and the API keep answering; restarted: state is back", async () => {
    await redis.kill("SIGKILL");
    const health = await fetch(server.url + "/health");
    expect(health.status).toBe(200);
    const closed = await server.post("/api/trader/close-all", {});
    expect(closed.status).toBe(200);
    expect((await server.get("/api/trader/status")).body.positions).toEqual([]);
    await redis.restart();
    await waitFor("state back in Redis after restart", async () => {
      try {
        const positions = await raw.get("state:positions");
        return positions !== null && JSON.parse(positions).length === 0 && (await raw.keys("ta:latest:*")).length === 29;
      } catch {
        return false;
      }
    }, 20_000, 200);
    // Nothing lost from SQLite: the closes made during the outage are recorded.
    const trades = (await server.get("/api/trader/logs?kind=trade&limit=20")).body.entries;
    expect(trades.filter((e: any) => e.data?.event === "close").length).toBe(2);
  }, 40_000);

  test("two servers on the same account: exactly one trades, the other is on standby", async () => {
    const second = await startTestServer({ redisUrl: redis.url, dataDir: server.dataDir, configPath: server.configPath });
    try {
      await second.post("/api/trader/config", { mode: "dry-run" });
      const standby = (body: any) => String(body.message).includes("standby: another trader process holds lease:trader:paper-");
      // After the Redis restart above either one may hold the lease; wait until one does.
      const outcome = await waitFor("exactly one holder of the trader lease", async () => {
        const a = (await server.post("/api/trader/control", { action: "run-cycle" })).body;
        const b = (await second.post("/api/trader/control", { action: "run-cycle" })).body;
        return standby(a) !== standby(b) ? [standby(a), standby(b)] : null;
      }, 20_000, 500);
      expect(outcome!.filter(Boolean)).toHaveLength(1);
    } finally {
      await second.close(true);
    }
  }, 40_000);
});
