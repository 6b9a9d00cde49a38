/**
 * MarketPipeline with a TA feed (what trader and web instances get from the
 * ta process over the bus): the fed result replaces the pipeline's own only
 * for the same newest 5m candle or a newer one, and a fed result is heard as
 * a change of that coin.
 */
import { afterEach, expect, test } from "bun:test";
import { MarketPipeline, type TaFeed } from "../../src/app/market-pipeline.ts";
import { setQuiet } from "../../src/log.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { MarketFeed } from "../../src/market/market-feed.ts";
import { SimSource } from "../../src/market/sim-source.ts";
import type { TaResult } from "../../src/ta/result.ts";
import { waitFor } from "../helpers/wait.ts";

setQuiet(true);

class HandFedTa implements TaFeed {
  readonly results = new Map<string, TaResult>();
  private readonly listeners = new Set<(symbol: string) => void>();
  latest(symbol: string) {
    return this.results.get(symbol) ?? null;
  }
  onUpdate(listener: (symbol: string) => void) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  feed(result: TaResult) {
    this.results.set(result.symbol, result);
    for (const listener of this.listeners) listener(result.symbol);
  }
}

let market: MarketPipeline | null = null;
afterEach(() => market?.stop());

async function pipeline(ta: TaFeed): Promise<MarketPipeline> {
  // A frozen sim (no ticks during the test): history only, so our own TA stays put.
  const source = new SimSource({ symbols: ["BTCUSDT"], seed: 7, tickMs: 3_600_000 });
  market = new MarketPipeline(new MarketFeed(source, new CandleStore()), ["BTCUSDT"], { notifyMs: 1, ta });
  await market.start();
  return market;
}

test("a fed result for the same candle replaces ours, and the change is announced", async () => {
  const ta = new HandFedTa();
  const m = await pipeline(ta);
  const own = m.coin("BTCUSDT")!.ta;
  const heard: string[][] = [];
  m.onChange((symbols) => heard.push(symbols));
  const fed: TaResult = { ...own, composite_score_adjustment: { ...own.composite_score_adjustment, long_bonus: 25, reasoning: ["fed"] } };
  ta.feed(fed);
  await waitFor("the change to be announced", () => heard.some((s) => s.includes("BTCUSDT")));
  expect(m.coin("BTCUSDT")!.ta).toEqual(fed);
});

test("an older fed result (a stalled ta process) never replaces ours", async () => {
  const ta = new HandFedTa();
  const m = await pipeline(ta);
  const own = m.coin("BTCUSDT")!.ta;
  ta.feed({ ...own, timestamp: own.timestamp - 300_000, composite_score_adjustment: { ...own.composite_score_adjustment, long_bonus: 25 } });
  await waitFor("the feed to be applied", () => ta.results.size === 1);
  expect(m.coin("BTCUSDT")!.ta).toEqual(own);
});
