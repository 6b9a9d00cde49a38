/**
 * Names and TTLs exactly as the Redis contract in DESIGN.md spells them; the
 * expected strings below are copied from that text, not computed.
 */
import { describe, expect, test } from "bun:test";
import { channels, classifyChannel, classifyKey, keys, TTL_SECONDS, ttlForKey } from "../../src/bus/keys.ts";
import { createBus } from "../../src/bus/create-bus.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { recordingLogger } from "./support.ts";

describe("key and channel names", () => {
  test("channels", () => {
    expect(channels.marketCandles("BTCUSDT")).toBe("market:candles:BTCUSDT");
    expect(channels.taSignals("ETHUSDT")).toBe("signals:ta:ETHUSDT");
    expect(channels.scan).toBe("signals:scan");
    expect(channels.traderEvents).toBe("trader:events");
  });

  test("keys", () => {
    expect(keys.candles("BTCUSDT", "5m")).toBe("cache:candles:BTCUSDT");
    expect(keys.candles("BTCUSDT", "1h")).toBe("cache:candles:BTCUSDT:1h");
    expect(keys.candles("BTCUSDT", "4h")).toBe("cache:candles:BTCUSDT:4h");
    expect(keys.taLatest("SOLUSDT")).toBe("ta:latest:SOLUSDT");
    expect(keys.positions).toBe("state:positions");
    expect(keys.balance).toBe("state:balance");
    expect(keys.traderConfig).toBe("state:trader:config");
    expect(keys.traderStatus).toBe("state:trader:status");
    expect(keys.leaseTa).toBe("lease:ta");
    expect(keys.leaseTrader("main")).toBe("lease:trader:main");
  });

  test("TTLs: 60 s, 300 s, 600 s for candles, 120 s for TA, none for state", () => {
    expect(TTL_SECONDS.candles).toEqual({ "5m": 60, "1h": 300, "4h": 600 });
    expect(TTL_SECONDS.taLatest).toBe(120);
    expect(ttlForKey("cache:candles:BTCUSDT")).toBe(60);
    expect(ttlForKey("cache:candles:BTCUSDT:1h")).toBe(300);
    expect(ttlForKey("cache:candles:BTCUSDT:4h")).toBe(600);
    expect(ttlForKey("ta:latest:BTCUSDT")).toBe(120);
    for (const key of ["state:positions", "state:balance", "state:trader:config", "state:trader:status"]) {
      expect(ttlForKey(key)).toBeNull();
    }
  });

  test("symbols that would break names or act as globs are refused with the reason", () => {
    expect(() => keys.candles("BTC:USDT", "5m")).toThrow(/Invalid symbol "BTC:USDT" for a candle cache key/);
    expect(() => channels.taSignals("BTC*")).toThrow(/signals:ta channel/);
    expect(() => channels.marketCandles("btcusdt")).toThrow(/upper-case/);
    expect(() => keys.taLatest("")).toThrow(/Invalid symbol/);
    expect(() => keys.leaseTrader("a b")).toThrow(/Invalid account name "a b"/);
  });

  test("classification accepts only contract names", () => {
    expect(classifyKey("cache:candles:BTCUSDT:1h")).toBe("candles");
    expect(classifyKey("cache:candles:BTCUSDT:15m")).toBeNull();
    expect(classifyKey("ta:latest:BTCUSDT")).toBe("taLatest");
    expect(classifyKey("state:trader:status")).toBe("traderStatus");
    expect(classifyKey("state:trader")).toBeNull();
    expect(classifyChannel("signals:ta:BTCUSDT")).toBe("taSignals");
    expect(classifyChannel("signals:ta:*")).toBeNull();
    expect(classifyChannel("trader:events")).toBe("traderEvents");
    expect(classifyChannel("market:candles")).toBeNull();
  });
});

describe("createBus", () => {
  test("no URL gives the in-process bus", async () => {
    const bus = createBus({});
    expect(bus).toBeInstanceOf(MemoryBus);
    expect(createBus({ redisUrl: "  " })).toBeInstanceOf(MemoryBus);
    await bus.close();
  });

  test("a URL gives the Redis bus; a bad URL is refused with what was expected", async () => {
    // Port 1 on loopback: nothing listens, and the bus must not throw for that.
    const { log } = recordingLogger();
    const bus = createBus({ redisUrl: "redis://127.0.0.1:1/2", log });
    expect(bus).toBeInstanceOf(RedisBus);
    await bus.close();
    expect(() => createBus({ redisUrl: "http://127.0.0.1:6379" })).toThrow(/must start with redis:\/\//);
    expect(() => createBus({ redisUrl: "redis://127.0.0.1:6379/two" })).toThrow(/database must be a number/);
    expect(() => createBus({ redisUrl: "not a url" })).toThrow(/is not a URL/);
  });
});
