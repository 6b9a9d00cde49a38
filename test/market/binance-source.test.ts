import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import type { CandleUpdate, Timeframe } from "../../src/market/candle.ts";
import { TIMEFRAME_MS } from "../../src/market/candle.ts";
import { BinanceUsClient } from "../../src/market/binance-client.ts";
import { BinanceSource } from "../../src/market/binance-source.ts";
import { WeightLimiter } from "../../src/market/weight-limiter.ts";
import { setQuiet } from "../../src/log.ts";
import { FakeBinance, fakeCandle, startFakeBinance } from "../helpers/fake-binance.ts";
import { ManualClock } from "./manual-clock.ts";

beforeAll(() => setQuiet(true));

const at = (h: number, m: number, s = 0) => Date.UTC(2026, 0, 5, h, m, s);
const T0 = at(10, 2, 40);
const SYMBOLS = ["BTCUSDT", "ETHUSDT"];

let fake: FakeBinance | null = null;
let source: BinanceSource | null = null;
afterEach(() => {
  source?.stop();
  source = null;
  fake?.stop();
  fake = null;
});

/** `serverLagMs`: how far the fake exchange's clock runs behind ours. */
function setup(maxRetries = 0, serverLagMs = 0) {
  const clock = new ManualClock(T0);
  fake = startFakeBinance({ now: () => clock.now() - serverLagMs });
  const client = new BinanceUsClient({ baseUrl: fake.url, clock, maxRetries, limiter: new WeightLimiter({ clock }) });
  source = new BinanceSource({ client, symbols: SYMBOLS, clock });
  return { clock, fake, source };
}

async function loadHistory(src: BinanceSource) {
  for (const symbol of SYMBOLS) for (const tf of ["5m", "1h", "4h"] as Timeframe[]) await src.history(symbol, tf);
}

/** Advances the clock in steps of `stepMs`, letting the three polling loops finish each round. */
async function run(clock: ManualClock, totalMs: number, stepMs = 30_000) {
  for (let done = 0; done < totalMs; done += stepMs) {
    clock.advance(stepMs);
    await clock.untilSleeping(3);
  }
}

const pick = (updates: CandleUpdate[], symbol: string, tf: Timeframe, closed: boolean) =>
  updates.filter((u) => u.symbol === symbol && u.timeframe === tf && u.closed === closed).map((u) => u.candle.t);

