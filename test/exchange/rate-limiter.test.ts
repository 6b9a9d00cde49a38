import { describe, expect, test } from "bun:test";
import { TokenBucket } from "../../src/exchange/rate-limiter.ts";
import { assertWithinBucket, virtualClock } from "./bucket-conformance.ts";

describe("TokenBucket", () => {
  test("lets a full bucket through at once, then one request per 1/rate seconds", async () => {
    const clock = virtualClock(0);
    const bucket = new TokenBucket(10, 10, clock);
    const stamps = await Promise.all(Array.from({ length: 25 }, () => bucket.admit(() => clock.now())));
    // 10 tokens at t=0, then one every 100 ms: the 25th is 15 refills later.
    expect(stamps).toEqual([...Array(10).fill(0), ...Array.from({ length: 15 }, (_, k) => (k + 1) * 100)]);
    assertWithinBucket(stamps, 10, 10);
  });

  test("refills while idle, up to capacity", async () => {
    const clock = virtualClock(0);
    const bucket = new TokenBucket(5, 5, clock);
    for (let i = 0; i < 5; i++) await bucket.admit(() => undefined);
    clock.t += 10_000; // idle long enough to refill far beyond capacity
    const stamps = await Promise.all(Array.from({ length: 7 }, () => bucket.admit(() => clock.now())));
    expect(stamps).toEqual([10_000, 10_000, 10_000, 10_000, 10_000, 10_200, 10_400]);
  });

  test("a failing stamp does not block the callers behind it", async () => {
    const clock = virtualClock(0);
    const bucket = new TokenBucket(2, 2, clock);
    const failing = bucket.admit(() => {
      throw new Error("boom");
    });
    const next = bucket.admit(() => "ok");
    await expect(failing).rejects.toThrow("boom");
    expect(await next).toBe("ok");
  });

  test("the conformance check itself catches a burst beyond the bucket", () => {
    expect(() => assertWithinBucket(Array(11).fill(0), 10, 10)).toThrow("11 requests");
  });
});
