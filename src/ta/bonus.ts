/**
 * The TA bonus (DESIGN.md): points a TA read adds to a side's score, with the reason.
 *
 * - +10 ribbon aligned: the ribbon is bullish on BOTH 5m and 1h (long), or bearish on
 *   both (short). One timeframe alone is noise against the other.
 * - +15 squeeze fired in the signal direction: the squeeze fired on this bar (ON at the
 *   previous bar, not now) and momentum is positive (long) or negative (short).
 * - +20 divergence aligned: a bullish Stoch RSI divergence inside the last 50 5m
 *   candles (long) or a bearish one (short).
 *
 * The sum is uncapped here (at most 45); the +30 cap applies where the bonus is used
 * for trading (src/scanner/composite.ts).
 */
import type { RibbonState, TaResult } from "./result.ts";

export const RIBBON_BONUS = 10;
export const SQUEEZE_BONUS = 15;
export const DIVERGENCE_BONUS = 20;

export interface BonusInputs {
  ribbon5m: RibbonState;
  ribbon1h: RibbonState;
  squeeze: TaResult["ttm_squeeze"];
  divergence: TaResult["stoch_rsi_divergence"];
}

export function taBonus({ ribbon5m, ribbon1h, squeeze, divergence }: BonusInputs): TaResult["composite_score_adjustment"] {
  let long = 0;
  let short = 0;
  const reasoning: string[] = [];
  if (ribbon5m === ribbon1h && ribbon5m !== "mixed") {
    if (ribbon5m === "bullish") long += RIBBON_BONUS;
    else short += RIBBON_BONUS;
    reasoning.push(`EMA ribbon ${ribbon5m} on 5m and 1h (+${RIBBON_BONUS})`);
  }
  if (squeeze.squeeze === "fired" && squeeze.direction !== "neutral") {
    if (squeeze.direction === "bullish") long += SQUEEZE_BONUS;
    else short += SQUEEZE_BONUS;
    reasoning.push(
      `TTM squeeze fired ${squeeze.direction} on ${squeeze.timeframe} after ${squeeze.bars_in_squeeze} bars (+${SQUEEZE_BONUS})`,
    );
  }
  if (divergence.divergence !== "none") {
    if (divergence.divergence === "bullish") long += DIVERGENCE_BONUS;
    else short += DIVERGENCE_BONUS;
    reasoning.push(
      `Stoch RSI ${divergence.divergence} divergence ${divergence.candles_ago} candles ago, strength ${divergence.strength} (+${DIVERGENCE_BONUS})`,
    );
  }
  return { long_bonus: long, short_bonus: short, reasoning };
}
