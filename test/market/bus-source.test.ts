/**
 * BusMarketSource behind a real MarketFeed and CandleStore: history from the
 * candle caches a ta process writes, live candles from market:candles:*, the
 * source info from signals:scan, and the gaps an outage or a late ta process
 * leaves. The memory bus where Redis is not the point; a real redis-server
 * (killed and restarted) for the outage. Waits poll a condition with a deadline.
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { Bus } from "../../src/bus/bus.ts";
import { channels, keys } from "../../src/bus/keys.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import type { MarketSourceInfo } from "../../src/bus/payloads.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { BusMarketSource, REDIS_DOWN_NOTE, WAITING_FOR_TA_BANNER } from "../../src/market/bus-source.ts";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { TIMEFRAMES } from "../../src/market/candle.ts";
import { setQuiet } from "../../src/log.ts";
import { fakeCandle } from "../helpers/fake-binance.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/server.ts";
import { candlesUpTo, feedFor, times } from "./bus-market-fixtures.ts";

beforeAll(() => setQuiet(true));

const at = (h: number, m: number, s = 0) => Date.UTC(2026, 0, 5, h, m, s);
/** 10:02:40: the 5m candle of 10:00, the 1h of 10:00 and the 4h of 08:00 are forming. */
const NOW = at(10, 2, 40);
const FORMING: Record<Timeframe, number> = { "5m": at(10, 0), "1h": at(10, 0), "4h": at(8, 0) };

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 15_000);

function setUp(options: { bus?: Bus; symbols?: string[]; now?: () => number } = {}) {
  const bus = options.bus ?? new MemoryBus();
  const source = new BusMarketSource(bus, { symbols: options.symbols ?? ["BTCUSDT"], now: options.now ?? (() => NOW) });
  const wired = feedFor(source);
  cleanups.push(() => wired.feed.stop());
  return { bus, source, ...wired };
}

/** Writes the caches a ta process keeps for `symbol`: `count` candles per timeframe, the forming one last. */
async function writeCaches(bus: Bus, symbol: string, count = 10, newest: Record<Timeframe, number> = FORMING) {
  const written = {} as Record<Timeframe, Candle[]>;
  for (const tf of TIMEFRAMES) {
    written[tf] = candlesUpTo(tf, newest[tf], count);
    await bus.set(keys.candles(symbol, tf), written[tf]);
  }
  return written;
}

const update = (timeframe: Timeframe, candle: Candle, closed: boolean, symbol = "BTCUSDT"): CandleUpdate => ({ symbol, timeframe, candle, closed });
const scanFrom = (source: MarketSourceInfo) => ({ at: NOW, source, results: [] });

/**
 * Publishes `message` until `arrived()` holds. After a restart RedisBus may report itself
 * connected a moment before its subscriptions are made again; a message sent in that
 * moment is lost (Redis pub/sub keeps nothing), so a test repeats it. Repeats are harmless:
 * the source drops candles the store already has.
 */
async function publishUntil(bus: Bus, message: CandleUpdate, what: string, arrived: () => boolean): Promise<void> {
  await waitFor(what, async () => {
    await bus.publish(channels.marketCandles(message.symbol), message);
    await Bun.sleep(0);
    return arrived();
  }, 5000, 50);
}

