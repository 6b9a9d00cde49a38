/** Loads the ETH/BTC 5m candles and the pandas-ta reference series (test/fixtures). */
import type { Candle } from "../../src/market/candle.ts";

export const CANDLES_PATH = new URL("../fixtures/ETH_BTC-5m.json", import.meta.url).pathname;
export const REFERENCE_PATH = new URL("../fixtures/ETH_BTC-5m.reference.json", import.meta.url).pathname;

export type ReferenceSeries = Record<string, (number | boolean | null)[]> & { t: number[] };

export async function loadCandles(): Promise<Candle[]> {
  return (await Bun.file(CANDLES_PATH).json()) as Candle[];
}

export async function loadReference(): Promise<ReferenceSeries> {
  return (await Bun.file(REFERENCE_PATH).json()) as ReferenceSeries;
}

/** The numeric series of the reference file (everything but t, flags and _meta). */
export const NUMERIC_SERIES = [
  "ema8", "ema13", "ema21", "ema34", "ema55", "ema89", "bb_upper", "bb_middle", "bb_lower",
  "kc_upper", "kc_middle", "kc_lower", "squeeze_momentum", "rsi14", "stochrsi_k", "stochrsi_d",
] as const;

export const FLAG_SERIES = ["squeeze_on", "squeeze_off"] as const;

/** From this bar on every series must agree with the reference to 1e-9 of its scale. */
export const FROM_BAR = 100;
export const RELATIVE_TOLERANCE = 1e-9;

/**
 * Compares a computed series with the reference one: nulls must sit at the same bars
 * (warm-up), and from FROM_BAR on |ours − ref| ≤ 1e-9·max|ref|. Returns problems found.
 */
export function compareSeries(name: string, ours: (number | boolean | null)[], ref: (number | boolean | null)[]): string[] {
  const problems: string[] = [];
  if (ours.length !== ref.length) return [`${name}: ${ours.length} values, reference has ${ref.length}`];
  let scale = 0;
  for (const x of ref) if (typeof x === "number") scale = Math.max(scale, Math.abs(x));
  for (let i = 0; i < ref.length; i++) {
    const a = ours[i];
    const b = ref[i];
    if ((a === null) !== (b === null)) problems.push(`${name}[${i}]: ours ${a}, reference ${b}`);
    else if (typeof b === "boolean") {
      if (a !== b) problems.push(`${name}[${i}]: ours ${a}, reference ${b}`);
    } else if (i >= FROM_BAR && typeof a === "number" && typeof b === "number") {
      if (!(Math.abs(a - b) <= RELATIVE_TOLERANCE * scale)) problems.push(`${name}[${i}]: ours ${a}, reference ${b}`);
    }
    if (problems.length >= 5) break;
  }
  return problems;
}