describe("BinanceSource", () => {
  test("history: 999 closed candles per timeframe, the forming one left out", async () => {
    const { source } = setup();
    const five = await source.history("BTCUSDT", "5m");
    expect(five).toHaveLength(999);
    expect(five[five.length - 1]).toEqual(fakeCandle("5m", at(9, 55)));
    expect(five[0]!.t).toBe(at(9, 55) - 998 * TIMEFRAME_MS["5m"]);
    const hour = await source.history("BTCUSDT", "1h");
    expect(hour[hour.length - 1]!.t).toBe(at(9, 0));
    const block = await source.history("BTCUSDT", "4h");
    expect(block[block.length - 1]!.t).toBe(at(4, 0));
    expect(block).toHaveLength(999);
    expect(source.status().lastUpdate).toEqual({ "5m": T0, "1h": T0, "4h": T0 });
  });

  test("live: every newly closed candle exactly once and in order, forming candles as they open", async () => {
    const { source, clock } = setup();
    await loadHistory(source);
    const updates: CandleUpdate[] = [];
    source.start((u) => updates.push(u));
    await clock.untilSleeping(3);
    await run(clock, 10 * 60_000); // until 10:12:40, polls every 30 s
    for (const symbol of SYMBOLS) {
      expect(pick(updates, symbol, "5m", true)).toEqual([at(10, 0), at(10, 5)]);
      expect(pick(updates, symbol, "5m", false)).toEqual([at(10, 0), at(10, 5), at(10, 10)]);
      expect(pick(updates, symbol, "1h", true)).toEqual([]);
      expect(pick(updates, symbol, "1h", false)).toEqual([at(10, 0)]);
      expect(pick(updates, symbol, "4h", false)).toEqual([at(8, 0)]);
    }
    const closed = updates.find((u) => u.closed && u.symbol === "BTCUSDT" && u.candle.t === at(10, 5));
    expect(closed?.candle).toEqual(fakeCandle("5m", at(10, 5)));
    // The poll after 10:05:00 asked only for what was new.
    const lastAsk = fake!.requestsFor("BTCUSDT", "5m").at(-1)!;
    expect(lastAsk.params.startTime).toBe(String(at(10, 10)));

    // A stall: one wake-up 40 minutes later catches up on all eight missed closes, in order.
    clock.advance(40 * 60_000);
    await clock.untilSleeping(3);
    expect(pick(updates, "BTCUSDT", "5m", true)).toEqual(
      Array.from({ length: 10 }, (_, i) => at(10, 0) + i * TIMEFRAME_MS["5m"]),
    );
    // 11:00 passed: the 10:00 hour closed, once (1h polls run every 5 minutes).
    await run(clock, 10 * 60_000, 300_000);
    expect(pick(updates, "ETHUSDT", "1h", true)).toEqual([at(10, 0)]);
  });

  test("a local clock running ahead cannot close a bar early: held back for settleMs", async () => {
    // The exchange's clock is 1.5 s behind ours: at our 10:05:01 it is still 10:04:59.5,
    // so its 10:00 bar is still forming and is the newest row it returns.
    const { source, clock } = setup(0, 1500);
    await loadHistory(source);
    const updates: CandleUpdate[] = [];
    clock.advance(at(10, 5, 1) - 30_000 - T0); // so that a poll lands at 10:05:01
    source.start((u) => updates.push(u));
    await clock.untilSleeping(3);
    clock.advance(30_000); // poll at 10:05:01: closeTime 10:04:59.999 is not < now − 2 s
    await clock.untilSleeping(3);
    expect(pick(updates, "BTCUSDT", "5m", true)).toEqual([]);
    expect(pick(updates, "BTCUSDT", "5m", false)).toEqual([at(10, 0)]);
    clock.advance(30_000); // poll at 10:05:31: the exchange has opened 10:05, so 10:00 is closed
    await clock.untilSleeping(3);
    expect(pick(updates, "BTCUSDT", "5m", true)).toEqual([at(10, 0)]);
  });

  test("one failing symbol does not stop the others; status names it; it catches up once healed", async () => {
    const { source, clock, fake } = setup(0);
    await loadHistory(source);
    const updates: CandleUpdate[] = [];
    fake.failSymbols.add("ETHUSDT");
    source.start((u) => updates.push(u));
    await clock.untilSleeping(3);
    await run(clock, 5 * 60_000); // 10:07:40
    expect(pick(updates, "BTCUSDT", "5m", true)).toEqual([at(10, 0)]);
    expect(pick(updates, "ETHUSDT", "5m", true)).toEqual([]);
    const status = source.status();
    expect(status.lastError).toContain("ETHUSDT");
    expect(status.lastError).toContain("HTTP 500");
    expect(status.lastUpdate["5m"]).toBe(clock.now());

    fake.failSymbols.clear();
    await run(clock, 5 * 60_000); // 10:12:40: 1h/4h loops also ran again
    expect(pick(updates, "ETHUSDT", "5m", true)).toEqual([at(10, 0), at(10, 5)]);
    expect(source.status().lastError).toBeNull();
  });

  test("rows sent again (overlapping answers) are not delivered twice", async () => {
    const { source, clock, fake } = setup();
    await loadHistory(source);
    fake.ignoreStartTime = true; // every answer now repeats up to 500 old rows
    const updates: CandleUpdate[] = [];
    source.start((u) => updates.push(u));
    await clock.untilSleeping(3);
    await run(clock, 10 * 60_000);
    expect(pick(updates, "BTCUSDT", "5m", true)).toEqual([at(10, 0), at(10, 5)]);
    expect(pick(updates, "BTCUSDT", "1h", true)).toEqual([]);
  });

  test("without history, the first poll delivers a history's worth of closed candles", async () => {
    const { source, clock } = setup();
    const updates: CandleUpdate[] = [];
    source.start((u) => updates.push(u));
    await clock.untilSleeping(3);
    const closed = pick(updates, "BTCUSDT", "5m", true);
    expect(closed).toHaveLength(999);
    expect(closed[closed.length - 1]).toBe(at(9, 55));
  });

  test("stop() ends the loops: no request after it", async () => {
    const { source, clock, fake } = setup();
    source.start(() => {});
    await clock.untilSleeping(3);
    const count = fake.requests.length;
    source.stop();
    clock.advance(600_000);
    await Bun.sleep(5);
    expect(fake.requests).toHaveLength(count);
    expect(clock.pending).toBe(0);
  });
});
