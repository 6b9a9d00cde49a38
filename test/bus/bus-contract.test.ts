/**
 * The Bus contract, run against both implementations: MemoryBus (fake clock)
 * and RedisBus on a real redis-server (inspected with a raw ioredis client).
 * Every key and channel of the Redis contract, TTLs, validation on both ends,
 * pattern subscriptions and malformed-message handling. Anything that passes
 * here for Redis and fails for memory (or the reverse) is a semantic drift.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import type Redis from "ioredis";
import type { Bus } from "../../src/bus/bus.ts";
import { BusPayloadError } from "../../src/bus/codec.ts";
import { channels, keys } from "../../src/bus/keys.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import type { AnyChannelMessage, KeyName, TraderEvent } from "../../src/bus/payloads.ts";
import { TRADER_EVENT_TYPES } from "../../src/bus/payloads.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { startRedisServer, type RedisServer } from "../helpers/redis-server.ts";
import * as sample from "./fixtures/samples.ts";
import { rawRedis, recordingLogger, waitFor, type LogLine } from "./support.ts";

/** Raw access to the store behind a bus, like redis-cli. */
interface Raw {
  pttl(key: string): Promise<number>;
  get(key: string): Promise<string | null>;
  set(key: string, raw: string): Promise<void>;
  publish(channel: string, raw: string): Promise<void>;
  /** Returns once `key` (set with a TTL of `ttlMs`) has expired. */
  passExpiry(key: string, ttlMs: number): Promise<void>;
}

interface Harness {
  setUp(): Promise<{ bus: Bus; lines: LogLine[]; raw: Raw }>;
  tearDown(): Promise<void>;
}

const DELIVERY_TIMEOUT_MS = 3000;

function memoryHarness(): Harness {
  let bus: MemoryBus | null = null;
  return {
    async setUp() {
      let now = 1_763_726_760_000;
      const { log, lines } = recordingLogger();
      const memory = new MemoryBus({ now: () => now, log });
      bus = memory;
      const raw: Raw = {
        pttl: async (key) => memory.pttl(key),
        get: async (key) => memory.peekRaw(key),
        set: async (key, value) => memory.storeRaw(key, value, null),
        publish: async (channel, value) => memory.publishRaw(channel, value),
        passExpiry: async (_key, ttlMs) => {
          now += ttlMs + 1;
        },
      };
      return { bus: memory, lines, raw };
    },
    async tearDown() {
      await bus?.close();
    },
  };
}

function redisHarness(server: () => RedisServer): Harness {
  let bus: RedisBus | null = null;
  let client: Redis | null = null;
  return {
    async setUp() {
      const { log, lines } = recordingLogger();
      client = rawRedis(server().url);
      await client.flushdb();
      const redis = client;
      bus = new RedisBus({ url: server().url, log });
      expect(await bus.ready(5000)).toBe(true);
      const raw: Raw = {
        pttl: (key) => redis.pttl(key),
        get: (key) => redis.get(key),
        set: async (key, value) => {
          await redis.set(key, value);
        },
        publish: async (channel, value) => {
          await redis.publish(channel, value);
        },
        passExpiry: (key, ttlMs) => waitFor(`${key} to expire`, async () => (await redis.pttl(key)) === -2, ttlMs + 3000),
      };
      return { bus, lines, raw };
    },
    async tearDown() {
      await bus?.close();
      client?.disconnect();
    },
  };
}

let server: RedisServer | null = null;

beforeAll(async () => {
  server = await startRedisServer({ db: 2 });
}, 15_000);

afterAll(async () => {
  await server?.stop();
}, 10_000);

const implementations: [string, () => Harness][] = [
  ["MemoryBus", memoryHarness],
  [
    "RedisBus",
    () =>
      redisHarness(() => {
        if (!server) throw new Error("redis-server did not start");
        return server;
      }),
  ],
];

const SECOND = 1000;

