/**
 * Open and finished positions as the Exchange contract reports them: P&L from
 * the average entry price at the mark price (not CoinEx's settlement-reset
 * fields, exchange-api.md §6.4), stops and liquidation with their "none"
 * sentinels, and how a finished position ended.
 */
import { describe, expect, test } from "bun:test";
import { closeKindOf } from "../../src/exchange/coinex-positions.ts";
import { liquidationPrice } from "../../src/exchange/margin.ts";
import { coinexSuite, finishedRow, order } from "./coinex-harness.ts";

const setup = coinexSuite();

describe("open positions", () => {
  test("after a profit settlement, P&L and margin still come from the entry price, not unrealized_pnl / margin_avbl", async () => {
    const { fake, exchange } = setup();
    fake.setPrice("BTCUSDT", 61_000);
    // Bought 0.1 at 60 000 (10×); settled at 60 500: CoinEx moved 50 into realized P&L and the
    // margin, reset settle_price and now reports only the 50 made since.
    const settled = finishedRow({
      open_interest: "0.1",
      settle_price: "60500",
      unrealized_pnl: "50",
      realized_pnl: "47",
      margin_avbl: "650",
      liq_price: "0",
      stop_loss_price: "0",
      take_profit_price: "",
    });
    delete settled.finished_type;
    fake.inject({ kind: "data", data: [settled] }, { endpoint: "/futures/pending-position" });
    const [position] = await exchange.getPositions();
    expect(position).toEqual({
      symbol: "BTCUSDT",
      side: "long",
      size: 0.1,
      entry_price: 60_000,
      current_price: 61_000,
      unrealized_pnl: 100, // (61 000 − 60 000) × 0.1
      margin: 600, // 60 000 × 0.1 / 10
      leverage: 10,
      opened_at: 1_700_000_000_000,
      stop_loss_price: null,
      take_profit_price: null,
      liquidation_price: null,
      funding: 0,
    });
  });

  test("a short's P&L is entry minus mark", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "ETHUSDT", side: "short", size: 2, entry_price: 3_000, leverage: 5 });
    fake.setPrice("ETHUSDT", 3_100);
    const [position] = await exchange.getPositions();
    expect([position?.unrealized_pnl, position?.margin]).toEqual([-200, 1_200]);
  });

  test("stops from the scalar fields, else from stop_loss_list / take_profit_list; liq_price as reported", async () => {
    const { fake, exchange } = setup();
    const row = finishedRow({
      open_interest: "0.1",
      liq_price: "54321.5",
      stop_loss_price: "",
      stop_loss_list: [{ id: 7, price: "0", type: "mark_price" }, { id: 8, price: "57000", type: "mark_price", amount: "0.1", is_all: true }],
      take_profit_price: "63000",
      take_profit_list: [{ id: 9, price: "64000", type: "mark_price" }],
    });
    delete row.finished_type;
    fake.inject({ kind: "data", data: [row] }, { endpoint: "/futures/pending-position" });
    const [position] = await exchange.getPositions();
    expect([position?.stop_loss_price, position?.take_profit_price, position?.liquidation_price]).toEqual([57_000, 63_000, 54_321.5]);
  });

  test("the fake's liquidation price is margin.ts's, and the client passes it through", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000, leverage: 10 });
    const [position] = await exchange.getPositions();
    const expected = liquidationPrice("long", 60_000, 0.1, 600, 0.005) ?? Number.NaN; // 60 000 × 0.9 / 0.995
    expect(position?.liquidation_price).toBeCloseTo(expected, 6);
    expect(expected).toBeCloseTo(54_271.356, 2);
  });
});

describe("finished positions", () => {
  test("kind, fees and funding of our close and of an exchange-side stop", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order());
    await exchange.closePosition("BTCUSDT", "close-1");
    fake.addPosition({ market: "ETHUSDT", side: "long", size: 1, entry_price: 3_000, stop_loss_price: 2_900 });
    fake.setPrice("ETHUSDT", 2_850); // crosses the stop-loss: closed at 2 900
    const closed = await exchange.getClosedPositions(10);
    expect(closed.map((c) => [c.symbol, c.kind, c.fees, c.funding])).toEqual([
      ["ETHUSDT", "stop_loss", 0, 0],
      ["BTCUSDT", "close", 0, 0],
    ]);
    // −100 price P&L − 1.45 closing fee at 2 900 (no opening fee: addPosition charges none)
    expect(closed[0]?.realized_pnl).toBeCloseTo(-101.45, 9);
  });

  test("more than one page: every row once, newest first (the page size stays the same across pages)", async () => {
    const { fake, exchange } = setup();
    for (let i = 0; i < 150; i++) {
      fake.state.finished.push({ position_id: i + 1, market: "BTCUSDT", side: "long", size: 0, entry_price: 60_000, leverage: 10, margin: 0, realized_pnl: i, ath_size: 0.1, created_at: i, updated_at: i });
    }
    const closed = await exchange.getClosedPositions(150);
    expect(closed).toHaveLength(150);
    expect(new Set(closed.map((c) => c.realized_pnl)).size).toBe(150);
    expect(closed[0]?.realized_pnl).toBe(149);
    expect(fake.requestsTo("/futures/finished-position").map((r) => `${r.query.page}/${r.query.limit}`)).toEqual(["1/100", "2/100"]);
  });

  test("finished_type is mapped defensively: liquidation, adl, stops, close, other", async () => {
    const { fake, exchange } = setup();
    const types = ["liq", "take_profit", "adl", "market_close", "stop_loss", "something_new"];
    fake.inject({ kind: "data", data: types.map((t, i) => finishedRow({ position_id: i + 1, finished_type: t })) }, { endpoint: "/futures/finished-position" });
    expect((await exchange.getClosedPositions(10)).map((c) => c.kind)).toEqual(["liquidation", "take_profit", "adl", "close", "stop_loss", "other"]);
  });

  test("closeKindOf reads words, not exact values (the real values are unverified)", () => {
    const cases: [string | undefined, string][] = [
      ["liquidation", "liquidation"],
      ["forced_liq", "liquidation"],
      ["ADL", "adl"],
      ["auto_deleverage", "adl"],
      ["stop_loss", "stop_loss"],
      ["stoploss", "stop_loss"],
      ["position_sl", "stop_loss"],
      ["take_profit", "take_profit"],
      ["TP", "take_profit"],
      ["close", "close"],
      ["limit_close", "close"],
      ["market", "close"],
      ["", "other"],
      [undefined, "other"],
      ["sys", "other"],
    ];
    for (const [type, kind] of cases) expect([type, closeKindOf(type)]).toEqual([type, kind]);
  });
});
