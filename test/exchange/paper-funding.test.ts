/**
 * Funding on paper: every 8 h at 00:00, 08:00, 16:00 UTC, size × mark × rate,
 * booked into the position's isolated margin. The usual long: 10 SOL, entry
 * 100.05, 10×, initial margin 100.05. The clock starts at 07:00 UTC.
 */
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { DEFAULT_FUNDING_RATE, fundingBoundariesDue, fundingBoundaryAtOrBefore } from "../../src/exchange/paper-funding.ts";
import { collect, feed, FUNDING_0800, H, makePaper, order, T0, useHarness } from "./paper-harness.ts";

const h = useHarness();

describe("funding instants", () => {
  test("are 00:00, 08:00 and 16:00 UTC, each due once after the last one charged", () => {
    expect(fundingBoundaryAtOrBefore(T0)).toBe(Date.UTC(2024, 0, 1, 0, 0));
    expect(fundingBoundaryAtOrBefore(FUNDING_0800)).toBe(FUNDING_0800);
    expect(fundingBoundariesDue(Date.UTC(2024, 0, 1, 0, 0), FUNDING_0800 - 1)).toEqual([]);
    expect(fundingBoundariesDue(Date.UTC(2024, 0, 1, 0, 0), Date.UTC(2024, 0, 2, 1, 0))).toEqual([
      FUNDING_0800,
      Date.UTC(2024, 0, 1, 16, 0),
      Date.UTC(2024, 0, 2, 0, 0),
    ]);
    expect(DEFAULT_FUNDING_RATE).toBe(0.0001);
  });
});

