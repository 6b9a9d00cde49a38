/**
 * The record a `web` instance rebuilds from trader events and balances: the
 * order and limits of the SQLite view, bounded memory, and a close paired with
 * its open's fee when the open was seen.
 */
import { expect, test } from "bun:test";
import { logKindOf, RemoteRecord } from "../../src/app/remote-record.ts";
import type { BalanceState, TraderEvent } from "../../src/bus/payloads.ts";
import { setQuiet } from "../../src/log.ts";

setQuiet(true);

function balance(updatedAt: number, equity: number): BalanceState {
  return { equity, available: equity, margin: 0, unrealized_pnl: 0, starting_balance: 10_000, drawdown_pct: 0, kill_switch_distance_pct: 50, updated_at: updatedAt };
}

const close = (at: number, symbol: string, extra: Record<string, unknown> = {}): TraderEvent => ({
  type: "trade_close",
  at,
  symbol,
  message: `Closed ${symbol}`,
  data: { reason: "take profit", pnl: 10, side: "long", size: 2, entry_price: 100, exit_price: 105, fee: 0.5, opened_at: at - 1000, ...extra },
});

test("every event type is filed under the kind the trader's journal uses", () => {
  expect(["trade_open", "trade_close", "tp_hit", "sl_hit", "error", "kill_switch", "circuit_breaker", "control", "bogus"].map(logKindOf)).toEqual([
    "trade", "trade", "trade", "trade", "error", "error", "error", "control", null,
  ]);
});

test("logs are newest first by arrival, per kind and merged, and keep at most maxLogsPerKind per kind", () => {
  const record = new RemoteRecord({ maxLogsPerKind: 3 });
  for (let i = 1; i <= 5; i++) record.noteEvent({ type: "error", at: 100 + i, message: `error ${i}` });
  record.noteEvent({ type: "control", at: 50, message: "Emergency stop" }); // an older `at` arriving later stays newest
  expect(record.logs({ kind: "error", limit: 10 }).map((e) => e.message)).toEqual(["error 5", "error 4", "error 3"]);
  expect(record.logs({ limit: 2 }).map((e) => e.message)).toEqual(["Emergency stop", "error 5"]);
  expect(record.logs({ limit: 10 }).map((e) => e.kind)).toEqual(["control", "error", "error", "error"]);
  const [entry] = record.logs({ kind: "control", limit: 1 });
  expect(entry).toMatchObject({ at: 50, kind: "control", message: "Emergency stop", origin: null, data: { event: "control" } });
});

test("limits outside 1…1000 are refused with a message, as the SQLite view refuses them", () => {
  const record = new RemoteRecord();
  expect(() => record.logs({ limit: 0 })).toThrow("logs: limit must be an integer from 1 to 1000, got 0");
  expect(() => record.closedTrades(1001)).toThrow("closedTrades: limit must be an integer from 1 to 1000, got 1001");
  expect(() => record.equityCurve(2.5)).toThrow("equityCurve: limit must be an integer from 1 to 10000, got 2.5");
});

test("a closed trade row carries what the close event says (its P&L is already the trade's net); the opening fee completes the fees", () => {
  const record = new RemoteRecord();
  record.noteEvent({ type: "trade_open", at: 1_000, symbol: "BTCUSDT", message: "Opened long BTCUSDT", data: { side: "long", amount: 2, price: 100, leverage: 10, fee: 0.25 } });
  record.noteEvent(close(5_000, "BTCUSDT"));
  record.noteEvent(close(4_000, "ETHUSDT", { side: "short", exit_price: null, pnl: null, reason: null }));
  expect(record.closedTrades(10)).toEqual([
    // The event's P&L is the whole trade's net (one figure everywhere); fees 0.5 + 0.25.
    { symbol: "BTCUSDT", side: "long", size: 2, entry_price: 100, exit_price: 105, pnl: 10, fees: 0.75, opened_at: 4_000, closed_at: 5_000, close_reason: "take profit" },
    { symbol: "ETHUSDT", side: "short", size: 2, entry_price: 100, exit_price: null, pnl: null, fees: 0.5, opened_at: 3_000, closed_at: 4_000, close_reason: null },
  ]);
  // The open fee is used once: a later close of the same symbol without a seen open has the close's fee only.
  record.noteEvent(close(6_000, "BTCUSDT"));
  expect(record.closedTrades(1)[0]).toMatchObject({ closed_at: 6_000, pnl: 10, fees: 0.5 });
});

test("closed trades are ordered by close time and bounded", () => {
  const record = new RemoteRecord({ maxClosedTrades: 2 });
  record.noteEvent(close(3_000, "AUSDT"));
  record.noteEvent(close(1_000, "BUSDT"));
  record.noteEvent(close(2_000, "CUSDT"));
  // A (3 000) would stay by time but B was kept longer: the oldest arrival is dropped, then sorted by close time.
  expect(record.closedTrades(10).map((t) => t.symbol)).toEqual(["CUSDT", "BUSDT"]);
});

test("the equity curve has one point per distinct updated_at, oldest first, bounded", () => {
  const record = new RemoteRecord({ maxEquityPoints: 3 });
  expect(record.noteBalance(balance(1, 100))).toBe(true);
  expect(record.noteBalance(balance(1, 100))).toBe(false); // the same publish read twice
  expect(record.noteBalance(balance(0, 90))).toBe(false); // older than what was seen
  record.noteBalance(balance(2, 101));
  record.noteBalance(balance(3, 102));
  record.noteBalance(balance(4, 103));
  expect(record.equityCurve(3)).toEqual([{ at: 2, equity: 101 }, { at: 3, equity: 102 }, { at: 4, equity: 103 }]);
  expect(record.equityCurve(2)).toEqual([{ at: 3, equity: 102 }, { at: 4, equity: 103 }]);
});

test("an event the record cannot file is skipped without throwing", () => {
  const record = new RemoteRecord();
  // What a hand-typed message could hold after the bus check: data that is an object but nonsense.
  expect(() => record.noteEvent(close(1, "BTCUSDT", { side: "sideways", fee: "free" }))).not.toThrow();
  expect(() => record.noteEvent({ type: "trade_close", at: 2, message: "no symbol" })).not.toThrow();
  expect(() => record.noteEvent({ type: "bogus", at: 3, message: "x" } as never)).not.toThrow();
  expect(record.closedTrades(10)).toEqual([]);
  expect(record.logs({ limit: 10 }).map((e) => e.message)).toEqual(["no symbol", "Closed BTCUSDT"]);
});