describe("BusMarketSource: history", () => {
  test("history is the cache's closed candles; the newest cached candle ends up forming in the store", async () => {
    const { bus, source, feed, store } = setUp();
    const cached = await writeCaches(bus, "BTCUSDT");

    expect(await source.history("BTCUSDT", "5m")).toEqual(cached["5m"].slice(0, -1));
    await feed.start();

    for (const tf of TIMEFRAMES) {
      expect(store.candles("BTCUSDT", tf)).toEqual(cached[tf].slice(0, -1));
      expect(store.forming("BTCUSDT", tf)).toEqual(fakeCandle(tf, FORMING[tf]));
    }
    expect(feed.status().historyErrors).toEqual([]);
    expect(feed.status().rejectedUpdates).toBe(0);
  });

  test("the newest cached candle stays forming after its period ended, until a newer candle shows it closed", async () => {
    // 10:06: the 10:00 candle's period is over, but the ta has not polled since, so its cache
    // still holds the unfinished 10:00 bar. Taking that as closed would freeze a wrong close.
    const { bus, feed, store } = setUp({ now: () => at(10, 6) });
    await writeCaches(bus, "BTCUSDT");
    const final = fakeCandle("5m", at(10, 0));
    const unfinished: Candle = { ...final, c: final.o + 0.25, v: 1 };
    const older = candlesUpTo("5m", at(9, 55), 9);
    await bus.set(keys.candles("BTCUSDT", "5m"), [...older, unfinished]);
    await feed.start();
    expect(times(store.candles("BTCUSDT", "5m"))).toEqual(times(older));
    expect(store.forming("BTCUSDT", "5m")).toEqual(unfinished);

    // The ta closes 10:00 and rewrites its cache; this process only hears the next forming bar.
    const next = fakeCandle("5m", at(10, 5));
    await bus.set(keys.candles("BTCUSDT", "5m"), [...older, final, next]);
    await bus.publish(channels.marketCandles("BTCUSDT"), update("5m", next, false));

    await waitFor("the 10:05 candle to be forming", () => store.forming("BTCUSDT", "5m")?.t === at(10, 5));
    expect(store.candles("BTCUSDT", "5m")).toEqual([...older, final]);
    expect(feed.status().rejectedUpdates).toBe(0);
  });

  test("a missing cache is an error naming the key and the ta process, listed by the feed", async () => {
    const { bus, source, feed } = setUp();
    await writeCaches(bus, "BTCUSDT");
    const missing = new MemoryBus();
    const lonely = new BusMarketSource(missing, { symbols: ["BTCUSDT"] });
    await expect(lonely.history("BTCUSDT", "1h")).rejects.toThrow(
      "no candles in cache:candles:BTCUSDT:1h on Redis: a ta process (--role ta or all) must be running",
    );

    // Through the feed: the 4h cache is gone, the others load.
    (bus as MemoryBus).storeRaw(keys.candles("BTCUSDT", "4h"), "[]", null);
    await feed.start();
    const errors = feed.status().historyErrors;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toStartWith("BTCUSDT 4h: no candles in cache:candles:BTCUSDT:4h on Redis");
    expect(source.status().lastError).toContain("cache:candles:BTCUSDT:4h");
  });
});