/** Every key of the contract with a valid value and the TTL the spec gives it (null = none). */
const KEY_CASES: { key: KeyName; value: unknown; ttlSeconds: number | null }[] = [
  { key: "cache:candles:BTCUSDT", value: sample.candles, ttlSeconds: 60 },
  { key: "cache:candles:BTCUSDT:1h", value: sample.candles, ttlSeconds: 300 },
  { key: "cache:candles:BTCUSDT:4h", value: sample.candles, ttlSeconds: 600 },
  { key: "ta:latest:BTCUSDT", value: sample.taPayload, ttlSeconds: 120 },
  { key: "state:positions", value: sample.positions, ttlSeconds: null },
  { key: "state:balance", value: sample.balance, ttlSeconds: null },
  { key: "state:trader:config", value: sample.traderConfig, ttlSeconds: null },
  { key: "state:trader:status", value: sample.traderStatus, ttlSeconds: null },
];

/** One invalid value per key, and the field the refusal must name. */
const INVALID_VALUES: { key: KeyName; value: unknown; field: string }[] = [
  { key: "cache:candles:ETHUSDT", value: [{ ...sample.candles[0], o: -5 }], field: "0.o" },
  { key: "cache:candles:ETHUSDT:1h", value: [{ t: 1, o: 1, h: 1, l: 1, c: 1 }], field: "0.v" },
  { key: "ta:latest:ETHUSDT", value: { ...sample.taPayload, extra: 1 }, field: "(root)" },
  {
    key: "ta:latest:ETHUSDT",
    value: { ...sample.taPayload, ttm_squeeze: { ...sample.taPayload.ttm_squeeze, squeeze: "maybe" } },
    field: "ttm_squeeze.squeeze",
  },
  { key: "state:positions", value: [{ ...sample.positions[0], side: "up" }], field: "0.side" },
  { key: "state:balance", value: { ...sample.balance, starting_balance: undefined }, field: "starting_balance" },
  { key: "state:trader:config", value: { ...sample.traderConfig, max_leverage: 1000 }, field: "max_leverage" },
  { key: "state:trader:status", value: { ...sample.traderStatus, mode: "yolo" }, field: "mode" },
  { key: "state:trader:status", value: { ...sample.traderStatus, lock: { at: 1 } }, field: "lock.reason" },
  { key: "state:trader:status", value: { ...sample.traderStatus, status: "on" }, field: "status" },
  { key: "state:trader:status", value: { ...sample.traderStatus, uptime_s: undefined }, field: "uptime_s" },
  { key: "state:trader:status", value: { ...sample.traderStatus, last_trade: { ...sample.traderStatus.last_trade, at: 1 } }, field: "last_trade.at" },
  { key: "ta:latest:ETHUSDT", value: { ...sample.taPayload, timestamp: sample.taPayload.timestamp_ms }, field: "timestamp" },
  { key: "ta:latest:ETHUSDT", value: { ...sample.taPayload, ema_ribbon: { ...sample.taPayload.ema_ribbon, values: [1, 2, 3] } }, field: "ema_ribbon.values" },
];

/** Every channel of the contract with a valid message. */
const CHANNEL_CASES: { channel: string; message: AnyChannelMessage }[] = [
  { channel: "market:candles:BTCUSDT", message: sample.candleUpdate },
  { channel: "signals:ta:BTCUSDT", message: sample.taPayload },
  { channel: "signals:scan", message: sample.scan },
  { channel: "trader:events", message: sample.traderEvent },
];

const INVALID_MESSAGES: { channel: string; message: unknown; field: string }[] = [
  { channel: "market:candles:BTCUSDT", message: { ...sample.candleUpdate, timeframe: "15m" }, field: "timeframe" },
  { channel: "signals:ta:BTCUSDT", message: { ...sample.taPayload, symbol: 5 }, field: "symbol" },
  { channel: "signals:scan", message: { at: 1, source: { name: "sim", simulated: true, banner: null }, results: [{ symbol: "BTCUSDT" }] }, field: "results.0.price" },
  { channel: "trader:events", message: { ...sample.traderEvent, type: "trade_maybe" }, field: "type" },
  { channel: "trader:events", message: { type: "error", at: 1 }, field: "message" },
];

