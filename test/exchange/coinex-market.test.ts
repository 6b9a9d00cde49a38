/**
 * Market rules (price precision, leverage levels, maintenance margin tier, fill
 * allowance) and leverage: granted once per change, not once per order.
 */
import { describe, expect, test } from "bun:test";
import { CoinexExchange } from "../../src/exchange/coinex-client.ts";
import { DEFAULT_MAINTENANCE_MARGIN_RATE } from "../../src/exchange/margin.ts";
import { captureLogs, coinexSuite, order, rejection } from "./coinex-harness.ts";

const setup = coinexSuite();

function marketRow(overrides: Record<string, unknown> = {}) {
  return {
    market: "BTCUSDT",
    base_ccy_precision: 4,
    quote_ccy_precision: 2,
    min_amount: "0.0001",
    maker_fee_rate: "0.0003",
    taker_fee_rate: "0.0005",
    leverage: ["20", "3", "1", "10"],
    ...overrides,
  };
}

describe("market info", () => {
  test("price precision: the decimals of tick_size when given, else quote_ccy_precision; levels ascending", async () => {
    const { fake, exchange } = setup();
    fake.inject({ kind: "data", data: [marketRow({ tick_size: "0.5", quote_ccy_precision: 4 })] }, { endpoint: "/futures/market" });
    fake.inject({ kind: "data", data: [marketRow({ market: "ETHUSDT", quote_ccy_precision: 3 })] }, { endpoint: "/futures/market" });
    const btc = await exchange.getMarketInfo("BTCUSDT");
    const eth = await exchange.getMarketInfo("ETHUSDT");
    expect([btc.price_precision, eth.price_precision]).toEqual([1, 3]);
    expect(btc.leverage_levels).toEqual([1, 3, 10, 20]);
    expect(btc.max_leverage).toBe(20);
    expect(btc.fill_allowance_rate).toBe(0.002);
  });

  test("the maintenance margin rate is that of the smallest tier of position-level", async () => {
    const { fake, exchange } = setup();
    const tiers = [
      { amount: "100", leverage: "30", maintenance_margin_rate: "0.015", min_initial_margin_rate: "0.0333" },
      { amount: "20", leverage: "100", maintenance_margin_rate: "0.004", min_initial_margin_rate: "0.01" },
    ];
    fake.inject({ kind: "data", data: [{ market: "BTCUSDT", level: tiers }] }, { endpoint: "/futures/position-level" });
    expect((await exchange.getMarketInfo("BTCUSDT")).maintenance_margin_rate).toBe(0.004);
    expect(fake.requestsTo("/futures/position-level")[0]?.query).toEqual({ market: "BTCUSDT" });
  });

  test("position-level unavailable: the default rate, one warning, and the rules are still cached", async () => {
    const { fake, exchange } = setup();
    fake.inject({ kind: "http", status: 502 }, { endpoint: "/futures/position-level" });
    const { result, lines } = await captureLogs(async () => {
      const first = await exchange.getMarketInfo("BTCUSDT");
      await exchange.getMarketInfo("BTCUSDT");
      return first;
    });
    expect(result.maintenance_margin_rate).toBe(DEFAULT_MAINTENANCE_MARGIN_RATE);
    expect(lines.filter((line) => line.includes("WARN"))).toHaveLength(1);
    expect(lines[0]).toContain("default maintenance margin rate");
    expect(fake.requestsTo("/futures/position-level")).toHaveLength(1);
  });
});

describe("leverage", () => {
  test("setLeverage then an order at the granted level: exactly one adjust-position-leverage", async () => {
    const { fake, exchange } = setup();
    const granted = await exchange.setLeverage("BTCUSDT", 12);
    expect(granted).toBe(10);
    await exchange.placeMarketOrder(order({ leverage: granted }));
    expect(fake.requestsTo("/futures/adjust-position-leverage")).toHaveLength(1);
    expect(fake.requestsTo("/futures/order")).toHaveLength(1);
    expect(fake.state.positions.get("BTCUSDT")?.leverage).toBe(10);
  });

  test("an order at another level, or with the level unknown (a fresh client), sets it once first", async () => {
    const { fake, exchange } = setup();
    await exchange.setLeverage("BTCUSDT", 10);
    await exchange.placeMarketOrder(order({ leverage: 20 }));
    const restarted = new CoinexExchange({ baseUrl: fake.url, accessId: fake.accessId, secretKey: fake.secretKey });
    await restarted.placeMarketOrder(order({ symbol: "ETHUSDT", amount: 1, leverage: 5, client_id: "eth-1" }));
    expect(fake.requestsTo("/futures/adjust-position-leverage").map((r) => (r.json as { market: string; leverage: number }).leverage)).toEqual([10, 20, 5]);
    expect(fake.state.positions.get("BTCUSDT")?.leverage).toBe(20);
    expect(fake.state.positions.get("ETHUSDT")?.leverage).toBe(5);
  });

  test("after a failed setLeverage the level is unknown, so the order sets it", async () => {
    const { fake, exchange } = setup();
    await exchange.setLeverage("BTCUSDT", 10);
    fake.inject({ kind: "code", code: 3008 }, { endpoint: "/futures/adjust-position-leverage" });
    expect((await rejection(exchange.setLeverage("BTCUSDT", 10))).code).toBe(3008);
    await exchange.placeMarketOrder(order({ leverage: 10 }));
    expect(fake.requestsTo("/futures/adjust-position-leverage").map((r) => r.code)).toEqual([0, 3008, 0]);
  });
});

describe("fake: one market rejecting orders", () => {
  test("rejectOrders fails every order on that market with the code, others still fill", async () => {
    const { fake, exchange } = setup();
    fake.rejectOrders("SUIUSDT", 4117);
    for (const id of ["sui-1", "sui-2"]) {
      const error = await rejection(exchange.placeMarketOrder(order({ symbol: "SUIUSDT", amount: 10, leverage: 5, client_id: id })));
      expect(error.code).toBe(4117);
      expect(error.message).toContain("trading is prohibited in this market");
    }
    await exchange.placeMarketOrder(order({ client_id: "btc-1" }));
    fake.rejectOrders("SUIUSDT", null);
    await exchange.placeMarketOrder(order({ symbol: "SUIUSDT", amount: 10, leverage: 5, client_id: "sui-3" }));
    expect([...fake.state.positions.keys()].sort()).toEqual(["BTCUSDT", "SUIUSDT"]);
  });
});