describe("BusMarketSource: live", () => {
  test("live updates of the listed symbols reach the store in order; other symbols are ignored", async () => {
    const { bus, source, feed, store, heard } = setUp();
    await writeCaches(bus, "BTCUSDT");
    await writeCaches(bus, "ETHUSDT");
    await feed.start();
    await source.whenSubscribed();
    // history: 9 closed candles from each of the three caches, delivered by the feed itself.
    const fromHistory = 3 * 9;
    expect(heard.slice(0, fromHistory).every((u) => u.closed)).toBe(true);

    const closed = fakeCandle("5m", at(10, 0));
    const forming = fakeCandle("5m", at(10, 5));
    const hourTick: Candle = { ...fakeCandle("1h", at(10, 0)), c: 123, h: 200 };
    await bus.publish(channels.marketCandles("ETHUSDT"), update("5m", forming, false, "ETHUSDT"));
    await bus.publish(channels.marketCandles("BTCUSDT"), update("1h", hourTick, false));
    await bus.publish(channels.marketCandles("BTCUSDT"), update("5m", closed, true));
    await bus.publish(channels.marketCandles("BTCUSDT"), update("5m", forming, false));

    await waitFor("the 10:05 candle to be forming", () => store.forming("BTCUSDT", "5m")?.t === at(10, 5));
    expect(store.lastClosed("BTCUSDT", "5m")).toEqual(closed);
    expect(store.forming("BTCUSDT", "1h")).toEqual(hourTick);
    expect(store.symbols()).toEqual(["BTCUSDT"]);
    // The forming candles from the caches (delivered at start), then the three BTCUSDT updates, once each.
    expect(heard.slice(fromHistory).map((u) => `${u.timeframe} ${u.candle.t} ${u.closed}`)).toEqual([
      `5m ${at(10, 0)} false`,
      `1h ${at(10, 0)} false`,
      `4h ${at(8, 0)} false`,
      `1h ${at(10, 0)} false`,
      `5m ${at(10, 0)} true`,
      `5m ${at(10, 5)} false`,
    ]);
    expect(source.status().lastUpdate).toEqual({ "5m": NOW, "1h": NOW, "4h": null });
    expect(feed.status().rejectedUpdates).toBe(0);
  });

  test("a ta process started later: its first update brings the cached history first, so TA warms up", async () => {
    const { bus, source, feed, store } = setUp();
    await feed.start();
    await source.whenSubscribed();
    expect(feed.status().historyErrors).toHaveLength(3);

    const cached = await writeCaches(bus, "BTCUSDT", 50);
    const tick: Candle = { ...fakeCandle("5m", at(10, 0)), c: 124, h: 130 };
    await bus.publish(channels.marketCandles("BTCUSDT"), update("5m", tick, false));

    await waitFor("the 5m history to arrive", () => store.candles("BTCUSDT", "5m").length > 0);
    expect(store.candles("BTCUSDT", "5m")).toEqual(cached["5m"].slice(0, -1));
    expect(store.forming("BTCUSDT", "5m")).toEqual(tick);
    // Series without an update yet stay empty until theirs arrives, and are still reported.
    expect(store.candles("BTCUSDT", "1h")).toEqual([]);
    expect(source.status().lastError).toStartWith("no candles in cache:candles:BTCUSDT:4h on Redis");
    expect(source.status().lastError).toEndWith("(and 1 more)");
    expect(feed.status().rejectedUpdates).toBe(0);
  });

  test("candles skipped by missed messages are filled from the cache before the update that shows the gap", async () => {
    const { bus, source, feed, store } = setUp();
    const cached = await writeCaches(bus, "BTCUSDT");
    await feed.start();
    await source.whenSubscribed();

    // The ta moved on to 10:20 while this process heard nothing (10:00–10:15 closed meanwhile).
    const later = candlesUpTo("5m", at(10, 20), 14);
    await bus.set(keys.candles("BTCUSDT", "5m"), later);
    await bus.publish(channels.marketCandles("BTCUSDT"), update("5m", fakeCandle("5m", at(10, 20)), false));

    await waitFor("the 10:20 candle to be forming", () => store.forming("BTCUSDT", "5m")?.t === at(10, 20));
    expect(store.candles("BTCUSDT", "5m")).toEqual([...cached["5m"].slice(0, -1), ...candlesUpTo("5m", at(10, 15), 4)]);
    expect(feed.status().rejectedUpdates).toBe(0);
  });

  test("stop() unsubscribes: later messages do not reach the store", async () => {
    const { bus, source, feed, store } = setUp();
    await writeCaches(bus, "BTCUSDT");
    await feed.start();
    await source.whenSubscribed();
    feed.stop();

    // A subscriber made after the stop hears the message; the memory bus delivers to every
    // subscription in the same step, so by then the stopped source would have had it too.
    const witness: CandleUpdate[] = [];
    await bus.subscribe(channels.marketCandles("BTCUSDT"), (message) => {
      witness.push(message);
    });
    await bus.publish(channels.marketCandles("BTCUSDT"), update("5m", fakeCandle("5m", at(10, 0)), true));
    await waitFor("the witness to hear the message", () => witness.length === 1);
    expect(store.lastClosed("BTCUSDT", "5m")?.t).toBe(at(9, 55));
  });
});

describe("BusMarketSource: status", () => {
  test("before any scan message: simulated, named sim, with a banner asking for the ta process", async () => {
    const { source } = setUp();
    const status = source.status();
    expect(source.name).toBe("sim");
    expect(status.source).toBe("sim");
    expect(status.simulated).toBe(true);
    expect(status.banner).toBe(WAITING_FOR_TA_BANNER);
    expect(status.symbols).toEqual(["BTCUSDT"]);
    expect(status.lastUpdate).toEqual({ "5m": null, "1h": null, "4h": null });
  });

  test("the scan's source is passed on: name, simulated and banner", async () => {
    const { bus, source, feed } = setUp();
    await writeCaches(bus, "BTCUSDT");
    await feed.start();
    await source.whenSubscribed();

    await bus.publish(channels.scan, scanFrom({ name: "binance", simulated: false, banner: null }));
    await waitFor("the binance scan", () => source.status().source === "binance");
    expect(source.name).toBe("binance");
    expect(source.status()).toMatchObject({ simulated: false, banner: null });

    const banner = "Binance US unreachable at start (timeout): simulated market — prices are not real";
    await bus.publish(channels.scan, scanFrom({ name: "sim", simulated: true, banner }));
    await waitFor("the sim scan", () => source.status().source === "sim");
    expect(source.status()).toMatchObject({ simulated: true, banner });
    expect(feed.status()).toMatchObject({ source: "sim", simulated: true, banner });
  });
});

