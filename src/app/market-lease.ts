/**
 * Market publishing under lease:ta: only the one process holding it writes
 * candles, caches, TA and scans to the bus, so two fetchers never double or
 * contradict the stream. On losing the lease the publisher stops and the bus
 * forgets the keys it wrote, so a Redis reconnect never writes stale caches
 * over the new holder's.
 */
import type { Bus } from "../bus/bus.ts";
import { keys } from "../bus/keys.ts";
import { TIMEFRAMES } from "../market/candle.ts";
import type { Settings } from "../settings.ts";
import { publishMarket } from "./bus-publishers.ts";
import type { MarketPipeline } from "./market-pipeline.ts";
import { holdRoleLease, type Deactivate, type RoleLease } from "./role-lease.ts";

/** Holds lease:ta and publishes an already running `market` while held (role all). */
export function publishMarketWhileHeld(bus: Bus, market: MarketPipeline, settings: Settings, useTaSignals: () => boolean): Promise<RoleLease> {
  return holdRoleLease(bus, keys.leaseTa, {
    what: "publishes market data and TA",
    ttlMs: settings.leaseTtlMs,
    activate: () => publishing(bus, market, useTaSignals),
  });
}

/** Starts publishing `market`; the returned function stops and forgets its keys. */
export function publishing(bus: Bus, market: MarketPipeline, useTaSignals: () => boolean): Deactivate {
  const stop = publishMarket(bus, market, useTaSignals);
  return () => {
    stop();
    for (const symbol of market.symbols()) {
      bus.forget(keys.taLatest(symbol));
      for (const tf of TIMEFRAMES) bus.forget(keys.candles(symbol, tf));
    }
  };
}
