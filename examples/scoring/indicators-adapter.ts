/**
 * Bring your own scoring: an adapter from the bot's scoring interface to an
 * existing `lib/indicators.ts` that scores Binance klines. Copy this file next
 * to your `lib/` folder, change the import and the call, and start the bot with
 *
 *   bun src/main.ts serve --scoring path/to/indicators-adapter.ts
 *   bun src/main.ts backtest --scoring path/to/indicators-adapter.ts
 *
 * The bot calls `score(input)` for each coin after each closed 5m candle with
 * its closed 5m, 1h and 4h candles (oldest first, up to 1000 each), the latest
 * price and 24 h figures; it expects `{ long, short }` from 0 to 100 and shows
 * `components` in the scanner's tooltip. See README, "Bring your own scoring".
 */
import { calculateScores, type Kline } from "./lib/indicators.ts";

interface Candle { t: number; o: number; h: number; l: number; c: number; v: number }
interface ScoringInput { symbol: string; price: number; candles: { "5m": readonly Candle[]; "1h": readonly Candle[]; "4h": readonly Candle[] } }

/** Our candles back into Binance's kline rows (numbers as strings, as the API sends them). */
function toKlines(candles: readonly Candle[], intervalMs: number): Kline[] {
  return candles.map((c) => [c.t, String(c.o), String(c.h), String(c.l), String(c.c), String(c.v), c.t + intervalMs - 1]);
}

export function score(input: ScoringInput) {
  const result = calculateScores(toKlines(input.candles["5m"], 300_000), toKlines(input.candles["1h"], 3_600_000));
  return {
    long: result.longScore,
    short: result.shortScore,
    components: [{ name: "lib/indicators.ts", long: result.longScore, short: result.shortScore, detail: result.reasons.join(", ") }],
  };
}
