/**
 * Shared pieces of the bus-source and failover suites: candle lists as a ta
 * process caches them (the fake Binance market's candles, oldest first, the
 * forming one last), a MarketFeed + CandleStore wired to a source, and a bus
 * wrapper that counts connection checks so a test can wait for "the failover
 * has looked N more times" instead of sleeping.
 */
import type { Bus } from "../../src/bus/bus.ts";
import type { Candle, CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { TIMEFRAME_MS } from "../../src/market/candle.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { MarketFeed } from "../../src/market/market-feed.ts";
import type { MarketSource } from "../../src/market/source.ts";
import { fakeCandle } from "../helpers/fake-binance.ts";

/** `count` consecutive candles of the fake market ending with the one opening at `newest`. */
export function candlesUpTo(timeframe: Timeframe, newest: number, count: number): Candle[] {
  const size = TIMEFRAME_MS[timeframe];
  return Array.from({ length: count }, (_, i) => fakeCandle(timeframe, newest - (count - 1 - i) * size));
}

/** Open time of the `timeframe` candle containing `at`. */
export function openOf(timeframe: Timeframe, at: number): number {
  return Math.floor(at / TIMEFRAME_MS[timeframe]) * TIMEFRAME_MS[timeframe];
}

/** A source behind a MarketFeed and a CandleStore, recording every update the feed passes on. */
export function feedFor(source: MarketSource): { feed: MarketFeed; store: CandleStore; heard: CandleUpdate[] } {
  const store = new CandleStore();
  const feed = new MarketFeed(source, store);
  const heard: CandleUpdate[] = [];
  feed.onUpdate((update) => heard.push(update));
  return { feed, store, heard };
}

/** Open times of a candle list, for readable failure output. */
export const times = (candles: readonly Candle[]): number[] => candles.map((c) => c.t);

/** `bus` with `isConnected` calls counted in `checks.count`; everything else goes to `bus` itself. */
export function countingChecks(bus: Bus): { bus: Bus; checks: { count: number } } {
  const checks = { count: 0 };
  const proxy = new Proxy(bus, {
    get(target, property) {
      if (property === "isConnected") {
        return () => {
          checks.count++;
          return target.isConnected();
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { bus: proxy, checks };
}
