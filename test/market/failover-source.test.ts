/**
 * FailoverMarketSource with real parts: a real redis-server (killed and
 * restarted on the same port), a RedisBus, the BusMarketSource as primary and
 * a real BinanceSource against the fake Binance US server as backup, all
 * behind a MarketFeed and CandleStore. Nothing sleeps a guessed time: waits
 * are on conditions (connection checks made, requests seen by the fake).
 */
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { channels, keys } from "../../src/bus/keys.ts";
import { RedisBus } from "../../src/bus/redis-bus.ts";
import { BinanceUsClient } from "../../src/market/binance-client.ts";
import { BinanceSource } from "../../src/market/binance-source.ts";
import { BusMarketSource } from "../../src/market/bus-source.ts";
import { TIMEFRAMES } from "../../src/market/candle.ts";
import { FailoverMarketSource, failoverBanner } from "../../src/market/failover-source.ts";
import { WeightLimiter } from "../../src/market/weight-limiter.ts";
import { setQuiet } from "../../src/log.ts";
import { recordingLogger } from "../bus/support.ts";
import { fakeCandle, startFakeBinance, type FakeBinance } from "../helpers/fake-binance.ts";
import { startRedisServer } from "../helpers/redis-server.ts";
import { waitFor } from "../helpers/server.ts";
import { candlesUpTo, countingChecks, feedFor, openOf } from "./bus-market-fixtures.ts";

beforeAll(() => setQuiet(true));

const SYMBOLS = ["BTCUSDT"];
const POLL_MS = 40;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 15_000);

/** A Binance US source on the fake, polling every timeframe every POLL_MS. */
function binanceOn(fake: FakeBinance, symbols: string[]): BinanceSource {
  const client = new BinanceUsClient({ baseUrl: fake.url, maxRetries: 0, limiter: new WeightLimiter({ limit: 1_000_000 }) });
  return new BinanceSource({ client, symbols, pollMs: { "5m": POLL_MS, "1h": POLL_MS, "4h": POLL_MS }, historyLimit: 50 });
}

async function setUp() {
  const server = await startRedisServer({ db: 4 });
  cleanups.push(() => server.stop());
  const bus = new RedisBus({ url: server.url, maxReconnectDelayMs: 100 });
  cleanups.push(() => bus.close());
  expect(await bus.ready(5000)).toBe(true);
  const fake = startFakeBinance();
  fake.usedWeight = () => null;
  cleanups.push(() => fake.stop());

  // What a ta process keeps on Redis: the fake market's candles up to the one forming now.
  const now = Date.now();
  for (const tf of TIMEFRAMES) await bus.set(keys.candles("BTCUSDT", tf), candlesUpTo(tf, openOf(tf, now), 30));

  const { bus: watchedBus, checks } = countingChecks(bus);
  const { log, lines } = recordingLogger();
  const primary = new BusMarketSource(bus, { symbols: SYMBOLS });
  const backups: BinanceSource[] = [];
  const failover = new FailoverMarketSource({
    bus: watchedBus,
    primary,
    backup: () => {
      const backup = binanceOn(fake, SYMBOLS);
      backups.push(backup);
      return backup;
    },
    checkEveryMs: 20,
    log,
  });
  const wired = feedFor(failover);
  cleanups.push(() => wired.feed.stop());
  /** Resolves once the failover has looked at the connection `count` more times. */
  const checksPass = (count: number) => {
    const target = checks.count + count;
    return waitFor(`${count} connection checks`, () => checks.count >= target, 5000, 5);
  };
  return { server, bus, fake, primary, failover, backups, lines, checksPass, ...wired };
}

const btcRequests = (fake: FakeBinance) => fake.requestsFor("BTCUSDT").length;
const warnings = (lines: { level: string; message: string }[], pattern: RegExp) =>
  lines.filter((line) => pattern.test(line.message)).map((line) => line.level);

