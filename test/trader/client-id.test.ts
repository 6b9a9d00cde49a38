import { expect, test } from "bun:test";
import { closeOrderClientId, openOrderClientId, scanSlot } from "../../src/trader/client-id.ts";

test("one id per decision: the same scan slot gives the same id, the next slot a new one", () => {
  const start = 1_700_000_100_000 - (1_700_000_100_000 % 300_000);
  const a = openOrderClientId("BTCUSDT", "long", scanSlot(start + 1, 5));
  const b = openOrderClientId("BTCUSDT", "long", scanSlot(start + 299_999, 5));
  const c = openOrderClientId("BTCUSDT", "long", scanSlot(start + 300_000, 5));
  expect(a).toBe(b);
  expect(c).not.toBe(a);
  expect(openOrderClientId("BTCUSDT", "short", scanSlot(start + 1, 5))).not.toBe(a);
});

test("ids fit CoinEx's rule (letters, digits, - and _, ≤ 32 bytes), long symbols included", () => {
  for (const id of [openOrderClientId("1000000MOGUSDT", "short", 99_999_999_999), closeOrderClientId("1000000MOGUSDT", "emergency stop", Date.now())]) {
    expect(id).toMatch(/^[A-Za-z0-9_-]{1,32}$/);
  }
  expect(openOrderClientId("1000000MOGUSDT", "short", 1)).not.toBe(openOrderClientId("1000000MOGUSDT", "short", 2));
});
