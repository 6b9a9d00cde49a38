import { expect, test } from "bun:test";
import { reentryBlocked, staleData } from "../../../src/trader/risk/entry-gates.ts";

const MIN = 60_000;

test("re-entry cooldown: blocked until exactly the configured minutes after the close; 0 turns it off", () => {
  expect(reentryBlocked(0, 2000, 30)).toBe("closed 0 min ago (re-entry cooldown 30 min)");
  expect(reentryBlocked(0, 30 * MIN - 1, 30)).not.toBeNull();
  expect(reentryBlocked(0, 30 * MIN, 30)).toBeNull();
  expect(reentryBlocked(0, 1, 0)).toBeNull();
  expect(reentryBlocked(null, 1, 30)).toBeNull();
});

test("stale data: ten minutes without a closed 5m candle is the limit, both ways of measuring", () => {
  const now = 100 * MIN;
  expect(staleData({ closed_at: now - 10 * MIN, received_at: now - 10 * MIN, simulated: false }, now)).toBeNull();
  expect(staleData({ closed_at: now - MIN, received_at: now - 10 * MIN - 1, simulated: false }, now)).toContain("the feed stalled");
  expect(staleData({ closed_at: now - 10 * MIN - 1, received_at: now, simulated: false }, now)).toContain("ended 10 min ago");
  // The sim's clock runs ahead of ours: only arrival counts there.
  expect(staleData({ closed_at: now - 60 * MIN, received_at: now, simulated: true }, now)).toBeNull();
  expect(staleData({ closed_at: null, received_at: null, simulated: false }, now)).toBe("no closed 5m candle yet");
});
