import { beforeAll, describe, expect, test } from "bun:test";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { TIMEFRAMES } from "../../src/market/candle.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { MarketFeed } from "../../src/market/market-feed.ts";
import { SimSource } from "../../src/market/sim-source.ts";
import type { MarketSource, MarketSourceStatus } from "../../src/market/source.ts";
import { BinanceUsClient } from "../../src/market/binance-client.ts";
import { BinanceSource } from "../../src/market/binance-source.ts";
import { WeightLimiter } from "../../src/market/weight-limiter.ts";
import { setQuiet } from "../../src/log.ts";
import { startFakeBinance } from "../helpers/fake-binance.ts";
import { ManualClock } from "./manual-clock.ts";

beforeAll(() => setQuiet(true));

const START = Date.UTC(2026, 0, 5, 10, 2, 40);
const M5 = 300_000;
const bar = (i: number): Candle => ({ t: i * M5, o: 10, h: 20 + i, l: 9, c: 10 + i, v: 1 });

/** A hand-driven source: fixed history, updates pushed by the test. */
class ScriptedSource implements MarketSource {
  readonly name = "replay" as const;
  emit: (update: CandleUpdate) => void = () => {};
  started = 0;
  stopped = 0;
  constructor(private readonly histories: Record<string, Candle[] | Error>) {}
  async history(symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const entry = this.histories[`${symbol} ${timeframe}`] ?? [];
    if (entry instanceof Error) throw entry;
    return entry;
  }
  start(onUpdate: (update: CandleUpdate) => void): void {
    this.started++;
    this.emit = onUpdate;
  }
  stop(): void {
    this.stopped++;
  }
  status(): MarketSourceStatus {
    return {
      source: "replay",
      simulated: true,
      banner: "scripted",
      lastUpdate: { "5m": null, "1h": null, "4h": null },
      lastError: null,
      symbols: ["BTCUSDT", "ETHUSDT"],
    };
  }
}

describe("MarketFeed", () => {
  test("loads history for every symbol × timeframe into the store and to listeners, then runs the source", async () => {
    const clock = new ManualClock(START);
    const source = new SimSource({ seed: 5, symbols: ["BTCUSDT", "XRPUSDT"], startTime: START, clock });
    const store = new CandleStore();
    const feed = new MarketFeed(source, store);
    const heard: CandleUpdate[] = [];
    feed.onUpdate((u) => heard.push(u));
    await feed.start();
    let expectedHistory = 0;
    for (const symbol of ["BTCUSDT", "XRPUSDT"]) {
      for (const tf of TIMEFRAMES) {
        const history = await source.history(symbol, tf);
        expect(history.length).toBeGreaterThanOrEqual(500);
        expect(store.candles(symbol, tf)).toEqual(history);
        expectedHistory += history.length;
      }
    }
    expect(heard).toHaveLength(expectedHistory);
    expect(heard.every((u) => u.closed)).toBe(true);
    expect(feed.status()).toMatchObject({ started: true, simulated: true, source: "sim", historyErrors: [], rejectedUpdates: 0 });

    await clock.untilSleeping(1);
    clock.advance(1000);
    await clock.untilSleeping(1);
    const live = heard.slice(expectedHistory);
    expect(live).toHaveLength(2 * 3);
    const btc5m = live.find((u) => u.symbol === "BTCUSDT" && u.timeframe === "5m")!;
    expect(btc5m.closed).toBe(false);
    expect(store.forming("BTCUSDT", "5m")).toEqual(btc5m.candle);
    expect(store.lastPrice("BTCUSDT")).toBe(btc5m.candle.c);
    feed.stop();
    expect(clock.pending).toBe(0);
  });

  test("with Binance US (fake): history fills the store, then live polls extend it", async () => {
    const clock = new ManualClock(START);
    const fake = startFakeBinance({ now: () => clock.now() });
    try {
      const client = new BinanceUsClient({ baseUrl: fake.url, clock, limiter: new WeightLimiter({ clock }) });
      const source = new BinanceSource({ client, symbols: ["BTCUSDT", "ETHUSDT"], clock });
      const feed = new MarketFeed(source, new CandleStore());
      await feed.start();
      await clock.untilSleeping(3);
      for (const symbol of ["BTCUSDT", "ETHUSDT"]) {
        for (const tf of TIMEFRAMES) expect(feed.store.candles(symbol, tf)).toHaveLength(999);
        expect(feed.store.lastClosed(symbol, "5m")?.t).toBe(Date.UTC(2026, 0, 5, 9, 55));
        expect(feed.store.forming(symbol, "5m")?.t).toBe(Date.UTC(2026, 0, 5, 10, 0));
      }
      for (let i = 0; i < 6; i++) {
        clock.advance(30_000); // to 10:05:40
        await clock.untilSleeping(3);
      }
      expect(feed.store.lastClosed("BTCUSDT", "5m")?.t).toBe(Date.UTC(2026, 0, 5, 10, 0));
      expect(feed.store.candles("BTCUSDT", "5m")).toHaveLength(1000);
      expect(feed.status()).toMatchObject({ source: "binance", simulated: false, started: true, rejectedUpdates: 0, lastError: null });
      feed.stop();
    } finally {
      fake.stop();
    }
  });

  test("a refused update is logged and counted, never passed on; a failed history is listed", async () => {
    const source = new ScriptedSource({ "BTCUSDT 5m": [bar(1), bar(2)], "ETHUSDT 5m": new Error("boom") });
    const feed = new MarketFeed(source, new CandleStore());
    const heard: CandleUpdate[] = [];
    feed.onUpdate((u) => heard.push(u));
    await feed.start();
    expect(feed.status().historyErrors).toEqual(["ETHUSDT 5m: boom"]);
    expect(heard).toHaveLength(2);
    source.emit({ symbol: "BTCUSDT", timeframe: "5m", candle: bar(2), closed: true }); // duplicate close
    source.emit({ symbol: "BTCUSDT", timeframe: "5m", candle: bar(1), closed: false }); // older than the last close
    source.emit({ symbol: "BTCUSDT", timeframe: "5m", candle: bar(3), closed: false });
    expect(heard.map((u) => [u.candle.t / M5, u.closed])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(feed.status().rejectedUpdates).toBe(2);
    expect(feed.store.lastPrice("BTCUSDT")).toBe(13);
  });

  test("listeners: a throwing one does not starve the others; unsubscribe works", async () => {
    const source = new ScriptedSource({});
    const feed = new MarketFeed(source, new CandleStore());
    const a: number[] = [];
    const b: number[] = [];
    feed.onUpdate(() => {
      throw new Error("listener bug");
    });
    const offA = feed.onUpdate((u) => a.push(u.candle.t));
    feed.onUpdate((u) => b.push(u.candle.t));
    await feed.start();
    source.emit({ symbol: "BTCUSDT", timeframe: "5m", candle: bar(1), closed: true });
    offA();
    source.emit({ symbol: "BTCUSDT", timeframe: "5m", candle: bar(2), closed: true });
    expect(a).toEqual([M5]);
    expect(b).toEqual([M5, 2 * M5]);
  });

  test("start twice is refused; stop stops the source", async () => {
    const source = new ScriptedSource({});
    const feed = new MarketFeed(source, new CandleStore());
    await feed.start();
    await expect(feed.start()).rejects.toThrow(/start\(\) called while running/);
    expect(source.started).toBe(1);
    feed.stop();
    expect(source.stopped).toBe(1);
    expect(feed.status().started).toBe(false);
  });
});
