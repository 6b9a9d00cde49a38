/**
 * The composite score shown and traded on: base score + TA bonus.
 *
 * The bonus is capped at +30 per side and always shown; the `total` the trader
 * compares with its thresholds includes it only when the config's
 * `use_ta_signals` is on, else `total` equals the base (display-only TA, the
 * default). The text adds up to what counts: "45 + 25 = 70" when the bonus is
 * counted, "45 (+25 TA, not used)" when it is not (src/util/score-format.ts).
 * The total is not clamped to 100: thresholds run 0–130 for that reason.
 */
import type { TaResult } from "../ta/result.ts";
import { formatScoreWithBonus } from "../util/score-format.ts";
import type { BaseScore } from "./base-score.ts";

export const TA_BONUS_CAP = 30;

export interface CompositeSide {
  base: number;
  /** TA bonus after the +30 cap. */
  bonus: number;
  /** What trading uses: base + bonus when TA signals are on, else base. */
  total: number;
  /** "45 + 25 = 70" when the bonus counts, "45 (+25 TA, not used)" when it does not (formatScoreWithBonus). */
  text: string;
  /** Whether `total` includes the bonus. */
  applied: boolean;
}

export interface CompositeScore {
  long: CompositeSide;
  short: CompositeSide;
}

function side(base: number, rawBonus: number, useTaSignals: boolean): CompositeSide {
  const bonus = Math.min(TA_BONUS_CAP, Math.max(0, rawBonus));
  const total = useTaSignals ? base + bonus : base;
  return { base, bonus, total, text: formatScoreWithBonus({ base, bonus, total }), applied: useTaSignals };
}

export function compositeScore(score: BaseScore, ta: TaResult, useTaSignals: boolean): CompositeScore {
  const adjustment = ta.composite_score_adjustment;
  return {
    long: side(score.long, adjustment.long_bonus, useTaSignals),
    short: side(score.short, adjustment.short_bonus, useTaSignals),
  };
}
