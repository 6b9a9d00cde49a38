import { expect, test } from "bun:test";
import { closeAll, closeWithRetries } from "../../src/trader/closing.ts";
import { makePorts, position, ScriptedExchange } from "../helpers/trader-fakes.ts";

test("a close that fails twice succeeds on the third attempt (three tries, with back-off)", async () => {
  const exchange = new ScriptedExchange();
  exchange.positions = [position("BTCUSDT", "long", { current_price: 110, unrealized_pnl: 10 })];
  exchange.closeFailures.BTCUSDT = 2;
  const h = makePorts(exchange, {}, []);
  const waits: number[] = [];
  const outcome = await closeWithRetries(exchange, exchange.positions[0]!, "stop loss", { ...h.ports, sleep: async (ms) => void waits.push(ms) }, { retryDelayMs: 100 });
  expect(outcome).toMatchObject({ ok: true, attempts: 3, pnl: 10, price: 110 });
  expect(waits).toEqual([100, 200]);
  expect(h.journal.of("error")).toHaveLength(2);
  expect(h.journal.closed).toEqual([expect.objectContaining({ symbol: "BTCUSDT", pnl: 10, exit_price: 110, reason: "stop loss" })]);
});

test("after three failures it gives up with the last error and an error event", async () => {
  const exchange = new ScriptedExchange();
  exchange.positions = [position("BTCUSDT", "long")];
  exchange.closeFailures.BTCUSDT = 3;
  const h = makePorts(exchange, {}, []);
  const outcome = await closeWithRetries(exchange, exchange.positions[0]!, "kill switch", h.ports);
  expect(outcome).toEqual({ symbol: "BTCUSDT", ok: false, attempts: 3, error: "injected close failure for BTCUSDT" });
  expect(h.events.at(-1)).toMatchObject({ type: "error", symbol: "BTCUSDT" });
  expect(h.journal.closed).toEqual([]);
});

test("a position already gone from the exchange is not an error and is not recorded twice", async () => {
  const exchange = new ScriptedExchange();
  const h = makePorts(exchange, {}, []);
  const outcome = await closeWithRetries(exchange, position("BTCUSDT", "long"), "close all", h.ports);
  expect(outcome).toEqual({ symbol: "BTCUSDT", ok: true, attempts: 1, gone: true });
  expect(h.journal.closed).toEqual([]);
});

test("one figure for one close: the message, the record and the event carry the same P&L", async () => {
  const exchange = new ScriptedExchange();
  exchange.positions = [position("ETHUSDT", "short", { current_price: 3012.5, unrealized_pnl: -33.75 })];
  const h = makePorts(exchange, {}, []);
  const [outcome] = await closeAll(exchange, exchange.positions, "closed by owner (page)", h.ports);
  expect(outcome?.pnl).toBe(-33.75);
  expect(h.journal.closed[0]?.pnl).toBe(-33.75);
  expect(h.events.find((e) => e.type === "trade_close")?.data).toMatchObject({ pnl: -33.75 });
  expect(h.journal.of("trade")[0]).toBe("Closed short ETHUSDT at 3,012.50 (closed by owner (page)), P&L −33.75 USDT");
});
