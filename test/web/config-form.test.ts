import { describe, expect, test } from "bun:test";
import { DEFAULT_TRADER_CONFIG } from "../../src/config/schema.ts";
import { CONFIG_FIELDS } from "../../src/web/forms/config-fields.ts";
import { parseConfigForm } from "../../src/web/forms/parse-config-form.ts";

const current = DEFAULT_TRADER_CONFIG;

describe("parseConfigForm", () => {
  test("the form has an input for every config field except mode and the coin lists", () => {
    const names: string[] = CONFIG_FIELDS.map((f) => f.name).sort();
    const expected = Object.keys(DEFAULT_TRADER_CONFIG).filter((k) => !["mode", "coin_blacklist", "coin_whitelist"].includes(k)).sort();
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
    expect(parsed.issues.sl_pct).toBe('"ten" is not a number (0.1 – 100, empty = off)');
    expect(parsed.issues.long_threshold).toBe("required: enter a number (0 – 130)");
    expect(parsed.values.short_threshold).toBe("40");
  });

  test("the schema's range check runs once the text is numeric", () => {
    const parsed = parseConfigForm({ max_leverage: ["101"], kill_switch_drawdown_pct: ["50"] }, current);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(Object.keys(parsed.issues)).toEqual(["max_leverage"]);
    expect(parsed.issues.max_leverage).toContain("100");
  });

  test("an unknown field is refused by name", () => {
    const parsed = parseConfigForm({ max_leverage: ["5"], leverage_max: ["5"] }, current);
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.issues.leverage_max).toBe('unknown setting "leverage_max"');
  });
});
