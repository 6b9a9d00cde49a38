/**
 * During warm-up a coin's TA still has nulls where the spec lists numbers (the
 * 5m EMA 89, the squeeze momentum, Stoch RSI): publishMarket then writes no
 * ta:latest and sends no signals:ta for it, rather than nulls; the coin is
 * published as soon as every listed field has a value.
 */
import { expect, test } from "bun:test";
import { publishMarket } from "../../src/app/bus-publishers.ts";
import type { MarketPipeline } from "../../src/app/market-pipeline.ts";
import { keys } from "../../src/bus/keys.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import type { TaPayload } from "../../src/bus/ta-payload.ts";
import { setQuiet } from "../../src/log.ts";
import type { TaResult } from "../../src/ta/result.ts";
import * as sample from "../bus/fixtures/samples.ts";
import { waitFor } from "../helpers/wait.ts";

setQuiet(true);

/** Just what publishMarket reads of a MarketPipeline: coins with a TA result, no candles, no scan rows. */
function fakeMarket(ta: Map<string, TaResult>) {
  const changeListeners = new Set<(symbols: string[]) => void>();
  const market = {
    symbols: () => [...ta.keys()],
    coin: (symbol: string) => (ta.has(symbol) ? { symbol, ta: ta.get(symbol)! } : null),
    coins: () => [],
    recentCandles: () => [],
    status: () => ({ source: "sim", simulated: true, banner: null }),
    onCandle: () => () => {},
    onChange: (listener: (symbols: string[]) => void) => {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
  };
  const change = (symbols: string[]) => {
    for (const listener of changeListeners) listener(symbols);
  };
  return { market: market as unknown as MarketPipeline, change };
}

test("a coin whose TA still has a null in a field the spec lists is not published; once warm it is", async () => {
  const bus = new MemoryBus();
  const warm: TaResult = { ...sample.taResult, symbol: "ETHUSDT" };
  const t = sample.taResult;
  const warming: TaResult = { ...t, ttm_squeeze: { ...t.ttm_squeeze, momentum: null, direction: "neutral" }, stoch_rsi_divergence: { ...t.stoch_rsi_divergence, stoch_k: null, stoch_d: null } };
  const ta = new Map<string, TaResult>([["BTCUSDT", warming], ["ETHUSDT", warm]]);
  const signals: TaPayload[] = [];
  await bus.psubscribe("signals:ta:*", (message) => void signals.push(message));
  const { market, change } = fakeMarket(ta);
  const stop = publishMarket(bus, market, () => false);
  try {
    await waitFor("the ETH signal", () => signals.length === 1);
    expect(signals.map((s) => s.symbol)).toEqual(["ETHUSDT"]);
    expect(await bus.get(keys.taLatest("ETHUSDT"))).toEqual({ ...sample.taPayload, symbol: "ETHUSDT" });
    expect(await bus.get(keys.taLatest("BTCUSDT"))).toBeNull();

    // Warmed up: BTC is published from its next change on.
    ta.set("BTCUSDT", sample.taResult);
    change(["BTCUSDT"]);
    await waitFor("the BTC signal", () => signals.some((s) => s.symbol === "BTCUSDT"));
    expect(await bus.get(keys.taLatest("BTCUSDT"))).toEqual(sample.taPayload);
    expect(signals.find((s) => s.symbol === "BTCUSDT")).toEqual(sample.taPayload);
  } finally {
    stop();
    await bus.close();
  }
});
