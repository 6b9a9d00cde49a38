/**
 * The TA result on the bus (ta:latest:{symbol}, signals:ta:{symbol}) in the
 * spec's shape, and back: toTaPayload gives the spec's field types with our
 * extras under new names, refuses a result that would carry a null in a field
 * the spec lists (warm-up), and fromTaPayload gives back exactly the internal
 * TaResult (values and key order), so the readers behave as before.
 */
import { describe, expect, test } from "bun:test";
import { BusTaFeed } from "../../src/app/bus-ta-feed.ts";
import { channels, keys } from "../../src/bus/keys.ts";
import { MemoryBus } from "../../src/bus/memory-bus.ts";
import { fromTaPayload, TaPayloadSchema, toTaPayload } from "../../src/bus/ta-payload.ts";
import { SymbolTa } from "../../src/ta/symbol-ta.ts";
import { TaResultSchema, type TaResult } from "../../src/ta/result.ts";
import { loadCandles } from "../ta/fixtures.ts";
import * as sample from "./fixtures/samples.ts";
import { waitFor } from "./support.ts";

describe("toTaPayload", () => {
  test("writes the spec's types, with our own values under new names", () => {
    const payload = toTaPayload(sample.taResult)!;
    expect(payload).not.toBeNull();
    // 1_763_726_700_000 is 2025-11-21T12:05:00Z, the open of the 5m candle; it closes 5 min later.
    expect(payload.timestamp).toBe("2025-11-21T12:10:00Z");
    expect(payload.timestamp_ms).toBe(1_763_726_700_000);
    expect(payload.ema_ribbon.values).toEqual([91_300, 91_250, 91_200, 91_100, 91_000, 90_800]);
    expect(payload.ema_ribbon.values_by_timeframe).toEqual(sample.taResult.ema_ribbon.values);
    expect(payload.ttm_squeeze).toEqual({
      squeeze: false,
      state: "fired",
      momentum: 35.2,
      direction: "bullish",
      direction_detail: "bullish",
      bars_in_squeeze: 0,
      timeframe: "5m",
    });
    expect(payload.stoch_rsi_divergence).toEqual({ divergence: "none", strength: 0, candles_ago: 0, stoch_k: 64.1, stoch_d: 58.9 });
    expect(payload.composite_score_adjustment).toEqual(sample.taResult.composite_score_adjustment);
    expect(TaPayloadSchema.parse(payload)).toEqual(payload);
    expect(payload).toEqual(sample.taPayload);
  });

  test("squeeze is true only while on; neutral direction goes by the momentum's sign (zero counts as bullish)", () => {
    const on = toTaPayload({ ...sample.taResult, ttm_squeeze: { ...sample.taResult.ttm_squeeze, squeeze: "on", bars_in_squeeze: 4 } })!;
    expect(on.ttm_squeeze).toMatchObject({ squeeze: true, state: "on", bars_in_squeeze: 4 });
    const none = toTaPayload({ ...sample.taResult, ttm_squeeze: { ...sample.taResult.ttm_squeeze, squeeze: "none" } })!;
    expect(none.ttm_squeeze).toMatchObject({ squeeze: false, state: "none" });
    const flat = toTaPayload({ ...sample.taResult, ttm_squeeze: { ...sample.taResult.ttm_squeeze, momentum: 0, direction: "neutral" } })!;
    expect(flat.ttm_squeeze).toMatchObject({ direction: "bullish", direction_detail: "neutral", momentum: 0 });
    const down = toTaPayload({ ...sample.taResult, ttm_squeeze: { ...sample.taResult.ttm_squeeze, momentum: -3, direction: "bearish" } })!;
    expect(down.ttm_squeeze).toMatchObject({ direction: "bearish", direction_detail: "bearish" });
  });

  test("a divergence keeps its candles_ago; none gives 0", () => {
    const bullish = { ...sample.taResult, stoch_rsi_divergence: { divergence: "bullish" as const, strength: 70, candles_ago: 5, stoch_k: 20, stoch_d: 18 } };
    expect(toTaPayload(bullish)!.stoch_rsi_divergence).toEqual({ divergence: "bullish", strength: 70, candles_ago: 5, stoch_k: 20, stoch_d: 18 });
    expect(toTaPayload(sample.taResult)!.stoch_rsi_divergence.candles_ago).toBe(0);
  });

  test("during warm-up (a null in a field the spec lists) there is nothing to publish", () => {
    const t = sample.taResult;
    const warming: TaResult[] = [
      { ...t, ema_ribbon: { ...t.ema_ribbon, values: { ...t.ema_ribbon.values, "5m": { ...t.ema_ribbon.values["5m"], ema89: null } } } },
      { ...t, ttm_squeeze: { ...t.ttm_squeeze, momentum: null, direction: "neutral" } },
      { ...t, stoch_rsi_divergence: { ...t.stoch_rsi_divergence, stoch_k: null } },
      { ...t, stoch_rsi_divergence: { ...t.stoch_rsi_divergence, stoch_d: null } },
    ];
    for (const result of warming) expect(toTaPayload(result)).toBeNull();
    // The 1h EMAs are not in the spec's list: a null there travels in values_by_timeframe.
    expect(sample.taResult.ema_ribbon.values["1h"].ema89).toBeNull();
    expect(toTaPayload(sample.taResult)).not.toBeNull();
  });
});

