import { describe, expect, test } from "bun:test";
import { DEFAULT_SYMBOLS, MAX_SYMBOLS, validateSymbols } from "../../src/market/symbols.ts";
import { parseSettings } from "../../src/settings.ts";

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

  test("up to 300 symbols are accepted; more is refused with the limit named", () => {
    const made = (n: number) => Array.from({ length: n }, (_, i) => `Z${String(i).padStart(3, "0")}USDT`);
    expect(MAX_SYMBOLS).toBe(300);
    expect(validateSymbols(made(300))).toHaveLength(300);
    expect(() => validateSymbols(made(301), "--symbols")).toThrow("--symbols: 301 symbols is more than one process watches (at most 300)");
    // The server's flag says so before anything starts.
    expect(parseSettings(["--symbols", made(300).join(",")], {}).symbols).toHaveLength(300);
    expect(() => parseSettings(["--symbols", made(301).join(",")], {})).toThrow("--symbols: at most 300 symbols in one process");
  });
});
