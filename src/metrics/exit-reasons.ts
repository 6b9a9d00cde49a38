/**
 * The trader records why each trade closed in its own words ("take profit
 * 12.40 % ≥ 10 %", "stop-loss on the exchange", "closed by owner (page)",
 * "kill switch: equity …"). For grouping and filtering, each reason falls in
 * one category, decided by how the text starts (the words come from
 * src/trader/cycle.ts, controller.ts and reconcile.ts; the backtest's
 * "end of test" too). One table serves both the JavaScript classifier and the
 * SQL expression the trade history filters with, so the two never disagree.
 */

export interface ExitCategory {
  /** In URLs and JSON: `reason=take-profit`. */
  key: string;
  /** For people: "take profit". */
  label: string;
  /** Lower-case beginnings of the recorded reasons that belong here. */
  prefixes: readonly string[];
}

export const EXIT_CATEGORIES: readonly ExitCategory[] = [
  { key: "take-profit", label: "take profit", prefixes: ["take profit", "take-profit"] },
  { key: "stop-loss", label: "stop loss", prefixes: ["stop loss", "stop-loss"] },
  { key: "liquidation", label: "liquidation", prefixes: ["liquidated"] },
  { key: "kill-switch", label: "kill switch", prefixes: ["kill switch"] },
  { key: "emergency-stop", label: "emergency stop", prefixes: ["emergency stop"] },
  { key: "owner", label: "closed by owner", prefixes: ["closed by owner", "close all by owner"] },
  { key: "exchange", label: "closed on the exchange", prefixes: ["closed outside the bot", "closed by the exchange", "auto-deleveraged"] },
  { key: "end-of-test", label: "end of test", prefixes: ["end of test"] },
  { key: "other", label: "other", prefixes: [] },
];

export const EXIT_CATEGORY_KEYS: readonly string[] = EXIT_CATEGORIES.map((c) => c.key);

const OTHER = EXIT_CATEGORIES[EXIT_CATEGORIES.length - 1]!;

/** The category of a recorded close reason ("other" for anything unrecognised, or none). */
export function exitCategoryOf(reason: string | null): ExitCategory {
  const text = (reason ?? "").trim().toLowerCase();
  return EXIT_CATEGORIES.find((c) => c.prefixes.some((p) => text.startsWith(p))) ?? OTHER;
}

export function exitCategoryByKey(key: string): ExitCategory | null {
  return EXIT_CATEGORIES.find((c) => c.key === key) ?? null;
}

/**
 * An SQL expression giving the category key of `column` (a close reason), as
 * exitCategoryOf does. Built only from the constant table above (no input
 * reaches it); the prefixes hold no LIKE wildcards or quotes.
 */
export function exitCategorySql(column: string): string {
  const text = `lower(trim(coalesce(${column}, '')))`;
  const whens = EXIT_CATEGORIES.filter((c) => c.prefixes.length > 0).map(
    (c) => `WHEN ${c.prefixes.map((p) => `substr(${text}, 1, ${p.length}) = '${p}'`).join(" OR ")} THEN '${c.key}'`,
  );
  return `(CASE ${whens.join(" ")} ELSE '${OTHER.key}' END)`;
}
