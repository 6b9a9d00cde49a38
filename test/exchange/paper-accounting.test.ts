/**
 * The paper balance stays consistent through opens, funding, stops,
 * liquidations and closes: hand-computed scenarios to the cent, and a long
 * seeded random sequence checked at every step.
 */
import { describe, expect, test } from "bun:test";
import type { PaperExchange } from "../../src/exchange/paper-exchange.ts";
import { leverageLevels } from "../../src/exchange/paper-market.ts";
import { ExchangeError } from "../../src/exchange/types.ts";
import { cents, collect, feed, FUNDING_0800, M5, makePaper, order, T0, useHarness } from "./paper-harness.ts";

const h = useHarness();

describe("hand-computed scenarios", () => {
  test("10× long, one funding payment, a stop-loss fill: exact to the cent", async () => {
    const ex = makePaper(h);
    const events = collect(ex);
    // 07:00 open: fill 100 · 1.0005 = 100.05; notional 1000.5; fee 0.50025; margin 100.05
    const open = await ex.placeMarketOrder(order());
    expect(cents(open.fee)).toBe(0.5);
    expect(cents((await ex.getBalance()).available)).toBe(9899.45); // 10 000 − 100.05 − 0.50025

    // 08:00 candle opens at 101: the long pays 10 · 101 · 0.0001 = 0.101 out of its margin
    h.clock.now = FUNDING_0800 + 2_000;
    feed(h, ex, FUNDING_0800, 101, 101, 100.9, 101);
    const afterFunding = await ex.getBalance();
    expect(cents(afterFunding.available)).toBe(9899.45);
    expect(afterFunding.margin).toBeCloseTo(99.949, 10);
    expect(afterFunding.unrealized_pnl).toBeCloseTo(9.5, 10); // (101 − 100.05) · 10
    expect(cents(afterFunding.equity)).toBe(10_008.9); // 9899.44975 + 99.949 + 9.5 = 10 008.89875

    // 08:01 stop-loss at 97; the same candle then falls to 96.5
    h.clock.now = FUNDING_0800 + 60_000;
    await ex.setPositionStops("SOLUSDT", { stop_loss_price: 97, take_profit_price: null });
    feed(h, ex, FUNDING_0800, 101, 101.2, 96.5, 97.5);
    // fill 97 · 0.9995 = 96.9515; price P&L (96.9515 − 100.05) · 10 = −30.985; close fee 10 · 96.9515 · 0.0005 = 0.4847575
    // pnl = −30.985 − 0.50025 − 0.4847575 − 0.101 = −32.0710075
    const [closed] = await ex.getClosedPositions(1);
    expect(closed).toMatchObject({ kind: "stop_loss", funding: expect.closeTo(-0.101, 12) });
    expect(cents(closed?.exit_price ?? 0)).toBe(96.95);
    expect(cents(closed?.fees ?? 0)).toBe(0.99); // 0.50025 + 0.4847575 = 0.9850075
    expect(closed?.realized_pnl).toBeCloseTo(-32.0710075, 9);
    expect(cents(closed?.realized_pnl ?? 0)).toBe(-32.07);
    expect(events.map((e) => e.type)).toEqual(["funding", "stop_loss"]);
    const final = await ex.getBalance();
    // paid back 99.949 − 30.985 − 0.4847575 = 68.4792425; available 9899.44975 + 68.4792425 = 9967.9289925
    expect(final).toEqual({ equity: final.available, available: expect.closeTo(9967.9289925, 8), margin: 0, unrealized_pnl: 0 });
    expect(cents(final.equity)).toBe(9967.93);
    expect(final.equity - 10_000).toBeCloseTo(closed?.realized_pnl ?? 0, 9);
  });

  test("10× long, one funding payment, price −12 %: liquidated with pnl = −(initial margin + open fee), = −(remaining margin + open fee + funding paid)", async () => {
    const ex = makePaper(h);
    await ex.placeMarketOrder(order());
    h.clock.now = FUNDING_0800 + 2_000;
    feed(h, ex, FUNDING_0800, 100, 100, 99.9, 100); // pays 10 · 100 · 0.0001 = 0.1 → margin 99.95
    const [position] = await ex.getPositions();
    expect(position?.funding).toBeCloseTo(-0.1, 12);
    // 100.05 · (1 − 99.95 / 1000.5) / 0.995 = (100.05 − 9.995) / 0.995 = 90.50754 …
    expect(position?.liquidation_price).toBeCloseTo(90.055 / 0.995, 9);
    feed(h, ex, FUNDING_0800 + M5, 100, 100, 88, 88); // −12 %
    expect(await ex.getPositions()).toEqual([]);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.kind).toBe("liquidation");
    expect(closed?.exit_price).toBeCloseTo(90.055 / 0.995, 9);
    expect(closed?.realized_pnl).toBeCloseTo(-(100.05 + 0.50025), 10);
    expect(closed?.realized_pnl).toBeCloseTo(-(99.95 + 0.50025 + 0.1), 10);
    expect(cents(closed?.realized_pnl ?? 0)).toBe(-100.55);
    expect(cents((await ex.getBalance()).equity)).toBe(9899.45);
  });
});

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("the balance identity", () => {
  test("equity = available + Σ current margin + Σ unrealized at every step, and its change = Σ positions' pnl", async () => {
    const rand = random(20240101);
    const symbols = ["SOLUSDT", "ETHUSDT", "XRPUSDT"];
    const rates: Record<string, number> = { SOLUSDT: 0.0001, ETHUSDT: -0.0003, XRPUSDT: 0.0008 };
    const price: Record<string, number> = { SOLUSDT: 100, ETHUSDT: 2000, XRPUSDT: 0.5 };
    for (const s of symbols) h.prices.set(s, price[s] ?? 0);
    const options = { fundingRateOf: (s: string) => rates[s] };
    let ex: PaperExchange = makePaper(h, options);
    /** Every finished position's pnl as it was reported: our closes' CloseResult.pnl and the events' closed rows. */
    const reported: number[] = [];
    const listen = (paper: PaperExchange) => paper.onEvent((e) => void (e.type !== "funding" && reported.push(e.closed.realized_pnl)));
    listen(ex);
    const openFees = new Map<string, number>();
    let seq = 0;
    const kinds = new Set<string>();

    for (let step = 0; step < 400; step++) {
      h.clock.now += Math.floor(rand() * 40 * 60_000);
      const symbol = symbols[Math.floor(rand() * symbols.length)] ?? "SOLUSDT";
      const last = price[symbol] ?? 1;
      const move = rand() < 0.03 ? -0.15 + rand() * 0.3 : (rand() - 0.5) * 0.04;
      const close = last * (1 + move);
      const high = Math.max(last, close) * (1 + rand() * 0.01);
      const low = Math.min(last, close) * (1 - rand() * 0.01);
      price[symbol] = close;
      feed(h, ex, Math.floor(h.clock.now / M5) * M5, last, high, low, close, symbol);

      const open = (await ex.getPositions()).find((p) => p.symbol === symbol);
      const action = rand();
      try {
        if (!open && action < 0.5) {
          const levels = leverageLevels(50);
          const leverage = levels[Math.floor(rand() * levels.length)] ?? 1;
          const available = (await ex.getBalance()).available;
          const amount = (available * (0.02 + rand() * 0.1) * leverage) / close;
          const side = rand() < 0.5 ? "buy" : "sell";
          const result = await ex.placeMarketOrder(order({ symbol, side, amount, leverage, client_id: `o${++seq}` }));
          openFees.set(symbol, result.fee);
        } else if (open && action < 0.35) {
          const dir = open.side === "long" ? 1 : -1;
          const sl = rand() < 0.8 ? close * (1 - dir * (0.002 + rand() * 0.05)) : null;
          const tp = rand() < 0.8 ? close * (1 + dir * (0.002 + rand() * 0.08)) : null;
          await ex.setPositionStops(symbol, { stop_loss_price: sl, take_profit_price: tp });
        } else if (open && action < 0.5) {
          reported.push((await ex.closePosition(symbol, `c${++seq}`)).pnl);
        }
      } catch (error) {
        // Refusals the random sizing can meet (below the minimum, rounding a stop onto the mark) change nothing.
        if (!(error instanceof ExchangeError) || !["invalid_request", "stop_invalid", 3127, 3109].includes(error.code ?? "")) throw error;
      }
      if (step % 100 === 99) {
        ex = makePaper(h, options); // a restart: everything must come back from the file
        listen(ex);
      }
      await checkIdentity(ex, openFees, kinds);
    }
    for (const p of await ex.getPositions()) reported.push((await ex.closePosition(p.symbol, `c${++seq}`)).pnl);
    await checkIdentity(ex, openFees, kinds);
    const closed = await ex.getClosedPositions(1000);
    expect(closed.length).toBeGreaterThan(30);
    expect(kinds).toEqual(new Set(["close", "stop_loss", "take_profit", "liquidation"]));
    const total = closed.reduce((sum, c) => sum + c.realized_pnl, 0);
    const balance = await ex.getBalance();
    expect(balance.equity - 10_000).toBeCloseTo(total, 6);
    // The same figures were reported when each position ended (close results and events).
    expect([...reported].sort((a, b) => a - b)).toEqual(closed.map((c) => c.realized_pnl).sort((a, b) => a - b));
  });
});

async function checkIdentity(ex: PaperExchange, openFees: Map<string, number>, kinds: Set<string>): Promise<void> {
  const balance = await ex.getBalance();
  const positions = await ex.getPositions();
  const closed = await ex.getClosedPositions(1000);
  for (const c of closed) kinds.add(c.kind);
  const margin = positions.reduce((sum, p) => sum + p.margin + p.funding, 0);
  const unrealized = positions.reduce((sum, p) => sum + p.unrealized_pnl, 0);
  expect(balance.margin).toBeCloseTo(margin, 6);
  expect(balance.unrealized_pnl).toBeCloseTo(unrealized, 6);
  expect(balance.equity).toBeCloseTo(balance.available + margin + unrealized, 6);
  // Equity change = finished positions' pnl + what the open ones would net at the mark before their close fee.
  const openEffect = positions.reduce((sum, p) => sum + p.unrealized_pnl - (openFees.get(p.symbol) ?? 0) + p.funding, 0);
  const finished = closed.reduce((sum, c) => sum + c.realized_pnl, 0);
  expect(balance.equity - 10_000).toBeCloseTo(finished + openEffect, 6);
}
