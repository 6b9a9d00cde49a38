/**
 * Exchange errors and failing closes: one message per kind per window, then a
 * count — so a flapping exchange cannot flood the owner's phone, and nothing
 * is silently lost.
 */
import { expect, test } from "bun:test";
import type { Notice } from "../../src/notify/messages.ts";
import { Throttle } from "../../src/notify/throttle.ts";

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const MIN = 60_000;

function error(text: string, at: number, key = "exchange:order"): Notice {
  return { event: "exchange_error", mode: "live", text, priority: "low", at, throttle: { key, label: "Exchange errors (order)" } };
}

test("the first of a kind goes at once; the rest of its window is counted and summed up when the window ends", () => {
  const clock = { now: T0 };
  const throttle = new Throttle(10 * MIN, () => clock.now);
  expect(throttle.offer(error("order BTCUSDT: HTTP 500", T0))?.text).toBe("order BTCUSDT: HTTP 500");
  clock.now = T0 + MIN;
  expect(throttle.offer(error("order ETHUSDT: HTTP 500", clock.now))).toBeNull();
  clock.now = T0 + 2 * MIN;
  expect(throttle.offer(error("order SOLUSDT: HTTP 502", clock.now))).toBeNull();
  // Another kind has its own window.
  expect(throttle.offer(error("balance: timeout", clock.now, "exchange:balance"))?.text).toBe("balance: timeout");

  clock.now = T0 + 9 * MIN;
  expect(throttle.flush()).toEqual([]);
  clock.now = T0 + 10 * MIN;
  const [summary, ...rest] = throttle.flush();
  expect(rest).toEqual([]);
  expect(summary?.text).toBe("Exchange errors (order): 2 more in the last 10 min; the last: order SOLUSDT: HTTP 502");
  expect([summary?.event, summary?.mode, summary?.priority]).toEqual(["exchange_error", "live", "low"]);
  expect(summary?.throttle).toBeUndefined();
  // The summary opened a new window: the next one is counted again, not sent.
  clock.now = T0 + 11 * MIN;
  expect(throttle.offer(error("order BTCUSDT: HTTP 500", clock.now))).toBeNull();
  clock.now = T0 + 20 * MIN;
  expect(throttle.flush().map((n) => n.text)).toEqual(["Exchange errors (order): 1 more in the last 10 min; the last: order BTCUSDT: HTTP 500"]);
});

test("a quiet window ends without a message, and the next error goes at once", () => {
  const clock = { now: T0 };
  const throttle = new Throttle(10 * MIN, () => clock.now);
  throttle.offer(error("first", T0));
  clock.now = T0 + 10 * MIN;
  expect(throttle.flush()).toEqual([]);
  clock.now = T0 + 30 * MIN;
  expect(throttle.offer(error("much later", clock.now))?.text).toBe("much later");
});
