/**
 * A stand-in for an owner's existing `lib/indicators.ts`: it computes long and
 * short scores (0–100) from Binance klines as the Binance API returns them
 * (arrays of [openTime, "open", "high", "low", "close", "volume", closeTime, …]).
 * Yours will differ; the adapter beside this folder shows how to plug it in.
 */
export type Kline = [number, string, string, string, string, string, number, ...unknown[]];

function closes(klines: Kline[]): number[] {
  return klines.map((k) => Number(k[4]));
}

function rsi(values: number[], period = 14): number | null {
  if (values.length <= period) return null;
  let gain = 0;
  let loss = 0;
  for (let i = values.length - period; i < values.length; i++) {
    const change = values[i]! - values[i - 1]!;
    if (change > 0) gain += change;
    else loss -= change;
  }
  if (gain + loss === 0) return 50;
  return (100 * gain) / (gain + loss);
}

/** The owner's scoring, unchanged: momentum on 5m and trend on 1h. */
export function calculateScores(klines5m: Kline[], klines1h: Kline[]): { longScore: number; shortScore: number; reasons: string[] } {
  const r = rsi(closes(klines5m));
  const hourly = closes(klines1h);
  const trendUp = hourly.length >= 2 && hourly[hourly.length - 1]! > hourly[Math.max(0, hourly.length - 24)]!;
  if (r === null) return { longScore: 0, shortScore: 0, reasons: ["not enough 5m candles"] };
  const longScore = Math.round(Math.max(0, Math.min(100, (70 - r) * 1.5 + (trendUp ? 20 : 0))));
  const shortScore = Math.round(Math.max(0, Math.min(100, (r - 30) * 1.5 + (trendUp ? 0 : 20))));
  return { longScore, shortScore, reasons: [`RSI(14) 5m ${r.toFixed(1)}`, trendUp ? "1h trend up" : "1h trend down"] };
}
