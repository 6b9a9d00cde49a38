import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { BinanceUsClient } from "../../src/market/binance-client.ts";
import { WeightLimiter } from "../../src/market/weight-limiter.ts";
import { setQuiet } from "../../src/log.ts";
import { FakeBinance, startFakeBinance } from "../helpers/fake-binance.ts";
import { ManualClock } from "./manual-clock.ts";

beforeAll(() => setQuiet(true));

const T0 = 1_700_000_055_000; // 15 s into a minute

let fake: FakeBinance | null = null;
afterEach(() => {
  fake?.stop();
  fake = null;
});

/** Largest number of `times` inside any window [t, t + windowMs). */
function busiestWindow(times: number[], windowMs: number): number {
  return Math.max(...times.map((t) => times.filter((u) => u >= t && u < t + windowMs).length));
}

describe("WeightLimiter", () => {
  test("admits at most `limit` weight per window and releases as old bookings expire", async () => {
    const clock = new ManualClock(T0);
    const limiter = new WeightLimiter({ limit: 3, windowMs: 60_000, clock });
    const admitted: number[] = [];
    const all = Array.from({ length: 5 }, () => limiter.acquire(1).then(() => admitted.push(clock.now())));
    await clock.untilSleeping(1);
    expect(admitted).toHaveLength(3);
    clock.advance(59_999);
    await Bun.sleep(0);
    expect(admitted).toHaveLength(3);
    clock.advance(1);
    await Promise.all(all);
    expect(admitted.map((t) => t - T0)).toEqual([0, 0, 0, 60_000, 60_000]);
    expect(limiter.usedInWindow()).toBe(2);
  });

  test("a heavier request waits for enough room", async () => {
    const clock = new ManualClock(T0);
    const limiter = new WeightLimiter({ limit: 5, windowMs: 1000, clock });
    await limiter.acquire(2);
    clock.advance(100);
    await limiter.acquire(2);
    let done = false;
    const heavy = limiter.acquire(4).then(() => (done = true));
    await clock.untilSleeping(1);
    clock.advance(899); // first booking leaves at T0+1000: still only 1 free
    await Bun.sleep(0);
    expect(done).toBe(false);
    clock.advance(1); // T0+1000: 3 free, not 4
    await clock.untilSleeping(1);
    expect(done).toBe(false);
    clock.advance(100); // T0+1100: both gone
    await heavy;
    expect(clock.now() - T0).toBe(1100);
  });

  test("refuses a weight that can never fit and bad settings", async () => {
    const limiter = new WeightLimiter({ limit: 2 });
    await expect(limiter.acquire(3)).rejects.toThrow(/weight 3 can never fit a limit of 2/);
    expect(() => new WeightLimiter({ limit: 0 })).toThrow(/limit must be a whole number/);
    expect(() => new WeightLimiter({ slowDownAt: 1.5 })).toThrow(/slowDownAt/);
  });

  test("a cancelled wait books nothing", async () => {
    const clock = new ManualClock(T0);
    const limiter = new WeightLimiter({ limit: 1, windowMs: 1000, clock });
    await limiter.acquire(1);
    const abort = new AbortController();
    const waiting = limiter.acquire(1, abort.signal);
    await clock.untilSleeping(1);
    abort.abort();
    await expect(waiting).rejects.toThrow(/cancelled/);
    expect(limiter.usedInWindow()).toBe(1);
  });
});

describe("client + limiter against the fake server", () => {
  test("never sends more than the limit per window (limit 3 per minute, 7 requests)", async () => {
    const clock = new ManualClock(T0);
    fake = startFakeBinance({ now: () => clock.now() });
    fake.usedWeight = () => null;
    const client = new BinanceUsClient({ baseUrl: fake.url, clock, limiter: new WeightLimiter({ limit: 3, windowMs: 60_000, clock }) });
    const calls = Array.from({ length: 7 }, (_, i) => client.klines(i % 2 ? "ETHUSDT" : "BTCUSDT", "5m", { limit: 1 }));
    await Promise.all(calls.slice(0, 3));
    await clock.untilSleeping(1);
    expect(fake.requests).toHaveLength(3);
    clock.advance(60_000);
    await Promise.all(calls.slice(3, 6));
    await clock.untilSleeping(1);
    expect(fake.requests).toHaveLength(6);
    clock.advance(60_000);
    await Promise.all(calls);
    const times = fake.requests.map((r) => r.at);
    expect(times).toHaveLength(7);
    expect(busiestWindow(times, 60_000)).toBe(3);
  });

  test("slows down when X-MBX-USED-WEIGHT-1M nears the limit: waits for the next minute (+1 s margin)", async () => {
    const clock = new ManualClock(T0);
    fake = startFakeBinance({ now: () => clock.now() });
    fake.usedWeight = () => 1150; // ≥ 90 % of 1200
    const client = new BinanceUsClient({ baseUrl: fake.url, clock, limiter: new WeightLimiter({ clock }) });
    await client.klines("BTCUSDT", "5m", { limit: 1 });
    const second = client.klines("BTCUSDT", "5m", { limit: 1 });
    await clock.untilSleeping(1);
    expect(fake.requests).toHaveLength(1);
    clock.advance(45_999); // 1 ms before 1_700_000_101_000
    await Bun.sleep(0);
    expect(fake.requests).toHaveLength(1);
    clock.advance(1);
    await second;
    expect(fake.requests.map((r) => r.at)).toEqual([T0, 1_700_000_101_000]);
  });

  test("a low server count does not slow anything down", async () => {
    const clock = new ManualClock(T0);
    fake = startFakeBinance({ now: () => clock.now() });
    fake.usedWeight = () => 10;
    const client = new BinanceUsClient({ baseUrl: fake.url, clock });
    await client.klines("BTCUSDT", "5m", { limit: 1 });
    await client.klines("BTCUSDT", "5m", { limit: 1 });
    expect(clock.sleeps).toEqual([]);
    expect(fake.requests.map((r) => r.at)).toEqual([T0, T0]);
  });
});
