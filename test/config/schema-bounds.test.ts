/**
 * Every documented config bound, tested on both sides (the README's table is
 * the contract: widening a range must fail here), and the rule across fields
 * that a stop-loss must be able to fire before liquidation.
 */
import { describe, expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG, maxStopLossPct, TraderConfigPatchSchema, TraderConfigSchema } from "../../src/config/schema.ts";
import { configWarnings } from "../../src/config/warnings.ts";
import { DOCUMENTED_RANGES } from "./documented-ranges.ts";

const accepts = (field: string, value: unknown) => TraderConfigPatchSchema.safeParse({ [field]: value }).success;

describe("every numeric field's documented range, both sides", () => {
  for (const [field, [min, max, integer]] of Object.entries(DOCUMENTED_RANGES)) {
    const step = integer ? 1 : 0.01;
    test(`${field}: ${min} – ${max}${integer ? ", whole numbers" : ""}`, () => {
      expect(accepts(field, min)).toBe(true);
      expect(accepts(field, max)).toBe(true);
      expect(accepts(field, Number((min - step).toFixed(2)))).toBe(false);
      expect(accepts(field, Number((max + step).toFixed(2)))).toBe(false);
      if (integer) expect(accepts(field, min + 0.5)).toBe(false);
      expect(accepts(field, Number.NaN)).toBe(false);
      expect(accepts(field, String(min))).toBe(false);
    });
  }

  test("the table covers every numeric field of the schema", () => {
    const numeric = Object.entries(DEFAULT_TRADER_CONFIG).filter(([key, value]) => typeof value === "number" || key === "tp_pct" || key === "sl_pct").map(([key]) => key);
    expect(numeric.sort()).toEqual(Object.keys(DOCUMENTED_RANGES).sort());
  });
});

describe("a stop-loss must be able to fire before liquidation", () => {
  test("sl_pct at or beyond the liquidation loss at max_leverage is refused, naming both fields and the limit", () => {
    expect(maxStopLossPct(10)).toBe(94.97);
    expect(maxStopLossPct(100)).toBe(45.25);
    const full = (patch: object) => TraderConfigSchema.safeParse({ ...DEFAULT_TRADER_CONFIG, ...patch });
    expect(full({ max_leverage: 10, sl_pct: 94.96 }).success).toBe(true);
    const refused = full({ max_leverage: 10, sl_pct: 95 });
    expect(refused.success).toBe(false);
    const issue = refused.error?.issues[0];
    expect(issue?.path).toEqual(["sl_pct"]);
    expect(issue?.message).toBe("Stop-loss 95 % of margin can never fire at max leverage 10×: the position is liquidated at about −94.97 % of its margin first. Set the stop-loss below 94.97 % or lower the max leverage");
    // Raising the leverage under an existing stop is refused the same way.
    expect(full({ max_leverage: 100, sl_pct: 50 }).success).toBe(false);
    expect(full({ max_leverage: 100, sl_pct: 45 }).success).toBe(true);
  });
});

describe("warnings that do not block a save", () => {
  test("a take-profit at or below the round-trip taker fee at max_leverage", () => {
    expect(configWarnings({ ...DEFAULT_TRADER_CONFIG, max_leverage: 10, tp_pct: 1 })).toEqual([
      { field: "tp_pct", message: "tp_pct 1 % does not cover the round-trip taker fee at 10× (about 1.00 % of margin): a take-profit there closes at a loss" },
    ]);
    expect(configWarnings({ ...DEFAULT_TRADER_CONFIG, max_leverage: 10, tp_pct: 1.01 })).toEqual([]);
    expect(configWarnings({ ...DEFAULT_TRADER_CONFIG, tp_pct: null })).toEqual([]);
  });
});