describe("FailoverMarketSource", () => {
  test("Redis up: candles come from the bus and Binance US gets zero requests", async () => {
    const { bus, fake, primary, failover, backups, feed, store, checksPass } = await setUp();
    await feed.start();
    await primary.whenSubscribed();
    const forming = openOf("5m", Date.now());
    expect(store.forming("BTCUSDT", "5m")?.t).toBe(forming);

    // A valid candle whatever the clock: the fake's open is 100–149, so low 90 and high 150 bound any close.
    const tick = { ...fakeCandle("5m", forming), c: 140, h: 150, l: 90 };
    await bus.publish(channels.marketCandles("BTCUSDT"), { symbol: "BTCUSDT", timeframe: "5m", candle: tick, closed: false });
    await waitFor("the bus tick in the store", () => store.forming("BTCUSDT", "5m")?.c === 140);
    await checksPass(10);

    expect(fake.requests).toHaveLength(0);
    expect(backups).toHaveLength(0);
    expect(failover.status()).toEqual(primary.status());
    expect(failover.name).toBe("sim"); // no scan message yet: the bus source's fail-safe answer
  }, 30_000);

  test("Redis killed: Binance US takes over and says so; Redis back: the requests stop and the bus source is back", async () => {
    const { server, bus, fake, primary, failover, backups, lines, feed, heard } = await setUp();
    await feed.start();
    await primary.whenSubscribed();
    await bus.publish(channels.scan, { at: Date.now(), source: { name: "binance", simulated: false, banner: null }, results: [] });
    await waitFor("the scan", () => failover.status().source === "binance" && failover.status().banner === null);
    expect(fake.requests).toHaveLength(0);

    await server.kill("SIGKILL");
    const heardBefore = heard.length;
    await waitFor("Binance US requests", () => btcRequests(fake) > 0, 5000);
    // The bus is silent now: whatever reaches the feed comes from the fallback.
    await waitFor("candles from the fallback", () => heard.length > heardBefore, 5000);
    const during = failover.status();
    expect(during.source).toBe("binance");
    expect(during.simulated).toBe(false);
    expect(during.banner).toBe("Redis unreachable: market data fetched directly from Binance US");
    expect(during.banner).toBe(failoverBanner("binance"));
    expect(failover.name).toBe("binance");

    await server.restart();
    await waitFor("the bus source to be in charge again", () => !/Redis unreachable/.test(failover.status().banner ?? ""), 10_000);
    expect(failover.status()).toEqual(primary.status());
    expect(backups).toHaveLength(1);

    // Requests stop: while another source with the same poll interval makes 15 more requests
    // (5 rounds of its three timeframes), none arrives for the stopped fallback's symbol. The
    // first two let a request already on its way when the fallback stopped land first.
    const probe = binanceOn(fake, ["ETHUSDT"]);
    cleanups.push(() => probe.stop());
    probe.start(() => {});
    await waitFor("the probe's first requests", () => fake.requestsFor("ETHUSDT").length >= 2, 5000);
    const settled = btcRequests(fake);
    await waitFor("15 more probe requests", () => fake.requestsFor("ETHUSDT").length >= 17, 10_000);
    expect(btcRequests(fake)).toBe(settled);

    expect(warnings(lines, /Redis unreachable/)).toEqual(["warn"]);
    expect(warnings(lines, /Redis back/)).toEqual(["info"]);
    expect(feed.status().rejectedUpdates).toBe(0);
  }, 30_000);

  test("Redis unreachable at start: history from Binance US, loaded once; the bus takes over when Redis comes", async () => {
    const { server, bus, fake, primary, failover, backups, feed, store } = await setUp();
    await server.kill("SIGKILL");
    await waitFor("the bus to notice the outage", () => !bus.isConnected());
    expect(failover.status().source).toBe("sim"); // the fallback is not built before it is needed

    await feed.start();
    expect(feed.status().historyErrors).toEqual([]);
    expect(store.candles("BTCUSDT", "1h")).toHaveLength(49); // 50 klines asked for, the forming one left out
    expect(failover.status().banner).toBe(failoverBanner("binance"));
    await waitFor("the fallback polling", () => fake.requests.some((r) => r.params.startTime !== undefined), 5000);
    // One history request per timeframe, made by the feed: the switch did not load it again.
    const historyRequests = fake.requests.filter((r) => r.params.startTime === undefined);
    expect(historyRequests.map((r) => r.interval).sort()).toEqual(["1h", "4h", "5m"]);

    await server.restart();
    await waitFor("the bus source to be in charge", () => !/Redis unreachable/.test(failover.status().banner ?? ""), 10_000);
    expect(failover.status()).toEqual(primary.status());
    expect(backups).toHaveLength(1);
    expect(feed.status().rejectedUpdates).toBe(0);
  }, 30_000);
});
