/**
 * Turns scanner scores into trade signals. Scores come from CLOSED candles only
 * (the scanner's decision view): a spike inside a forming bar never opens a
 * position the closed bar would not have. A coin signals long when its long
 * total reaches long_threshold and short when its short total reaches
 * short_threshold; the total includes the TA bonus (capped at +30) only when
 * use_ta_signals is on (src/scanner/composite.ts owns that rule). When both
 * sides qualify, the side further above its threshold wins; an exact tie is
 * ambiguous and is not traded. The coin lists filter afterwards: a non-empty
 * whitelist limits trading to its coins, the blacklist always excludes.
 */
import type { TraderConfig } from "../config/schema.ts";

export interface SideScore {
  base: number;
  bonus: number;
  total: number;
}

export interface ScoredCoin {
  symbol: string;
  price: number;
  long: SideScore;
  short: SideScore;
  /** True when the coin's prices are simulated or replayed. */
  simulated: boolean;
  /** Close time (market time, ms) of the newest closed 5m candle the scores were computed on; null before any. */
  closed_at: number | null;
  /** When that candle arrived (our clock, ms); null before any. */
  received_at: number | null;
}

export interface Signal {
  symbol: string;
  side: "long" | "short";
  score: SideScore;
  threshold: number;
  price: number;
  /** Why the signal cannot be acted on before any position check; null when it may be. */
  excluded: string | null;
}

export function findSignals(coins: ScoredCoin[], config: TraderConfig): Signal[] {
  const signals: Signal[] = [];
  for (const coin of coins) {
    const longOver = coin.long.total - config.long_threshold;
    const shortOver = coin.short.total - config.short_threshold;
    if (longOver < 0 && shortOver < 0) continue;
    if (longOver >= 0 && shortOver >= 0 && longOver === shortOver) continue;
    const side: "long" | "short" = longOver >= 0 && (shortOver < 0 || longOver > shortOver) ? "long" : "short";
    signals.push({
      symbol: coin.symbol,
      side,
      score: side === "long" ? coin.long : coin.short,
      threshold: side === "long" ? config.long_threshold : config.short_threshold,
      price: coin.price,
      excluded: exclusionReason(coin.symbol, config),
    });
  }
  // Strongest first, so max_positions keeps the best signals.
  return signals.sort((a, b) => b.score.total - b.threshold - (a.score.total - a.threshold) || a.symbol.localeCompare(b.symbol));
}

function exclusionReason(symbol: string, config: TraderConfig): string | null {
  if (config.coin_blacklist.includes(symbol)) return "blacklisted";
  if (config.coin_whitelist.length > 0 && !config.coin_whitelist.includes(symbol)) return "not on the whitelist";
  return null;
}
