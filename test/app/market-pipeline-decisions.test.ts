/**
 * The trader decides on closed candles only: a spike inside a forming 5m bar
 * moves the scanner's display, never the scores the trader compares with its
 * thresholds, until the bar closes. And each coin says when its newest closed
 * 5m candle ended and arrived, so the cycle can refuse stale data.
 */
import { afterEach, expect, test } from "bun:test";
import { MarketPipeline } from "../../src/app/market-pipeline.ts";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import { setQuiet } from "../../src/log.ts";
import { type Candle, type CandleUpdate, TIMEFRAME_MS, type Timeframe } from "../../src/market/candle.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { MarketFeed } from "../../src/market/market-feed.ts";
import type { MarketSource, MarketSourceStatus } from "../../src/market/source.ts";

setQuiet(true);

const START = Date.UTC(2026, 10, 1);

/** History of gently waving closed candles, then updates pushed by the test. */
class ManualSource implements MarketSource {
  readonly name = "binance" as const;
  private onUpdate: ((update: CandleUpdate) => void) | null = null;
  constructor(private readonly bars: number) {}
  async history(_symbol: string, timeframe: Timeframe): Promise<Candle[]> {
    const step = TIMEFRAME_MS[timeframe];
    return Array.from({ length: this.bars }, (_, i) => {
      const c = 100 + 5 * Math.sin(i / 7);
      return { t: START + i * step, o: c - 0.1, h: c + 0.5, l: c - 0.5, c, v: 10 + (i % 5) };
    });
  }
  start(onUpdate: (update: CandleUpdate) => void): void {
    this.onUpdate = onUpdate;
  }
  stop(): void {}
  push(update: CandleUpdate): void {
    this.onUpdate?.(update);
  }
  status(): MarketSourceStatus {
    return { source: "binance", simulated: false, banner: null, lastUpdate: { "5m": null, "1h": null, "4h": null }, lastError: null, symbols: ["BTCUSDT"] };
  }
}

let market: MarketPipeline | null = null;
afterEach(() => market?.stop());

test("a forming spike changes what the scanner shows, not what the trader scores, until the bar closes", async () => {
  const source = new ManualSource(400);
  let now = START + 400 * TIMEFRAME_MS["5m"] + 1000;
  market = new MarketPipeline(new MarketFeed(source, new CandleStore()), ["BTCUSDT"], { notifyMs: 1, now: () => now });
  await market.start();
  const config = { ...DEFAULT_TRADER_CONFIG };
  const before = (await market.scoredCoins(config))[0]!;
  const lastClosedEnd = START + 400 * TIMEFRAME_MS["5m"];
  expect(before).toMatchObject({ symbol: "BTCUSDT", closed_at: lastClosedEnd, received_at: now });
  const displayBefore = market.coin("BTCUSDT")!.score;

  const t = START + 400 * TIMEFRAME_MS["5m"];
  now += 60_000;
  source.push({ symbol: "BTCUSDT", timeframe: "5m", candle: { t, o: 100, h: 160, l: 100, c: 158, v: 500 }, closed: false });
  const displaySpike = market.coin("BTCUSDT")!.score;
  expect(displaySpike).not.toEqual(displayBefore); // the display moved…
  const during = (await market.scoredCoins(config))[0]!;
  expect({ long: during.long, short: during.short }).toEqual({ long: before.long, short: before.short }); // …the decision did not
  expect(during.closed_at).toBe(lastClosedEnd);

  now += 4 * 60_000;
  source.push({ symbol: "BTCUSDT", timeframe: "5m", candle: { t, o: 100, h: 160, l: 100, c: 158, v: 500 }, closed: true });
  const after = (await market.scoredCoins(config))[0]!;
  expect({ long: after.long, short: after.short }).not.toEqual({ long: before.long, short: before.short });
  expect(after).toMatchObject({ closed_at: t + TIMEFRAME_MS["5m"], received_at: now });
});
