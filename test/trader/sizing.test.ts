import { expect, test } from "bun:test";
import { requestedLeverage, sizePosition } from "../../src/trader/sizing.ts";

const market = { amount_precision: 3, min_amount: 0.001, taker_fee_rate: 0.0005, fill_allowance_rate: 0 };

test("margin + opening fee use the whole share of equity, at the granted leverage", () => {
  const size = sizePosition({ equity: 10_000, position_size_pct: 10, leverage: 5, price: 100, market });
  if (!size.ok) throw new Error(size.reason);
  // N = 1000 / (1/5 + 0.0005) = 4987.53 → 49.875 coins (3 decimals, down).
  expect(size.amount).toBe(49.875);
  expect(size.margin + size.fee).toBeLessThanOrEqual(1000);
  expect(size.margin).toBeCloseTo(997.5, 9);
});

test("rounds DOWN, never to nearest: 49.8756 must not become 49.876", () => {
  // Budget 1000.006 makes the exact amount 49.87561…: rounding to nearest would spend more than the budget.
  const size = sizePosition({ equity: 10_000, position_size_pct: 10.00006, leverage: 5, price: 100, market });
  if (!size.ok) throw new Error(size.reason);
  expect(size.amount).toBe(49.875);
});

test("the fill allowance keeps room for a worse fill", () => {
  const size = sizePosition({ equity: 10_000, position_size_pct: 10, leverage: 5, price: 100, market: { ...market, fill_allowance_rate: 0.002 } });
  if (!size.ok) throw new Error(size.reason);
  // Filled 0.2 % worse, margin + fee still ≤ 1000.
  const filled = size.amount * 100 * 1.002;
  expect(filled / 5 + filled * 0.0005).toBeLessThanOrEqual(1000);
  expect(size.amount).toBe(49.775);
});

test("below the market minimum, a non-positive equity or price: no order, with the reason", () => {
  expect(sizePosition({ equity: 10, position_size_pct: 0.1, leverage: 1, price: 60_000, market })).toEqual({ ok: false, reason: "size 0 is below the market minimum 0.001" });
  expect(sizePosition({ equity: 0, position_size_pct: 5, leverage: 1, price: 1, market })).toEqual({ ok: false, reason: "equity 0.00 USDT is not positive" });
  expect(sizePosition({ equity: 10, position_size_pct: 5, leverage: 1, price: 0, market })).toEqual({ ok: false, reason: "price 0 is not positive" });
});

test("the leverage asked for is the owner's maximum capped by the market's", () => {
  expect(requestedLeverage(7, { max_leverage: 100 })).toBe(7);
  expect(requestedLeverage(50, { max_leverage: 20 })).toBe(20);
});
