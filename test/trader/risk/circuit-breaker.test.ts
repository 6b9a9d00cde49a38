import { expect, test } from "bun:test";
import { CircuitBreaker } from "../../../src/trader/risk/circuit-breaker.ts";

test("trips exactly when a count reaches the threshold, and again at each further multiple", () => {
  const breaker = new CircuitBreaker();
  expect([1, 2, 3, 4, 5, 6].map(() => breaker.recordFailure("read", "busy", 3))).toEqual([false, false, true, false, false, true]);
  expect(breaker.failures).toBe(6);
  expect(breaker.lastFailure).toBe("busy");
});

test("a read's success resets reads only: failed orders keep counting across reads", () => {
  const breaker = new CircuitBreaker();
  expect(breaker.recordFailure("order", "rejected", 3)).toBe(false);
  breaker.recordSuccess("read");
  expect(breaker.recordFailure("order", "rejected", 3)).toBe(false);
  breaker.recordSuccess("read");
  expect(breaker.recordFailure("order", "rejected", 3)).toBe(true);
  expect(breaker.failuresOf("order")).toBe(3);
  expect(breaker.failuresOf("read")).toBe(0);
});

test("an order's success resets orders; reset() clears both", () => {
  const breaker = new CircuitBreaker();
  breaker.recordFailure("order", "x", 3);
  breaker.recordFailure("read", "y", 3);
  breaker.recordSuccess("order");
  expect(breaker.failuresOf("order")).toBe(0);
  expect(breaker.failuresOf("read")).toBe(1);
  breaker.reset();
  expect(breaker.failures).toBe(0);
  expect(breaker.lastFailure).toBeNull();
});
