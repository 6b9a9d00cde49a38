import { describe, expect, test } from "bun:test";
import { DEFAULT_SYMBOLS, validateSymbols } from "../../src/market/symbols.ts";

describe("default symbols", () => {
  test("29 distinct XXXUSDT pairs, none of CoinEx's per-1000 contracts", () => {
    expect(DEFAULT_SYMBOLS).toHaveLength(29);
    expect(new Set(DEFAULT_SYMBOLS).size).toBe(29);
    for (const symbol of DEFAULT_SYMBOLS) {
      expect(symbol).toMatch(/^[A-Z]+USDT$/);
      expect(symbol.startsWith("1000")).toBe(false);
    }
    expect(DEFAULT_SYMBOLS).toContain("BTCUSDT");
    expect(Object.isFrozen(DEFAULT_SYMBOLS)).toBe(true);
  });

  test("validateSymbols names the bad entry", () => {
    expect(validateSymbols(["BTCUSDT"])).toEqual(["BTCUSDT"]);
    expect(() => validateSymbols([])).toThrow(/empty/);
    expect(() => validateSymbols(["BTCUSDT", "btcusdt"], "--symbols")).toThrow(/--symbols\[1\]: "btcusdt" is not an upper-case USDT pair/);
    expect(() => validateSymbols(["BTCUSDT", "BTCUSDT"])).toThrow(/symbols\[1\]: BTCUSDT is listed twice/);
    expect(() => validateSymbols(["BTCUSD"])).toThrow(/not an upper-case USDT pair/);
  });
});
