/**
 * RedisBus under a real outage: redis-server is killed mid-run (SIGKILL, and
 * with `--save ''` every key is gone) and restarted on the same port. The bus
 * must not throw, must log the outage once and "Redis back" once, and must
 * put back every key it remembers (with the TTL left), restore its
 * subscriptions — including ones made during the outage — and call the
 * onReconnect listeners. Waits poll with deadlines; nothing sleeps blindly.
 */
import { afterEach, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import { channels, keys } from "../../src/bus/keys.ts";
import type { TraderEvent } from "../../src/bus/payloads.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.ts";
import * as sample from "./fixtures/samples.ts";
import { rawRedis, recordingLogger, waitFor, type LogLine } from "./support.ts";

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 15_000);

async function setUp(options: { db?: number } = {}) {
  const server = await startRedisServer({ db: options.db ?? 2 });
  cleanups.push(() => server.stop());
  const { log, lines } = recordingLogger();
  let clockOffsetMs = 0;
  const bus = new RedisBus({
    url: server.url,
    log,
    maxReconnectDelayMs: 200,
    now: () => Date.now() + clockOffsetMs,
  });
  cleanups.push(() => bus.close());
  const reconnects: number[] = [];
  bus.onReconnect(() => reconnects.push(Date.now()));
  return {
    server,
    bus,
    lines,
    reconnects,
    advanceBusClock: (ms: number) => {
      clockOffsetMs += ms;
    },
  };
}

function rawClient(server: RedisServer): Redis {
  const client = rawRedis(server.url);
  cleanups.push(() => client.disconnect());
  return client;
}

const outageLines = (lines: LogLine[]) => lines.filter((line) => /Redis unreachable/.test(line.message));
const backLines = (lines: LogLine[]) => lines.filter((line) => /Redis back/.test(line.message));

const event = (message: string): TraderEvent => ({ type: "control", at: 1_763_726_760_000, message });

