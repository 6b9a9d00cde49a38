/**
 * Decimal text for exchange amounts. CoinEx wants amounts as decimal strings
 * rounded DOWN to the market's precision; doing that with `Math.floor(x * 10^p)`
 * is wrong for values like 0.29 (0.29 * 100 = 28.999…), so we work on the
 * shortest round-trip decimal text of the number instead.
 */

/** The shortest decimal text that round-trips `value`, without exponent notation (1.5e-7 → "0.00000015"). */
export function toPlainDecimal(value: number): string {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  const text = String(value);
  const match = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!match) return text;
  const [, sign, intPart = "", fracPart = "", expText = "0"] = match;
  const digits = intPart + fracPart;
  const point = intPart.length + Number(expText);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** `value` (≥ 0) rounded down to `decimals` places, as decimal text without trailing zeros ("0.29", "12", "0.0001"). */
export function floorToDecimalString(value: number, decimals: number): string {
  if (!Number.isFinite(value) || value < 0) throw new Error(`amount must be a finite number ≥ 0, got ${value}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) throw new Error(`precision must be an integer 0–20, got ${decimals}`);
  const [intPart = "0", fracPart = ""] = toPlainDecimal(value).split(".");
  const kept = fracPart.slice(0, decimals).replace(/0+$/, "");
  return kept ? `${intPart}.${kept}` : intPart;
}

/** `value` (≥ 0) rounded down to `decimals` places, as a number. */
export function floorToDecimals(value: number, decimals: number): number {
  return Number(floorToDecimalString(value, decimals));
}

/** `value` (≥ 0) rounded up to `decimals` places, as a number. */
export function ceilToDecimals(value: number, decimals: number): number {
  const floored = floorToDecimals(value, decimals);
  if (floored >= value) return floored;
  return Number((floored + 10 ** -decimals).toFixed(decimals));
}

/**
 * `value` (> 0) rounded half-up to `decimals` places, as decimal text without
 * trailing zeros: prices sent to CoinEx (stop triggers). Works on the decimal
 * text like floorToDecimalString, so 1.005 at 2 places is "1.01", not the "1.00"
 * that (1.005).toFixed(2) gives.
 */
export function roundToDecimalString(value: number, decimals: number): string {
  if (!Number.isFinite(value) || value < 0) throw new Error(`price must be a finite number ≥ 0, got ${value}`);
  if (!Number.isInteger(decimals) || decimals < 0 || decimals > 20) throw new Error(`precision must be an integer 0–20, got ${decimals}`);
  const [intPart = "0", fracPart = ""] = toPlainDecimal(value).split(".");
  // All the digits as one integer in units of 10^-decimals, plus the rounding digit.
  const scaled = BigInt(intPart + fracPart.slice(0, decimals).padEnd(decimals, "0")) + (Number(fracPart[decimals] ?? "0") >= 5 ? 1n : 0n);
  const digits = scaled.toString().padStart(decimals + 1, "0");
  const whole = digits.slice(0, digits.length - decimals);
  const kept = digits.slice(digits.length - decimals).replace(/0+$/, "");
  return kept ? `${whole}.${kept}` : whole;
}

/** Decimal places of a step such as a tick size: 0.01 → 2, 0.5 → 1, 1 → 0, 1e-5 → 5. */
export function decimalPlaces(value: number): number {
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  return toPlainDecimal(Math.abs(value)).split(".")[1]?.length ?? 0;
}
