/**
 * The composite score as text, everywhere it is written (scanner cards, signal
 * log lines, the coin page): the arithmetic a trader reads must add up.
 */
import { describe, expect, test } from "bun:test";
import { formatScoreWithBonus } from "../../views/format.ts";

describe("formatScoreWithBonus", () => {
  test("a bonus that is not counted (use_ta_signals off) is shown beside the score, never added", () => {
    expect(formatScoreWithBonus({ base: 58, bonus: 20, total: 58 })).toBe("58 (+20 TA, not used)");
  });

  test("a counted bonus is shown as a sum that adds up", () => {
    expect(formatScoreWithBonus({ base: 58, bonus: 20, total: 78 })).toBe("58 + 20 = 78");
  });

  test("no bonus: the score alone, counted or not", () => {
    expect(formatScoreWithBonus({ base: 58, bonus: 0, total: 58 })).toBe("58");
  });

  test("fractional scores (an owner's scorer) are written with at most one decimal", () => {
    expect(formatScoreWithBonus({ base: 57.25, bonus: 10, total: 67.25 })).toBe("57.3 + 10 = 67.3");
    expect(formatScoreWithBonus({ base: 57.25, bonus: 10, total: 57.25 })).toBe("57.3 (+10 TA, not used)");
  });
});
