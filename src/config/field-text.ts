/**
 * How each config field is named for a trader: a label, the unit its numbers
 * are in, and an example value. Validation messages (describeIssues in
 * schema.ts) are written from these, so a refusal reads
 * "Position size must be at most 50 %", never a library's
 * "Too big: expected number to be <=50". The ranges stay in schema.ts, the judge.
 */

export interface FieldText {
  label: string;
  /** Written after a number: "50 %", "100×", "5 minutes" ("" for none). */
  unit: string;
  /** A typical value, for "must be a number such as …". */
  example: string;
}

export const CONFIG_FIELD_TEXT = {
  mode: { label: "Mode", unit: "", example: "dry-run" },
  position_size_pct: { label: "Position size", unit: "%", example: "5" },
  max_positions: { label: "Max open positions", unit: "positions", example: "3" },
  max_leverage: { label: "Max leverage", unit: "×", example: "10" },
  kill_switch_drawdown_pct: { label: "Kill-switch drawdown", unit: "%", example: "50" },
  tp_pct: { label: "Take-profit", unit: "% of margin", example: "50" },
  sl_pct: { label: "Stop-loss", unit: "% of margin", example: "25" },
  circuit_breaker_threshold: { label: "Circuit breaker", unit: "failures in a row", example: "3" },
  scan_interval_minutes: { label: "Scan interval", unit: "minutes", example: "5" },
  long_threshold: { label: "Long threshold", unit: "points", example: "45" },
  short_threshold: { label: "Short threshold", unit: "points", example: "50" },
  coin_blacklist: { label: "Blacklist", unit: "coins", example: "BTCUSDT" },
  coin_whitelist: { label: "Whitelist", unit: "coins", example: "BTCUSDT" },
  use_ta_signals: { label: "Use TA signals", unit: "", example: "true" },
  reentry_cooldown_minutes: { label: "Re-entry cooldown", unit: "minutes", example: "30" },
} as const satisfies Record<string, FieldText>;

export type ConfigFieldName = keyof typeof CONFIG_FIELD_TEXT;

/** The text of a field by name, or null for one the table does not know (another schema's field). */
export function fieldTextOf(name: string): FieldText | null {
  return Object.hasOwn(CONFIG_FIELD_TEXT, name) ? CONFIG_FIELD_TEXT[name as ConfigFieldName] : null;
}

/** `value` with the unit: "50 %", "100×", "1 minute", "5 minutes". */
export function withUnit(value: number | string, unit: string): string {
  if (unit === "") return String(value);
  if (unit === "×") return `${value}×`;
  // "1 minute", "1 position"; "1 failures in a row" → "1 failure in a row".
  const singular = Number(value) === 1 ? unit.replace(/^(\w+?)s\b/, "$1") : unit;
  return `${value} ${singular}`;
}
