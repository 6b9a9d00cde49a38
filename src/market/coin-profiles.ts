/**
 * Rough, plausible market character per coin for the simulated market and for
 * scaling a replayed file onto many coins: a price level (USDT, mid-2024 order of
 * magnitude), the typical 5-minute volatility (standard deviation of the 5m log
 * return) and a typical 5m base volume. Not live data and not meant to be: only
 * so that a simulated BTC looks like BTC and a simulated DOGE like DOGE.
 */
import { hashString } from "./seeded-random.ts";

export interface CoinProfile {
  price: number;
  /** Standard deviation of one 5m log return, e.g. 0.0012 = 0.12 %. */
  vol5m: number;
  /** Typical base-asset volume of one 5m candle. */
  volume5m: number;
}

const PROFILES: Record<string, CoinProfile> = {
  BTCUSDT: { price: 65_000, vol5m: 0.0012, volume5m: 40 },
  ETHUSDT: { price: 3_200, vol5m: 0.0016, volume5m: 600 },
  SOLUSDT: { price: 150, vol5m: 0.0025, volume5m: 8_000 },
  XRPUSDT: { price: 0.55, vol5m: 0.0022, volume5m: 2_000_000 },
  DOGEUSDT: { price: 0.13, vol5m: 0.0028, volume5m: 10_000_000 },
  ADAUSDT: { price: 0.42, vol5m: 0.0024, volume5m: 2_000_000 },
  AVAXUSDT: { price: 28, vol5m: 0.0028, volume5m: 30_000 },
  LINKUSDT: { price: 14, vol5m: 0.0026, volume5m: 40_000 },
  DOTUSDT: { price: 6, vol5m: 0.0024, volume5m: 60_000 },
  LTCUSDT: { price: 75, vol5m: 0.002, volume5m: 4_000 },
  BCHUSDT: { price: 380, vol5m: 0.0022, volume5m: 800 },
  UNIUSDT: { price: 8, vol5m: 0.0028, volume5m: 30_000 },
  XLMUSDT: { price: 0.1, vol5m: 0.0022, volume5m: 2_000_000 },
  ALGOUSDT: { price: 0.16, vol5m: 0.0026, volume5m: 1_500_000 },
  FILUSDT: { price: 4.5, vol5m: 0.0028, volume5m: 60_000 },
  NEARUSDT: { price: 5, vol5m: 0.003, volume5m: 80_000 },
  AAVEUSDT: { price: 140, vol5m: 0.0028, volume5m: 1_500 },
  SUIUSDT: { price: 1.2, vol5m: 0.0035, volume5m: 300_000 },
  HBARUSDT: { price: 0.07, vol5m: 0.0028, volume5m: 3_000_000 },
  ETCUSDT: { price: 22, vol5m: 0.0022, volume5m: 15_000 },
  APTUSDT: { price: 7, vol5m: 0.003, volume5m: 40_000 },
  ARBUSDT: { price: 0.7, vol5m: 0.0032, volume5m: 400_000 },
  OPUSDT: { price: 1.7, vol5m: 0.0032, volume5m: 150_000 },
  ICPUSDT: { price: 9, vol5m: 0.0028, volume5m: 20_000 },
  GRTUSDT: { price: 0.18, vol5m: 0.003, volume5m: 1_000_000 },
  CRVUSDT: { price: 0.35, vol5m: 0.0035, volume5m: 500_000 },
  INJUSDT: { price: 22, vol5m: 0.0035, volume5m: 10_000 },
  VETUSDT: { price: 0.025, vol5m: 0.0026, volume5m: 5_000_000 },
  EGLDUSDT: { price: 30, vol5m: 0.0028, volume5m: 3_000 },
};

/** The profile of `symbol`; a coin without one gets a stable made-up profile derived from its name. */
export function coinProfile(symbol: string): CoinProfile {
  const known = PROFILES[symbol];
  if (known) return known;
  const hash = hashString(symbol);
  const price = 10 ** ((hash % 500) / 100 - 2); // 0.01 … ~1000
  return { price, vol5m: 0.003, volume5m: 50_000 / price };
}

/**
 * A rounding function to a fixed tick of about six significant digits at `reference`
 * (exchanges quote on a fixed tick). Monotonic, so high ≥ close stays true after
 * rounding; dividing by an integer power of ten keeps decimals clean (0.13, not
 * 0.13000000000000003).
 */
export function priceRounder(reference: number): (price: number) => number {
  const decimals = 5 - Math.floor(Math.log10(reference));
  if (decimals >= 0) {
    const scale = 10 ** decimals;
    return (price) => Math.round(price * scale) / scale;
  }
  const tick = 10 ** -decimals;
  return (price) => Math.round(price / tick) * tick;
}
