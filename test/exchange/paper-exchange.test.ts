/**
 * Paper exchange: every expected number below is derived by hand from the model
 * in paper-exchange.ts (fee 0.05 %, slippage 5 bps unless stated).
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setQuiet } from "../../src/log.ts";
import { PaperExchange, type PaperExchangeOptions } from "../../src/exchange/paper-exchange.ts";
import { ExchangeError, type OrderRequest } from "../../src/exchange/types.ts";
import { rejection } from "../helpers/rejection.ts";

setQuiet(true);

let dir: string;
let statePath: string;
const prices = new Map<string, number>();

function paper(overrides: Partial<PaperExchangeOptions> = {}): PaperExchange {
  return new PaperExchange({ priceOf: (s) => prices.get(s), statePath, now: () => 1_700_000_000_000, ...overrides });
}

function order(overrides: Partial<OrderRequest> = {}): OrderRequest {
  return { symbol: "SOLUSDT", side: "buy", amount: 10, leverage: 10, client_id: "open-1", ...overrides };
}


beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "paper-exchange-"));
  statePath = join(dir, "paper-state.json");
  prices.clear();
  prices.set("SOLUSDT", 100);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("PaperExchange fills", () => {
  test("a fresh account has the starting balance as equity", async () => {
    const ex = paper();
    expect(ex.name).toBe("paper");
    expect(ex.startingBalance).toBe(10_000);
    expect(await ex.getBalance()).toEqual({ equity: 10_000, available: 10_000, margin: 0, unrealized_pnl: 0 });
  });

  test("a long fills at price + slippage, pays the fee on notional and locks notional/leverage as margin", async () => {
    const ex = paper();
    const result = await ex.placeMarketOrder(order());
    // fill 100 · 1.0005 = 100.05; notional 1000.5; fee 0.50025; margin at 10x 100.05
    expect(result.price).toBeCloseTo(100.05, 10);
    expect(result.fee).toBeCloseTo(0.50025, 10);
    expect(result.amount).toBe(10);
    expect(result.duplicate).toBe(false);
    expect(result.realized_pnl).toBe(0);

    const [position] = await ex.getPositions();
    expect(position?.side).toBe("long");
    expect(position?.size).toBe(10);
    expect(position?.leverage).toBe(10);
    expect(position?.margin).toBeCloseTo(100.05, 10);
    expect(position?.current_price).toBe(100);
    expect(position?.unrealized_pnl).toBeCloseTo(-0.5, 10); // (100 − 100.05) · 10
    expect(position?.opened_at).toBe(1_700_000_000_000);

    const balance = await ex.getBalance();
    expect(balance.available).toBeCloseTo(10_000 - 100.05 - 0.50025, 10); // 9899.44975
    expect(balance.margin).toBeCloseTo(100.05, 10);
    expect(balance.unrealized_pnl).toBeCloseTo(-0.5, 10);
    expect(balance.equity).toBeCloseTo(9899.44975 + 100.05 - 0.5, 10);
  });

  test("closing a long at a higher price realises the P&L minus both fees", async () => {
    const ex = paper();
    await ex.placeMarketOrder(order());
    prices.set("SOLUSDT", 110);
    const close = await ex.closePosition("SOLUSDT", "close-1");
    // sell fill 110 · 0.9995 = 109.945; gross (109.945 − 100.05) · 10 = 98.95; close fee 0.0005 · 1099.45 = 0.549725
    expect(close.order.side).toBe("sell");
    expect(close.order.price).toBeCloseTo(109.945, 10);
    expect(close.order.fee).toBeCloseTo(0.549725, 10);
    expect(close.order.realized_pnl).toBeCloseTo(98.400275, 9);
    // The position's whole effect: gross − open fee − close fee (+ funding 0).
    expect(close.exit_price).toBeCloseTo(109.945, 10);
    expect(close.close_fee).toBeCloseTo(0.549725, 10);
    expect(close.funding).toBe(0);
    expect(close.pnl).toBeCloseTo(97.900025, 9);

    const [closed] = await ex.getClosedPositions(10);
    expect(closed).toMatchObject({ symbol: "SOLUSDT", side: "long", size: 10, opened_at: 1_700_000_000_000, closed_at: 1_700_000_000_000 });
    expect(closed?.entry_price).toBeCloseTo(100.05, 10);
    expect(closed?.exit_price).toBeCloseTo(109.945, 10);
    expect(closed?.realized_pnl).toBeCloseTo(98.400275 - 0.50025, 9); // 97.900025
    expect(closed?.fees).toBeCloseTo(0.50025 + 0.549725, 10);
    expect(closed?.funding).toBe(0);
    expect(closed?.kind).toBe("close");

    expect(await ex.getPositions()).toEqual([]);
    const balance = await ex.getBalance();
    expect(balance.available).toBeCloseTo(10_097.900025, 8);
    expect(balance.equity).toBeCloseTo(10_097.900025, 8);
    expect(balance.margin).toBe(0);
  });

  test("a short gains when the price falls", async () => {
    prices.set("SOLUSDT", 200);
    const ex = paper();
    const open = await ex.placeMarketOrder(order({ side: "sell", amount: 2, leverage: 5 }));
    // sell fill 200 · 0.9995 = 199.9; notional 399.8; fee 0.1999; margin 79.96
    expect(open.price).toBeCloseTo(199.9, 10);
    expect(open.fee).toBeCloseTo(0.1999, 10);
    expect((await ex.getPositions())[0]?.margin).toBeCloseTo(79.96, 10);
    prices.set("SOLUSDT", 180);
    expect((await ex.getPositions())[0]?.unrealized_pnl).toBeCloseTo(39.8, 10); // (199.9 − 180) · 2
    const close = await ex.closePosition("SOLUSDT", "close-1");
    // buy fill 180 · 1.0005 = 180.09; gross (199.9 − 180.09) · 2 = 39.62; fee 0.0005 · 360.18 = 0.18009
    expect(close.order.side).toBe("buy");
    expect(close.order.price).toBeCloseTo(180.09, 10);
    expect(close.order.realized_pnl).toBeCloseTo(39.43991, 9);
    expect(close.pnl).toBeCloseTo(39.24001, 9);
    expect((await ex.getClosedPositions(1))[0]?.realized_pnl).toBeCloseTo(39.24001, 9);
    expect((await ex.getBalance()).equity).toBeCloseTo(10_039.24001, 8);
  });

  // Changed with the liquidation contract: the loss used to be clamped at −margin on an open
  // position; now a position beyond its liquidation price is liquidated when the account is read.
  test("an isolated position never loses more than its margin: beyond its liquidation price it is liquidated", async () => {
    const ex = paper();
    await ex.placeMarketOrder(order({ leverage: 50 })); // margin 1000.5 / 50 = 20.01
    prices.set("SOLUSDT", 50);
    expect(await ex.getPositions()).toEqual([]);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.kind).toBe("liquidation");
    expect(closed?.realized_pnl).toBeCloseTo(-(20.01 + 0.50025), 10);
    const error = await rejection(ex.closePosition("SOLUSDT", "close-1"));
    expect(error.code).toBe("no_position");
    expect(error.message).toContain("liquidation");
    expect((await ex.getBalance()).equity).toBeCloseTo(10_000 - 0.50025 - 20.01, 9);
  });

  test("the amount is rounded down to the paper precision (0.29 stays 0.29)", async () => {
    const ex = paper();
    const result = await ex.placeMarketOrder(order({ amount: 0.29 }));
    expect(result.amount).toBe(0.29);
    await ex.closePosition("SOLUSDT", "close-1");
    const again = await ex.placeMarketOrder(order({ amount: 0.123456789, client_id: "open-2" }));
    expect(again.amount).toBe(0.1234); // precision 4 at price 100
  });

  // Changed with the leverage-level contract: setLeverage grants CoinEx's levels only
  // (7.9 → 5, not 7) and an order at a leverage that is not a level is refused, not floored.
  test("setLeverage grants the largest CoinEx level ≤ the request, capped at the paper maximum", async () => {
    const ex = paper({ maxLeverage: 20 });
    expect(await ex.setLeverage("SOLUSDT", 75)).toBe(20);
    expect(await ex.setLeverage("SOLUSDT", 7.9)).toBe(5);
    expect(await ex.setLeverage("SOLUSDT", 12)).toBe(10);
    expect(await ex.setLeverage("SOLUSDT", 1)).toBe(1);
    expect((await rejection(ex.setLeverage("SOLUSDT", 0.5))).message).toContain("invalid leverage");
    await ex.placeMarketOrder(order({ leverage: 20 }));
    expect((await ex.getPositions())[0]?.leverage).toBe(20);
    expect((await ex.getPositions())[0]?.margin).toBeCloseTo(1000.5 / 20, 10);
  });

  test("an order at a leverage that is not a granted level is refused with the levels named, nothing booked", async () => {
    const ex = paper({ maxLeverage: 20 });
    const before = readFileSync(statePath, "utf8");
    for (const leverage of [75, 7, 30, 12.5]) {
      const error = await rejection(ex.placeMarketOrder(order({ leverage })));
      expect(error.message).toContain(`leverage ${leverage} is not a level SOLUSDT allows (1, 2, 3, 5, 8, 10, 15, 20)`);
    }
    expect(readFileSync(statePath, "utf8")).toBe(before);
    expect(await ex.getPositions()).toEqual([]);
  });
});

describe("PaperExchange market info", () => {
  // Changed with the MarketInfo contract: new fields; max_leverage is the highest level granted
  // (25 is not a CoinEx level, so 20), so asking for max_leverage is never refused.
  test("minimum ≈ 5 USDT, one amount step worth ≤ 0.01 USDT, CoinEx's levels, paper fill allowance", async () => {
    const ex = paper({ maxLeverage: 25, takerFeeRate: 0.0006 });
    expect(await ex.getMarketInfo("SOLUSDT")).toEqual({
      symbol: "SOLUSDT",
      min_amount: 0.05, // 5 / 100
      amount_precision: 4, // 10^-4 · 100 = 0.01 USDT
      price_precision: 3, // 10^-3 = 100 / 100 000
      leverage_levels: [1, 2, 3, 5, 8, 10, 15, 20],
      max_leverage: 20,
      taker_fee_rate: 0.0006,
      maintenance_margin_rate: 0.005,
      fill_allowance_rate: 0.0005, // the 5 bps slippage
    });
    prices.set("BTCUSDT", 50_000);
    const btc = await ex.getMarketInfo("BTCUSDT");
    expect(btc.min_amount).toBe(0.0001); // 5 / 50 000
    expect(btc.amount_precision).toBe(7); // 10^-7 · 50 000 = 0.005 USDT
    expect(btc.price_precision).toBe(1); // 0.1 ≤ 0.5 = 50 000 / 100 000
    expect((await paper({ statePath: join(dir, "b.json") }).getMarketInfo("SOLUSDT")).leverage_levels).toEqual([1, 2, 3, 5, 8, 10, 15, 20, 30, 50]);
    const custom = paper({ statePath: join(dir, "c.json"), maxLeverage: 100, maintenanceMarginRate: 0.01, slippageBps: 0 });
    expect(await custom.getMarketInfo("SOLUSDT")).toMatchObject({ leverage_levels: [1, 2, 3, 5, 8, 10, 15, 20, 30, 50, 100], max_leverage: 100, maintenance_margin_rate: 0.01, fill_allowance_rate: 0 });
  });

  test("price precision: one tick is at most 1/100 000 of the price, with no more decimals than that needs", async () => {
    const ex = paper();
    for (const [price, decimals] of [[100, 3], [1000, 2], [99.99, 4], [50_000, 1], [100_000, 0], [0.5, 6], [0.000123, 9]] as const) {
      prices.set("XUSDT", price);
      const info = await ex.getMarketInfo("XUSDT");
      expect(info.price_precision).toBe(decimals);
      expect(10 ** -info.price_precision).toBeLessThanOrEqual((price / 100_000) * (1 + 1e-9));
      expect(10 ** -(info.price_precision - 1)).toBeGreaterThan(price / 100_000);
    }
  });

  test("no price → a clear, retryable error", async () => {
    const ex = paper();
    const error = await rejection(ex.getPrice("XRPUSDT"));
    expect(error.message).toContain("no current price for XRPUSDT");
    expect(error.retryable).toBe(true);
  });
});

describe("PaperExchange refusals", () => {
  test("an order whose margin + fee exceed the available balance is refused and changes nothing", async () => {
    const ex = paper({ startingBalance: 100 });
    const before = readFileSync(statePath, "utf8");
    const error = await rejection(ex.placeMarketOrder(order({ leverage: 1 }))); // needs 1000.5 + 0.50025
    expect(error.message).toContain("balance not enough");
    expect(error.message).toContain("1,000.50 USDT margin");
    expect(error.code).toBe(3109);
    expect(readFileSync(statePath, "utf8")).toBe(before);
    expect(await ex.getPositions()).toEqual([]);
    // margin + fee exactly = available is allowed: 10 · 100.05 / 10 + 0.50025 = 100.55025
    const exact = paper({ startingBalance: 100.55025, statePath: join(dir, "exact.json") });
    await exact.placeMarketOrder(order());
    expect((await exact.getBalance()).available).toBeCloseTo(0, 10);
  });

  test("below the minimum, non-finite or non-positive amounts are refused", async () => {
    const ex = paper();
    const small = await rejection(ex.placeMarketOrder(order({ amount: 0.04 })));
    expect(small.code).toBe(3127);
    expect(small.message).toContain("below the paper minimum 0.05");
    for (const amount of [Number.NaN, Number.POSITIVE_INFINITY, 0, -1]) {
      const error = await rejection(ex.placeMarketOrder(order({ amount })));
      expect(error.message).toContain("invalid amount");
    }
  });

  test("bad symbol, side, leverage and client_id are refused with the field named", async () => {
    const ex = paper();
    expect((await rejection(ex.placeMarketOrder(order({ symbol: "sol" })))).message).toContain("invalid symbol");
    expect((await rejection(ex.placeMarketOrder(order({ side: "long" as never })))).message).toContain("invalid side");
    expect((await rejection(ex.placeMarketOrder(order({ leverage: 0 })))).message).toContain("invalid leverage");
    expect((await rejection(ex.placeMarketOrder(order({ client_id: "has space" })))).message).toContain("invalid client_id");
    expect((await rejection(ex.placeMarketOrder(order({ client_id: "x".repeat(33) })))).message).toContain("invalid client_id");
  });

  test("one position per symbol: same and opposite direction are both refused", async () => {
    const ex = paper();
    await ex.placeMarketOrder(order());
    const same = await rejection(ex.placeMarketOrder(order({ client_id: "open-2" })));
    expect(same.message).toContain("a long position of 10 is already open");
    const opposite = await rejection(ex.placeMarketOrder(order({ side: "sell", client_id: "open-3" })));
    expect(opposite.code).toBe("position_exists");
    expect(await ex.getPositions()).toHaveLength(1);
  });

  test("closing a symbol without a position is a clear error", async () => {
    const ex = paper();
    const error = await rejection(ex.closePosition("SOLUSDT", "close-1"));
    expect(error.message).toContain("no open paper position on SOLUSDT");
  });
});

describe("PaperExchange close results", () => {
  test("pnl = price P&L − open fee − close fee + funding, the same figure as the history's realized_pnl", async () => {
    let now = Date.UTC(2024, 0, 1, 7, 0);
    const ex = paper({ now: () => now });
    await ex.placeMarketOrder(order());
    now = Date.UTC(2024, 0, 1, 8, 0); // the long pays 10 · 100 · 0.0001 = 0.1 funding
    prices.set("SOLUSDT", 110);
    const close = await ex.closePosition("SOLUSDT", "close-1");
    // sell fill 109.945; price P&L 98.95; close fee 0.549725; open fee 0.50025; funding at the mark 110: −0.11
    expect(close.funding).toBeCloseTo(-0.11, 12);
    expect(close.pnl).toBeCloseTo(98.95 - 0.50025 - 0.549725 - 0.11, 9);
    const [closed] = await ex.getClosedPositions(1);
    expect(closed?.realized_pnl).toBe(close.pnl);
    expect(closed?.funding).toBe(close.funding);
    expect(closed?.kind).toBe("close");
    expect((await ex.getBalance()).equity).toBeCloseTo(10_000 + close.pnl, 9);
  });

  test("a retried close, also after a restart, returns the same CloseResult marked duplicate", async () => {
    const ex = paper();
    await ex.placeMarketOrder(order());
    prices.set("SOLUSDT", 105);
    const close = await ex.closePosition("SOLUSDT", "close-1");
    const again = await paper().closePosition("SOLUSDT", "close-1");
    expect(again).toEqual({ ...close, order: { ...close.order, duplicate: true } });
  });

  test("a close with the client_id of an opening order is refused, not answered with the open", async () => {
    const ex = paper();
    await ex.placeMarketOrder(order());
    const error = await rejection(ex.closePosition("SOLUSDT", "open-1"));
    expect(error.message).toContain("client_id open-1 was already used for an opening order");
    expect(await ex.getPositions()).toHaveLength(1);
  });
});

describe("PaperExchange idempotency and persistence", () => {
  test("a repeated client_id returns the original result and does not trade again", async () => {
    const ex = paper();
    const first = await ex.placeMarketOrder(order());
    const balance = await ex.getBalance();
    prices.set("SOLUSDT", 120);
    const second = await ex.placeMarketOrder(order());
    expect(second).toEqual({ ...first, duplicate: true });
    expect(await ex.getPositions()).toHaveLength(1);
    expect((await ex.getBalance()).available).toBe(balance.available);

    await ex.closePosition("SOLUSDT", "close-1");
    const available = (await ex.getBalance()).available;
    const closeAgain = await ex.closePosition("SOLUSDT", "close-1");
    expect(closeAgain.order.duplicate).toBe(true);
    expect((await ex.getBalance()).available).toBe(available);
    expect(await ex.getClosedPositions(10)).toHaveLength(1);
  });

  test("balance, positions, history and seen client_ids survive a restart", async () => {
    const first = paper();
    const opened = await first.placeMarketOrder(order());
    prices.set("ETHUSDT", 2000);
    await first.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 1, side: "sell", leverage: 5, client_id: "open-eth" }));
    await first.closePosition("ETHUSDT", "close-eth");
    const before = { balance: await first.getBalance(), positions: await first.getPositions(), closed: await first.getClosedPositions(10) };

    const second = paper({ startingBalance: 999 }); // the saved account wins over a changed setting
    expect(second.startingBalance).toBe(10_000);
    expect(await second.getBalance()).toEqual(before.balance);
    expect(await second.getPositions()).toEqual(before.positions);
    expect(await second.getClosedPositions(10)).toEqual(before.closed);
    // A retried order after the restart is recognised and not traded again.
    expect(await second.placeMarketOrder(order())).toEqual({ ...opened, duplicate: true });
    expect(await second.getPositions()).toHaveLength(1);
    // Order ids keep counting after the restart.
    prices.set("ETHUSDT", 2100);
    const next = await second.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 1, client_id: "open-eth-2" }));
    expect(next.order_id).toBe("paper-4");
  });

  test("each change is written atomically: the file is always complete JSON and no temp file is left", async () => {
    const ex = paper();
    await ex.placeMarketOrder(order());
    expect(readdirSync(dir)).toEqual(["paper-state.json"]);
    const saved = JSON.parse(readFileSync(statePath, "utf8"));
    expect(saved.positions).toHaveLength(1);
    expect(saved.orders[0].client_id).toBe("open-1");
  });

  test("a corrupt state file is an error naming the file, never a silent reset", () => {
    writeFileSync(statePath, '{"version": 1, "available": 12');
    expect(() => paper()).toThrow(statePath);
    expect(() => paper()).toThrow("not valid JSON");
    expect(readFileSync(statePath, "utf8")).toBe('{"version": 1, "available": 12');
  });

  test("a state file with a wrong field names the field", () => {
    paper();
    const saved = JSON.parse(readFileSync(statePath, "utf8"));
    saved.available = "lots";
    writeFileSync(statePath, JSON.stringify(saved));
    expect(() => paper()).toThrow(/paper exchange state file .* is invalid \(available: /);
  });

  test("invalid options are refused", () => {
    expect(() => paper({ startingBalance: -5 })).toThrow("startingBalance");
    expect(() => paper({ maxLeverage: 0 })).toThrow("maxLeverage");
    expect(() => paper({ slippageBps: Number.NaN })).toThrow("slippageBps");
  });

  test("closed positions are listed newest first", async () => {
    const ex = paper();
    prices.set("ETHUSDT", 2000);
    await ex.placeMarketOrder(order());
    await ex.closePosition("SOLUSDT", "c1");
    await ex.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 1, client_id: "o2" }));
    await ex.closePosition("ETHUSDT", "c2");
    expect((await ex.getClosedPositions(10)).map((c) => c.symbol)).toEqual(["ETHUSDT", "SOLUSDT"]);
    expect((await ex.getClosedPositions(1)).map((c) => c.symbol)).toEqual(["ETHUSDT"]);
  });
});

describe("reload (a standby trader taking over the same data dir)", () => {
  test("continues the account as the other process left it", async () => {
    prices.set("SOLUSDT", 100);
    const holder = paper();
    const standby = paper();
    await holder.placeMarketOrder(order());
    expect(await standby.getPositions()).toEqual([]);
    standby.reload();
    expect(await standby.getPositions()).toEqual(await holder.getPositions());
    expect(await standby.getBalance()).toEqual(await holder.getBalance());
  });
});

test("a failing disk never keeps a paper position open: the close takes effect and is saved once the disk allows; an open is refused", async () => {
  const { mkdtempSync, mkdirSync, rmSync, readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "paper-disk-"));
  const statePath = join(dir, "paper.json");
  const prices = new Map([["SOLUSDT", 100], ["ETHUSDT", 3000]]);
  const ex = new PaperExchange({ priceOf: (s) => prices.get(s), statePath, now: () => 1_700_000_000_000 });
  await ex.placeMarketOrder({ symbol: "SOLUSDT", side: "buy", amount: 10, leverage: 10, client_id: "open-1" });
  // The disk refuses every save: a directory stands where the state file was.
  rmSync(statePath);
  mkdirSync(statePath);
  const refused = await rejectionOf(ex.placeMarketOrder({ symbol: "ETHUSDT", side: "buy", amount: 1, leverage: 10, client_id: "open-2" }));
  expect(refused).toContain(statePath);
  const close = await ex.closePosition("SOLUSDT", "close-1");
  expect(close.exit_price).toBeGreaterThan(0);
  expect(await ex.getPositions()).toEqual([]);
  rmSync(statePath, { recursive: true });
  await ex.getBalance(); // the disk allows again: the account is written as it is in memory
  expect(JSON.parse(readFileSync(statePath, "utf8")).positions).toEqual([]);
  rmSync(dir, { recursive: true, force: true });
});

async function rejectionOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error("expected the call to fail");
}