describe("BusMarketSource on a real Redis", () => {
  async function redisSetUp() {
    const server = await startRedisServer({ db: 3 });
    cleanups.push(() => server.stop());
    const bus = new RedisBus({ url: server.url, maxReconnectDelayMs: 100 });
    cleanups.push(() => bus.close());
    expect(await bus.ready(5000)).toBe(true);
    return { server, bus };
  }

  test("Redis killed while candles close, then back: the reconnect reads the caches and fills the gap", async () => {
    const { server, bus } = await redisSetUp();
    const { source, feed, store } = setUp({ bus });
    await writeCaches(bus, "BTCUSDT");
    await feed.start();
    await source.whenSubscribed();
    await bus.publish(channels.scan, scanFrom({ name: "binance", simulated: false, banner: null }));
    await waitFor("the scan over Redis", () => source.status().source === "binance");

    await server.kill("SIGKILL");
    await waitFor("the bus to notice the outage", () => !bus.isConnected());
    expect(source.status()).toMatchObject({ source: "binance", banner: REDIS_DOWN_NOTE, lastError: REDIS_DOWN_NOTE });

    // Meanwhile this bus (standing in for the ta) caches candles up to 10:20; it writes them back on reconnect.
    await bus.set(keys.candles("BTCUSDT", "5m"), candlesUpTo("5m", at(10, 20), 14));
    await server.restart();

    await waitFor("the gap to be filled", () => store.forming("BTCUSDT", "5m")?.t === at(10, 20), 10_000);
    expect(store.candles("BTCUSDT", "5m")).toEqual(candlesUpTo("5m", at(10, 15), 13));
    expect(source.status()).toMatchObject({ source: "binance", banner: null, lastError: null });
    expect(feed.status().rejectedUpdates).toBe(0);

    // Subscriptions came back with Redis: live candles flow again.
    const close = update("5m", fakeCandle("5m", at(10, 20)), true);
    await publishUntil(bus, close, "the live close after the outage", () => store.lastClosed("BTCUSDT", "5m")?.t === at(10, 20));
    expect(feed.status().rejectedUpdates).toBe(0);
  }, 30_000);

  test("with separate ta and reader connections, the first update after an outage fills what it missed", async () => {
    const { server, bus: taBus } = await redisSetUp();
    const readerBus = new RedisBus({ url: server.url, maxReconnectDelayMs: 100 });
    cleanups.push(() => readerBus.close());
    expect(await readerBus.ready(5000)).toBe(true);
    const { source, feed, store } = setUp({ bus: readerBus });
    await writeCaches(taBus, "BTCUSDT");
    await feed.start();
    await source.whenSubscribed();

    await server.kill("SIGKILL");
    await waitFor("both buses to notice the outage", () => !taBus.isConnected() && !readerBus.isConnected());
    await taBus.set(keys.candles("BTCUSDT", "5m"), candlesUpTo("5m", at(10, 20), 14));
    await server.restart();
    await waitFor("both buses back", () => taBus.isConnected() && readerBus.isConnected(), 10_000);

    // Whichever comes first — the reader's reconnect or the ta's write-back — this update finds the gap filled or fills it.
    const forming = update("5m", fakeCandle("5m", at(10, 20)), false);
    await publishUntil(taBus, forming, "the 10:20 candle to be forming", () => store.forming("BTCUSDT", "5m")?.t === at(10, 20));
    expect(store.candles("BTCUSDT", "5m")).toEqual(candlesUpTo("5m", at(10, 15), 13));
    expect(feed.status().rejectedUpdates).toBe(0);
  }, 30_000);
});
