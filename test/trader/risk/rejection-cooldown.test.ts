import { expect, test } from "bun:test";
import { RejectionCooldown } from "../../../src/trader/risk/rejection-cooldown.ts";

test("two rejections in a row start a rest; the coin is blocked until it ends, then counts afresh", () => {
  const cooldown = new RejectionCooldown(2, 60 * 60_000);
  expect(cooldown.rejected("SUIUSDT", "4117", 0)).toBe(false);
  expect(cooldown.blocked("SUIUSDT", 1)).toBeNull();
  expect(cooldown.rejected("SUIUSDT", "4117", 1000)).toBe(true);
  expect(cooldown.blocked("SUIUSDT", 1000)).toBe("rejected 2× in a row (last: 4117); resting 60 more min");
  expect(cooldown.blocked("SUIUSDT", 1000 + 60 * 60_000 - 1)).toContain("resting 1 more min");
  expect(cooldown.blocked("SUIUSDT", 1000 + 60 * 60_000)).toBeNull();
  expect(cooldown.rejected("SUIUSDT", "4117", 1000 + 60 * 60_000)).toBe(false);
});

test("a success in between clears the count; other coins are unaffected", () => {
  const cooldown = new RejectionCooldown();
  cooldown.rejected("SUIUSDT", "busy", 0);
  cooldown.succeeded("SUIUSDT");
  expect(cooldown.rejected("SUIUSDT", "busy", 1)).toBe(false);
  cooldown.rejected("SUIUSDT", "busy", 2);
  expect(cooldown.resting(3).map((r) => r.symbol)).toEqual(["SUIUSDT"]);
  expect(cooldown.blocked("BTCUSDT", 3)).toBeNull();
});
