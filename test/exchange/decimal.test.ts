import { describe, expect, test } from "bun:test";
import { ceilToDecimals, decimalPlaces, floorToDecimalString, roundToDecimalString, toPlainDecimal } from "../../src/exchange/decimal.ts";

describe("toPlainDecimal", () => {
  test("expands exponent notation", () => {
    expect(toPlainDecimal(1.5e-7)).toBe("0.00000015");
    expect(toPlainDecimal(1e21)).toBe("1000000000000000000000");
    expect(toPlainDecimal(-2.5e-8)).toBe("-0.000000025");
    expect(toPlainDecimal(0.1)).toBe("0.1");
  });
  test("refuses non-finite numbers", () => {
    expect(() => toPlainDecimal(Number.NaN)).toThrow("not a finite number");
  });
});

describe("floorToDecimalString", () => {
  test("rounds down, never up", () => {
    expect(floorToDecimalString(0.12349, 4)).toBe("0.1234");
    expect(floorToDecimalString(0.99999, 2)).toBe("0.99");
    expect(floorToDecimalString(7.9, 0)).toBe("7");
  });
  test("keeps values that are exact at the precision (0.29 * 100 is 28.999… in floating point)", () => {
    expect(floorToDecimalString(0.29, 2)).toBe("0.29");
    expect(floorToDecimalString(1.005, 3)).toBe("1.005");
  });
  test("drops floating-point noise below the precision", () => {
    expect(floorToDecimalString(0.1 + 0.2, 8)).toBe("0.3");
  });
  test("handles tiny amounts written in exponent form", () => {
    expect(floorToDecimalString(1.5e-7, 8)).toBe("0.00000015");
    expect(floorToDecimalString(1.5e-7, 6)).toBe("0");
  });
  test("refuses negative and non-finite amounts and bad precision", () => {
    expect(() => floorToDecimalString(-1, 2)).toThrow("finite number ≥ 0");
    expect(() => floorToDecimalString(Number.POSITIVE_INFINITY, 2)).toThrow("finite number ≥ 0");
    expect(() => floorToDecimalString(1, 2.5)).toThrow("precision");
  });
});

describe("ceilToDecimals", () => {
  test("rounds up to the precision", () => {
    expect(ceilToDecimals(5 / 60_000, 7)).toBe(0.0000834); // 0.0000833333…
    expect(ceilToDecimals(0.05, 4)).toBe(0.05);
    expect(ceilToDecimals(0.0501, 2)).toBe(0.06);
  });
});

describe("roundToDecimalString", () => {
  test("rounds half up on the decimal text (1.005 → 1.01, where toFixed gives 1.00)", () => {
    expect(roundToDecimalString(1.005, 2)).toBe("1.01");
    expect(roundToDecimalString(57_000.125, 2)).toBe("57000.13");
    expect(roundToDecimalString(57_000.124, 2)).toBe("57000.12");
    expect(roundToDecimalString(9.995, 2)).toBe("10");
    expect(roundToDecimalString(123.5, 0)).toBe("124");
    expect(roundToDecimalString(3.712345, 4)).toBe("3.7123");
    expect(roundToDecimalString(1.5e-7, 8)).toBe("0.00000015");
  });
  test("refuses negative and non-finite prices and bad precision", () => {
    expect(() => roundToDecimalString(-1, 2)).toThrow("finite number ≥ 0");
    expect(() => roundToDecimalString(Number.NaN, 2)).toThrow("finite number ≥ 0");
    expect(() => roundToDecimalString(1, -1)).toThrow("precision");
  });
});

describe("decimalPlaces", () => {
  test("of a tick size", () => {
    expect([0.01, 0.5, 1, 10, 1e-5, 0.0001].map(decimalPlaces)).toEqual([2, 1, 0, 0, 5, 4]);
  });
});
