/**
 * The two ways a process gets its market view (a MarketPipeline: candles →
 * TA + base score per coin):
 *  - local: fetch candles itself (Binance US, or sim/replay) — roles all and ta;
 *  - from the bus: candles the ta process published in Redis — roles trader
 *    and web. The web role may fall back to fetching Binance US directly while
 *    Redis is unreachable (a dashboard must keep showing prices); the trader
 *    does not need to: without Redis it cannot hold its lease and does not trade.
 */
import type { Bus } from "../bus/bus.ts";
import { RedisBus } from "../bus/redis-bus.ts";
import { SharedPubSubGuard } from "../bus/shared-pubsub-guard.ts";
import { BusMarketSource } from "../market/bus-source.ts";
import { CandleStore } from "../market/candle-store.ts";
import { createBinanceSource, createMarketSource } from "../market/create-source.ts";
import { FailoverMarketSource } from "../market/failover-source.ts";
import { MarketFeed } from "../market/market-feed.ts";
import type { MarketSource } from "../market/source.ts";
import { loadScorerModule } from "../scanner/scorer-module.ts";
import type { Scorer } from "../scanner/scoring.ts";
import type { Settings } from "../settings.ts";
import { BusTaFeed } from "./bus-ta-feed.ts";
import { MarketPipeline, type TaFeed } from "./market-pipeline.ts";

/** The owner's scorer of --scoring (SCORING_MODULE), or undefined for the built-in base score. */
export async function scorerFor(settings: Settings): Promise<Scorer | undefined> {
  return settings.scoring ? await loadScorerModule(settings.scoring) : undefined;
}

export async function startLocalMarket(settings: Settings, symbols: string[]): Promise<MarketPipeline> {
  const source = await createMarketSource(settings.market, {
    symbols,
    binance: { baseUrl: settings.binanceBaseUrl },
    sim: { tickMs: settings.simTickMs, simStepMs: settings.simStepMs },
    ...(settings.market === "replay" ? { replay: { dir: settings.replayDir ?? undefined } } : {}),
  });
  return startPipeline(source, symbols, settings);
}

export async function startBusMarket(
  bus: Bus,
  settings: Settings,
  symbols: string[],
  options: { fallbackToBinance: boolean },
): Promise<MarketPipeline> {
  // Redis pub/sub spans databases: if another environment shares the server, its candles could mix with ours.
  const guard = bus instanceof RedisBus ? new SharedPubSubGuard(bus) : null;
  await guard?.start();
  const fromBus = new BusMarketSource(bus, { symbols, untrusted: () => guard?.problem() ?? null });
  const source = options.fallbackToBinance
    ? new FailoverMarketSource({
        bus,
        primary: fromBus,
        backup: () => createBinanceSource({ symbols, binance: { baseUrl: settings.binanceBaseUrl } }),
      })
    : fromBus;
  // The ta process's own results win over our recomputation from the cached candles.
  const ta = new BusTaFeed(bus, symbols);
  await ta.start();
  return startPipeline(source, symbols, settings, ta);
}

async function startPipeline(source: MarketSource, symbols: string[], settings: Settings, ta?: TaFeed): Promise<MarketPipeline> {
  const scorer = await scorerFor(settings);
  const market = new MarketPipeline(new MarketFeed(source, new CandleStore()), symbols, { ta, scorer, scoringTimeoutMs: settings.scoringTimeoutMs });
  await market.start();
  return market;
}
