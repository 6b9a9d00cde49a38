/**
 * SeriesGate must admit exactly the updates a CandleStore accepts as far as
 * order goes: the real store is the reference, fed the same sequence.
 */
import { describe, expect, test } from "bun:test";
import type { CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { CandleStore } from "../../src/market/candle-store.ts";
import { SeriesGate } from "../../src/market/series-gate.ts";
import { fakeCandle } from "../helpers/fake-binance.ts";

const M5 = 300_000;
const u = (k: number, closed: boolean, timeframe: Timeframe = "5m", symbol = "BTCUSDT"): CandleUpdate => ({
  symbol,
  timeframe,
  candle: fakeCandle(timeframe, k * (timeframe === "5m" ? M5 : 12 * M5)),
  closed,
});

function storeAccepts(store: CandleStore, update: CandleUpdate): boolean {
  try {
    store.apply(update);
    return true;
  } catch {
    return false;
  }
}

describe("SeriesGate", () => {
  test("admits an update exactly when the candle store accepts it", () => {
    // Duplicates, replays, forming after closed, a forming newer than a late closed, other series.
    const sequence = [
      u(10, true), u(10, true), u(11, false), u(11, false), u(11, true), u(11, false), u(12, false),
      u(14, false), u(13, true), u(13, false), u(14, true), u(12, true), u(15, true), u(3, false, "1h"),
      u(3, false, "1h", "ETHUSDT"), u(2, true, "1h"), u(4, true, "1h"), u(3, true, "1h"), u(16, false),
    ];
    const gate = new SeriesGate();
    const store = new CandleStore();
    const admitted = sequence.map((update) => gate.admit(update));
    const accepted = sequence.map((update) => storeAccepts(store, update));
    expect(admitted).toEqual(accepted);
    expect(accepted.filter((ok) => !ok).length).toBeGreaterThan(4); // the sequence does test refusals
  });

  test("noteClosed: candles delivered elsewhere (history) count as already there", () => {
    const gate = new SeriesGate();
    gate.noteClosed("BTCUSDT", "5m", 20 * M5);
    expect(gate.admit(u(20, true))).toBe(false);
    expect(gate.admit(u(19, false))).toBe(false);
    expect(gate.admit(u(21, false))).toBe(true);
    expect(gate.lastClosed("BTCUSDT", "5m")).toBe(20 * M5);
    expect(gate.lastClosed("BTCUSDT", "1h")).toBeNull();
  });
});
