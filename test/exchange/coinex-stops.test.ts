/**
 * setPositionStops: exchange-side stop-loss / take-profit (exchange-api.md §6.1)
 * with mark-price triggers, prices rounded to the market's precision, moved by
 * cancel-then-set (whether a second set replaces is UNVERIFIED), untouched when
 * unchanged; and the fake closing a position whose stop the price reaches.
 */
import { describe, expect, test } from "bun:test";
import { coinexSuite, rejection } from "./coinex-harness.ts";

const setup = coinexSuite();

const STOP_PATHS = ["set", "cancel", "modify"].flatMap((a) => [`/futures/${a}-position-stop-loss`, `/futures/${a}-position-take-profit`]);

function withLong() {
  const context = setup();
  context.fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000, leverage: 10 });
  return context;
}

/** The stop POSTs received, as "endpoint body". */
function stopCalls(fake: ReturnType<typeof setup>["fake"]) {
  return fake.requests.filter((r) => STOP_PATHS.includes(r.endpoint)).map((r) => `${r.endpoint} ${r.body}`);
}

describe("setPositionStops", () => {
  test("sets both with mark-price triggers and prices rounded to the market's precision, as strings", async () => {
    const { fake, exchange } = withLong();
    const held = await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000.125, take_profit_price: 63_000 });
    expect(held).toEqual({ stop_loss_price: 57_000.13, take_profit_price: 63_000 });
    expect(stopCalls(fake)).toEqual([
      '/futures/set-position-stop-loss {"market":"BTCUSDT","market_type":"FUTURES","stop_loss_type":"mark_price","stop_loss_price":"57000.13"}',
      '/futures/set-position-take-profit {"market":"BTCUSDT","market_type":"FUTURES","take_profit_type":"mark_price","take_profit_price":"63000"}',
    ]);
    const [position] = await exchange.getPositions();
    expect([position?.stop_loss_price, position?.take_profit_price]).toEqual([57_000.13, 63_000]);
  });

  test("moving one stop is cancel then set; the unchanged one is left alone", async () => {
    const { fake, exchange } = withLong();
    await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: 63_000 });
    fake.requests.length = 0;
    const held = await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 58_500, take_profit_price: 63_000 });
    expect(held).toEqual({ stop_loss_price: 58_500, take_profit_price: 63_000 });
    expect(stopCalls(fake)).toEqual([
      '/futures/cancel-position-stop-loss {"market":"BTCUSDT","market_type":"FUTURES"}',
      '/futures/set-position-stop-loss {"market":"BTCUSDT","market_type":"FUTURES","stop_loss_type":"mark_price","stop_loss_price":"58500"}',
    ]);
  });

  test("null cancels only; the same stops again send nothing", async () => {
    const { fake, exchange } = withLong();
    await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: 63_000 });
    fake.requests.length = 0;
    expect(await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: null })).toEqual({ stop_loss_price: 57_000, take_profit_price: null });
    expect(stopCalls(fake)).toEqual(['/futures/cancel-position-take-profit {"market":"BTCUSDT","market_type":"FUTURES"}']);
    fake.requests.length = 0;
    expect(await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000.001, take_profit_price: null })).toEqual({ stop_loss_price: 57_000, take_profit_price: null });
    expect(stopCalls(fake)).toEqual([]);
    expect(fake.requestsTo("/futures/pending-position")).toHaveLength(1); // read first, to compare
  });

  test("stops set elsewhere (e.g. by hand on CoinEx) are read first and replaced by cancel + set", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "SUIUSDT", side: "short", size: 100, entry_price: 3.5, leverage: 5, stop_loss_price: 3.9 });
    const held = await exchange.setPositionStops("SUIUSDT", { stop_loss_price: 3.712345, take_profit_price: 3.1 });
    expect(held).toEqual({ stop_loss_price: 3.7123, take_profit_price: 3.1 });
    expect(stopCalls(fake).map((c) => c.split(" ")[0])).toEqual([
      "/futures/cancel-position-stop-loss",
      "/futures/set-position-stop-loss",
      "/futures/set-position-take-profit",
    ]);
  });

  test("when the last answer is not a position object, the pending position is read again", async () => {
    const { fake, exchange } = withLong();
    fake.inject({ kind: "data", data: {} }, { endpoint: "/futures/set-position-take-profit" });
    // The injected answer replaced the fake's handler, so CoinEx "holds" only the stop-loss.
    expect(await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: 63_000 })).toEqual({ stop_loss_price: 57_000, take_profit_price: null });
    expect(fake.requestsTo("/futures/pending-position")).toHaveLength(2);
  });

  test("a set failing after its cancel says the position is now without that stop", async () => {
    const { fake, exchange } = withLong();
    await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: null });
    fake.inject({ kind: "code", code: 3008 }, { endpoint: "/futures/set-position-stop-loss" });
    const error = await rejection(exchange.setPositionStops("BTCUSDT", { stop_loss_price: 58_000, take_profit_price: null }));
    expect([error.code, error.retryable]).toEqual([3008, true]);
    expect(error.message).toContain("BTCUSDT has no stop-loss on CoinEx now");
  });

  test("no open position: no_position; a bad price: invalid_request; nothing sent", async () => {
    const { fake, exchange } = setup();
    expect((await rejection(exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: null }))).code).toBe("no_position");
    fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000 });
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect((await rejection(exchange.setPositionStops("BTCUSDT", { stop_loss_price: bad, take_profit_price: null }))).code).toBe("invalid_request");
    }
    expect(stopCalls(fake)).toEqual([]);
  });
});

describe("fake: a stop the price reaches closes the position at the stop price", () => {
  test("a long's stop-loss", async () => {
    const { fake, exchange } = withLong();
    await exchange.setPositionStops("BTCUSDT", { stop_loss_price: 57_000, take_profit_price: 63_000 });
    fake.setPrice("BTCUSDT", 57_500); // not yet
    expect(fake.state.positions.has("BTCUSDT")).toBe(true);
    fake.setPrice("BTCUSDT", 56_000);
    expect(await exchange.getPositions()).toEqual([]);
    const [closed] = await exchange.getClosedPositions(1);
    expect(closed?.kind).toBe("stop_loss");
    // (57 000 − 60 000) × 0.1 = −300, fee 0.1 × 57 000 × 0.0005 = 2.85
    expect(closed?.realized_pnl).toBeCloseTo(-302.85, 9);
    expect(fake.state.available).toBeCloseTo(10_000 - 302.85, 9);
    expect(fake.state.orders.at(-1)).toMatchObject({ side: "sell", filled_amount: "0.1", last_filled_price: "57000", client_id: "" });
  });

  test("a short's take-profit", async () => {
    const { fake, exchange } = setup();
    fake.addPosition({ market: "ETHUSDT", side: "short", size: 1, entry_price: 3_000, take_profit_price: 2_700 });
    fake.setPrice("ETHUSDT", 2_650);
    const [closed] = await exchange.getClosedPositions(1);
    expect(closed?.kind).toBe("take_profit");
    expect(closed?.realized_pnl).toBeCloseTo(300 - 1.35, 9);
  });
});
