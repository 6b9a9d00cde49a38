import { describe, expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import { CONFIG_FIELDS } from "../../src/web/forms/config-fields.ts";
import { parseConfigForm } from "../../src/web/forms/parse-config-form.ts";

const current = DEFAULT_TRADER_CONFIG;

describe("parseConfigForm", () => {
  test("the form has an input for every config field except mode, the coin lists and the notifications (their own panel)", () => {
    const names: string[] = CONFIG_FIELDS.map((f) => f.name).sort();
    const expected = Object.keys(DEFAULT_TRADER_CONFIG).filter((k) => !["mode", "coin_blacklist", "coin_whitelist", "notifications"].includes(k)).sort();
    expect(names).toEqual(expected);
  });

  test("keeps only changed fields; empty TP/SL means off (null); the checkbox's last value wins", () => {
    const parsed = parseConfigForm({ max_leverage: ["10"], position_size_pct: [" 2.5 "], tp_pct: [""], use_ta_signals: ["false", "true"] }, { ...current, tp_pct: 20 });
    expect(parsed).toEqual({ ok: true, patch: { position_size_pct: 2.5, tp_pct: null, use_ta_signals: true } });
  });

  test("an unticked checkbox sends only the hidden false", () => {
    const parsed = parseConfigForm({ use_ta_signals: ["false"] }, { ...current, use_ta_signals: true });
    expect(parsed).toEqual({ ok: true, patch: { use_ta_signals: false } });
  });

  test("every problem is reported against its own field, and nothing is patched", () => {
    const parsed = parseConfigForm({ max_leverage: ["0"], max_positions: ["1.5"], sl_pct: ["ten"], long_threshold: [""], short_threshold: ["40"] }, current);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.issues).sort()).toEqual(["long_threshold", "max_leverage", "max_positions", "sl_pct"]);
    expect(parsed.issues.sl_pct).toBe('Stop-loss must be a number such as 25 % of margin, or empty for none ("ten" is not a number)');
    expect(parsed.issues.long_threshold).toBe("Long threshold is required: enter a number such as 45 points");
    expect(parsed.issues.max_leverage).toBe("Max leverage must be at least 1×");
    expect(parsed.issues.max_positions).toBe("Max open positions must be a whole number such as 3 positions");
    expect(parsed.values.short_threshold).toBe("40");
  });

  test("the schema's range check runs once the text is numeric", () => {
    const parsed = parseConfigForm({ max_leverage: ["101"], kill_switch_drawdown_pct: ["50"] }, current);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.issues)).toEqual(["max_leverage"]);
    // A trader's sentence, not the library's "Too big: expected number to be <=100".
    expect(parsed.issues.max_leverage).toBe("Max leverage must be at most 100×");
  });

  test("an unknown field is refused by name", () => {
    const parsed = parseConfigForm({ max_leverage: ["5"], leverage_max: ["5"] }, current);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.leverage_max).toBe('"leverage_max" is not a known setting');
  });
});
