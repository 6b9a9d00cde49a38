import { expect, test } from "bun:test";
import { readTakeProfitStopLoss } from "../../../src/trader/risk/take-profit-stop-loss.ts";

test("P&L % of margin against tp_pct and sl_pct, inclusive at the edges", () => {
  expect(readTakeProfitStopLoss(20, 100, 20, 10)).toEqual({ pnl_pct: 20, exit: "tp" });
  expect(readTakeProfitStopLoss(19.99, 100, 20, 10).exit).toBeNull();
  expect(readTakeProfitStopLoss(-10, 100, 20, 10)).toEqual({ pnl_pct: -10, exit: "sl" });
  expect(readTakeProfitStopLoss(-9.99, 100, 20, 10).exit).toBeNull();
});

test("null settings never close; no margin reads as 0 %", () => {
  expect(readTakeProfitStopLoss(1e6, 100, null, null).exit).toBeNull();
  expect(readTakeProfitStopLoss(-1e6, 100, null, null).exit).toBeNull();
  expect(readTakeProfitStopLoss(-50, 0, 20, 10)).toEqual({ pnl_pct: 0, exit: null });
});
