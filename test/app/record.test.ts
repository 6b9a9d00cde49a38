/**
 * The journal adapter over SQLite: a write the store refuses never crashes a
 * cycle, and a failing disk is said once and then counted, not repeated for
 * every signal line (the fault run saw 232 identical lines).
 */
import { expect, test } from "bun:test";
import { journalFor } from "../../src/app/record.ts";
import type { TraderStore } from "../../src/store/trader-store.ts";
import { captureLogs } from "../helpers/capture-logs.ts";

test("a failing disk is logged once, then counted; recovery is said with the count", async () => {
  let failing = true;
  const store = {
    log: () => {
      if (failing) throw new Error("disk I/O error (SQLITE_FULL)");
    },
  } as unknown as TraderStore;
  const journal = journalFor(store);
  const { lines } = await captureLogs(async () => {
    for (let i = 0; i < 232; i++) journal.log("signal", `Signal ${i}`, { symbol: "BTCUSDT", direction: "long", score: 50, acted: false, skip_reason: "x" });
    failing = false;
    journal.log("cycle", "Cycle done", { scanned: 1, signals: 0, actions: 0, duration_ms: 1 });
  });
  const errors = lines.filter((line) => line.includes(" ERROR ") && line.includes("could not record"));
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain("could not record signal log: disk I/O error (SQLITE_FULL) (further failures are counted, not repeated)");
  expect(lines.filter((line) => line.includes("recording works again after 232 failed write(s)"))).toHaveLength(1);
});
