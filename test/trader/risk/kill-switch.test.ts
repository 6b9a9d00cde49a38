import { expect, test } from "bun:test";
import { baselineFor } from "../../../src/trader/risk/kill-switch-baseline.ts";
import { readKillSwitch } from "../../../src/trader/risk/kill-switch.ts";

test("trips at the threshold, not a cent before", () => {
  expect(readKillSwitch(5000, 10_000, 50)).toEqual({ drawdown_pct: 50, distance_pct: 0, tripped: true });
  expect(readKillSwitch(5000.01, 10_000, 50).tripped).toBe(false);
});

test("no drawdown above the baseline; an unusable baseline never trips", () => {
  expect(readKillSwitch(12_000, 10_000, 50)).toEqual({ drawdown_pct: 0, distance_pct: 50, tripped: false });
  expect(readKillSwitch(0, 0, 50).tripped).toBe(false);
  expect(readKillSwitch(Number.NaN, 10_000, 50).tripped).toBe(false);
});

test("baseline: the owner's reset wins; else the paper starting balance; CoinEx has none until its first live cycle", () => {
  expect(baselineFor("paper", {}, 10_000)).toEqual({ equity: 10_000, at: null });
  expect(baselineFor("paper", { paper: { equity: 7000, at: 5 } }, 10_000)).toEqual({ equity: 7000, at: 5 });
  expect(baselineFor("coinex", {}, 10_000)).toBeNull();
  expect(baselineFor("coinex", { coinex: { equity: 2500, at: 9 } }, 10_000)).toEqual({ equity: 2500, at: 9 });
});
