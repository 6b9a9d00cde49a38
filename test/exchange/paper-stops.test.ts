/**
 * Paper positions' new fields and setPositionStops. Entry of the usual long:
 * 10 SOL at 100 · 1.0005 = 100.05, 10×, initial margin 100.05, open fee 0.50025.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { collect, feed, makePaper, order, rejection, T0, useHarness } from "./paper-harness.ts";

const h = useHarness();

describe("positions report the new contract", () => {
  test("initial margin, no stops, funding 0 and the liquidation price from margin.ts", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    const [position] = await ex.getPositions();
    expect(position).toMatchObject({ margin: expect.closeTo(100.05, 10), stop_loss_price: null, take_profit_price: null, funding: 0, leverage: 10 });
    // long: 100.05 · (1 − 100.05 / 1000.5) / (1 − 0.005) = 90.045 / 0.995
    expect(position?.liquidation_price).toBeCloseTo(90.045 / 0.995, 9);
  });

  test("a short's liquidation price lies above the entry, and the maintenance rate option moves it", async () => {
    const ex = makePaper(h, { maintenanceMarginRate: 0.01 });
    await ex.placeMarketOrder(order({ side: "sell", leverage: 5 }));
    const [position] = await ex.getPositions();
    // entry 99.95; L = 1/5: 99.95 · 1.2 / 1.01
    expect(position?.liquidation_price).toBeCloseTo((99.95 * 1.2) / 1.01, 9);
  });

  test("unrealized P&L is the price P&L from entry, not clamped at −margin (a standby shows the saved position as is)", async () => {
    const ex = makePaper(h, { drivesAccount: () => false });
    await ex.placeMarketOrder(order({ leverage: 50 })); // margin 20.01
    h.prices.set("SOLUSDT", 50);
    const [position] = await ex.getPositions();
    expect(position?.unrealized_pnl).toBeCloseTo((50 - 100.05) * 10, 9); // −500.5, far below −20.01
    expect((await ex.getBalance()).unrealized_pnl).toBeCloseTo(-500.5, 9);
  });
});

describe("setPositionStops", () => {
  test("stores both stops on the open position, returns them, and null removes one", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    expect(await ex.setPositionStops("SOLUSDT", { stop_loss_price: 95, take_profit_price: 110 })).toEqual({ stop_loss_price: 95, take_profit_price: 110 });
    expect((await ex.getPositions())[0]).toMatchObject({ stop_loss_price: 95, take_profit_price: 110 });
    expect(await ex.setPositionStops("SOLUSDT", { stop_loss_price: 97, take_profit_price: null })).toEqual({ stop_loss_price: 97, take_profit_price: null });
    expect((await ex.getPositions())[0]).toMatchObject({ stop_loss_price: 97, take_profit_price: null });
  });

  test("stops are saved before they take effect and survive a restart", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 95, take_profit_price: 110 });
    const saved = JSON.parse(readFileSync(h.statePath, "utf8"));
    expect(saved.positions[0]).toMatchObject({ stop_loss_price: 95, take_profit_price: 110 });
    expect((await makePaper(h).getPositions())[0]).toMatchObject({ stop_loss_price: 95, take_profit_price: 110 });
  });

  test("prices are rounded to the market's price precision (3 decimals at 100)", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    expect(await ex.setPositionStops("SOLUSDT", { stop_loss_price: 97.12345, take_profit_price: 110.00049 })).toEqual({ stop_loss_price: 97.123, take_profit_price: 110 });
  });

  test("a long's stop-loss at or above the mark, or take-profit at or below it, is refused as stop_invalid naming price, side and mark", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    h.prices.set("SOLUSDT", 102);
    const sl = await rejection(ex.setPositionStops("SOLUSDT", { stop_loss_price: 102, take_profit_price: null }));
    expect(sl.code).toBe("stop_invalid");
    expect(sl.message).toBe("stop-loss 102.000 for the long SOLUSDT position must be below the mark price 102.000: it would trigger at once");
    const tp = await rejection(ex.setPositionStops("SOLUSDT", { stop_loss_price: 95, take_profit_price: 101 }));
    expect(tp.code).toBe("stop_invalid");
    expect(tp.message).toContain("take-profit 101.000 for the long SOLUSDT position must be above the mark price 102.000");
    // Nothing changed: a refused pair is refused whole.
    expect((await ex.getPositions())[0]).toMatchObject({ stop_loss_price: null, take_profit_price: null });
  });

  test("a short mirrors it: stop-loss above the mark, take-profit below", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order({ side: "sell" }));
    const sl = await rejection(ex.setPositionStops("SOLUSDT", { stop_loss_price: 99, take_profit_price: null }));
    expect(sl.message).toContain("stop-loss 99.000 for the short SOLUSDT position must be above the mark price 100.000");
    const tp = await rejection(ex.setPositionStops("SOLUSDT", { stop_loss_price: null, take_profit_price: 100.5 }));
    expect(tp.message).toContain("take-profit 100.500 for the short SOLUSDT position must be below the mark price 100.000");
    expect(await ex.setPositionStops("SOLUSDT", { stop_loss_price: 105, take_profit_price: 90 })).toEqual({ stop_loss_price: 105, take_profit_price: 90 });
  });

  test("no position → no_position; a bad price → invalid_request", async () => {
    const ex = makePaper(h);
    const none = await rejection(ex.setPositionStops("SOLUSDT", { stop_loss_price: 95, take_profit_price: null }));
    expect(none.code).toBe("no_position");
    await ex.placeMarketOrder(order());
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      const error = await rejection(ex.setPositionStops("SOLUSDT", { stop_loss_price: bad, take_profit_price: null }));
      expect(error.code).toBe("invalid_request");
      expect(error.message).toContain("stop_loss_price");
    }
  });

  test("a stop set mid-candle ignores the candle's earlier low; a later fall through it fires", async () => {
    const ex = makePaper(h);
    const events = collect(ex);
    const candle = T0; // 07:00 candle
    feed(h, ex, candle, 100, 100, 96, 100); // the candle already dipped to 96
    await ex.placeMarketOrder(order());
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 97, take_profit_price: null });
    feed(h, ex, candle, 100, 100.5, 96, 99.5); // low 96 is old news
    expect(await ex.getPositions()).toHaveLength(1);
    feed(h, ex, candle, 100, 100.5, 96, 96.9); // the price itself falls through 97
    expect(events.map((e) => e.type)).toEqual(["stop_loss"]);
    expect((await ex.getClosedPositions(1))[0]?.exit_price).toBeCloseTo(97 * 0.9995, 10);
  });

  test("a new stop in the first seconds of a candle not yet seen ignores that candle's earlier extremes", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    h.clock.now = T0 + 5 * 60_000 + 20_000; // 07:05:20
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 97, take_profit_price: null });
    feed(h, ex, T0 + 5 * 60_000, 100, 100, 96, 99); // the 07:05 candle, first seen now, dipped before the stop
    expect(await ex.getPositions()).toHaveLength(1);
  });
});
