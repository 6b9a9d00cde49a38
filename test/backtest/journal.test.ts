/** The backtest's in-memory journal counts every signal max_positions turned away, also when one line names several. */
import { expect, test } from "bun:test";
import { BacktestJournal } from "../../src/backtest/journal.ts";

test("a folded 'max positions reached' line counts each coin it names", () => {
  const journal = new BacktestJournal(() => 0);
  const coin = (symbol: string) => ({ symbol, direction: "long", score: 60, base: 60, bonus: 0, threshold: 45, price: 1 });
  journal.log("signal", "3 signals not acted — max positions reached (1): …", { acted: false, skip_reason: "max positions reached (1)", coins: [coin("A"), coin("B"), coin("C")] });
  journal.log("signal", "Signal long D 60 (threshold 45): not acted — blacklisted", { symbol: "D", direction: "long", score: 60, acted: false, skip_reason: "blacklisted" });
  expect(journal.rejectedByMaxPositions).toBe(3);
  expect(journal.counts.signal).toBe(2);
});
