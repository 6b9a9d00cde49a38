import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Candle, CandleUpdate } from "../../src/market/candle.ts";
import { TIMEFRAME_MS } from "../../src/market/candle.ts";
import { coinProfile } from "../../src/market/coin-profiles.ts";
import { ReplaySource } from "../../src/market/replay-source.ts";
import { setQuiet } from "../../src/log.ts";
import { ManualClock } from "./manual-clock.ts";

const FIXTURE = join(import.meta.dir, "../fixtures/ETH_BTC-5m.json");
const recorded: Candle[] = await Bun.file(FIXTURE).json();
// The recording starts at 05:35 UTC; its first 4h boundary (2018-01-10T08:00Z) is candle 37.
const FIRST_WHOLE = 37;
const dir = mkdtempSync(join(tmpdir(), "replay-test-"));

beforeAll(() => {
  setQuiet(true);
  writeFileSync(join(dir, "ETHUSDT-5m.json"), JSON.stringify(recorded));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function expectAggregate(coarse: Candle, parts: Candle[]) {
  expect(coarse.o).toBe(parts[0]!.o);
  expect(coarse.c).toBe(parts[parts.length - 1]!.c);
  expect(coarse.h).toBe(Math.max(...parts.map((p) => p.h)));
  expect(coarse.l).toBe(Math.min(...parts.map((p) => p.l)));
  expect(coarse.v).toBeCloseTo(parts.reduce((s, p) => s + p.v, 0), 6);
}

describe("ReplaySource", () => {
  test("the recording itself: 5m history is the file, then it plays forward candle by candle", async () => {
    expect(recorded).toHaveLength(5760);
    expect(recorded[FIRST_WHOLE]!.t).toBe(Date.UTC(2018, 0, 10, 8, 0));
    const source = new ReplaySource({ dir, symbols: ["ETHUSDT"], clock: new ManualClock(0) });
    const history = await source.history("ETHUSDT", "5m");
    expect(history).toEqual(recorded.slice(FIRST_WHOLE, FIRST_WHOLE + 1000));
    const updates: CandleUpdate[] = [];
    source.start((u) => updates.push(u));
    for (let i = 0; i < 30; i++) source.tick();
    source.stop();
    const played = updates.filter((u) => u.timeframe === "5m");
    expect(played.every((u) => u.closed)).toBe(true);
    expect(played.map((u) => u.candle)).toEqual(recorded.slice(FIRST_WHOLE + 1000, FIRST_WHOLE + 1030));
  });

  test("1h and 4h are aggregated from the recording, in history and while playing", async () => {
    const source = new ReplaySource({ dir, symbols: ["ETHUSDT"], clock: new ManualClock(0) });
    const hours = await source.history("ETHUSDT", "1h");
    const blocks = await source.history("ETHUSDT", "4h");
    // 1000 warm-up candles from a 4h boundary: 83 whole hours and 20 whole 4h bars.
    expect(hours).toHaveLength(83);
    expect(blocks).toHaveLength(20);
    hours.forEach((hour, i) => {
      expect(hour.t).toBe(recorded[FIRST_WHOLE + 12 * i]!.t);
      expectAggregate(hour, recorded.slice(FIRST_WHOLE + 12 * i, FIRST_WHOLE + 12 * i + 12));
    });
    blocks.forEach((block, i) => expectAggregate(block, recorded.slice(FIRST_WHOLE + 48 * i, FIRST_WHOLE + 48 * i + 48)));

    // Play resumes 20 minutes into an hour: the hour closes after 8 more candles and
    // covers the 4 candles already in history too (1000 = 83·12 + 4).
    const updates: CandleUpdate[] = [];
    source.start((u) => updates.push(u));
    for (let i = 0; i < 8; i++) source.tick();
    source.stop();
    const hourly = updates.filter((u) => u.timeframe === "1h");
    expect(hourly.map((u) => u.closed)).toEqual([false, false, false, false, false, false, false, true]);
    const start = FIRST_WHOLE + 996;
    expect(hourly[7]!.candle.t).toBe(recorded[start]!.t);
    expectAggregate(hourly[7]!.candle, recorded.slice(start, start + 12));
    expectAggregate(hourly[0]!.candle, recorded.slice(start, start + 5));
    // 1000 = 20·48 + 40: the 4h bar in progress also completes with the 8th candle.
    const blockly = updates.filter((u) => u.timeframe === "4h");
    expect(blockly.map((u) => u.closed)).toEqual([false, false, false, false, false, false, false, true]);
    expectAggregate(blockly[7]!.candle, recorded.slice(FIRST_WHOLE + 960, FIRST_WHOLE + 1008));
  });

  test("one file mapped onto many symbols, scaled to each coin's price level, same moves", async () => {
    const source = new ReplaySource({ file: FIXTURE, symbols: ["BTCUSDT", "DOGEUSDT"], clock: new ManualClock(0) });
    const btc = await source.history("BTCUSDT", "5m");
    const doge = await source.history("DOGEUSDT", "5m");
    const factor = coinProfile("BTCUSDT").price / recorded[0]!.c;
    expect(btc[0]!.c).toBeCloseTo(recorded[FIRST_WHOLE]!.c * factor, -1);
    for (let i = 0; i < btc.length; i += 97) {
      expect(btc[i]!.t).toBe(recorded[FIRST_WHOLE + i]!.t);
      const real = recorded[FIRST_WHOLE + i]!.c / recorded[FIRST_WHOLE]!.c;
      expect(Math.abs(btc[i]!.c / btc[0]!.c - real)).toBeLessThan(1e-4);
      expect(Math.abs(doge[i]!.c / doge[0]!.c - real)).toBeLessThan(1e-4);
    }
    expect(doge[0]!.c).toBeLessThan(1);
  });

  test("status says simulated; the timer plays candlesPerTick per tick and stops at the end", async () => {
    const small = mkdtempSync(join(tmpdir(), "replay-small-"));
    try {
      writeFileSync(join(small, "ETHUSDT-5m.json"), JSON.stringify(recorded.slice(FIRST_WHOLE, FIRST_WHOLE + 60)));
      const clock = new ManualClock(0);
      const source = new ReplaySource({ dir: small, symbols: ["ETHUSDT"], warmupCandles: 50, tickMs: 1000, candlesPerTick: 4, clock });
      expect(source.status()).toMatchObject({ source: "replay", simulated: true });
      expect(source.status().banner).toStartWith("Replaying recorded candles");
      const played: number[] = [];
      source.start((u) => u.timeframe === "5m" && played.push(u.candle.t));
      await clock.untilSleeping(1);
      clock.advance(1000);
      await clock.untilSleeping(1);
      expect(played).toEqual(recorded.slice(FIRST_WHOLE + 50, FIRST_WHOLE + 54).map((c) => c.t));
      for (let i = 0; i < 3; i++) {
        clock.advance(1000);
        await Bun.sleep(0);
      }
      expect(played).toHaveLength(10);
      expect(source.status().banner).toContain("replay finished");
      expect(clock.pending).toBe(0);
    } finally {
      rmSync(small, { recursive: true, force: true });
    }
  });

  test("bad recordings are refused with the file and the position", () => {
    const bad = mkdtempSync(join(tmpdir(), "replay-bad-"));
    try {
      const cases: [unknown, RegExp][] = [
        [[{ t: 0, o: 1, h: 1, l: 1, v: 1 }], /BTCUSDT-5m\.json\[0\] \(line 2\): c is missing/],
        [[{ t: 300000, o: 1, h: 1, l: 1, c: 1, v: 1 }, { t: 0, o: 1, h: 1, l: 1, c: 1, v: 1 }], /\[1\] \(line 3\) t=0 is not after the previous candle/],
        [[{ t: 1000, o: 1, h: 1, l: 1, c: 1, v: 1 }], /\[0\] \(line 2\) t=1000 is not on a 5m boundary/],
        [{ candles: [] }, /must hold a JSON array/],
        [[], /holds no candles/],
      ];
      for (const [content, message] of cases) {
        writeFileSync(join(bad, "BTCUSDT-5m.json"), JSON.stringify(content));
        expect(() => new ReplaySource({ dir: bad, symbols: ["BTCUSDT"] })).toThrow(message);
      }
      writeFileSync(join(bad, "BTCUSDT-5m.json"), "{not json");
      expect(() => new ReplaySource({ dir: bad, symbols: ["BTCUSDT"] })).toThrow(/cannot read .*BTCUSDT-5m\.json/);
      expect(() => new ReplaySource({ dir: bad, symbols: ["ETHUSDT"] })).toThrow(/no recorded candles for ETHUSDT: expected .*ETHUSDT-5m\.json/);
      expect(() => new ReplaySource({ symbols: ["ETHUSDT"] })).toThrow(/give a directory/);
    } finally {
      rmSync(bad, { recursive: true, force: true });
    }
  });

  test("a recorded 1h file is used as is for that timeframe", async () => {
    const withHours = mkdtempSync(join(tmpdir(), "replay-1h-"));
    try {
      const five = recorded.slice(FIRST_WHOLE, FIRST_WHOLE + 48 * 3);
      const hours: Candle[] = Array.from({ length: 12 }, (_, i) => ({ t: five[12 * i]!.t, o: 1, h: 2, l: 0.5, c: 1.5, v: i + 1 }));
      writeFileSync(join(withHours, "ETHUSDT-5m.json"), JSON.stringify(five));
      writeFileSync(join(withHours, "ETHUSDT-1h.json"), JSON.stringify(hours));
      const source = new ReplaySource({ dir: withHours, symbols: ["ETHUSDT"], warmupCandles: 48, clock: new ManualClock(0) });
      expect(await source.history("ETHUSDT", "1h")).toEqual(hours.slice(0, 4));
      const updates: CandleUpdate[] = [];
      source.start((u) => updates.push(u));
      for (let i = 0; i < 12; i++) source.tick();
      source.stop();
      expect(updates.filter((u) => u.timeframe === "1h")).toEqual([{ symbol: "ETHUSDT", timeframe: "1h", candle: hours[4]!, closed: true }]);
      expect(TIMEFRAME_MS["1h"]).toBe(12 * TIMEFRAME_MS["5m"]);
    } finally {
      rmSync(withHours, { recursive: true, force: true });
    }
  });
});