for (const [name, makeHarness] of implementations) {
  describe(`Bus contract: ${name}`, () => {
    const harness = makeHarness();
    let bus: Bus;
    let lines: LogLine[];
    let raw: Raw;

    beforeEach(async () => {
      ({ bus, lines, raw } = await harness.setUp());
    }, 10_000);

    afterEach(async () => {
      await harness.tearDown();
    }, 10_000);

    const errorLines = () => lines.filter((line) => line.level === "error");

    /** Collects messages; `sentinel` lets a test know every earlier message was handled. */
    function collector() {
      const got: { message: unknown; channel: string }[] = [];
      const handler = (message: unknown, channel: string) => {
        got.push({ message, channel });
      };
      return { got, handler };
    }

    describe("keys", () => {
      for (const { key, value, ttlSeconds } of KEY_CASES) {
        test(`${key} round-trips as JSON with ${ttlSeconds === null ? "no TTL" : `a ${ttlSeconds} s TTL`}`, async () => {
          await bus.set(key, value as never);
          expect(await bus.get(key)).toEqual(value as never);
          expect(JSON.parse((await raw.get(key)) ?? "null")).toEqual(value);
          const pttl = await raw.pttl(key);
          if (ttlSeconds === null) {
            expect(pttl).toBe(-1);
          } else {
            // PTTL counts down from the TTL; 5 s of slack only absorbs a slow machine.
            expect(pttl).toBeLessThanOrEqual(ttlSeconds * SECOND);
            expect(pttl).toBeGreaterThan(ttlSeconds * SECOND - 5 * SECOND);
          }
        }, 10_000);
      }

      test("an explicit TTL overrides the contract's, and a later set without one clears it (Redis SET)", async () => {
        await bus.set(keys.balance, sample.balance, 30);
        const withTtl = await raw.pttl(keys.balance);
        expect(withTtl).toBeLessThanOrEqual(30 * SECOND);
        expect(withTtl).toBeGreaterThan(25 * SECOND);
        await bus.set(keys.balance, sample.balance);
        expect(await raw.pttl(keys.balance)).toBe(-1);
      }, 10_000);

      test("get is null for a missing key and after the TTL ran out", async () => {
        expect(await bus.get(keys.taLatest("SOLUSDT"))).toBeNull();
        const key = keys.taLatest("BTCUSDT");
        await bus.set(key, sample.taPayload, 0.2);
        expect(await bus.get(key)).toEqual(sample.taPayload);
        await raw.passExpiry(key, 200);
        expect(await bus.get(key)).toBeNull();
        expect(await raw.pttl(key)).toBe(-2);
      }, 10_000);

      test("a value read back is a copy: changing the writer's or reader's object changes nothing stored", async () => {
        const mine = structuredClone(sample.positions);
        await bus.set(keys.positions, mine);
        mine[0]!.size = 99;
        const first = await bus.get(keys.positions);
        expect(first).toEqual(sample.positions);
        first![0]!.size = 77;
        expect(await bus.get(keys.positions)).toEqual(sample.positions);
      }, 10_000);

      test("the stored trader config is complete: schema defaults are filled in on write", async () => {
        await bus.set(keys.traderConfig, { mode: "live" } as never);
        const stored = JSON.parse((await raw.get(keys.traderConfig)) ?? "null");
        expect(stored.mode).toBe("live");
        expect(stored.max_leverage).toBe(10);
        expect(stored.use_ta_signals).toBe(false);
        expect(Object.keys(stored).sort()).toEqual(Object.keys(sample.traderConfig).sort());
      }, 10_000);

      for (const { key, value, field } of INVALID_VALUES) {
        test(`set refuses an invalid ${key} naming ${field}, and stores nothing`, async () => {
          const attempt = bus.set(key, value as never);
          await expect(attempt).rejects.toThrow(BusPayloadError);
          await attempt.catch((error: Error) => {
            expect(error.message).toContain(key);
            expect(error.message).toContain(`${field}:`);
          });
          expect(await raw.pttl(key)).toBe(-2);
        }, 10_000);
      }

      test("set refuses a key outside the contract and a non-positive TTL", async () => {
        await expect(bus.set("cache:candles:btcusdt" as KeyName, sample.candles as never)).rejects.toThrow(
          /not a key of the Redis contract/,
        );
        await expect(bus.set("state:whatever" as KeyName, {} as never)).rejects.toThrow(BusPayloadError);
        await expect(bus.set(keys.balance, sample.balance, 0)).rejects.toThrow(/positive number of seconds/);
        expect(await raw.pttl("state:whatever")).toBe(-2);
        expect(await raw.pttl(keys.balance)).toBe(-2);
      }, 10_000);

      test("a stored value that is not JSON reads as null with one error line naming the key", async () => {
        await raw.set(keys.balance, "{not json");
        expect(await bus.get(keys.balance)).toBeNull();
        expect(errorLines()).toHaveLength(1);
        expect(errorLines()[0]!.message).toContain("state:balance");
        expect(errorLines()[0]!.message).toContain("not JSON");
      }, 10_000);

      test("a stored value failing its schema reads as null with one error line naming the field", async () => {
        await raw.set(keys.positions, JSON.stringify([{ ...sample.positions[0], leverage: "10x" }]));
        expect(await bus.get(keys.positions)).toBeNull();
        expect(errorLines()).toHaveLength(1);
        expect(errorLines()[0]!.message).toContain("state:positions");
        expect(errorLines()[0]!.message).toContain("0.leverage:");
      }, 10_000);
    });

    describe("channels", () => {
      for (const { channel, message } of CHANNEL_CASES) {
        test(`${channel} delivers the message to its subscriber`, async () => {
          const { got, handler } = collector();
          await bus.subscribe(channel as never, handler);
          await bus.publish(channel as never, message as never);
          await waitFor(`a message on ${channel}`, () => got.length === 1, DELIVERY_TIMEOUT_MS);
          expect(got[0]).toEqual({ message, channel });
        }, 10_000);
      }

      test("every trader:events type is accepted and delivered", async () => {
        const { got, handler } = collector();
        await bus.subscribe(channels.traderEvents, handler);
        for (const type of TRADER_EVENT_TYPES) {
          const event: TraderEvent = { type, at: 1_763_726_760_000, message: `event ${type}` };
          await bus.publish(channels.traderEvents, event);
        }
        await waitFor("all event types", () => got.length === TRADER_EVENT_TYPES.length, DELIVERY_TIMEOUT_MS);
        expect(got.map(({ message }) => (message as TraderEvent).type)).toEqual([...TRADER_EVENT_TYPES]);
      }, 10_000);

      for (const { channel, message, field } of INVALID_MESSAGES) {
        test(`publish refuses an invalid ${channel} message naming ${field}, and sends nothing`, async () => {
          const { got, handler } = collector();
          await bus.subscribe(channel as never, handler);
          const attempt = bus.publish(channel as never, message as never);
          await expect(attempt).rejects.toThrow(BusPayloadError);
          await attempt.catch((error: Error) => {
            expect(error.message).toContain(channel);
            expect(error.message).toContain(`${field}:`);
          });
          // A valid message sent afterwards arrives alone: the refused one never went out.
          const valid = CHANNEL_CASES.find((entry) => entry.channel === channel)!.message;
          await bus.publish(channel as never, valid as never);
          await waitFor("the valid message", () => got.length >= 1, DELIVERY_TIMEOUT_MS);
          expect(got.map((entry) => entry.message)).toEqual([valid]);
        }, 10_000);
      }

      test("subscribing to a name outside the contract is refused", async () => {
        await expect(bus.subscribe("signals:TA:BTCUSDT" as never, () => {})).rejects.toThrow(/not a channel/);
      }, 10_000);

      test("delivery is asynchronous and keeps publish order", async () => {
        const { got, handler } = collector();
        await bus.subscribe(channels.marketCandles("BTCUSDT"), handler);
        const sends: Promise<void>[] = [];
        for (let i = 0; i < 20; i++) {
          const update = { ...sample.candleUpdate, candle: { ...sample.candleUpdate.candle, c: 91_000 + i } };
          sends.push(bus.publish(channels.marketCandles("BTCUSDT"), update));
          // Nothing is delivered while publish is still running on this stack.
          expect(got).toHaveLength(0);
        }
        await Promise.all(sends);
        await waitFor("20 candle updates", () => got.length === 20, DELIVERY_TIMEOUT_MS);
        expect(got.map(({ message }) => (message as typeof sample.candleUpdate).candle.c)).toEqual(
          Array.from({ length: 20 }, (_, i) => 91_000 + i),
        );
      }, 10_000);

      test("psubscribe signals:ta:* receives every symbol's TA and nothing else", async () => {
        const { got, handler } = collector();
        await bus.psubscribe("signals:ta:*", handler);
        await bus.publish(channels.scan, sample.scan);
        await bus.publish(channels.marketCandles("BTCUSDT"), sample.candleUpdate);
        await bus.publish(channels.taSignals("BTCUSDT"), sample.taPayload);
        await bus.publish(channels.taSignals("ETHUSDT"), { ...sample.taPayload, symbol: "ETHUSDT" });
        await waitFor("two TA signals", () => got.length === 2, DELIVERY_TIMEOUT_MS);
        // The sentinel on a non-matching channel proves nothing else was routed here.
        const sentinel = collector();
        await bus.subscribe(channels.scan, sentinel.handler);
        await bus.publish(channels.scan, sample.scan);
        await waitFor("the sentinel", () => sentinel.got.length === 1, DELIVERY_TIMEOUT_MS);
        expect(got.map(({ channel }) => channel)).toEqual(["signals:ta:BTCUSDT", "signals:ta:ETHUSDT"]);
        expect((got[1]!.message as typeof sample.taPayload).symbol).toBe("ETHUSDT");
      }, 10_000);

      test("glob forms ?, [set] and * match as in Redis", async () => {
        const question = collector();
        const set = collector();
        const star = collector();
        await bus.psubscribe("market:candles:?TCUSDT", question.handler);
        await bus.psubscribe("market:candles:[BE]*", set.handler);
        await bus.psubscribe("*", star.handler);
        for (const symbol of ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BBTCUSDT"]) {
          await bus.publish(channels.marketCandles(symbol), { ...sample.candleUpdate, symbol });
        }
        await waitFor("4 messages on *", () => star.got.length === 4, DELIVERY_TIMEOUT_MS);
        const symbols = (entries: { message: unknown }[]) =>
          entries.map(({ message }) => (message as typeof sample.candleUpdate).symbol);
        expect(symbols(question.got)).toEqual(["BTCUSDT"]);
        expect(symbols(set.got)).toEqual(["BTCUSDT", "ETHUSDT", "BBTCUSDT"]);
      }, 10_000);

      test("a channel subscription and a matching pattern each receive the message (as Redis sends it twice)", async () => {
        const direct = collector();
        const pattern = collector();
        await bus.subscribe(channels.scan, direct.handler);
        await bus.psubscribe("signals:*", pattern.handler);
        await bus.publish(channels.scan, sample.scan);
        await waitFor("both deliveries", () => direct.got.length === 1 && pattern.got.length === 1, DELIVERY_TIMEOUT_MS);
        expect(pattern.got[0]).toEqual({ message: sample.scan, channel: "signals:scan" });
      }, 10_000);

      test("a message that is not JSON is dropped with one error line naming the channel", async () => {
        const { got, handler } = collector();
        await bus.subscribe(channels.traderEvents, handler);
        await raw.publish(channels.traderEvents, "{oops");
        await raw.publish(channels.traderEvents, JSON.stringify(sample.traderEvent));
        await waitFor("the valid event", () => got.length === 1, DELIVERY_TIMEOUT_MS);
        expect(got[0]!.message).toEqual(sample.traderEvent);
        expect(errorLines()).toHaveLength(1);
        expect(errorLines()[0]!.message).toContain("trader:events");
        expect(errorLines()[0]!.message).toContain("not JSON");
      }, 10_000);

      test("a message failing its schema is dropped with one error line naming the channel and first issue", async () => {
        const { got, handler } = collector();
        await bus.psubscribe("signals:ta:*", handler);
        const bad = { ...sample.taPayload, ema_ribbon: { ...sample.taPayload.ema_ribbon, spread_5m: 250 } };
        await raw.publish("signals:ta:BTCUSDT", JSON.stringify(bad));
        await raw.publish("signals:ta:ETHUSDT", JSON.stringify({ ...sample.taPayload, symbol: "ETHUSDT" }));
        await waitFor("the valid signal", () => got.length === 1, DELIVERY_TIMEOUT_MS);
        expect(got[0]!.channel).toBe("signals:ta:ETHUSDT");
        expect(errorLines()).toHaveLength(1);
        expect(errorLines()[0]!.message).toContain("signals:ta:BTCUSDT");
        expect(errorLines()[0]!.message).toContain("ema_ribbon.spread_5m:");
      }, 10_000);

      test("unsubscribe stops that handler only", async () => {
        const leaving = collector();
        const staying = collector();
        const off = await bus.subscribe(channels.scan, leaving.handler);
        await bus.subscribe(channels.scan, staying.handler);
        await bus.publish(channels.scan, sample.scan);
        await waitFor("first delivery", () => leaving.got.length === 1 && staying.got.length === 1, DELIVERY_TIMEOUT_MS);
        off();
        await bus.publish(channels.scan, { ...sample.scan, at: sample.scan.at + 1 });
        await waitFor("second delivery", () => staying.got.length === 2, DELIVERY_TIMEOUT_MS);
        expect(leaving.got).toHaveLength(1);
      }, 10_000);

      test("a throwing or rejecting handler is logged and does not stop the others", async () => {
        const { got, handler } = collector();
        await bus.subscribe(channels.scan, () => {
          throw new Error("boom");
        });
        await bus.subscribe(channels.scan, async () => {
          throw new Error("async boom");
        });
        await bus.subscribe(channels.scan, handler);
        await bus.publish(channels.scan, sample.scan);
        await waitFor("delivery and both error lines", () => got.length === 1 && errorLines().length === 2, DELIVERY_TIMEOUT_MS);
        expect(errorLines().map((line) => line.message)).toEqual([
          "A handler for signals:scan failed: boom",
          "A handler for signals:scan failed: async boom",
        ]);
      }, 10_000);
    });

    test("close ends delivery and later calls are harmless no-ops", async () => {
      const { got, handler } = collector();
      await bus.subscribe(channels.scan, handler);
      await bus.close();
      expect(bus.isConnected()).toBe(false);
      await bus.set(keys.balance, sample.balance);
      await bus.publish(channels.scan, sample.scan);
      expect(await bus.get(keys.balance)).toBeNull();
      await raw.publish(channels.scan, JSON.stringify(sample.scan));
      // The store itself shows nothing was written after close.
      expect(await raw.pttl(keys.balance)).toBe(-2);
      expect(got).toHaveLength(0);
    }, 10_000);
  });
}