describe("fromTaPayload", () => {
  test("gives back the TaResult exactly, key order included", () => {
    const variants: TaResult[] = [
      sample.taResult,
      { ...sample.taResult, ttm_squeeze: { ...sample.taResult.ttm_squeeze, squeeze: "on", momentum: 0, direction: "neutral", bars_in_squeeze: 7 } },
      { ...sample.taResult, stoch_rsi_divergence: { divergence: "bearish", strength: 41, candles_ago: 3, stoch_k: 80.5, stoch_d: 77 } },
    ];
    for (const result of variants) {
      const back = fromTaPayload(TaPayloadSchema.parse(JSON.parse(JSON.stringify(toTaPayload(result)))));
      expect(JSON.stringify(back)).toBe(JSON.stringify(result));
    }
  });

  test("round-trips every publishable result of a real candle series", async () => {
    const candles = await loadCandles();
    const ta = new SymbolTa("ETHUSDT");
    let published = 0;
    let divergences = 0;
    for (const candle of candles) {
      ta.update({ symbol: "ETHUSDT", timeframe: "5m", candle, closed: true });
      const result = TaResultSchema.parse(ta.result());
      const payload = toTaPayload(result);
      if (payload === null) continue;
      published++;
      if (result.stoch_rsi_divergence.divergence !== "none") divergences++;
      expect(TaPayloadSchema.safeParse(payload).success).toBe(true);
      expect(JSON.stringify(fromTaPayload(TaPayloadSchema.parse(JSON.parse(JSON.stringify(payload)))))).toBe(JSON.stringify(result));
    }
    // Warm-up (EMA 89) holds the first results back; afterwards every candle publishes.
    expect(published).toBeGreaterThan(candles.length - 100);
    expect(published).toBeLessThan(candles.length);
    expect(divergences).toBeGreaterThan(0);
  });
});

describe("BusTaFeed", () => {
  test("reads ta:latest and signals:ta in the spec's shape and hands on the TaResult", async () => {
    const bus = new MemoryBus();
    const eth: TaResult = { ...sample.taResult, symbol: "ETHUSDT" };
    await bus.set(keys.taLatest("ETHUSDT"), toTaPayload(eth)!);
    const feed = new BusTaFeed(bus, ["BTCUSDT", "ETHUSDT"]);
    const heard: string[] = [];
    feed.onUpdate((symbol) => heard.push(symbol));
    await feed.start();
    try {
      expect(feed.latest("ETHUSDT")).toEqual(eth);
      const newer: TaResult = { ...sample.taResult, timestamp: sample.taResult.timestamp + 300_000 };
      await bus.publish(channels.taSignals("BTCUSDT"), toTaPayload(newer)!);
      await waitFor("the BTC signal", () => feed.latest("BTCUSDT") !== null, 2000);
      expect(JSON.stringify(feed.latest("BTCUSDT"))).toBe(JSON.stringify(newer));
      // An older result never replaces a newer one.
      await bus.publish(channels.taSignals("BTCUSDT"), toTaPayload(sample.taResult)!);
      await bus.publish(channels.taSignals("ETHUSDT"), toTaPayload(eth)!);
      await waitFor("the second ETH delivery", () => heard.filter((s) => s === "ETHUSDT").length === 2, 2000);
      expect(feed.latest("BTCUSDT")!.timestamp).toBe(newer.timestamp);
    } finally {
      feed.stop();
      await bus.close();
    }
  });
});
