/**
 * Validation messages written for a trader (issue 12, item 5f): every bound of
 * every config field, and every wrong type, gives a sentence with the field's
 * label and unit ("Position size must be at most 50 %"), never a library's
 * phrasing ("Too big: expected number to be <=50").
 */
import { describe, expect, test } from "bun:test";
import { CONFIG_FIELD_TEXT, withUnit } from "../../src/config/field-text.ts";
import { DEFAULT_TRADER_CONFIG, TraderConfigPatchSchema, TraderConfigSchema, describeIssues } from "../../src/config/schema.ts";
import { DOCUMENTED_RANGES } from "./documented-ranges.ts";

/** What zod writes by itself; none of it may reach a trader. */
const LIBRARY_PHRASING = /too big|too small|expected|received|invalid (input|option|string)|unrecognized|<=|>=|must match pattern|nan\b/i;

function messagesFor(patch: Record<string, unknown>): { path: string; message: string }[] {
  const result = TraderConfigPatchSchema.safeParse(patch);
  expect(result.success).toBe(false);
  return describeIssues(result.error!);
}

function expectTraderSentence(field: string, message: string): void {
  const text = CONFIG_FIELD_TEXT[field as keyof typeof CONFIG_FIELD_TEXT];
  expect(message).toStartWith(text.label);
  // The unit as written after a number: "minutes", or "minute" after a 1.
  if (text.unit) expect(message.includes(text.unit) || message.includes(text.unit.replace(/^(\w+?)s\b/, "$1"))).toBe(true);
  expect(message).not.toMatch(LIBRARY_PHRASING);
}

describe("every config field has a human label and unit", () => {
  test("each field of the schema (but the notifications block, which has its own form) is in the table", () => {
    const fields = Object.keys(TraderConfigPatchSchema.shape).filter((name) => name !== "notifications").sort();
    expect(Object.keys(CONFIG_FIELD_TEXT).sort()).toEqual(fields);
    for (const [name, text] of Object.entries(CONFIG_FIELD_TEXT)) {
      expect(text.label.length, name).toBeGreaterThan(2);
      expect(text.label).not.toContain("_");
    }
  });
});

describe("every bound of every numeric field reads as a sentence with label and unit", () => {
  for (const [field, [min, max, whole]] of Object.entries(DOCUMENTED_RANGES)) {
    test(field, () => {
      const step = whole ? 1 : 0.01;
      const cases: unknown[] = [Number((min - step).toFixed(2)), Number((max + step).toFixed(2)), "abc", Number.NaN, true];
      if (whole) cases.push(min + 0.5);
      if (field !== "tp_pct" && field !== "sl_pct") cases.push(null);
      for (const value of cases) {
        const issues = messagesFor({ [field]: value });
        expect(issues).toHaveLength(1);
        expect(issues[0]!.path).toBe(field);
        expectTraderSentence(field, issues[0]!.message);
      }
      const unit = CONFIG_FIELD_TEXT[field as keyof typeof CONFIG_FIELD_TEXT].unit;
      expect(messagesFor({ [field]: max + step })[0]!.message).toContain(`must be at most ${withUnit(max, unit)}`);
      expect(messagesFor({ [field]: min - step })[0]!.message).toContain(`must be at least ${withUnit(min, unit)}`);
    });
  }

  test("the issue's own example, word for word", () => {
    expect(messagesFor({ position_size_pct: 60 })[0]!.message).toBe("Position size must be at most 50 %");
    expect(messagesFor({ max_leverage: 500 })[0]!.message).toBe("Max leverage must be at most 100×");
    expect(messagesFor({ max_leverage: 2.5 })[0]!.message).toBe("Max leverage must be a whole number such as 10×");
    expect(messagesFor({ scan_interval_minutes: 0 })[0]!.message).toBe("Scan interval must be at least 1 minute");
  });
});

describe("the other fields and mistakes", () => {
  test("mode, the TA switch, the coin lists and an unknown setting", () => {
    const mode = messagesFor({ mode: "yolo" })[0]!;
    expect(mode.message).toBe("Mode must be live, dry-run or paused");
    const ta = messagesFor({ use_ta_signals: "yes" })[0]!;
    expect(ta.message).toBe("Use TA signals must be on or off (true or false)");
    const coin = messagesFor({ coin_blacklist: ["BTCUSDT", "btc"] })[0]!;
    expect(coin).toEqual({ path: "coin_blacklist.1", message: "Blacklist, entry 2, must be an upper-case USDT pair such as BTCUSDT" });
    expect(messagesFor({ coin_whitelist: ["BTCUSDT", "BTCUSDT"] })[0]!.message).toBe("Whitelist must not list a symbol twice");
    expect(messagesFor({ coin_whitelist: "BTCUSDT" })[0]!.message).toBe("Whitelist must be a list of symbols such as BTCUSDT");
    expect(messagesFor({ coin_whitelist: Array.from({ length: 201 }, (_, i) => `C${i}USDT`) })[0]!.message).toBe("Whitelist must list at most 200 coins");
    const unknown = messagesFor({ max_leveraeg: 5 })[0]!;
    expect(unknown.message).toBe('"max_leveraeg" is not a known setting');
    for (const issue of [mode, ta, coin, unknown]) expect(issue.message).not.toMatch(LIBRARY_PHRASING);
  });

  test("the stop-loss beyond liquidation names both settings in words, with the limit", () => {
    const result = TraderConfigSchema.safeParse({ ...DEFAULT_TRADER_CONFIG, max_leverage: 10, sl_pct: 95 });
    const [issue] = describeIssues(result.error!);
    expect(issue).toEqual({
      path: "sl_pct",
      message: "Stop-loss 95 % of margin can never fire at max leverage 10×: the position is liquidated at about −94.97 % of its margin first. Set the stop-loss below 94.97 % or lower the max leverage",
    });
  });
});
