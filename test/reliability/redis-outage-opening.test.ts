/**
 * A trader that loses Redis opens nothing from the moment it knows, not when
 * its lease finally runs out: the adversarial run saw 19 positions opened
 * ~300 ms after Redis died, ~11 s before the lease expired. Staged without a
 * race: the trader is full (max_positions reached) when Redis dies, the owner
 * then raises max_positions, and cycles run while the lease's TTL still holds.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.ts";
import { startTestServer, waitFor, type TestServer } from "../helpers/server.ts";

let redis: RedisServer;
let server: TestServer;

beforeAll(async () => {
  redis = await startRedisServer({ db: 5 });
  // A long lease: the whole outage below happens while the TTL still holds it.
  server = await startTestServer({ redisUrl: redis.url, leaseTtlMs: 60_000 });
  await waitFor("the trader to hold its lease", async () => Object.values((await server.get("/health")).body.leases ?? {}).some((held) => held === true), 15_000);
}, 30_000);

afterAll(async () => {
  await server?.close();
  await redis?.stop();
}, 30_000);

const positions = async () => (await server.get("/api/trader/status")).body.positions.length as number;

test("Redis killed: zero positions opened while the lease is unconfirmed, opening again once Redis confirms it", async () => {
  expect((await server.post("/api/trader/config", { long_threshold: 0, short_threshold: 130, max_positions: 2, reentry_cooldown_minutes: 0 })).status).toBe(200);
  expect((await server.post("/api/trader/mode", { mode: "dry-run" })).status).toBe(200);
  expect((await server.post("/api/trader/control", { action: "run-cycle" })).status).toBe(200);
  expect(await positions()).toBe(2);

  await redis.kill("SIGKILL");
  expect((await server.post("/api/trader/config", { max_positions: 29 })).status).toBe(200);
  for (let i = 0; i < 3; i++) {
    const cycle = await server.post("/api/trader/control", { action: "run-cycle" });
    expect(cycle.body.data.skipped ?? "").toContain("no new positions: Redis unreachable");
  }
  expect(await positions()).toBe(2);
  const signals = (await server.get("/api/trader/logs?kind=signal&limit=50")).body.entries as { message: string }[];
  expect(signals.filter((e) => e.message.includes(": acted")).length).toBe(2);

  await redis.restart();
  await waitFor("a cycle to open again once Redis confirms the lease", async () => {
    await server.post("/api/trader/control", { action: "run-cycle" });
    return (await positions()) > 2;
  }, 20_000);
}, 60_000);