describe("funding charges", () => {
  test("a long pays size × mark × 0.01 % (the default) at 08:00, out of its margin, once", async () => {
    const ex = makePaper(h);
    const events = collect(ex);
    await ex.placeMarketOrder(order());
    h.prices.set("SOLUSDT", 101);
    h.clock.now = FUNDING_0800 - 1;
    expect((await ex.getPositions())[0]?.funding).toBe(0);
    h.clock.now = FUNDING_0800 + 30_000;
    const before = (await ex.getPositions())[0];
    // 10 · 101 · 0.0001 = 0.101 paid
    expect(before?.funding).toBeCloseTo(-0.101, 12);
    expect(before?.margin).toBeCloseTo(100.05, 10); // initial margin, as the contract says
    expect((await ex.getBalance()).margin).toBeCloseTo(100.05 - 0.101, 10); // the current margin
    expect(events).toEqual([{ type: "funding", symbol: "SOLUSDT", amount: expect.closeTo(-0.101, 12), rate: 0.0001, at: FUNDING_0800 }]);
    await ex.getBalance();
    await ex.getPositions();
    expect(events).toHaveLength(1);
    expect(JSON.parse(readFileSync(h.statePath, "utf8")).positions[0]).toMatchObject({ funding: -0.101, last_funding_at: FUNDING_0800 });
  });

  test("a short receives with a positive rate; a negative rate reverses it; the rate comes from fundingRateOf", async () => {
    const rates: Record<string, number | undefined> = { SOLUSDT: 0.0003, ETHUSDT: -0.0002 };
    const ex = makePaper(h, { fundingRateOf: (s) => rates[s] });
    h.prices.set("ETHUSDT", 2000);
    h.prices.set("XRPUSDT", 0.5);
    await ex.placeMarketOrder(order({ side: "sell" }));
    await ex.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 1, client_id: "open-eth" }));
    await ex.placeMarketOrder(order({ symbol: "XRPUSDT", amount: 100, client_id: "open-xrp" }));
    h.clock.now = FUNDING_0800;
    const positions = await ex.getPositions();
    expect(positions.find((p) => p.symbol === "SOLUSDT")?.funding).toBeCloseTo(10 * 100 * 0.0003, 12); // short receives 0.3
    expect(positions.find((p) => p.symbol === "ETHUSDT")?.funding).toBeCloseTo(1 * 2000 * 0.0002, 12); // long receives 0.4
    expect(positions.find((p) => p.symbol === "XRPUSDT")?.funding).toBeCloseTo(-100 * 0.5 * 0.0001, 12); // no live rate → default
  });

  test("a failing rate source counts as unknown: the default rate applies", async () => {
    const ex = makePaper(h, {
      fundingRateOf: () => {
        throw new Error("endpoint down");
      },
    });
    await ex.placeMarketOrder(order());
    h.clock.now = FUNDING_0800;
    expect((await ex.getPositions())[0]?.funding).toBeCloseTo(-0.1, 12);
  });

  test("several instants passed since the last check are each charged once, at the current mark", async () => {
    const ex = makePaper(h);
    const events = collect(ex);
    await ex.placeMarketOrder(order());
    h.clock.now = Date.UTC(2024, 0, 2, 9, 0); // 08:00, 16:00, 00:00, 08:00 passed
    await ex.getBalance();
    expect(events.map((e) => e.at)).toEqual([FUNDING_0800, Date.UTC(2024, 0, 1, 16), Date.UTC(2024, 0, 2, 0), Date.UTC(2024, 0, 2, 8)]);
    expect((await ex.getPositions())[0]?.funding).toBeCloseTo(-4 * 0.1, 12);
  });

  test("a position opened after an instant, or exactly at it, is not charged for it", async () => {
    h.clock.now = FUNDING_0800;
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    h.clock.now = FUNDING_0800 + 7 * H;
    expect((await ex.getPositions())[0]?.funding).toBe(0);
  });

  test("charged once across a restart, and the instant after the restart is charged by the new process", async () => {
    const first = makePaper(h);
    await first.placeMarketOrder(order());
    h.clock.now = FUNDING_0800 + H;
    await first.getBalance();
    const second = makePaper(h);
    expect((await second.getPositions())[0]?.funding).toBeCloseTo(-0.1, 12);
    h.clock.now = Date.UTC(2024, 0, 1, 16, 0);
    const third = makePaper(h);
    expect((await third.getPositions())[0]?.funding).toBeCloseTo(-0.2, 12);
  });

  test("paying moves the liquidation price (it is computed with the current margin)", async () => {
    const ex = makePaper(h, { fundingRateOf: () => 0.01 });
    await ex.placeMarketOrder(order());
    const before = (await ex.getPositions())[0]?.liquidation_price;
    expect(before).toBeCloseTo(90.045 / 0.995, 9);
    h.clock.now = FUNDING_0800;
    const after = (await ex.getPositions())[0];
    // paid 10 · 100 · 0.01 = 10 → margin 90.05 → 100.05 · (1 − 90.05 / 1000.5) / 0.995
    expect(after?.funding).toBeCloseTo(-10, 10);
    expect(after?.liquidation_price).toBeCloseTo((100.05 - 9.005) / 0.995, 9);
  });

  test("a payment that leaves the margin at or below maintenance liquidates: funding event, then liquidation", async () => {
    const ex = makePaper(h, { fundingRateOf: () => 0.001 });
    const events = collect(ex);
    await ex.placeMarketOrder(order());
    h.prices.set("SOLUSDT", 90.5); // just above the liquidation price 90.4975
    expect(await ex.getPositions()).toHaveLength(1);
    h.clock.now = FUNDING_0800;
    // pays 10 · 90.5 · 0.001 = 0.905 → margin 99.145 → liquidation price (100.05 − 9.9145) / 0.995 ≈ 90.588 > 90.5
    expect(await ex.getPositions()).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(["funding", "liquidation"]);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.funding).toBeCloseTo(-0.905, 12);
    expect(closed?.exit_price).toBeCloseTo((100.05 - 9.9145) / 0.995, 9);
    // The whole remaining margin (99.145) is lost; with the funding paid and the open fee that is −(100.05 + 0.50025).
    expect(closed?.realized_pnl).toBeCloseTo(-(99.145 + 0.50025 + 0.905), 10);
    expect((await ex.getBalance()).equity).toBeCloseTo(10_000 - 100.05 - 0.50025, 9);
  });

  test("onMarketUpdate charges it, at the open of the candle that starts at the instant", async () => {
    const ex = makePaper(h);
    const events = collect(ex);
    await ex.placeMarketOrder(order());
    h.clock.now = FUNDING_0800 + 2_000;
    feed(h, ex, FUNDING_0800, 101, 101.5, 100.8, 101.2);
    expect(events).toEqual([{ type: "funding", symbol: "SOLUSDT", amount: expect.closeTo(-0.101, 12), rate: 0.0001, at: FUNDING_0800 }]);
    feed(h, ex, FUNDING_0800, 101, 101.5, 100.8, 101.3);
    expect(events).toHaveLength(1);
  });

  test("the late final update of the 07:55 candle charges the 08:00 funding after its own prices, at its close", async () => {
    const ex = makePaper(h);
    const events = collect(ex);
    await ex.placeMarketOrder(order());
    h.clock.now = FUNDING_0800 + 1_000;
    feed(h, ex, FUNDING_0800 - 5 * 60_000, 100, 100.4, 99.9, 100.2);
    expect(events).toEqual([{ type: "funding", symbol: "SOLUSDT", amount: expect.closeTo(-0.1002, 12), rate: 0.0001, at: FUNDING_0800 }]);
  });

  test("no funding is charged to closed positions, and the close reports the funding of the position's life", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    h.clock.now = FUNDING_0800;
    const close = await ex.closePosition("SOLUSDT", "close-1"); // charges the 08:00 funding first
    expect(close.funding).toBeCloseTo(-0.1, 12);
    expect((await ex.getClosedPositions(1))[0]?.funding).toBeCloseTo(-0.1, 12);
    h.clock.now = FUNDING_0800 + 8 * H;
    const events = collect(ex);
    await ex.getBalance();
    expect(events).toEqual([]);
  });
});
