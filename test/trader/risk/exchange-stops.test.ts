import { expect, test } from "bun:test";
import { desiredStops, stopsDiffer } from "../../../src/trader/risk/exchange-stops.ts";

const long = { side: "long" as const, entry_price: 60_000, size: 0.1, margin: 600 }; // 10×

test("a long's stop-loss below the entry and take-profit above, at P&L % of margin / leverage", () => {
  // 5 % of margin at 10× = 0.5 % of price; 20 % = 2 %.
  expect(desiredStops(long, 20, 5, 2)).toEqual({ stop_loss_price: 59_700, take_profit_price: 61_200 });
  expect(desiredStops(long, null, null, 2)).toEqual({ stop_loss_price: null, take_profit_price: null });
});

test("rounded to the tick so the loss is never larger and the profit never smaller than configured", () => {
  const odd = { side: "long" as const, entry_price: 1.23457, size: 1000, margin: 123.457 }; // 10×
  const stops = desiredStops(odd, 7, 3, 4);
  // Exact SL 1.2308662…, TP 1.2432119…: SL up to 1.2309 (closer), TP up to 1.2433 (further).
  expect(stops).toEqual({ stop_loss_price: 1.2309, take_profit_price: 1.2433 });
});

test("differences below half a tick are not a change; a missing or extra stop is", () => {
  const held = { stop_loss_price: 59_700, take_profit_price: null };
  expect(stopsDiffer(held, { stop_loss_price: 59_700.004, take_profit_price: null }, 2)).toBe(false);
  expect(stopsDiffer(held, { stop_loss_price: 59_700.01, take_profit_price: null }, 2)).toBe(true);
  expect(stopsDiffer(held, { stop_loss_price: 59_700, take_profit_price: 61_200 }, 2)).toBe(true);
  expect(stopsDiffer(held, { stop_loss_price: null, take_profit_price: null }, 2)).toBe(true);
});
