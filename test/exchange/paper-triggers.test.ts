/**
 * Exchange-side triggers fired by onMarketUpdate between trader cycles. The
 * usual long: 10 SOL, entry 100.05, 10×, initial margin 100.05, open fee
 * 0.50025, liquidation price 90.045 / 0.995 ≈ 90.4975. Fills: taker, 5 bps.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { pnlPctOfMargin } from "../../src/exchange/margin.ts";
import { collect, feed, H, M5, makePaper, order, rejection, T0, useHarness } from "./paper-harness.ts";

const h = useHarness();
const LIQ = 90.045 / 0.995;

async function longWithStops(stop_loss_price: number | null, take_profit_price: number | null, overrides = {}) {
  const ex = makePaper(h, overrides);
  await ex.placeMarketOrder(order());
  if (stop_loss_price !== null || take_profit_price !== null) await ex.setPositionStops("SOLUSDT", { stop_loss_price, take_profit_price });
  return ex;
}

describe("stop-loss and take-profit between cycles", () => {
  test("a long's stop-loss fills at the stop − slippage on the update that touches it, is saved, recorded and announced", async () => {
    const ex = await longWithStops(97, 110);
    const events = collect(ex);
    h.clock.now = T0 + M5 + 60_000;
    feed(h, ex, T0 + M5, 100, 100.2, 98, 98.5);
    expect(events).toEqual([]);
    feed(h, ex, T0 + M5, 100, 100.2, 96.8, 97.4); // low 96.8 ≤ 97
    expect(events).toHaveLength(1);
    const [event] = events;
    expect(event?.type).toBe("stop_loss");
    if (event?.type !== "stop_loss") throw new Error("unreachable");
    expect(event.at).toBe(T0 + M5 + 60_000);
    // fill 97 · 0.9995 = 96.9515; gross (96.9515 − 100.05) · 10 = −30.985; close fee 0.4847575
    expect(event.closed).toMatchObject({ symbol: "SOLUSDT", side: "long", kind: "stop_loss", funding: 0, closed_at: T0 + M5 + 60_000 });
    expect(event.closed.exit_price).toBeCloseTo(96.9515, 10);
    expect(event.closed.fees).toBeCloseTo(0.50025 + 0.4847575, 10);
    expect(event.closed.realized_pnl).toBeCloseTo(-30.985 - 0.50025 - 0.4847575, 9);
    expect(await ex.getClosedPositions(1)).toEqual([event.closed]);
    expect(await ex.getPositions()).toEqual([]);
    expect((await ex.getBalance()).equity).toBeCloseTo(10_000 + event.closed.realized_pnl, 9);
    // Saved: a restart finds it closed.
    const again = makePaper(h);
    expect(await again.getPositions()).toEqual([]);
    expect(await again.getClosedPositions(1)).toEqual([event.closed]);
  });

  test("a new candle that opens beyond the stop (a gap) fills at that open, not at the stop", async () => {
    const ex = await longWithStops(97, null);
    feed(h, ex, T0, 100, 100, 99.8, 99.9);
    feed(h, ex, T0 + M5, 95, 96, 94, 95.5); // opened at 95, below 97
    expect((await ex.getClosedPositions(1))[0]?.exit_price).toBeCloseTo(95 * 0.9995, 10);
  });

  test("a take-profit fills at the trigger − slippage, or at a gap open above it", async () => {
    const ex = await longWithStops(null, 110);
    feed(h, ex, T0 + M5, 100, 110.3, 99, 109); // high 110.3 ≥ 110
    const [tp] = await ex.getClosedPositions(1);
    expect(tp?.kind).toBe("take_profit");
    expect(tp?.exit_price).toBeCloseTo(110 * 0.9995, 10);

    const ex2 = makePaper(h);
    await ex2.placeMarketOrder(order({ client_id: "open-2" }));
    await ex2.setPositionStops("SOLUSDT", { stop_loss_price: null, take_profit_price: 110 });
    feed(h, ex2, T0 + 2 * M5, 112, 113, 111, 112.5); // gapped up through 110
    expect((await ex2.getClosedPositions(1))[0]?.exit_price).toBeCloseTo(112 * 0.9995, 10);
  });

  test("a short mirrors it: stop-loss on the high, take-profit on the low, closing buys pay + slippage", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order({ side: "sell" })); // entry 99.95
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 103, take_profit_price: 90 });
    feed(h, ex, T0 + M5, 100, 103.2, 99, 102);
    const [sl] = await ex.getClosedPositions(1);
    expect(sl).toMatchObject({ kind: "stop_loss", side: "short" });
    expect(sl?.exit_price).toBeCloseTo(103 * 1.0005, 10);

    await ex.placeMarketOrder(order({ side: "sell", client_id: "open-2" }));
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 110, take_profit_price: 95 });
    feed(h, ex, T0 + 2 * M5, 102, 102, 94.5, 96);
    const [tp] = await ex.getClosedPositions(1);
    expect(tp?.kind).toBe("take_profit");
    expect(tp?.exit_price).toBeCloseTo(95 * 1.0005, 10);
  });

  test("stop-loss and take-profit touched in one update: the stop-loss wins", async () => {
    const ex = await longWithStops(98, 102);
    feed(h, ex, T0 + M5, 100, 102.5, 97.5, 100);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.kind).toBe("stop_loss");
    expect(closed?.exit_price).toBeCloseTo(98 * 0.9995, 10);
  });

  test("the reviewer's 5 % stop: a fall through it between cycles closes near −5 % of margin, not at the cycle's −35 %", async () => {
    // 5 % of margin at 10× is a 0.5 % price move: 100.05 · 0.995 = 99.54975 → 99.55 (3 decimals).
    const ex = await longWithStops(100.05 * 0.995, null);
    expect((await ex.getPositions())[0]?.stop_loss_price).toBe(99.55);
    // Forming-candle updates a few seconds apart as the price slides to 97.
    for (const close of [99.9, 99.7, 99.5, 98, 97]) feed(h, ex, T0 + M5, 100, 100, Math.min(close, 99.9), close);
    h.prices.set("SOLUSDT", 96.5); // the next trader cycle sees −35 % of margin
    expect(await ex.getPositions()).toEqual([]);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.exit_price).toBeCloseTo(99.55 * 0.9995, 10);
    const pct = pnlPctOfMargin(closed?.realized_pnl ?? 0, 100.05);
    expect(pct).toBeGreaterThan(-7); // −5 % + slippage + both fees ≈ −6.5 %
    expect(pct).toBeLessThan(-6);
  });

  test("an order on a symbol whose position live would have lost by now is not blocked by it", async () => {
    const ex = await longWithStops(97, null);
    h.prices.set("SOLUSDT", 96);
    const result = await ex.placeMarketOrder(order({ side: "sell", client_id: "open-2" }));
    expect(result.price).toBeCloseTo(96 * 0.9995, 10);
    expect((await ex.getClosedPositions(1))[0]?.kind).toBe("stop_loss");
    expect((await ex.getPositions()).map((p) => p.side)).toEqual(["short"]);
  });

  test("reads check the current mark too: a stop crossed while no update was fed fires on getPositions", async () => {
    const ex = await longWithStops(97, null);
    h.prices.set("SOLUSDT", 96);
    expect(await ex.getPositions()).toEqual([]);
    expect((await ex.getClosedPositions(1))[0]).toMatchObject({ kind: "stop_loss", exit_price: expect.closeTo(97 * 0.9995, 10) });
  });
});

describe("liquidation between cycles", () => {
  test("checked before the stops: one update through both the stop and the liquidation price liquidates", async () => {
    const ex = await longWithStops(95, null);
    const events = collect(ex);
    feed(h, ex, T0 + M5, 100, 100, 88, 89);
    expect(events.map((e) => e.type)).toEqual(["liquidation"]);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.kind).toBe("liquidation");
    expect(closed?.exit_price).toBeCloseTo(LIQ, 9);
    expect(closed?.fees).toBeCloseTo(0.50025, 10); // no close fee
    expect(closed?.realized_pnl).toBeCloseTo(-(100.05 + 0.50025), 10);
  });

  test("a 10× long whose price falls 12 % is liquidated (−margin − open fee), stays closed when the price recovers", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    feed(h, ex, T0 + M5, 100, 100, 95, 96);
    expect(await ex.getPositions()).toHaveLength(1);
    feed(h, ex, T0 + M5, 100, 100, 88, 88); // −12 %
    expect(await ex.getPositions()).toEqual([]);
    h.prices.set("SOLUSDT", 128.5); // the old paper exchange later closed this at +284
    const error = await rejection(ex.closePosition("SOLUSDT", "close-1"));
    expect(error.code).toBe("no_position");
    expect(error.message).toContain("liquidation");
    expect((await ex.getBalance()).equity).toBeCloseTo(10_000 - 100.05 - 0.50025, 9);
  });

  test("a short is liquidated when the high reaches its liquidation price", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order({ side: "sell" })); // entry 99.95, liq 99.95 · 1.1 / 1.005
    const liq = (99.95 * 1.1) / 1.005;
    feed(h, ex, T0 + M5, 100, liq - 0.01, 99, 100);
    expect(await ex.getPositions()).toHaveLength(1);
    feed(h, ex, T0 + M5, 100, liq, 99, 100);
    expect((await ex.getClosedPositions(1))[0]).toMatchObject({ kind: "liquidation", exit_price: liq });
  });
});

describe("price paths", () => {
  test("a stale update of an older candle triggers nothing", async () => {
    const ex = await longWithStops(97, null);
    feed(h, ex, T0 + 2 * M5, 100, 100, 99, 99.5);
    feed(h, ex, T0 + M5, 100, 100, 90, 99.5);
    expect(await ex.getPositions()).toHaveLength(1);
  });

  test("after a restart the first update counts only its close (its extremes may predate the restart)", async () => {
    await longWithStops(97, null);
    const restarted = makePaper(h);
    feed(h, restarted, T0 + M5, 100, 100, 96, 99);
    expect(await restarted.getPositions()).toHaveLength(1);
    feed(h, restarted, T0 + 2 * M5, 99, 99, 96.5, 98); // a later candle counts whole
    expect((await restarted.getClosedPositions(1))[0]?.kind).toBe("stop_loss");
  });

  test("other symbols' updates leave the position alone; malformed updates are ignored", async () => {
    const ex = await longWithStops(97, null);
    feed(h, ex, T0 + M5, 10, 10, 5, 6, "XRPUSDT");
    ex.onMarketUpdate({ symbol: "SOLUSDT", t: T0 + M5, open: Number.NaN, high: 1, low: 1, close: 1 });
    ex.onMarketUpdate({ symbol: "SOLUSDT", t: T0 + M5, open: 100, high: 100, low: -1, close: 100 });
    expect(await ex.getPositions()).toHaveLength(1);
  });

  test("a standby (drivesAccount false) fires nothing and writes nothing", async () => {
    let drives = true;
    const ex = await longWithStops(97, null, { drivesAccount: () => drives });
    drives = false;
    const events = collect(ex);
    const before = readFileSync(h.statePath, "utf8");
    h.clock.now = T0 + 2 * H; // a funding instant has passed too
    feed(h, ex, T0 + 2 * H, 100, 100, 80, 80);
    expect(await ex.getPositions()).toHaveLength(1);
    expect(await ex.getBalance()).toMatchObject({ margin: expect.closeTo(100.05, 10) });
    expect(events).toEqual([]);
    expect(readFileSync(h.statePath, "utf8")).toBe(before);
    drives = true;
    expect(await ex.getPositions()).toEqual([]); // the holder's next read catches up: funding, then liquidation at the mark
    expect(events.map((e) => e.type)).toEqual(["funding", "liquidation"]);
  });
});

describe("listeners", () => {
  test("unsubscribe stops delivery; a throwing listener does not stop the others or the close", async () => {
    const ex = await longWithStops(97, null);
    const heard: string[] = [];
    ex.onEvent(() => {
      throw new Error("boom");
    });
    const off = ex.onEvent((e) => heard.push(`a:${e.type}`));
    ex.onEvent((e) => heard.push(`b:${e.type}`));
    off();
    feed(h, ex, T0 + M5, 100, 100, 96, 96);
    expect(heard).toEqual(["b:stop_loss"]);
    expect(await ex.getPositions()).toEqual([]);
  });
});