describe("RedisBus outage", () => {
  test("killed mid-run and restarted: no throw, one log line each way, state and subscriptions back", async () => {
    const { server, bus, lines, reconnects } = await setUp();
    expect(await bus.ready(5000)).toBe(true);

    const events: TraderEvent[] = [];
    await bus.subscribe(channels.traderEvents, (message) => {
      events.push(message);
    });
    const candleKey = keys.candles("BTCUSDT", "5m");
    const taKey = keys.taLatest("BTCUSDT");
    await bus.set(candleKey, sample.candles);
    await bus.set(taKey, sample.taPayload);
    await bus.set(keys.positions, sample.positions);
    await bus.set(keys.balance, sample.balance);
    await bus.set(keys.traderConfig, sample.traderConfig);

    await server.kill("SIGKILL");
    await waitFor("the bus to notice the outage", () => !bus.isConnected(), 5000);

    // During the outage every call resolves; writes are remembered, reads answer from them.
    const newerBalance = { ...sample.balance, equity: 990, drawdown_pct: 1, updated_at: sample.balance.updated_at + 60_000 };
    for (let i = 0; i < 25; i++) {
      await bus.set(keys.balance, { ...newerBalance, updated_at: newerBalance.updated_at + i });
      await bus.publish(channels.traderEvents, event(`during outage ${i}`));
    }
    await bus.set(keys.balance, newerBalance);
    await bus.set(keys.traderStatus, sample.lockedStatus);
    expect(await bus.get(keys.balance)).toEqual(newerBalance);
    expect(await bus.get(keys.traderStatus)).toEqual(sample.lockedStatus);
    expect(await bus.get(keys.taLatest("SOLUSDT"))).toBeNull();
    const scans: unknown[] = [];
    await bus.subscribe(channels.scan, (message) => {
      scans.push(message);
    });
    // This process stops owning the config: it must not come back.
    bus.forget(keys.traderConfig);
    expect(outageLines(lines)).toHaveLength(1);
    expect(outageLines(lines)[0]!.level).toBe("warn");
    expect(reconnects).toHaveLength(0);

    await server.restart();
    const raw = rawClient(server);
    await waitFor(
      "remembered keys to be written back",
      async () => (await raw.exists(candleKey, taKey, keys.positions, keys.balance, keys.traderStatus)) === 5,
      15_000,
    );
    expect(JSON.parse((await raw.get(keys.balance)) ?? "null")).toEqual(newerBalance);
    expect(JSON.parse((await raw.get(keys.traderStatus)) ?? "null")).toEqual(sample.lockedStatus);
    expect(JSON.parse((await raw.get(keys.positions)) ?? "null")).toEqual(sample.positions);
    expect(JSON.parse((await raw.get(candleKey)) ?? "null")).toEqual(sample.candles);
    expect(JSON.parse((await raw.get(taKey)) ?? "null")).toEqual(sample.taPayload);
    // Written back in one pipeline with the keys above, so its absence is final.
    expect(await raw.exists(keys.traderConfig)).toBe(0);
    const candleTtl = await raw.pttl(candleKey);
    expect(candleTtl).toBeGreaterThan(0);
    expect(candleTtl).toBeLessThanOrEqual(60_000);
    const taTtl = await raw.pttl(taKey);
    expect(taTtl).toBeGreaterThan(60_000);
    expect(taTtl).toBeLessThanOrEqual(120_000);
    expect(await raw.pttl(keys.balance)).toBe(-1);

    await waitFor("the reconnect listener", () => reconnects.length === 1, 5000);
    expect(bus.isConnected()).toBe(true);
    expect(backLines(lines)).toHaveLength(1);
    expect(outageLines(lines)).toHaveLength(1);

    // Subscriptions are live again, including the one made during the outage. Messages published
    // before the subscriber has re-subscribed are lost (pub/sub), so keep publishing until one lands.
    await waitFor(
      "trader:events and signals:scan to deliver again",
      async () => {
        await raw.publish(channels.traderEvents, JSON.stringify(event("after restart")));
        await raw.publish(channels.scan, JSON.stringify(sample.scan));
        return events.length > 0 && scans.length > 0;
      },
      10_000,
      50,
    );
    // Nothing published during the outage was delivered late.
    expect(events.every((received) => received.message === "after restart")).toBe(true);
    expect(scans[0]).toEqual(sample.scan);
    // The bus publishes again too.
    const before = events.length;
    await bus.publish(channels.traderEvents, event("after restart"));
    await waitFor("the bus's own publish", () => events.length > before, 5000);
  }, 40_000);

  test("each outage is logged once, however many calls fail during it", async () => {
    const { server, bus, lines, reconnects } = await setUp();
    expect(await bus.ready(5000)).toBe(true);
    for (let round = 1; round <= 2; round++) {
      await server.kill(round === 1 ? "SIGKILL" : "SIGTERM");
      await waitFor(`outage ${round} noticed`, () => !bus.isConnected(), 5000);
      for (let i = 0; i < 10; i++) {
        await bus.set(keys.positions, sample.positions);
        await bus.get(keys.positions);
        await bus.publish(channels.scan, sample.scan);
      }
      await server.restart();
      await waitFor(`reconnect ${round}`, () => reconnects.length === round, 15_000);
      expect(outageLines(lines)).toHaveLength(round);
      expect(backLines(lines)).toHaveLength(round);
    }
    expect(lines.filter((line) => line.level === "error")).toHaveLength(0);
  }, 40_000);

  test("started while Redis is down: values set meanwhile appear once it is up", async () => {
    const { server, bus, lines, reconnects } = await setUp();
    expect(await bus.ready(5000)).toBe(true);
    await bus.close();
    await server.kill("SIGTERM");

    const { log, lines: lateLines } = recordingLogger();
    const late = new RedisBus({ url: server.url, log, maxReconnectDelayMs: 200 });
    cleanups.push(() => late.close());
    const lateReconnects: number[] = [];
    late.onReconnect(() => lateReconnects.push(Date.now()));
    await late.set(keys.traderStatus, sample.traderStatus);
    await late.publish(channels.scan, sample.scan);
    await waitFor("the start-up outage line", () => outageLines(lateLines).length === 1, 5000);
    expect(late.isConnected()).toBe(false);

    await server.restart();
    expect(await late.ready(15_000)).toBe(true);
    const raw = rawClient(server);
    await waitFor("the status key", async () => (await raw.exists(keys.traderStatus)) === 1, 5000);
    expect(JSON.parse((await raw.get(keys.traderStatus)) ?? "null")).toEqual(sample.traderStatus);
    await waitFor("the reconnect listener", () => lateReconnects.length === 1, 5000);
    expect(outageLines(lateLines)).toHaveLength(1);
    expect(backLines(lateLines)).toHaveLength(1);
    // The first bus was closed before the kill: a deliberate close is not an outage.
    expect(outageLines(lines)).toHaveLength(0);
    expect(reconnects).toHaveLength(0);
  }, 40_000);

  test("a remembered value whose TTL ran out during the outage is not written back", async () => {
    const { server, bus, reconnects, advanceBusClock } = await setUp();
    expect(await bus.ready(5000)).toBe(true);
    const candleKey = keys.candles("ETHUSDT", "5m");
    const taKey = keys.taLatest("ETHUSDT");
    await bus.set(candleKey, sample.candles);
    await bus.set(taKey, { ...sample.taPayload, symbol: "ETHUSDT" });
    await server.kill("SIGKILL");
    await waitFor("the outage", () => !bus.isConnected(), 5000);
    // 61 s pass on the bus's clock: the 60 s candle cache is stale, the 120 s TA result is not.
    advanceBusClock(61_000);
    expect(await bus.get(candleKey)).toBeNull();
    expect(await bus.get(taKey)).toEqual({ ...sample.taPayload, symbol: "ETHUSDT" });
    await server.restart();
    await waitFor("the reconnect listener", () => reconnects.length === 1, 15_000);
    const raw = rawClient(server);
    expect(await raw.exists(candleKey)).toBe(0);
    const taTtl = await raw.pttl(taKey);
    // What was left of 120 s after 61 s: at most 59 s.
    expect(taTtl).toBeGreaterThan(0);
    expect(taTtl).toBeLessThanOrEqual(59_000);
  }, 40_000);

  test("the DB number in REDIS_URL selects where keys go", async () => {
    const { server, bus } = await setUp({ db: 3 });
    expect(await bus.ready(5000)).toBe(true);
    await bus.set(keys.positions, sample.positions);
    const db3 = rawClient(server);
    const db0 = rawRedis(server.url.replace(/\/3$/, "/0"));
    cleanups.push(() => db0.disconnect());
    expect(await db3.exists(keys.positions)).toBe(1);
    expect(await db0.exists(keys.positions)).toBe(0);
  }, 20_000);
});
