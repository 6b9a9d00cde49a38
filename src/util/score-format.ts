/**
 * The composite score (base score + TA bonus) as text, one way everywhere it
 * is written: scanner cards, signal log lines, the coin page. The arithmetic
 * shown must add up: a bonus the trader does not count (use_ta_signals off)
 * is shown beside the score, never summed into it.
 *
 *   counted:      "58 + 20 = 78"
 *   not counted:  "58 (+20 TA, not used)"
 *   no bonus:     "58"
 */

export interface ScoreWithBonus {
  base: number;
  /** The TA bonus after its cap. */
  bonus: number;
  /** What the trader compares with its threshold: base + bonus when counted, else the base. */
  total: number;
}

export function formatScoreWithBonus(score: ScoreWithBonus): string {
  const { base, bonus, total } = score;
  if (!(bonus > 0)) return scoreText(total);
  // Counted exactly when the total holds the bonus (the records keep base, bonus and total, not the switch).
  const counted = total !== base;
  return counted ? `${scoreText(base)} + ${scoreText(bonus)} = ${scoreText(total)}` : `${scoreText(base)} (+${scoreText(bonus)} TA, not used)`;
}

/** Whole scores as they are; an owner's fractional score with one decimal. */
function scoreText(value: number): string {
  if (!Number.isFinite(value)) return "—";
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
