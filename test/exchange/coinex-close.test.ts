/**
 * closePosition's CloseResult: the whole position's net P&L from position
 * history (matched by position_id, looked up again while it lags), with a
 * stated fallback; exit price and fee from the close order; client_id memory.
 * Numbers: 0.1 BTC long from 60 000 (open fee 3), closed at 61 000 (gross 100,
 * close fee 3.05): net 93.95; the close order alone says 96.95.
 */
import { describe, expect, test } from "bun:test";
import { virtualClock } from "./bucket-conformance.ts";
import { captureLogs, coinexSuite, finishedRow, order, rejection } from "./coinex-harness.ts";

const setup = coinexSuite();

describe("closePosition", () => {
  test("pnl is the finished position's realized_pnl (both fees in); exit price and fee from the close order", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order());
    fake.setPrice("BTCUSDT", 61_000);
    const result = await exchange.closePosition("BTCUSDT", "close-1");
    expect(result.pnl).toBeCloseTo(93.95, 9);
    expect(result.order.realized_pnl).toBeCloseTo(96.95, 9);
    expect(result.exit_price).toBe(61_000);
    expect(result.close_fee).toBeCloseTo(3.05, 9);
    expect(result.funding).toBe(0);
    expect(result.order.duplicate).toBe(false);
    const [lookup] = fake.requestsTo("/futures/finished-position");
    expect(lookup?.rawPath).toBe("/v2/futures/finished-position?market=BTCUSDT&market_type=FUTURES&page=1&limit=10");
  });

  test("the finished row is the one with the closed position's id, whatever else is listed", async () => {
    const { fake, exchange } = setup();
    const open = fake.addPosition({ market: "BTCUSDT", side: "long", size: 0.1, entry_price: 60_000, leverage: 10 });
    const id = open.position_id;
    // CoinEx's row includes funding the fake does not model: 90.5 is what the balance moved.
    fake.inject(
      { kind: "data", data: [finishedRow({ position_id: id + 1, realized_pnl: "5" }), finishedRow({ position_id: id, realized_pnl: "90.5" })] },
      { endpoint: "/futures/finished-position" },
    );
    fake.setPrice("BTCUSDT", 61_000);
    expect((await exchange.closePosition("BTCUSDT", "close-1")).pnl).toBe(90.5);
  });

  test("a lagging history is asked again, briefly, through the client's sleep", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now }, { now: clock.now, sleep: clock.sleep });
    await exchange.placeMarketOrder(order());
    fake.setPrice("BTCUSDT", 61_000);
    fake.inject({ kind: "data", data: [] }, { endpoint: "/futures/finished-position", times: 2 });
    const before = clock.t;
    const result = await exchange.closePosition("BTCUSDT", "close-1");
    expect(result.pnl).toBeCloseTo(93.95, 9);
    expect(fake.requestsTo("/futures/finished-position")).toHaveLength(3);
    expect(clock.t - before).toBeLessThanOrEqual(2_000);
  });

  test("never in the history: realized P&L before the close + the close order's, with a warning saying so", async () => {
    const clock = virtualClock();
    const { fake, exchange } = setup({ now: clock.now }, { now: clock.now, sleep: clock.sleep });
    await exchange.placeMarketOrder(order());
    fake.state.positions.get("BTCUSDT")!.realized_pnl -= 1.5; // funding paid while open
    fake.setPrice("BTCUSDT", 61_000);
    fake.inject({ kind: "data", data: [] }, { endpoint: "/futures/finished-position", times: 2 });
    fake.inject({ kind: "http", status: 502 }, { endpoint: "/futures/finished-position", times: 5 });
    const { result, lines } = await captureLogs(() => exchange.closePosition("BTCUSDT", "close-1"));
    expect(result.pnl).toBeCloseTo(-4.5 + 96.95, 9); // −3 open fee − 1.5 funding, then +100 − 3.05
    expect(result.order.amount).toBe(0.1);
    expect(lines.some((line) => line.includes("WARN") && line.includes("not found in CoinEx's position history"))).toBe(true);
    expect(fake.requestsTo("/futures/finished-position")).toHaveLength(3);
  });

  test("a repeated client_id returns the remembered result marked duplicate, without a second close", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order());
    const first = await exchange.closePosition("BTCUSDT", "close-1");
    const again = await exchange.closePosition("BTCUSDT", "close-1");
    expect(again).toEqual({ ...first, order: { ...first.order, duplicate: true } });
    expect(fake.requestsTo("/futures/close-position")).toHaveLength(1);
  });

  test("a failing close-position (fake: failClosePosition) leaves the position open and is retryable", async () => {
    const { fake, exchange } = setup();
    await exchange.placeMarketOrder(order());
    fake.failClosePosition(2);
    for (const id of ["close-1", "close-2"]) {
      const error = await rejection(exchange.closePosition("BTCUSDT", id));
      expect([error.code, error.retryable]).toEqual([3008, true]);
    }
    expect(fake.state.positions.has("BTCUSDT")).toBe(true);
    expect((await exchange.closePosition("BTCUSDT", "close-3")).order.amount).toBe(0.1);
    expect(fake.state.positions.has("BTCUSDT")).toBe(false);
  });

  test("no open position: no_position, nothing sent", async () => {
    const { fake, exchange } = setup();
    expect((await rejection(exchange.closePosition("BTCUSDT", "close-1"))).code).toBe("no_position");
    expect(fake.requestsTo("/futures/close-position")).toHaveLength(0);
  });
});
