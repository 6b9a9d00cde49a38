/**
 * The decimal parsing at the CoinEx edge (exchange-api.md §6.5): exponent form
 * is a decimal, garbage is an error naming the field; "0" and "" are "no price"
 * in stop and liquidation fields.
 */
import { describe, expect, test } from "bun:test";
import { z } from "zod";
import { decimal, parseData, PendingPositionSchema } from "../../src/exchange/coinex-schemas.ts";
import { ExchangeError } from "../../src/exchange/types.ts";
import { coinexSuite, finishedRow } from "./coinex-harness.ts";

const setup = coinexSuite();

describe("decimal", () => {
  test("accepts plain and exponent forms, lower- and upper-case e", () => {
    expect(decimal.parse("0.0001")).toBe(0.0001);
    expect(decimal.parse("-12.5")).toBe(-12.5);
    expect(decimal.parse("6.022e-5")).toBe(0.00006022);
    expect(decimal.parse("1E+3")).toBe(1000);
    expect(decimal.parse("2e3")).toBe(2000);
    expect(decimal.parse("-1.5E-2")).toBe(-0.015);
  });

  test("refuses what is not a decimal", () => {
    for (const bad of ["abc", "1.2.3", "", " 1", "1 ", "1e", "e5", ".5", "1.", "NaN", "Infinity", "0x10", "1e400"]) {
      expect(decimal.safeParse(bad).success).toBe(false);
    }
    expect(decimal.safeParse(12.5).success).toBe(false); // a JSON number where a string is documented
  });

  test("a bad decimal is an ExchangeError naming the field", () => {
    const schema = z.array(z.object({ mark_price: decimal }));
    let error: unknown;
    try {
      parseData(schema, [{ mark_price: "1.2.3" }], "GET /futures/ticker");
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ExchangeError);
    expect((error as ExchangeError).message).toContain("data.0.mark_price");
    expect((error as ExchangeError).message).toContain("GET /futures/ticker");
  });
});

describe("position price fields", () => {
  test('"0" and "" mean none; exponent form is a price', () => {
    const rows = PendingPositionSchema.parse([
      finishedRow({ liq_price: "0", stop_loss_price: "", take_profit_price: "0" }),
      finishedRow({ liq_price: "5.4E+4", stop_loss_price: "5.7e4", take_profit_price: "63000" }),
    ]);
    expect(rows.map((r) => [r.liq_price, r.stop_loss_price, r.take_profit_price])).toEqual([
      [null, null, null],
      [54_000, 57_000, 63_000],
    ]);
  });
});

describe("the client reads exponent-form decimals end to end", () => {
  test("balance, market, positions, price, order and close all parse", async () => {
    const { fake, exchange } = setup({ exponentDecimals: true });
    // The fake really does send exponent form.
    const response = await fetch(`${fake.url}/futures/ticker?market=BTCUSDT`);
    expect(((await response.json()) as { data: { mark_price: string }[] }).data[0]?.mark_price).toBe("6E+4");

    expect((await exchange.getBalance()).equity).toBe(10_000);
    const info = await exchange.getMarketInfo("BTCUSDT");
    expect([info.min_amount, info.taker_fee_rate, info.price_precision, info.maintenance_margin_rate]).toEqual([0.0001, 0.0005, 2, 0.005]);
    expect(await exchange.getPrice("BTCUSDT")).toBe(60_000);
    const filled = await exchange.placeMarketOrder({ symbol: "BTCUSDT", side: "buy", amount: 0.1, leverage: 10, client_id: "exp-1" });
    expect(filled.fee).toBeCloseTo(3, 9);
    fake.setPrice("BTCUSDT", 61_000);
    const [position] = await exchange.getPositions();
    expect([position?.size, position?.entry_price, position?.unrealized_pnl]).toEqual([0.1, 60_000, 100]);
    const closed = await exchange.closePosition("BTCUSDT", "exp-close");
    expect(closed.pnl).toBeCloseTo(93.95, 9);
  });
});
